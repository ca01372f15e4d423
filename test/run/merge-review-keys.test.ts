/**
 * `mode: merge` keys through `floe run`, in both write modes: a NaN key matches the NaN key
 * already in the table (DuckDB and Spark both treat NaN = NaN) even though no file's bounds
 * hold NaN, and a key column the table does not have (e.g. renamed by floe table evolve) is
 * a config error naming the key and the table's columns, not DuckDB's binder error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const MODES = ['merge-on-read', 'copy-on-write'] as const;

const pipeline = (mode: string, typed = '') =>
  [
    'source: { kind: csv, path: data/in.csv }',
    ...(typed ? ['columns:', typed] : []),
    'target:',
    '  table: ns.t',
    '  mode: merge',
    '  key: [k]',
    '  properties:',
    `    write.merge.mode: ${mode}`,
    '',
  ].join('\n');

async function runWith(p: Project, csv: string, code = 0) {
  await p.write('data/in.csv', csv);
  return p.run(['t'], code);
}

describe.each(MODES)('merge keys (%s)', (mode) => {
  it('a NaN key replaces the row with the NaN key, in a file whose bounds hold no NaN', async () => {
    const p = await newProject();
    await p.pipeline('t', pipeline(mode, '  k: { type: double }'));
    await runWith(p, 'k,v\nNaN,nan1\n1.0,one\n');
    // Only NaN comes in: the key range is [NaN, NaN], outside the file's bounds [1.0, 1.0].
    await runWith(p, 'k,v\nNaN,nan2\n');
    expect(await p.query(`SELECT CAST(k AS VARCHAR) AS k, v FROM ns.t ORDER BY v`)).toEqual([
      { k: 'nan', v: 'nan2' },
      { k: '1.0', v: 'one' },
    ]);
    // A range [2.0, NaN]: the files holding NaN are above 2.0 only through the NaN.
    await runWith(p, 'k,v\n2,two\nnan,nan3\n');
    expect(await p.query(`SELECT CAST(k AS VARCHAR) AS k, v FROM ns.t ORDER BY v`)).toEqual([
      { k: 'nan', v: 'nan3' },
      { k: '1.0', v: 'one' },
      { k: '2.0', v: 'two' },
    ]);
    // And a plain key still leaves the NaN row alone.
    await runWith(p, 'k,v\n1,uno\n');
    expect(await p.query(`SELECT count(*)::INT AS n, count(DISTINCT v)::INT AS d FROM ns.t WHERE isnan(k)`)).toEqual([{ n: 1, d: 1 }]);
  });

  it('a key column the table does not have fails with exit 2 naming it, and commits nothing', async () => {
    const p = await newProject();
    await p.pipeline('t', pipeline(mode));
    await runWith(p, 'k,v\n1,a\n2,b\n');
    const ev = await p.floe(['table', 'evolve', 'ns.t', '--rename-column', 'k=key_id']);
    expect(ev.code, show(ev)).toBe(0);
    const before = await p.pointer('ns.t');
    const r = await runWith(p, 'k,v\n1,a2\n', 2);
    expect(r.stderr).toContain('merge key "k" is not a column of ns.t (columns: key_id, v)');
    expect(r.stderr).not.toContain('Binder Error');
    expect(await p.pointer('ns.t')).toBe(before);
    expect(await p.query('SELECT key_id, v FROM ns.t ORDER BY key_id')).toEqual([
      { key_id: 1, v: 'a' },
      { key_id: 2, v: 'b' },
    ]);
  });
});

describe('merge keys: the pipeline file', () => {
  it('a key listed twice is a config error at its line (merge-on-read failed on it with DuckDB\'s "Map keys must be unique")', async () => {
    const p = await newProject();
    await p.pipeline('t', pipeline('merge-on-read').replace('key: [k]', 'key: [k, v, k]'));
    await p.write('data/in.csv', 'k,v\n1,a\n');
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toMatch(/pipelines\/t\.yaml:5:15: target\.key\[2\]: key lists 'k' twice/);
    const r = await p.run(['t'], 2);
    expect(r.stderr).toContain("key lists 'k' twice");
    expect(await p.exists('ns.t')).toBe(false);
  });
});
