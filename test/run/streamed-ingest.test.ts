/**
 * The streamed ingest path (src/run/ingest-path.ts): a pipeline whose rows can only be
 * rejected by the reader is written in one scan, with the reject limits checked before the
 * commit. Its figures and quarantine must be those of the materialised path on the same
 * input, and a run over its limits must commit nothing and leave no data file behind.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CSV = [
  'id,item,qty', // line 1
  '1,apple,10', // line 2
  '2,pear,20,surplus', // line 3: too many fields
  '3,plum', // line 4: too few fields
  '4,fig,40', // line 5
  '5,kiwi,50', // line 6
  '',
].join('\n');

/** Every file under `dir`, relative, sorted; none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

const commitOf = (stdout: string, pipeline: string) => events(stdout).find((e) => e.event === 'commit' && e.pipeline === pipeline);

describe('streamed ingest', () => {
  let p: Project;
  let out: string;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/orders.csv', CSV);
    // No declared type: only the reader can reject a row, so this run streams.
    await p.pipeline('streamed', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: sales.streamed }\nrejects: { max_ratio: 0.5 }\n');
    // A declared type that cannot fail still stages the rows (the materialised path).
    await p.pipeline(
      'staged',
      'source: { kind: csv, path: data/orders.csv }\ncolumns:\n  item: { type: string }\ntarget: { table: sales.staged }\nrejects: { max_ratio: 0.5 }\n',
    );
    const r = await p.run(['streamed', 'staged', '--json']);
    out = r.stdout;
  });

  it('reports the same rows read, written and rejected as the materialised path', () => {
    const streamed = commitOf(out, 'streamed');
    const staged = commitOf(out, 'staged');
    expect(streamed, out).toMatchObject({ rows_read: 5, rows_written: 3, rejects: 2 });
    expect(staged, out).toMatchObject({ rows_read: 5, rows_written: 3, rejects: 2 });
  });

  it('writes the same rows as the materialised path', async () => {
    const want = [
      { id: 1, item: 'apple', qty: 10 },
      { id: 4, item: 'fig', qty: 40 },
      { id: 5, item: 'kiwi', qty: 50 },
    ];
    expect(await p.query('SELECT id, item, qty FROM sales.streamed ORDER BY id')).toEqual(want);
    expect(await p.query('SELECT id, item, qty FROM sales.staged ORDER BY id')).toEqual(want);
  });

  it('quarantines the same rows, with file, line, raw text and reason, as the materialised path', async () => {
    const q = 'SELECT pipeline, source, line, raw, reason FROM sales.{t}__rejects ORDER BY line';
    const streamed = await p.query(q.replace('{t}', 'streamed'));
    const staged = await p.query(q.replace('{t}', 'staged'));
    expect(streamed.map((r) => r.line)).toEqual([3, 4]);
    expect(streamed.map((r) => r.raw)).toEqual(['2,pear,20,surplus', '3,plum']);
    expect(streamed.every((r) => r.source === p.path('data/orders.csv') && r.pipeline === 'streamed')).toBe(true);
    expect(streamed.map(({ pipeline: _, ...r }) => r)).toEqual(staged.map(({ pipeline: _, ...r }) => r));
  });

  it('commits one snapshot with the run state in its summary, like any run', async () => {
    const snaps = await p.snapshots('sales.streamed');
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.summary).toMatchObject({ 'added-records': '3', 'floe.pipeline': 'streamed' });
    expect(snaps[0]!.summary['floe.run-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('above the limit an existing table is unchanged: no snapshot, no new file under its location, no quarantine', async () => {
    const pointer = await p.pointer('sales.streamed');
    const snapshots = await p.snapshots('sales.streamed');
    const rejectsPointer = await p.pointer('sales.streamed__rejects');
    const location = (await p.metadata('sales.streamed')).location;
    const before = await filesUnder(location);
    await p.write('data/orders.csv', ['id,item,qty', '6,lime,60', '7,bad', '8,worse,1,2', '9,fine,90', ''].join('\n'));
    await p.pipeline('streamed', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: sales.streamed }\nrejects: { max_count: 1 }\n');
    const r = await p.run(['streamed'], 1);
    expect(r.stderr, show(r)).toMatch(/pipeline streamed: 2 of 4 rows are malformed \(50\.00%\), above the limit of 1 rows \(the first: \S*data\/orders\.csv:3: MISSING COLUMNS[^)]*\); nothing was committed/);
    expect(await p.pointer('sales.streamed')).toBe(pointer);
    expect(await p.snapshots('sales.streamed')).toEqual(snapshots);
    expect(await p.pointer('sales.streamed__rejects')).toBe(rejectsPointer);
    expect(await filesUnder(location)).toEqual(before);
    expect(await p.query('SELECT count(*) AS n FROM sales.streamed')).toEqual([{ n: 3 }]);
  });

  it('without a rejects block, one parse reject fails a first run: no table, no data file in the warehouse', async () => {
    await p.write('data/strict.csv', 'id,n\n1,1\n2,2,2\n3,3\n');
    await p.pipeline('strict', 'source: { kind: csv, path: data/strict.csv }\ntarget: { table: sales.strict }\n');
    const r = await p.run(['strict'], 1);
    expect(r.stderr, show(r)).toContain('pipeline strict: 1 of 3 rows are malformed');
    expect(await p.exists('sales.strict')).toBe(false);
    expect(await p.exists('sales.strict__rejects')).toBe(false);
    expect((await filesUnder(p.path('warehouse'))).filter((f) => f.includes('strict'))).toEqual([]);
  });

  it('an overwrite streams too and replaces the rows, counting its parse rejects', async () => {
    await p.write('data/over.csv', 'id,v\n1,a\n2,b\n');
    await p.pipeline('over', 'source: { kind: csv, path: data/over.csv }\ntarget: { table: sales.over, mode: overwrite }\nrejects: { max_ratio: 0.5 }\n');
    await p.run(['over']);
    await p.write('data/over.csv', 'id,v\n3,c\n4,d,x\n5,e\n');
    const r = await p.run(['over', '--json']);
    expect(commitOf(r.stdout, 'over'), show(r)).toMatchObject({ rows_read: 3, rows_written: 2, rejects: 1 });
    expect(await p.query('SELECT id, v FROM sales.over ORDER BY id')).toEqual([
      { id: 3, v: 'c' },
      { id: 5, v: 'e' },
    ]);
    expect(await p.query('SELECT line, raw FROM sales.over__rejects')).toEqual([{ line: 3, raw: '4,d,x' }]);
  });
});
