/**
 * Scenario 1: a CSV of 10M rows × 10 columns into a new Iceberg table with `floe load`.
 *
 * Baseline A (duckdb): DuckDB alone, COPY of the same CSV to one zstd Parquet file, in its
 * own node process. floe uses DuckDB for exactly this step, so the ratio is floe's
 * overhead: Iceberg metadata, field ids, metrics, the catalog commit, and any extra passes.
 * Baseline B (pyiceberg): pyarrow.csv.read_csv + table.append into a SqlCatalog.
 * A second floe contender at 10M rows, `floe run` of a csv pipeline into the same kind of
 * table, gives the pipeline path's figure (normalisation, rejects, state) beside `floe load`.
 * A second case at 1M rows (candidate and baseline A) gives how peak RSS grows with input:
 * a streaming loader's memory should not track the file size.
 */
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedCsv } from '../generate/cache.js';
import { fmtCount } from '../lib/format.js';
import { rssAtMost, rssGrowthAtMost, speedupAtLeast, wallAtMost } from '../lib/goals.js';
import type { Case, Contender, Scenario, ScenarioContext } from '../lib/types.js';
import { expectRows, expectRunRows, floeArgv, floeUnavailable, optional, transpileBaseline, writeProject } from './common.js';

/** The CSV's generator seed; scenario 6's wide table is built from the same file (merge-upsert.ts). */
export const SEED = 20_240_601;
const GIB = 1024 ** 3;
const TIMEOUT_MS = 30 * 60_000;

function sizes(quick: boolean): { big: number; small: number } {
  return quick ? { big: 100_000, small: 10_000 } : { big: 10_000_000, small: 1_000_000 };
}

export const csvLoad: Scenario = {
  id: '1',
  key: 'csv-load',
  title: 'CSV → Iceberg (`floe load`)',
  measures:
    'Wall time and peak RSS of `floe load` of a 10-column CSV (10M rows; 100k with --quick) into a new table, ' +
    'against DuckDB COPY of the same CSV to zstd Parquet and against PyIceberg (pyarrow read_csv + append); ' +
    'plus floe peak RSS at 10M over 1M rows.',
  implemented: true,
  reps: { full: 3, quick: 2 },

  async prepare(ctx) {
    const { big, small } = sizes(ctx.quick);
    const inputs = new Map<number, { path: string; bytes: number }>();
    for (const rows of [big, small]) inputs.set(rows, await cachedCsv(ctx.cacheDir, rows, SEED, ctx.log));
    // The first contender must not be the only one to read the file from disk.
    for (const { path } of inputs.values()) await readThrough(path);
    const duckdbScript = await transpileBaseline(ctx, 'duckdb-copy');
    const cases: Case[] = [];
    for (const rows of [big, small]) {
      const input = inputs.get(rows)!;
      const table = `bench.csv${fmtCount(rows).toLowerCase()}`;
      const contenders: Contender[] = [
        {
          id: 'floe',
          label: 'floe load',
          role: 'candidate',
          ...optional(floeUnavailable(ctx)),
          command: (dir) => ({ argv: floeArgv(ctx, '--project', writeProject(dir), 'load', table, input.path) }),
          verify: expectRows(rows),
          timeoutMs: TIMEOUT_MS,
        },
        {
          id: 'duckdb',
          label: 'DuckDB COPY → Parquet',
          role: 'baseline',
          command: (dir) => ({ argv: [process.execPath, duckdbScript, input.path, join(dir, 'out.parquet')] }),
          verify: expectRows(rows),
          timeoutMs: TIMEOUT_MS,
        },
      ];
      if (rows === big) contenders.push(pyicebergContender(ctx, input.path, table, rows), runContender(ctx, input.path, table, rows));
      cases.push({
        id: `rows-${fmtCount(rows).toLowerCase()}`,
        label: `${fmtCount(rows)} rows`,
        params: { rows, columns: 10, csv_bytes: input.bytes, seed: SEED },
        contenders,
      });
    }
    return cases;
  },

  goals(cases, ctx) {
    const { big, small } = sizes(ctx.quick);
    const b = cases.find((c) => c.params.rows === big);
    const s = cases.find((c) => c.params.rows === small);
    const at = `(${fmtCount(big)} rows)`;
    return [
      wallAtMost('vs-duckdb', `wall ≤ 1.3× DuckDB COPY ${at}`, b, 'floe', 'duckdb', 1.3),
      wallAtMost('run-vs-duckdb', `floe run (csv pipeline) wall ≤ 1.3× DuckDB COPY ${at}`, b, 'floe-run', 'duckdb', 1.3),
      speedupAtLeast('vs-pyiceberg', `≥ 3× faster than PyIceberg ${at}`, b, 'floe', 'pyiceberg', 3),
      rssAtMost('rss', `peak RSS ≤ 1 GiB ${at}`, b, 'floe', GIB),
      rssGrowthAtMost('rss-growth', `peak RSS ${fmtCount(big)} / ${fmtCount(small)} rows ≤ 1.5×`, b, s, 'floe', 1.5),
    ];
  },
};

function runContender(ctx: ScenarioContext, csv: string, table: string, rows: number): Contender {
  return {
    id: 'floe-run',
    label: 'floe run (csv pipeline)',
    role: 'baseline',
    ...optional(floeUnavailable(ctx)),
    command: (dir) => {
      writeProject(dir);
      writeFileSync(join(dir, 'pipelines', 'bench_csv.yaml'), `source: { kind: csv, path: ${JSON.stringify(csv)} }\ntarget: { table: ${table}, mode: append }\n`);
      return { argv: floeArgv(ctx, '--project', dir, 'run', 'bench_csv', '--json') };
    },
    verify: expectRunRows(rows),
    timeoutMs: TIMEOUT_MS,
  };
}

function pyicebergContender(ctx: ScenarioContext, csv: string, table: string, rows: number): Contender {
  const python = join(ctx.repoRoot, '.venv', 'bin', 'python');
  const script = join(ctx.repoRoot, 'bench', 'baselines', 'pyiceberg_append.py');
  return {
    id: 'pyiceberg',
    label: 'PyIceberg append',
    role: 'baseline',
    ...optional(
      existsSync(python)
        ? undefined
        : 'no .venv: create it with `bash scripts/provision-interop.sh` (pinned PyIceberg and pyarrow, see scripts/interop-versions.env)',
    ),
    command: (dir) => ({ argv: [python, script, csv, join(dir, 'warehouse'), table] }),
    verify: expectRows(rows),
    timeoutMs: TIMEOUT_MS,
  };
}

function readThrough(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    createReadStream(path, { highWaterMark: 4 << 20 })
      .on('data', () => undefined)
      .on('end', resolve)
      .on('error', reject);
  });
}
