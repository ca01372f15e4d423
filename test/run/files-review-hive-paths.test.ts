/**
 * Source files under folders named key=value. DuckDB's readers take such a folder for a Hive
 * partition by default: a column `key` the file also holds got the folder's value instead of
 * the file's (`year=2024/a.csv` holding year 1999 wrote 2024), and a file without it got a
 * column from its path. File sources and `floe load` now read what the files hold.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, duck, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (name: string, kind: string, path: string) =>
  `name: ${name}\nsource:\n  kind: ${kind}\n  path: ${path}\ntarget:\n  table: raw.${name}\n  mode: append\n`;

async function withFiles(): Promise<Project> {
  const p = await newProject();
  await p.write('in/year=2024/a.csv', 'id,year\n1,1999\n');
  await p.write('in/year=2024/b.csv', 'id\n2\n');
  await p.write('in/year=2024/a.jsonl', '{"id":1,"year":1999}\n');
  await p.write('in/year=2024/b.jsonl', '{"id":2}\n');
  await p.write('in/year=2024/a.json', '[{"id":1,"year":1999}]');
  await p.write('in/year=2024/b.json', '[{"id":2}]');
  await p.write('in/year=2024/.keep', '');
  await duck(
    `COPY (SELECT 1 AS id, 1999 AS year) TO '${p.path('in/year=2024/a.parquet')}'`,
    `COPY (SELECT 2 AS id) TO '${p.path('in/year=2024/b.parquet')}'`,
  );
  return p;
}

describe('source files under key=value folders', () => {
  for (const kind of ['csv', 'jsonl', 'json', 'parquet']) {
    it(`a ${kind} pipeline keeps the files' values and adds no column from the path`, async () => {
      const p = await withFiles();
      await p.pipeline('t', pipeline('t', kind, `in/*/*.${kind}`));
      await p.run(['t']);
      expect(await p.query('SELECT id, year FROM raw.t ORDER BY id')).toEqual([
        { id: 1, year: 1999 },
        { id: 2, year: null },
      ]);
    });
  }

  it('floe load of one file keeps its value', async () => {
    const p = await withFiles();
    const r = await p.floe(['load', 'raw.one', p.path('in/year=2024/a.csv')]);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT id, year FROM raw.one')).toEqual([{ id: 1, year: 1999 }]);
  });

  it('floe load of a parquet glob adds no column from the path', async () => {
    const p = await withFiles();
    const r = await p.floe(['load', 'raw.pq', p.path('in/*/b.parquet')]);
    expect(r.code, show(r)).toBe(0);
    expect(await p.columns('raw.pq')).toEqual(['id int']);
  });
});
