/**
 * A SQLite table made again with its date-time cursor declared TEXT instead of DATETIME (SQLite
 * has no ALTER COLUMN … TYPE: tables are rebuilt): the target table holds the cursor, and its
 * watermark, as a timestamp, and the next run compared the column's text with the watermark
 * as text. `2024-01-01T00:00:00` sorts above `2024-01-01 00:00:00.5` (`T` > space), so every
 * row was read and appended again (2 rows became 4). Refused now (exit 2) before anything is
 * read, as on Postgres and MySQL (db-review-cursor-type-change); with the type the message
 * names, the run compares instants and reads only the new row.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const newDir = useTmpDirs('floe-sqlite-cursor-type-');
beforeAll(() => assertBuilt());

const count = async (dir: string) => {
  const r = await floeOk(dir, ['query', 'SELECT count(*) AS n FROM raw.ev', '--format', 'json']);
  return Number((JSON.parse(r.stdout) as { n: number }[])[0]!.n);
};

describe('a SQLite cursor declared DATETIME, then TEXT', () => {
  it('is refused before anything is read, and reads only new rows once typed', async () => {
    const dir = await writeProject(await newDir());
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
    const pipeline = (columns?: string) =>
      writeFile(
        path.join(dir, 'pipelines', 'ev.yaml'),
        `name: ev\nsource:\n  kind: sqlite\n  connection: src.db\n  table: ev\n  incremental: { cursor: updated_at }\n${columns ? `columns: ${columns}\n` : ''}target: { table: raw.ev, mode: append }\n`,
      );
    await pipeline();
    const src = new Database(path.join(dir, 'src.db'));
    try {
      src.exec(`CREATE TABLE ev (id int, updated_at DATETIME);
        INSERT INTO ev VALUES (1, '2024-01-01 00:00:00'), (2, '2024-01-01 00:00:00.5')`);
      await floeOk(dir, ['run', 'ev']);
      expect(await count(dir)).toBe(2);

      src.exec(`ALTER TABLE ev RENAME TO ev_old; CREATE TABLE ev (id int, updated_at TEXT);
        INSERT INTO ev SELECT id, replace(CAST(updated_at AS TEXT), ' ', 'T') FROM ev_old; DROP TABLE ev_old`);
      const r = await floeIn(dir, ['run', 'ev']);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain(`incremental cursor updated_at is a TEXT column on sqlite ${path.join(dir, 'src.db')}`);
      expect(r.stderr).toContain('as timestamp');
      expect(r.stderr).toContain('columns: { updated_at: { type: timestamp } }');
      expect(r.stderr).toContain(`pipeline ev (${path.join(dir, 'pipelines', 'ev.yaml')})`);
      // The old code read both rows again and appended them (4).
      expect(await count(dir)).toBe(2);

      await pipeline('{ updated_at: { type: timestamp } }');
      src.exec(`INSERT INTO ev VALUES (3, '2024-01-01T00:00:01')`);
      await floeOk(dir, ['run', 'ev']);
      const rows = await floeOk(dir, ['query', 'SELECT id, CAST(updated_at AS VARCHAR) AS t FROM raw.ev ORDER BY id', '--format', 'json']);
      expect(JSON.parse(rows.stdout)).toEqual([
        { id: 1, t: '2024-01-01 00:00:00' },
        { id: 2, t: '2024-01-01 00:00:00.5' },
        { id: 3, t: '2024-01-01 00:00:01' },
      ]);
    } finally {
      src.close();
    }
  }, 60_000);

  it('a TEXT cursor from the first run stays a text cursor (no refusal)', async () => {
    const dir = await writeProject(await newDir());
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
    await writeFile(path.join(dir, 'pipelines', 'ev.yaml'), 'name: ev\nsource:\n  kind: sqlite\n  connection: src.db\n  table: ev\n  incremental: { cursor: updated_at }\ntarget: { table: raw.ev, mode: append }\n');
    const src = new Database(path.join(dir, 'src.db'));
    try {
      src.exec(`CREATE TABLE ev (id int, updated_at TEXT); INSERT INTO ev VALUES (1, '2024-01-01 00:00:00')`);
      await floeOk(dir, ['run', 'ev']);
      src.exec(`INSERT INTO ev VALUES (2, '2024-01-02 00:00:00')`);
      await floeOk(dir, ['run', 'ev']);
      expect(await count(dir)).toBe(2);
    } finally {
      src.close();
    }
  }, 60_000);
});
