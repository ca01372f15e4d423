/** `floe query --explain` and a pruned query through the built CLI. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';

const floe = (args: string[], cwd: string) => collect(spawnFloe(args, cwd));
let dir: string;

beforeAll(async () => {
  assertBuilt('test/query/explain-cli.test.ts');
  dir = mkdtempSync(join(tmpdir(), 'floe-explain-'));
  expect((await floe(['init'], dir)).code).toBe(0);
  const lines = ['id,region,day'];
  for (let i = 0; i < 40; i++) lines.push(`${i},${['eu', 'us', 'ap', 'sa'][i % 4]},2024-01-${String(1 + (i % 5)).padStart(2, '0')}`);
  writeFileSync(join(dir, 'in.csv'), lines.join('\n') + '\n');
  const load = await floe(['load', 'ns.t', 'in.csv', '--partition-by', 'region', 'day(day)'], dir);
  expect(load.code, load.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('floe query --explain', () => {
  it('prints the filter and the kept files without running the query', async () => {
    const r = await floe(['query', "SELECT count(*) FROM ns.t WHERE region = 'eu' AND day >= '2024-01-04' AND nope(1)", '--explain'], dir);
    // nope() does not exist: the query is not run, so only planning happens.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("filter:        region = 'eu' AND day >= '2024-01-04'");
    expect(r.stdout).toMatch(/data files: +2 of 20 kept/);
    expect(r.stdout).toMatch(/manifests: +1 of 1 data manifests read/);
  });

  it('prints JSON with --format json', async () => {
    const r = await floe(['query', 'SELECT * FROM ns.t WHERE id IS NULL', '--explain', '--format', 'json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ table: 'ns.t', filter: 'id IS NULL', data_files_kept: 0, data_files_total: 20, manifests_kept: 1, manifests_total: 1 }),
    ]);
  });

  it('answers a pruned query with the same rows', async () => {
    const r = await floe(['query', "SELECT id FROM ns.t WHERE region = 'eu' AND day >= '2024-01-04' ORDER BY id", '--format', 'csv'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['id', '4', '8', '24', '28']);
  });
});
