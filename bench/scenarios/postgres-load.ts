/**
 * Scenario 2: a Postgres table of 5M rows × 10 columns (50k with --quick) into a new Iceberg
 * table with `floe run` of a postgres pipeline (server-side cursor, batches appended to
 * DuckDB, Parquet, commit).
 *
 * Baseline: what a careful script does by hand, `psql -c "COPY (...) TO STDOUT (FORMAT csv)"`
 * into a file, then DuckDB COPY of that CSV to zstd Parquet (the scenario-1 baseline). No
 * Iceberg metadata, no types carried over: the floor for moving the rows.
 *
 * The server is the test Postgres from scripts/provision-services.sh (FLOE_TEST_PG_URL in
 * .cache/services.env, or the environment). The source table is generated once in the
 * server with generate_series and kept; its name carries the row count and a version.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtCount } from '../lib/format.js';
import { wallAtMost } from '../lib/goals.js';
import type { Contender, Scenario, ScenarioContext } from '../lib/types.js';
import { expectRows, expectRunRows, floeArgv, floeUnavailable, optional, transpileBaseline, writeProject } from './common.js';

const TABLE_VERSION = 1;
const TIMEOUT_MS = 30 * 60_000;

function pgUrl(ctx: ScenarioContext): string | undefined {
  if (process.env.FLOE_TEST_PG_URL) return process.env.FLOE_TEST_PG_URL;
  const file = join(ctx.repoRoot, '.cache', 'services.env');
  if (!existsSync(file)) return undefined;
  return /^FLOE_TEST_PG_URL=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
}

/** Ten columns of the types a Postgres extraction has to get right, a few NULLs in most. */
function createSql(table: string, rows: number): string {
  return `
CREATE TABLE ${table} AS
SELECT i::bigint AS id,
       (1 + (i * 7919) % 2000000)::int AS customer_id,
       CASE WHEN i % 50 = 0 THEN NULL ELSE ((i * 31) % 101000 - 1000)::int END AS quantity,
       CASE WHEN i % 50 = 1 THEN NULL ELSE ((i * 104729) % 10000000) / 10000.0::float8 END AS price,
       CASE WHEN i % 100 = 2 THEN NULL ELSE (((i * 48271) % 999999999) / 100.0)::numeric(12,2) END AS amount,
       CASE WHEN i % 100 = 3 THEN NULL ELSE timestamptz '2020-01-01 00:00:00+00' + (i * 37) * interval '1 second' END AS created_at,
       CASE WHEN i % 20 = 4 THEN NULL ELSE date '1940-01-01' + ((i * 13) % 24836)::int END AS birth_date,
       CASE WHEN i % 100 = 5 THEN NULL ELSE (ARRAY['US','CA','GB','DE','FR','NL','ES','IT','SE','PL','BR','MX','JP','IN','AU','ZA'])[1 + i % 16] END AS country,
       CASE WHEN i % 10 = 6 THEN NULL ELSE 'order ' || md5(i::text) END AS comment,
       CASE WHEN i % 100 = 7 THEN NULL ELSE i % 3 <> 0 END AS active
FROM generate_series(1::bigint, ${rows}::bigint) AS i;
ANALYZE ${table};`;
}

/** Runs SQL with psql; the URL (it holds a password) goes through the environment, never argv or messages. */
function psql(url: string, sql: string): string {
  try {
    return execFileSync('bash', ['-c', 'exec psql "$BENCH_PG_URL" -v ON_ERROR_STOP=1 -qAtc "$1"', 'psql', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_PG_URL: url },
    }).trim();
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`psql failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
}

export const postgresLoad: Scenario = {
  id: '2',
  key: 'postgres-load',
  title: 'Postgres 5M rows → Iceberg (`floe run`)',
  measures:
    'Wall time and peak RSS of `floe run` of a postgres pipeline reading a 10-column table (5M rows; 50k with --quick) into a new table, ' +
    'against psql COPY … TO STDOUT (csv) into a file followed by DuckDB COPY of it to zstd Parquet.',
  implemented: true,
  reps: { full: 3, quick: 2 },

  async prepare(ctx) {
    const rows = ctx.quick ? 50_000 : 5_000_000;
    const url = pgUrl(ctx);
    const noServer = url ? undefined : 'no Postgres: run `bash scripts/provision-services.sh` (writes FLOE_TEST_PG_URL to .cache/services.env)';
    const table = `bench_pg_v${TABLE_VERSION}_${rows}`;
    if (url) {
      const exists = psql(url, `SELECT to_regclass('public.${table}') IS NOT NULL`) === 't';
      if (!exists) {
        ctx.log(`creating ${table} (${fmtCount(rows)} rows) in Postgres`);
        psql(url, `DROP TABLE IF EXISTS ${table}_partial; ${createSql(`${table}_partial`, rows)} ALTER TABLE ${table}_partial RENAME TO ${table};`);
      }
    }
    const duckdbScript = await transpileBaseline(ctx, 'duckdb-copy');
    const target = 'bench.pg_orders';
    const contenders: Contender[] = [
      {
        id: 'floe',
        label: 'floe run (postgres pipeline)',
        role: 'candidate',
        ...optional(floeUnavailable(ctx) ?? noServer),
        command: (dir) => {
          writeProject(dir);
          writeFileSync(
            join(dir, 'pipelines', 'pg.yaml'),
            `source:\n  kind: postgres\n  connection: "\${BENCH_PG_URL}"\n  table: ${table}\ntarget: { table: ${target}, mode: append }\n`,
          );
          return { argv: floeArgv(ctx, '--project', dir, 'run', 'pg', '--json'), env: { BENCH_PG_URL: url ?? '' } };
        },
        verify: expectRunRows(rows),
        timeoutMs: TIMEOUT_MS,
      },
      {
        id: 'copy-duckdb',
        label: 'psql COPY → CSV → DuckDB Parquet',
        role: 'baseline',
        ...optional(noServer),
        command: (dir) => ({
          argv: [
            'bash',
            '-c',
            'set -euo pipefail; psql "$BENCH_PG_URL" -v ON_ERROR_STOP=1 -qc "COPY (SELECT * FROM $1) TO STDOUT (FORMAT csv, HEADER)" > "$2/rows.csv"; exec "$3" "$4" "$2/rows.csv" "$2/out.parquet"',
            'copy',
            table,
            dir,
            process.execPath,
            duckdbScript,
          ],
          env: { BENCH_PG_URL: url ?? '' },
        }),
        verify: expectRows(rows),
        timeoutMs: TIMEOUT_MS,
      },
    ];
    return [{ id: `rows-${fmtCount(rows).toLowerCase()}`, label: `${fmtCount(rows)} rows`, params: { rows, columns: 10, table }, contenders }];
  },

  goals(cases) {
    return [wallAtMost('vs-copy', 'wall ≤ 1.5× COPY → DuckDB Parquet', cases[0], 'floe', 'copy-duckdb', 1.5)];
  },
};
