/**
 * A long decimal literal against a DOUBLE column. DuckDB compares `d = 0.652650645154885209555131441136`
 * as doubles, converting the DECIMAL(31,30) literal by dividing its unscaled integer by 10^30,
 * which lands one ulp below the correctly rounded value. Pruning took Number(text), the
 * correctly rounded one, and dropped the file holding DuckDB's value: floe query counted 0 rows
 * where DuckDB over the same Parquet file counts 1. Such literals are now not pruned on; short
 * ones (exact unscaled value and power of ten) still are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import type { Schema } from '../../src/iceberg/types.js';
import { queryFilters } from '../../src/query/predicates.js';
import { bind, formatExpr } from '../../src/table/expr/index.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';

const LONG = '0.652650645154885209555131441136';
const run = async (dir: string, args: string[]) => collect(spawnFloe(args, dir));

describe('decimal literals compared with a double column', () => {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    assertBuilt('test/query/pruning-review-decimal-literal.test.ts');
    engine = await openEngine();
    dir = mkdtempSync(join(tmpdir(), 'floe-dec-lit-'));
    expect((await run(dir, ['init'])).code).toBe(0);
    const input = join(dir, 'in.parquet');
    // The value DuckDB makes of the literal, stored as the column's value.
    await engine.run(`COPY (SELECT 1 AS id, (${LONG})::DOUBLE AS d) TO ${quoteLiteral(input)} (FORMAT parquet)`, 'write the test input');
    const load = await run(dir, ['load', 'ns.t', input]);
    expect(load.code, load.stderr).toBe(0);
  });
  afterAll(() => {
    engine?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('DuckDB itself matches the row (the premise)', async () => {
    const [row] = await engine.all(`SELECT count(*) AS n FROM (SELECT (${LONG})::DOUBLE AS d) WHERE d = ${LONG}`, 'check');
    expect(Number(row!.n)).toBe(1);
  });

  it('floe query finds the row DuckDB matches', async () => {
    const r = await run(dir, ['query', `SELECT count(*) AS n FROM ns.t WHERE d = ${LONG}`, '--format', 'csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['n', '1']);
  });

  it('short decimal literals still bind for pruning', async () => {
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'd', required: false, type: 'double' }] };
    const ids = [{ namespace: ['ns'], name: 't' }];
    const short = await queryFilters(engine, 'SELECT * FROM ns.t WHERE d = 0.08420827288793116', ids);
    expect(formatExpr(bind(short.get('ns.t')!, schema))).toBe('d = 0.08420827288793116');
    const long = await queryFilters(engine, `SELECT * FROM ns.t WHERE d = ${LONG}`, ids);
    expect(formatExpr(bind(long.get('ns.t')!, schema))).toBe('true');
  });
});
