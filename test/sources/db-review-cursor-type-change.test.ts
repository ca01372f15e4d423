/**
 * An incremental cursor whose column changes type at the source between runs: a timestamptz
 * (or DATETIME) column altered to text. The table holds the cursor, and its watermark, as a
 * timestamp; the text of the same instants in another form (`…+01` from an ALTER run in a
 * session whose TimeZone is not UTC, MySQL's `…00.500000` for DuckDB's `…00.5`) sorted above
 * the watermark, and the next run, with no new row, read and appended every row again. Such a
 * run is now refused (exit 2) before anything is read or written, naming the column, both types
 * and the fix; with `columns: { updated_at: { type: timestamptz } }` the run compares instants
 * and reads only the new rows. Through the CLI, on the provisioned Postgres and MariaDB.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { runId, services, setupOnce, usePgSchema } from './helpers.js';

const newDir = useTmpDirs('floe-cursor-type-');
beforeAll(() => assertBuilt());

const db = usePgSchema('floe_ctc', `
    CREATE TABLE ev (id int, updated_at timestamptz);
    INSERT INTO ev VALUES (1, '2024-01-01 00:00:00+00'), (2, '2024-01-01 00:00:00.000001+00');`);

const myTable = `ctc_${runId}`;
let my: mysql.Connection | undefined;
setupOnce(async () => {
  my = await mysql.createConnection({ uri: services().mysql, multipleStatements: true });
  await my.query(`CREATE TABLE ${myTable} (id INT, updated_at DATETIME(6));
    INSERT INTO ${myTable} VALUES (1, '2024-01-01 00:00:00'), (2, '2024-01-01 00:00:00.5');`);
});
afterAll(async () => {
  await my?.query(`DROP TABLE IF EXISTS ${myTable}`).catch(() => undefined);
  await my?.end();
});

async function project(kind: 'postgres' | 'mysql', table: string): Promise<{ dir: string; env: Record<string, string>; write: (columns?: string) => Promise<void> }> {
  const dir = await writeProject(await newDir());
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(dir, 'pipelines'));
  await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  const write = (columns?: string) =>
    writeFile(
      path.join(dir, 'pipelines', 'ev.yaml'),
      `name: ev\nsource:\n  kind: ${kind}\n  connection: "\${CTC_URL}"\n  table: ${table}\n  incremental: { cursor: updated_at }\n${columns ? `columns: ${columns}\n` : ''}target: { table: raw.ev, mode: append }\n`,
    );
  await write();
  return { dir, env: { CTC_URL: kind === 'postgres' ? db.url : services().mysql }, write };
}

const count = async (dir: string) => {
  const r = await floeOk(dir, ['query', 'SELECT count(*) AS n FROM raw.ev', '--format', 'json']);
  return Number((JSON.parse(r.stdout) as { n: number }[])[0]!.n);
};

describe('an incremental cursor altered from a timestamp to text at the source', () => {
  it('postgres: timestamptz → text is refused before anything is read, and reads only new rows once typed', async () => {
    const p = await project('postgres', db.table('ev'));
    await floeOk(p.dir, ['run', 'ev'], { env: p.env });
    expect(await count(p.dir)).toBe(2);
    // The ALTER's text is in its session's zone: 2024-01-01 01:00:00.000001+01.
    await db.admin.query(`SET TimeZone TO 'Europe/Berlin'; ALTER TABLE ev ALTER COLUMN updated_at TYPE text; RESET TimeZone`);
    const r = await floeIn(p.dir, ['run', 'ev'], { env: p.env });
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('incremental cursor updated_at is a text column on postgres');
    expect(r.stderr).toContain('as timestamptz');
    expect(r.stderr).toContain('columns: { updated_at: { type: timestamptz } }');
    // No duplicate: the old code appended both rows again (4).
    expect(await count(p.dir)).toBe(2);

    await p.write('{ updated_at: { type: timestamptz } }');
    await db.admin.query(`INSERT INTO ev VALUES (3, '2024-01-01 01:30:00+01')`);
    await floeOk(p.dir, ['run', 'ev'], { env: p.env });
    const rows = await floeOk(p.dir, ['query', 'SELECT id, CAST(updated_at AS VARCHAR) AS t FROM raw.ev ORDER BY id', '--format', 'json']);
    expect(JSON.parse(rows.stdout)).toEqual([
      { id: 1, t: '2024-01-01 00:00:00+00' },
      { id: 2, t: '2024-01-01 00:00:00.000001+00' },
      { id: 3, t: '2024-01-01 00:30:00+00' },
    ]);
  }, 60_000);

  it('mysql: DATETIME → VARCHAR is refused the same way, and reads only new rows once typed', async () => {
    const p = await project('mysql', myTable);
    await floeOk(p.dir, ['run', 'ev'], { env: p.env });
    expect(await count(p.dir)).toBe(2);
    // MySQL's text of the DATETIME(6) is 2024-01-01 00:00:00.500000, above DuckDB's …00.5 as text.
    await my!.query(`ALTER TABLE ${myTable} MODIFY updated_at VARCHAR(40)`);
    const r = await floeIn(p.dir, ['run', 'ev'], { env: p.env });
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('incremental cursor updated_at is a');
    expect(r.stderr).toContain('as timestamp:');
    expect(r.stderr).toContain('columns: { updated_at: { type: timestamp } }');
    expect(await count(p.dir)).toBe(2);

    await p.write('{ updated_at: { type: timestamp } }');
    await my!.query(`INSERT INTO ${myTable} VALUES (3, '2024-01-01 00:00:01.000000')`);
    await floeOk(p.dir, ['run', 'ev'], { env: p.env });
    const rows = await floeOk(p.dir, ['query', 'SELECT id, CAST(updated_at AS VARCHAR) AS t FROM raw.ev ORDER BY id', '--format', 'json']);
    expect(JSON.parse(rows.stdout)).toEqual([
      { id: 1, t: '2024-01-01 00:00:00' },
      { id: 2, t: '2024-01-01 00:00:00.5' },
      { id: 3, t: '2024-01-01 00:00:01' },
    ]);
  }, 60_000);
});
