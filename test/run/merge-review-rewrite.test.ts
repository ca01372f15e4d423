/**
 * A copy-on-write merge rewrites only the data files that hold a live row with an incoming
 * key. Files whose bounds hold an incoming key but whose rows do not (new keys inside their
 * range: interleaved or random ids) are left as they are instead of being rewritten
 * unchanged, and so is a file whose only matching row a position delete already removed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = [
  'source: { kind: csv, path: data/in.csv }',
  'columns:',
  '  id: { type: long }',
  'target:',
  '  table: ns.t',
  '  mode: merge',
  '  key: [id]',
  '  delete_column: gone',
  '',
].join('\n');

const csv = (rows: [number, string, boolean?][]) => `id,v,gone\n${rows.map(([id, v, gone]) => `${id},${v},${gone ? 'true' : 'false'}`).join('\n')}\n`;

async function merge(p: Project, rows: [number, string, boolean?][]) {
  await p.write('data/in.csv', csv(rows));
  await p.run(['t']);
  return (await p.snapshots('ns.t')).at(-1)!.summary;
}

describe('copy-on-write merge candidates', () => {
  let p: Project;
  let files: string[];
  beforeAll(async () => {
    p = await newProject();
    await p.pipeline('t', pipeline);
    // Two files with interleaved keys: multiples of 4, and 2 + multiples of 4; both span [0, 98].
    for (const [name, offset] of [['a', 0], ['b', 2]] as const) {
      await p.write(`data/${name}.csv`, `id,v\n${Array.from({ length: 25 }, (_, i) => `${i * 4 + offset},${name}${i * 4 + offset}`).join('\n')}\n`);
      const r = await p.floe(['load', 'ns.t', p.path(`data/${name}.csv`)]);
      expect(r.code, show(r)).toBe(0);
    }
    files = await p.dataFiles('ns.t');
    expect(files).toHaveLength(2);
  });

  it('new keys inside both files\' bounds rewrite neither file', async () => {
    const s = await merge(p, [[1, 'new1'], [51, 'new51'], [97, 'new97']]);
    expect(s.operation).toBe('append');
    expect(s['deleted-data-files']).toBeUndefined();
    expect(s['added-records']).toBe('3');
    const now = await p.dataFiles('ns.t');
    expect(files.every((f) => now.includes(f))).toBe(true);
    expect(await p.query('SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS d FROM ns.t')).toEqual([{ n: 53, d: 53 }]);
  });

  it('an update and a delete rewrite only the file holding their keys', async () => {
    const before = await p.dataFiles('ns.t');
    const s = await merge(p, [[4, 'upd4'], [8, '', true], [3, 'new3']]);
    expect(s.operation).toBe('overwrite');
    expect(s['deleted-data-files']).toBe('1');
    expect(s['deleted-records']).toBe('25');
    const now = await p.dataFiles('ns.t');
    expect(before.filter((f) => !now.includes(f))).toHaveLength(1);
    expect(await p.query('SELECT id, v FROM ns.t WHERE id IN (3, 4, 8) ORDER BY id')).toEqual([
      { id: 3, v: 'new3' },
      { id: 4, v: 'upd4' },
    ]);
    expect(await p.query('SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS d FROM ns.t')).toEqual([{ n: 53, d: 53 }]);
  });

  it('a key whose row a position delete already removed does not rewrite its file', async () => {
    // A merge-on-read delete of key 10 (in the 'a' file), then back to copy-on-write.
    const mor = await p.floe(['table', 'evolve', 'ns.t', '--set-property', 'write.merge.mode=merge-on-read']);
    expect(mor.code, show(mor)).toBe(0);
    const del = await merge(p, [[10, '', true]]);
    expect(del.operation).toBe('delete');
    const cow = await p.floe(['table', 'evolve', 'ns.t', '--set-property', 'write.merge.mode=copy-on-write']);
    expect(cow.code, show(cow)).toBe(0);
    const before = await p.dataFiles('ns.t');
    const snapshots = (await p.snapshots('ns.t')).length;
    await merge(p, [[10, '', true]]);
    // Nothing to delete: no file rewritten, nothing committed.
    expect(await p.snapshots('ns.t')).toHaveLength(snapshots);
    expect(await p.dataFiles('ns.t')).toEqual(before);
    expect(await p.query('SELECT count(*)::INT AS n FROM ns.t WHERE id = 10')).toEqual([{ n: 0 }]);
  });
});

describe('a format-version 1 table with write.merge.mode=merge-on-read', () => {
  it('merges by copy-on-write: v1 has no delete files (it got position delete files in a delete manifest)', async () => {
    const p = await newProject();
    const c = await p.floe(['table', 'create', 'ns.t', '--column', 'id long', '--column', 'v string', '--property', 'format-version=1', '--property', 'write.merge.mode=merge-on-read']);
    expect(c.code, show(c)).toBe(0);
    await p.pipeline('t', pipeline);
    await merge(p, [[1, 'a'], [2, 'b'], [3, 'c']]);
    const s = await merge(p, [[1, 'a2'], [2, '', true], [4, 'd']]);
    expect(s.operation).toBe('overwrite');
    expect(s['added-delete-files']).toBeUndefined();
    expect(s['total-delete-files']).toBe('0');
    expect(s['deleted-data-files']).toBe('1');
    expect((await p.metadata('ns.t'))['format-version']).toBe(1);
    expect(await p.query('SELECT id, v FROM ns.t ORDER BY id')).toEqual([
      { id: 1, v: 'a2' },
      { id: 3, v: 'c' },
      { id: 4, v: 'd' },
    ]);
  });
});
