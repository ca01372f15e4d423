/**
 * A string partition value holding a NUL character. `floe load --partition-by s` wrote the
 * table (the value is a valid Iceberg string, and PyIceberg reads it), but every read of it
 * spliced the identity partition value into the view as a SQL literal, which cannot carry a
 * NUL: `floe query "SELECT count(*) FROM ns.t"` failed (exit 1, "string literal contains a
 * NUL character"), so the table could not be read at all. The value now goes in as chr(0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';

const run = async (dir: string, args: string[]) => collect(spawnFloe(args, dir));

describe('a string identity partition value with a NUL character', () => {
  let dir: string;
  beforeAll(async () => {
    assertBuilt('test/query/pruning-review-nul-partition.test.ts');
    dir = mkdtempSync(join(tmpdir(), 'floe-nul-part-'));
    expect((await run(dir, ['init'])).code).toBe(0);
    const input = join(dir, 'in.parquet');
    const engine = await openEngine();
    try {
      await engine.run(
        `COPY (SELECT * FROM (VALUES (1, 'a' || chr(0) || 'b'), (2, 'a'), (3, chr(0)), (4, NULL)) AS t(id, s)) ` +
          `TO ${quoteLiteral(input)} (FORMAT parquet)`,
        'write the test input',
      );
    } finally {
      engine.close();
    }
    const load = await run(dir, ['load', 'ns.t', input, '--partition-by', 's']);
    expect(load.code, load.stderr).toBe(0);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('floe query reads every row, the NUL kept', async () => {
    const r = await run(dir, [
      'query', "SELECT id, replace(s, chr(0), '<NUL>') AS s, length(s) AS n FROM ns.t ORDER BY id", '--format', 'csv',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['id,s,n', '1,a<NUL>b,3', '2,a,1', '3,<NUL>,1', '4,,']);
  });

  it('a filter on the partition column finds the row', async () => {
    const r = await run(dir, ['query', "SELECT id FROM ns.t WHERE s = 'a' || chr(0) || 'b'", '--format', 'csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['id', '1']);
  });
});
