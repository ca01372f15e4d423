/**
 * `floe describe` (and `floe snapshots`, in a column of its own) words the current snapshot's `total-records` as what it is when delete files
 * apply: the rows in data files, with the delete records beside it. After a merge-on-read
 * upsert it said "3 rows" of a table holding 2.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';

let dir: string;
const floe = (args: string[]) => collect(spawnFloe(args, dir));

beforeAll(async () => {
  assertBuilt('test/query/query-review-describe-deletes.test.ts');
  dir = mkdtempSync(join(tmpdir(), 'floe-describe-deletes-'));
  expect((await floe(['init'])).code).toBe(0);
  rmSync(join(dir, 'pipelines'), { recursive: true, force: true });
  mkdirSync(join(dir, 'pipelines'));
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(
    join(dir, 'pipelines', 'm.yaml'),
    [
      'name: m',
      'source: { kind: csv, path: data/in.csv }',
      'target:',
      '  table: raw.m',
      '  mode: merge',
      '  key: [id]',
      '  properties: { write.merge.mode: merge-on-read }',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'data', 'in.csv'), 'id,v\n1,a\n2,b\n');
  expect((await floe(['run', 'm'])).code).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('floe describe after merge-on-read', () => {
  it('says how many rows the table had without deletes', async () => {
    const r = await floe(['describe', 'raw.m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^current snapshot \d+ \(append, [^,]+, 2 rows\)$/m);
  }, 60_000);

  it('names the rows in data files and the position deletes once a key was updated', async () => {
    writeFileSync(join(dir, 'data', 'in.csv'), 'id,v\n2,B\n');
    const run = await floe(['run', 'm']);
    expect(run.code, run.stderr).toBe(0);
    const count = await floe(['query', 'SELECT count(*) AS n FROM raw.m', '--format', 'csv']);
    expect(count.stdout.trim().split('\n')).toEqual(['n', '2']);
    const r = await floe(['describe', 'raw.m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^current snapshot \d+ \(overwrite, [^,]+, 3 rows in data files, 1 position delete\)$/m);
  }, 60_000);

  it('floe snapshots shows the delete records beside total_rows', async () => {
    const r = await floe(['snapshots', 'raw.m']);
    expect(r.code, r.stderr).toBe(0);
    const [header, , first, second] = r.stdout.split('\n');
    const cells = (line: string) => line.trim().split(/\s{2,}/);
    expect(cells(header!)).toEqual(['snapshot_id', 'parent_id', 'seq', 'committed_at', 'operation', 'added_rows', 'total_rows', 'total_deletes', 'refs']);
    // The first snapshot has no deletes and no ref: nothing after total_rows.
    expect(first).toMatch(/ append +2 +2\s*$/);
    expect(cells(second!).slice(4)).toEqual(['overwrite', '1', '3', '1 position', 'main']);
  }, 60_000);
});
