/**
 * Scenario 5: `floe compact` of a table of 1,000 small data files (4 identity partitions of
 * 250 files each) into one file per partition, binpack, default options.
 *
 * Baseline (duckdb): DuckDB alone reads the same 1,000 Parquet files and writes them back
 * as zstd Parquet partitioned the same way (COPY … PARTITION_BY (region)), in its own node
 * process: the data movement of a compaction without Iceberg planning, deletes, metrics or
 * the commit. Goal: floe's throughput ≥ 0.6× DuckDB's, i.e. wall ≤ 1/0.6 ≈ 1.67×.
 *
 * The table is built once, through floe's library (dist/), in .cache/bench/compaction-…/
 * template (ten appends of 100 files). Compaction changes the table, so before every run the
 * template is copied to a fixed working folder (its metadata holds absolute locations),
 * outside the measured time; both contenders read that copy.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtCount } from '../lib/format.js';
import { wallAtMost } from '../lib/goals.js';
import type { Contender, Scenario, ScenarioContext } from '../lib/types.js';
import { expectRows, floeArgv, floeUnavailable, optional, writeCachedScript, writeProject } from './common.js';

const TEMPLATE_VERSION = 1;
const TABLE = { namespace: ['bench'], name: 'small' };
const FILES = 1000;
const COMMITS = 10;
const TIMEOUT_MS = 30 * 60_000;

const rowsSql = (from: number, n: number) =>
  `SELECT i::BIGINT AS id, ['eu', 'us', 'ap', 'sa'][(i % 4) + 1] AS region, (i * 7919 % 100003)::INTEGER AS customer_id, ` +
  `round(((i * 104729) % 1000000) / 100.0, 2)::DOUBLE AS amount, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((i * 37)::BIGINT) AS ts, ` +
  `'order ' || md5(i::VARCHAR) AS note FROM range(${from}, ${from + n}) t(i)`;

export const compaction: Scenario = {
  id: '5',
  key: 'compaction',
  title: 'Compaction of 1,000 small files (`floe compact`)',
  measures:
    'Wall time and peak RSS of `floe compact` (binpack) of a table of 1,000 small files in 4 partitions (5M rows; 20k with --quick), ' +
    'against DuckDB reading the same files and writing them as zstd Parquet partitioned the same way.',
  implemented: true,
  reps: { full: 3, quick: 2 },

  async prepare(ctx) {
    const rows = ctx.quick ? 20_000 : 5_000_000;
    const unavailable = floeUnavailable(ctx);
    const root = join(ctx.cacheDir, `compaction-v${TEMPLATE_VERSION}-${rows}rows`);
    const template = join(root, 'template');
    const work = join(root, 'work');
    if (!unavailable && !existsSync(join(template, '.built'))) {
      ctx.log(`building a table of ${FILES} files, ${fmtCount(rows)} rows (once; cached in ${template})`);
      rmSync(root, { recursive: true, force: true });
      await buildTable(ctx, work, rows);
      cpSync(work, template, { recursive: true });
      writeFileSync(join(template, '.built'), new Date().toISOString());
    }
    const restore = () => {
      rmSync(work, { recursive: true, force: true });
      cpSync(template, work, { recursive: true });
    };
    const baseline = writeBaseline(ctx);
    const dataGlob = join(work, 'warehouse', ...TABLE.namespace, TABLE.name, 'data', '**', '*.parquet');
    const contenders: Contender[] = [
      {
        id: 'floe',
        label: 'floe compact',
        role: 'candidate',
        ...optional(unavailable),
        command: () => {
          restore();
          return { argv: floeArgv(ctx, '--project', work, 'compact', `${TABLE.namespace[0]}.${TABLE.name}`) };
        },
        verify: expectRows(rows),
        timeoutMs: TIMEOUT_MS,
      },
      {
        id: 'duckdb',
        label: 'DuckDB read + partitioned COPY',
        role: 'baseline',
        ...optional(unavailable ? 'the input table is built with floe, which is not built' : undefined),
        command: (dir) => {
          restore();
          return { argv: [process.execPath, baseline, dataGlob, join(dir, 'out')] };
        },
        verify: expectRows(rows),
        timeoutMs: TIMEOUT_MS,
      },
    ];
    return [{ id: `files-${FILES}`, label: `${FILES} files, ${fmtCount(rows)} rows`, params: { files: FILES, rows, partitions: 4 }, contenders }];
  },

  goals(cases) {
    return [wallAtMost('vs-duckdb', 'throughput ≥ 0.6× DuckDB (wall ≤ 1.67×)', cases[0], 'floe', 'duckdb', 1 / 0.6)];
  },
};

/** The baseline script, written under .cache so that @duckdb/node-api resolves from node_modules. */
function writeBaseline(ctx: ScenarioContext): string {
  return writeCachedScript(
    ctx,
    'duckdb-compact.mjs',
    `import { DuckDBInstance } from '@duckdb/node-api';
const [glob, out] = process.argv.slice(2);
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";
const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
const conn = await instance.connect();
const r = await conn.runAndReadAll('COPY (SELECT * FROM read_parquet(' + lit(glob) + ')) TO ' + lit(out) + ' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (region))');
const rows = r.getRows()[0]?.[0];
conn.closeSync();
instance.closeSync();
process.stdout.write(JSON.stringify({ rows: String(rows) }) + '\\n');
`,
  );
}

/** A floe project in `dir` whose table bench.small has FILES data files, built through floe's library. */
async function buildTable(ctx: ScenarioContext, dir: string, rows: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeProject(dir);
  const dist = (p: string) => import(join(ctx.repoRoot, 'dist', p));
  const { openCatalog } = await dist('catalog/open.js');
  const { openEngine } = await dist('engine/duckdb.js');
  const { schemaFromColumns } = await dist('engine/infer-schema.js');
  const { writeDataFiles } = await dist('engine/write-parquet.js');
  const { createTableChange } = await dist('iceberg/metadata-builder.js');
  const { partitionPath } = await dist('iceberg/partition.js');
  const { LocalFileIO } = await dist('io/local.js');
  const { commitTable, createTable } = await dist('table/commit.js');
  const { loadTable } = await dist('table/load.js');
  const { buildSnapshotChange, newSnapshotId, writeAddedManifest } = await dist('table/snapshot-producer.js');
  const warehouse = join(dir, 'warehouse');
  const catalog = await openCatalog({ uri: `sqlite:${join(warehouse, 'catalog.db')}`, name: 'floe' }, dir);
  const engine = await openEngine({});
  const io = new LocalFileIO();
  try {
    const schema = schemaFromColumns(await engine.columns(rowsSql(0, 1), 'describe the bench rows'));
    const location = join(warehouse, ...TABLE.namespace, TABLE.name);
    await createTable(catalog, io, TABLE, createTableChange({ location, schema, partitionBy: [{ sourceName: 'region', transform: 'identity' }] }));
    const perCommit = rows / COMMITS;
    const groups = FILES / COMMITS / 4; // each group of consecutive ids spans the 4 regions: 4 files
    for (let c = 0; c < COMMITS; c++) {
      const t = await loadTable(catalog, io, TABLE);
      const m = t.metadata;
      const from = c * perCommit;
      const written = await writeDataFiles({
        engine, selectSql: rowsSql(from, perCommit), schema: m.schemas[0],
        partition: [
          { name: 'region', sql: '"region"', type: 'string' },
          { name: '__file', sql: `(id - ${from}) // ${perCommit / groups}`, type: 'long' },
        ],
        targetFileSizeBytes: 1n << 40n, outputDir: join(dir, '.tiny', String(c)), fileNamePrefix: `c${c}`, table: 'bench.small',
      });
      const spec = m['partition-specs'][0];
      const files: Record<string, unknown>[] = [];
      for (const w of written) {
        const partition = w.dataFile.partition.slice(0, 1);
        const target = join(location, 'data', partitionPath(spec, m.schemas[0], partition), `${c}-${w.localPath.split('/').pop()}`);
        await io.putLocalFile(w.localPath, target);
        files.push({ ...w.dataFile, partition, file_path: target });
      }
      const manifest = await writeAddedManifest(io, m, files, 'data', 0);
      const snapshotId = newSnapshotId(m);
      await commitTable(catalog, io, TABLE, (base: unknown) => buildSnapshotChange(base, { operation: 'append', snapshotId, added: [manifest], addedFiles: files }));
    }
    rmSync(join(dir, '.tiny'), { recursive: true, force: true });
  } finally {
    engine.close();
    await catalog.close();
  }
}
