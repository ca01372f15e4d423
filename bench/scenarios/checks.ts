/**
 * Checks scenario (the validation issue's figure): `floe check` of 8 checks declared in a
 * pipeline, over a table loaded from the 10-column CSV (10M rows; 100k with --quick),
 * against one hand-written DuckDB query per check over the same Parquet files.
 * Goal: floe ≤ 2× the hand-written queries.
 *
 * The table is loaded once, in prepare, into .cache/bench/checks-<rows>/ and reused; both
 * contenders only read it (`--no-history`: floe writes nothing).
 */
import { join } from 'node:path';
import { cachedCsv } from '../generate/cache.js';
import { fmtCount } from '../lib/format.js';
import { wallAtMost } from '../lib/goals.js';
import type { Contender, Scenario } from '../lib/types.js';
import { floeArgv, floeUnavailable, loadedProject, optional, transpileBaseline } from './common.js';

const SEED = 20_240_601;
const TABLE = 'bench.checks';
const TIMEOUT_MS = 30 * 60_000;
const COUNTRIES = 'US, CA, GB, DE, FR, NL, ES, IT, SE, PL, BR, MX, JP, IN, AU, ZA';

const PIPELINE = (csv: string) =>
  [
    'name: bench_checks',
    `source: { kind: csv, path: ${JSON.stringify(csv)} }`,
    `target: { table: ${TABLE}, mode: overwrite }`,
    'checks:',
    '  - row_count: { min: 1 }',
    '  - not_null: [id, customer_id]',
    '  - unique: [id]',
    `  - accepted_values: { column: country, values: [${COUNTRIES}] }`,
    '  - range: { column: quantity, min: -1000, max: 100000 }',
    '  - missing_percent: { column: amount, max: 5% }',
    "  - format: { column: country, pattern: '[A-Z]{2}' }",
    '  - freshness: { column: created_at, max_age: 36500d }',
    '',
  ].join('\n');

export const checks: Scenario = {
  id: '8',
  key: 'checks',
  title: '8 checks over a 10M-row table (`floe check`)',
  measures:
    'Wall time of `floe check` of 8 checks (row_count, not_null, unique, accepted_values, range, missing_percent, format, freshness) ' +
    'over a table loaded from the 10-column CSV (10M rows; 100k with --quick), against one hand-written DuckDB query per check over the same Parquet files.',
  implemented: true,
  reps: { full: 3, quick: 2 },

  async prepare(ctx) {
    const rows = ctx.quick ? 100_000 : 10_000_000;
    const csv = await cachedCsv(ctx.cacheDir, rows, SEED, ctx.log);
    const unavailable = floeUnavailable(ctx);
    const project = join(ctx.cacheDir, `checks-${rows}rows-seed${SEED}`);
    loadedProject(ctx, project, {
      pipelines: { 'bench_checks.yaml': PIPELINE(csv.path) },
      runArgs: ['bench_checks', '--no-audit'],
      what: `loading ${fmtCount(rows)} rows into ${TABLE}`,
    });
    const baseline = await transpileBaseline(ctx, 'duckdb-checks');
    const contenders: Contender[] = [
      {
        id: 'floe',
        label: 'floe check (8 checks)',
        role: 'candidate',
        ...optional(unavailable),
        command: () => ({ argv: floeArgv(ctx, '--project', project, 'check', TABLE, '--no-history', '--format', 'json') }),
        verify: (stdout) => {
          const r = JSON.parse(stdout) as { status: string; results: { status: string }[] };
          const passed = r.results.filter((x) => x.status === 'pass').length;
          return passed === 8 ? { info: { passed } } : { problem: `expected 8 passed checks, got ${JSON.stringify(r.results.map((x) => x.status))}` };
        },
        timeoutMs: TIMEOUT_MS,
      },
      {
        id: 'duckdb',
        label: 'DuckDB, one query per check',
        role: 'baseline',
        command: () => ({ argv: [process.execPath, baseline, join(project, 'warehouse', 'bench', 'checks', 'data', '**', '*.parquet')] }),
        verify: (stdout) => {
          const r = JSON.parse(stdout) as { passed: number; failed: string[] };
          return r.passed === 8 ? { info: { passed: r.passed } } : { problem: `failed: ${r.failed.join(', ')}` };
        },
        timeoutMs: TIMEOUT_MS,
      },
    ];
    return [{ id: `rows-${fmtCount(rows).toLowerCase()}`, label: `${fmtCount(rows)} rows`, params: { rows, checks: 8, seed: SEED }, contenders }];
  },

  goals(cases) {
    return [wallAtMost('vs-duckdb', 'wall ≤ 2× hand-written DuckDB queries', cases[0], 'floe', 'duckdb', 2)];
  },
};
