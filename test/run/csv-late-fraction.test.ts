/**
 * DuckDB types a CSV file's columns from its first 20,480 rows. A column of whole numbers
 * there was read BIGINT, and a later `10.5` became 11 and `0x1F` became 31 without a word.
 * A run now stops on the fraction, naming the column, the value and the file; a pipeline rule
 * typing the column quarantines the row instead; `0x1F` is a conversion reject like `abc`;
 * integers of 64 bits stay exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const ROWS = 30_000;
/** A CSV of `ROWS` records `id,qty` whose qty is `i % 97`, except record `at`, which holds `late`. */
function lateCsv(late: string, at = 25_001): string {
  const lines = ['id,qty'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${i},${i === at ? late : String(i % 97)}`);
  return `${lines.join('\n')}\n`;
}

function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('csv: a value after the rows the types were sniffed from', () => {
  it('a fraction in a column typed long stops the run, naming column, value and file, and writes nothing', async () => {
    const p = await newProject();
    const file = await p.write('data/l.csv', lateCsv('10.5'));
    await p.pipeline('l', 'source: { kind: csv, path: data/l.csv }\ntarget: { table: raw.l }\n');
    const r = await p.floe(['run', 'l']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('CSV column "qty" holds 10.5, which is not a whole number');
    expect(r.stderr).toContain(`${file}:25002: `);
    expect(r.stderr).toContain("typed long from the file's first 20,480 rows");
    expect(r.stderr).toContain('columns: { "qty": double }');
    expect(r.stderr).not.toContain('INTERNAL');
    expect(await p.tables()).not.toContain('raw.l');
  });

  it('declaring the column double keeps the fraction', async () => {
    const p = await newProject();
    await p.write('data/l.csv', lateCsv('10.5'));
    await p.pipeline('l', 'source: { kind: csv, path: data/l.csv, columns: { qty: double } }\ntarget: { table: raw.l }\n');
    await p.run(['l']);
    expect(await p.query('SELECT qty FROM raw.l WHERE id = 25001')).toEqual([{ qty: 10.5 }]);
  });

  it('a pipeline rule typing the column long quarantines the row with the fraction', async () => {
    const p = await newProject();
    const file = await p.write('data/l.csv', lateCsv('10.5'));
    await p.pipeline('l', ['source: { kind: csv, path: data/l.csv }', 'columns:', '  qty: { type: long }', 'target: { table: raw.l }', 'rejects: { max_ratio: 0.01 }', ''].join('\n'));
    const r = await p.run(['l', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: ROWS - 1, rejects: 1 });
    expect(await p.query('SELECT count(*) AS n, sum(qty) AS s FROM raw.l WHERE id BETWEEN 25000 AND 25002')).toEqual([{ n: 2, s: (25_000 % 97) + (25_002 % 97) }]);
    const rejects = await p.query('SELECT source, line, raw, reason FROM raw.l__rejects');
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ source: file, line: 25_002 });
    expect(String(rejects[0]!.raw)).toContain('10.5');
    expect(String(rejects[0]!.reason)).toContain('qty');
  });

  it('0x1F is not read as 31: it is a reject like any text that is not a number', async () => {
    const p = await newProject();
    await p.write('data/h.csv', lateCsv('0x1F'));
    await p.pipeline('h', 'source: { kind: csv, path: data/h.csv }\ntarget: { table: raw.h }\nrejects: { max_ratio: 0.01 }\n');
    const r = await p.run(['h', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: ROWS - 1, rejects: 1 });
    expect(await p.query('SELECT count(*) AS n FROM raw.h WHERE qty = 31 AND id = 25001')).toEqual([{ n: 0 }]);
    expect(await p.query('SELECT raw FROM raw.h__rejects')).toEqual([{ raw: '25001,0x1F' }]);
  });

  it('whole numbers after the sniffed rows, and integers of 64 bits, are written exactly', async () => {
    const p = await newProject();
    const lines = ['id,qty'];
    for (let i = 1; i <= ROWS; i++) lines.push(`${9_007_199_254_740_993n + BigInt(i)},${i === 25_001 ? '-4503599627370497' : i % 97}`);
    await p.write('data/b.csv', `${lines.join('\n')}\n`);
    await p.pipeline('b', 'source: { kind: csv, path: data/b.csv }\ntarget: { table: raw.b }\n');
    await p.run(['b']);
    const rows = await p.queryCli("SELECT CAST(id AS VARCHAR) AS id, CAST(qty AS VARCHAR) AS qty, typeof(qty) AS t FROM raw.b WHERE qty < 0 OR id = 9007199254740994 ORDER BY id");
    expect(rows).toEqual([
      { id: '9007199254740994', qty: '1', t: 'BIGINT' },
      { id: String(9_007_199_254_740_993n + 25_001n), qty: '-4503599627370497', t: 'BIGINT' },
    ]);
  });
});
