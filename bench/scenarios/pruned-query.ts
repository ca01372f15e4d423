/**
 * Scenario 4: a selective `floe query` on a table of 10,000 data files (one per identity
 * partition, written in 10 appends of 1,000 files, so 10 manifests), which partition and
 * manifest pruning should answer from one file. --quick: 500 files.
 *
 * Candidate: `floe --project DIR query "SELECT count(*), sum(v) … WHERE p = K" --format json`.
 * Baseline `duckdb`: DuckDB alone in a node process over exactly the matching file(s) with
 * read_parquet — the floor for answering the query once the right file is known. The table is
 * built once (DuckDB writes the Parquet files, floe's library commits them) and cached in
 * .cache/bench/pruned-query/; runs only read it.
 *
 * Files opened: `floe query --explain --format json` is run once and its kept/total counts
 * are the second goal (≤ 1% of the data files).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { type DataFile, DataFileContent, type StructType } from '../../src/iceberg/types.js';
import { fmtCount } from '../lib/format.js';
import { wallAtMost } from '../lib/goals.js';
import { syntheticTable, tableLocation } from '../lib/synthetic-table.js';
import type { Case, GoalResult, Scenario, ScenarioContext } from '../lib/types.js';
import { floeArgv, floeUnavailable, optional, writeCachedScript } from './common.js';

const TEMPLATE_VERSION = 1;
const TIMEOUT_MS = 10 * 60_000;
const APPENDS = 10;

function sizes(quick: boolean): { files: number; rowsPerFile: number } {
  return quick ? { files: 500, rowsPerFile: 20 } : { files: 10_000, rowsPerFile: 100 };
}

export const prunedQuery: Scenario = {
  id: '4',
  key: 'pruned-query',
  title: 'Pruned query',
  measures:
    '`floe query` of one partition of a 10,000-file table partitioned by identity(p) (500 files with --quick), against DuckDB ' +
    'read_parquet of exactly the matching file; plus the data files the plan keeps (--explain).',
  implemented: true,
  reps: { full: 5, quick: 2 },

  async prepare(ctx) {
    const { files, rowsPerFile } = sizes(ctx.quick);
    const t = await template(ctx, files, rowsPerFile);
    const key = Math.floor(files * 0.4242);
    const sql = `SELECT count(*) AS n, sum(v) AS s FROM bench.events WHERE p = ${key}`;
    const expected = { n: rowsPerFile, s: sumOfV(key, rowsPerFile) };
    const explain = explainPlan(ctx, t.dir, sql);
    const baseline = writeBaseline(ctx);
    const matching = t.files.filter((f) => f.partition[0] === key).map((f) => f.file_path);
    const c: Case = {
      id: `files-${fmtCount(files).toLowerCase()}`,
      label: `${fmtCount(files)} files, one partition`,
      params: {
        data_files: files,
        rows: files * rowsPerFile,
        manifests: APPENDS,
        files_kept: explain.data_files_kept ?? -1,
        files_total: explain.data_files_total ?? -1,
        manifests_kept: explain.manifests_kept ?? -1,
        manifests_total: explain.manifests_total ?? -1,
      },
      contenders: [
        {
          id: 'floe',
          label: 'floe query (pruned)',
          role: 'candidate',
          ...optional(floeUnavailable(ctx)),
          command: () => ({ argv: floeArgv(ctx, '--project', t.dir, 'query', sql, '--format', 'json') }),
          verify: expectResult(expected),
          timeoutMs: TIMEOUT_MS,
        },
        {
          id: 'duckdb',
          label: 'DuckDB read_parquet of the matching file',
          role: 'baseline',
          command: () => ({ argv: [process.execPath, baseline, JSON.stringify(matching)] }),
          verify: expectResult(expected),
          timeoutMs: TIMEOUT_MS,
        },
      ],
    };
    return [c];
  },

  goals(cases) {
    const c = cases[0];
    const kept = Number(c?.params.files_kept);
    const total = Number(c?.params.files_total);
    const share: GoalResult =
      kept >= 0 && total > 0
        ? {
            id: 'files-opened',
            text: 'data files opened ≤ 1% of the table',
            value: kept / total,
            measured: `${kept} of ${fmtCount(total)} files (${((100 * kept) / total).toFixed(2)}%), ${c!.params.manifests_kept} of ${c!.params.manifests_total} manifests`,
            met: kept / total <= 0.01,
          }
        : { id: 'files-opened', text: 'data files opened ≤ 1% of the table', value: null, measured: 'not judged: no plan', met: null };
    const wall = wallAtMost('vs-duckdb', 'wall vs DuckDB on the matching file (information; floe start-up, catalog and planning included)', c, 'floe', 'duckdb', Infinity);
    return [share, { ...wall, met: null }];
  },
};

const sumOfV = (key: number, rows: number): number => {
  // v = key * rows + j for j in [0, rows)
  return key * rows * rows + (rows * (rows - 1)) / 2;
};

function expectResult(expected: { n: number; s: number }): (stdout: string) => { problem?: string; info?: Record<string, string | number> } {
  return (stdout) => {
    const m = /\{[^{}]*"n"[^{}]*\}/.exec(stdout);
    if (!m) return { problem: `no result row in ${JSON.stringify(stdout.slice(0, 200))}` };
    const row = JSON.parse(m[0]) as { n: unknown; s: unknown };
    if (Number(row.n) !== expected.n || Number(row.s) !== expected.s) return { problem: `got ${m[0]}, expected ${JSON.stringify(expected)}` };
    return {};
  };
}

function explainPlan(ctx: ScenarioContext, project: string, sql: string): Record<string, number | undefined> {
  if (floeUnavailable(ctx)) return {};
  const argv = floeArgv(ctx, '--project', project, 'query', sql, '--explain', '--format', 'json');
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) {
    ctx.log(`floe query --explain failed: ${r.stderr.slice(0, 500)}`);
    return {};
  }
  const [plan] = JSON.parse(r.stdout) as Record<string, number>[];
  ctx.log(`plan: ${JSON.stringify(plan)}`);
  return plan ?? {};
}

const schema: StructType = {
  type: 'struct',
  fields: [
    { id: 1, name: 'p', required: true, type: 'int' },
    { id: 2, name: 'v', required: true, type: 'long' },
    { id: 3, name: 'name', required: false, type: 'string' },
  ],
};

const ID = { namespace: ['bench'], name: 'events' };

/** The project with table bench.events (cached): DuckDB writes one file per partition, floe commits them. */
async function template(ctx: ScenarioContext, files: number, rowsPerFile: number): Promise<{ dir: string; files: DataFile[] }> {
  const dir = join(ctx.cacheDir, 'pruned-query', `v${TEMPLATE_VERSION}-f${files}-r${rowsPerFile}`);
  const dataDir = join(tableLocation(dir, ID), 'data');
  const list = (): DataFile[] =>
    readdirSync(dataDir)
      .filter((sub) => sub.startsWith('p='))
      .flatMap((sub) =>
        readdirSync(join(dataDir, sub)).map((name): DataFile => {
          const path = join(dataDir, sub, name);
          return {
            content: DataFileContent.DATA,
            file_path: path,
            file_format: 'PARQUET',
            partition: [Number(sub.slice(2))],
            record_count: BigInt(rowsPerFile),
            file_size_in_bytes: BigInt(statSync(path).size),
          };
        }),
      )
      .sort((a, b) => Number(a.partition[0]) - Number(b.partition[0]));
  await syntheticTable(ctx, {
    dir,
    id: ID,
    what: `a table of ${fmtCount(files)} files × ${rowsPerFile} rows`,
    table: { schema, partitionBy: [{ sourceName: 'p', transform: 'identity' }] },
    async batches(location) {
      mkdirSync(location, { recursive: true });
      const engine = await openEngine();
      try {
        await engine.run(
          `COPY (SELECT (i // ${rowsPerFile})::INTEGER AS p, i::BIGINT AS v, 'name-' || i AS name FROM range(${files * rowsPerFile}) t(i) ORDER BY i) ` +
            `TO ${quoteLiteral(dataDir)} (FORMAT parquet, PARTITION_BY (p), WRITE_PARTITION_COLUMNS true, FIELD_IDS {p: 1, v: 2, name: 3})`,
          'write the benchmark files',
        );
      } finally {
        engine.close();
      }
      const all = list();
      return Array.from({ length: APPENDS }, (_, a) => all.slice(Math.floor((all.length * a) / APPENDS), Math.floor((all.length * (a + 1)) / APPENDS)));
    },
  });
  return { dir, files: list() };
}

/** DuckDB alone over the given files, printing {"n":…,"s":…}; plain JS under .cache so @duckdb/node-api resolves. */
function writeBaseline(ctx: ScenarioContext): string {
  return writeCachedScript(
    ctx,
    'pruned-query-duckdb.mjs',
    `// Generated by bench/scenarios/pruned-query.ts
import { DuckDBInstance } from '@duckdb/node-api';
const files = JSON.parse(process.argv[2]);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const list = files.map((f) => "'" + f.replaceAll("'", "''") + "'").join(', ');
const r = await c.runAndReadAll('SELECT count(*) AS n, sum(v) AS s FROM read_parquet([' + list + '])');
const [row] = r.getRowObjects();
console.log(JSON.stringify({ n: Number(row.n), s: Number(row.s) }));
`,
  );
}
