/**
 * Scenario 6: a keyed merge (`floe run` of a pipeline with `mode: merge`, key `id`) of
 * changed rows — 1% of the keys, the most recent id range, half of them updates and half
 * new — into a table of 10M rows (--quick: 200k), against rewriting the whole table with
 * the merged rows (`floe load --mode overwrite`), which is what a writer without merge does.
 *
 * Two tables, two cases, each judged on its own. The ratio depends on how long the overwrite
 * takes, that is on how wide and how compressible the table is, while a merge run pays a fixed
 * cost whatever the table (see the one-row contender below):
 * - narrow: 4 narrow, highly compressible columns (id, 'name-'||i, i % 1000, a sequential
 *   timestamp); 10M rows are about 40 MiB of Parquet.
 * - wide: the 10 columns of scenario 1's CSV (bench/generate/csv.ts, the same generator and
 *   seed, so at 10M rows the very CSV scenario 1 loads), read as `floe load` reads a CSV. The
 *   changed rows come from the same generator with the next seed, their ids moved onto the
 *   most recent range.
 *
 * Each table is written once (floe's library, 8 MiB target files, so a merge can rewrite only
 * the files its keys fall in) and cached in .cache/bench/merge-upsert/. Before every run the
 * table is put back: the catalog pointer returns to the original metadata file and every file
 * a run added is deleted, so each run starts from the same table. floe's command audit log
 * (floe.audit_log, appended to by every contender's command) is put back the same way to its
 * state after the first run that created it, so it does not grow from run to run and bench
 * session to session. The merge-on-read contenders set `write.merge.mode = merge-on-read` on
 * the table before their (timed) run.
 *
 * A fourth contender merges one changed row on read: everything a merge run does whatever the
 * size of its batch (Node and module start-up, DuckDB, catalog and metadata, staging, position
 * and data files, the commit, the audit record). Its wall over the overwrite's is the floor
 * of the merge-on-read ratio, reported as information.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatTableId } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/sql.js';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import { fileSourceSql } from '../../src/ingest/file-source.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { commitTable } from '../../src/table/commit.js';
import { cachedCsv } from '../generate/cache.js';
import { CSV_COLUMNS } from '../generate/csv.js';
import { fmtBytes, fmtCount, fmtMs } from '../lib/format.js';
import { wallAtMost } from '../lib/goals.js';
import type { Case, GoalResult, Scenario, ScenarioContext } from '../lib/types.js';
import { expectRows, floeArgv, floeUnavailable, optional, writeProject } from './common.js';
import { SEED } from './csv-load.js';

const TEMPLATE_VERSION = 1;
const WIDE_TEMPLATE_VERSION = 1;
/** Scenario 1's seed: at 10M rows the wide table is built from the CSV it loads. */
const CSV_SEED = SEED;
/** The changed rows of the wide table: the same generator, another seed, so updates change values. */
const CHANGES_SEED = CSV_SEED + 1;
const TIMEOUT_MS = 30 * 60_000;
const NARROW: TableIdentifier = { namespace: ['bench'], name: 'big' };
const WIDE: TableIdentifier = { namespace: ['bench'], name: 'wide' };
const AUDIT_LOG: TableIdentifier = { namespace: ['floe'], name: 'audit_log' };

const rowsFor = (quick: boolean): number => (quick ? 200_000 : 10_000_000);

/** The two tables: what the report calls them, and the ids of their case and goals. */
const SHAPES = [
  { shape: 'narrow', columns: 4, words: '4 narrow columns', caseId: (rows: number) => `rows-${fmtCount(rows).toLowerCase()}`, goalPrefix: '' },
  { shape: 'wide', columns: CSV_COLUMNS.length, words: `${CSV_COLUMNS.length} columns`, caseId: (rows: number) => `wide-rows-${fmtCount(rows).toLowerCase()}`, goalPrefix: 'wide-' },
] as const;
type Shape = (typeof SHAPES)[number];

/** "10M rows × 4 narrow columns". */
const tableWords = (s: Shape, rows: number): string => `${fmtCount(rows)} rows × ${s.words}`;

/** A cached table to merge into, with its inputs (pipelines/upsert.yaml, upsert-one.yaml). */
export interface Template {
  dir: string;
  table: TableIdentifier;
  /** The whole merged table, one Parquet file: the overwrite's input. */
  merged: string;
}

export const mergeUpsert: Scenario = {
  id: '6',
  key: 'merge-upsert',
  title: 'Merge-upsert',
  measures:
    '`floe run` of a `mode: merge` pipeline (copy-on-write, and merge-on-read via the table property write.merge.mode) upserting 1% of the keys (half updates, half new) into a 10M-row table ' +
    '(200k with --quick), against `floe load --mode overwrite` of the whole merged table; on two tables, judged apart: 4 narrow, highly compressible columns, ' +
    "and the 10 columns of scenario 1's CSV.",
  implemented: true,
  reps: { full: 3, quick: 2 },

  async prepare(ctx) {
    const rows = rowsFor(ctx.quick);
    const narrow = await narrowTemplate(ctx, rows);
    await oneRowPipeline(narrow.dir, rows);
    const wide = await wideTemplate(ctx, rows);
    // The wide table is hundreds of MiB at full size: the first contender must not be the only one to read it from disk.
    readThrough([...readOriginal(wide.dir).files, wide.merged]);
    return [mergeCase(ctx, SHAPES[0], narrow, rows), mergeCase(ctx, SHAPES[1], wide, rows)];
  },

  goals(cases, ctx) {
    const rows = rowsFor(ctx.quick);
    return SHAPES.flatMap((s): GoalResult[] => {
      const c = cases.find((x) => x.id === s.caseId(rows));
      const on = `${tableWords(s, rows)}:`;
      const p = s.goalPrefix;
      return [
        wallAtMost(`${p}vs-overwrite`, `${on} merge wall ≤ 0.2× a full overwrite`, c, 'floe-merge', 'floe-overwrite', 0.2),
        wallAtMost(`${p}mor-vs-overwrite`, `${on} merge-on-read merge wall ≤ 0.2× a full overwrite`, c, 'floe-merge-on-read', 'floe-overwrite', 0.2),
        {
          ...wallAtMost(
            `${p}one-row-vs-overwrite`,
            `${on} merge-on-read of 1 changed row vs a full overwrite (information: the fixed cost of a merge run)`,
            c,
            'floe-merge-one-row',
            'floe-overwrite',
            Infinity,
          ),
          met: null,
        },
      ];
    });
  },
};

/** The four contenders on one table; every run starts from the restored table. */
function mergeCase(ctx: ScenarioContext, s: Shape, t: Template, rows: number): Case {
  const changes = rows / 100;
  const name = formatTableId(t.table);
  // From ORIGINAL.json: the folder may still hold what the last run of an earlier session added.
  const data = readOriginal(t.dir).files.filter((f) => f.endsWith('.parquet'));
  const bytes = data.reduce((n, f) => n + statSync(f).size, 0);
  // The run's summary table: `upsert  bench.big  ok  <rows_read>  <rows_written> …`.
  const summary = new RegExp(`\\b${name.replaceAll('.', '\\.')}\\s+ok\\s+(\\d+)\\s+(\\d+)`);
  const verifyRun = (expected: number) => (stdout: string) => {
    const m = summary.exec(stdout);
    if (!m) return { problem: `no successful run of ${name} in ${JSON.stringify(stdout.slice(0, 300))}` };
    if (Number(m[1]) !== expected) return { problem: `read ${m[1]} changed rows, expected ${expected}` };
    return { info: { rows_written: Number(m[2]) } };
  };
  const run = (pipeline: string, mergeOnRead: boolean) => async () => {
    await restore(t.dir);
    // Set on the table before the timed run; restore() puts the original metadata back.
    if (mergeOnRead) await setTableProperties(t.dir, { 'write.merge.mode': 'merge-on-read' });
    return { argv: floeArgv(ctx, '--project', t.dir, 'run', pipeline) };
  };
  return {
    id: s.caseId(rows),
    label: `${tableWords(s, rows)} (${fmtBytes(bytes)} of Parquet), ${fmtCount(changes)} changed`,
    params: { table: s.shape, rows, columns: s.columns, changed_rows: changes, data_files: data.length, data_bytes: bytes },
    contenders: [
      {
        id: 'floe-merge',
        label: 'floe run (mode: merge)',
        role: 'candidate',
        ...optional(floeUnavailable(ctx)),
        command: run('upsert', false),
        verify: verifyRun(changes),
        timeoutMs: TIMEOUT_MS,
      },
      {
        id: 'floe-merge-on-read',
        label: 'floe run (mode: merge, write.merge.mode=merge-on-read)',
        role: 'candidate',
        ...optional(floeUnavailable(ctx)),
        command: run('upsert', true),
        verify: verifyRun(changes),
        timeoutMs: TIMEOUT_MS,
      },
      {
        id: 'floe-merge-one-row',
        label: 'floe run (mode: merge, merge-on-read, 1 changed row)',
        role: 'baseline',
        ...optional(floeUnavailable(ctx)),
        command: run('upsert-one', true),
        verify: verifyRun(1),
        timeoutMs: TIMEOUT_MS,
      },
      {
        id: 'floe-overwrite',
        label: 'floe load --mode overwrite (whole table)',
        role: 'baseline',
        ...optional(floeUnavailable(ctx)),
        command: async () => {
          await restore(t.dir);
          return { argv: floeArgv(ctx, '--project', t.dir, 'load', name, t.merged, '--mode', 'overwrite') };
        },
        verify: expectRows(rows + changes / 2),
        timeoutMs: TIMEOUT_MS,
      },
    ],
  };
}

/** A table's state to return to: its metadata location and every file under its folder. */
interface TableState {
  metadataLocation: string;
  files: string[];
}

/**
 * ORIGINAL.json: the bench table's original state, and the audit log's once a run has created
 * it. `table` is absent in narrow templates cached before the wide case existed (bench.big).
 */
interface Original extends TableState {
  table?: TableIdentifier;
  audit?: TableState;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function readOriginal(dir: string): Original {
  return JSON.parse(readFileSync(join(dir, 'ORIGINAL.json'), 'utf8')) as Original;
}

/** Reads files through once, so that they are in the page cache. */
function readThrough(files: string[]): void {
  const buf = Buffer.allocUnsafe(4 << 20);
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Puts the template in `dir` back to its original state (see the header). ORIGINAL.json lists
 * absolute paths, so `dir` is made absolute first: a relative one would match none of them.
 */
export async function restore(folder: string): Promise<void> {
  const dir = resolve(folder);
  const originalFile = join(dir, 'ORIGINAL.json');
  const original = readOriginal(dir);
  const table = original.table ?? NARROW;
  const auditDir = join(dir, 'warehouse', ...AUDIT_LOG.namespace, AUDIT_LOG.name);
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, dir);
  try {
    await putBack(catalog, table, original, join(dir, 'warehouse', ...table.namespace, table.name));
    if (original.audit) await putBack(catalog, AUDIT_LOG, original.audit, auditDir);
    else if (await catalog.tableExists(AUDIT_LOG)) {
      // The first run created the audit log: later runs start from this state of it.
      original.audit = { metadataLocation: (await catalog.getTable(AUDIT_LOG)).metadataLocation, files: listFiles(auditDir) };
      writeFileSync(originalFile, JSON.stringify(original));
    }
  } finally {
    await catalog.close();
  }
}

/** Points the catalog at `state`'s metadata again and deletes every file added under `folder` since. */
async function putBack(catalog: Awaited<ReturnType<typeof openCatalog>>, id: TableIdentifier, state: TableState, folder: string): Promise<void> {
  const now = (await catalog.getTable(id)).metadataLocation;
  if (now !== state.metadataLocation && !(await catalog.swapMetadataLocation(id, now, state.metadataLocation))) {
    throw new Error(`cannot restore ${formatTableId(id)} in ${folder}: the catalog pointer moved`);
  }
  const keep = new Set(state.files);
  const present = listFiles(folder);
  // Never delete a whole table: a listing that shares no file with the saved state is the wrong folder.
  if (state.files.length > 0 && !present.some((f) => keep.has(f))) {
    throw new Error(`cannot restore ${formatTableId(id)}: none of the files saved in ORIGINAL.json is in ${folder}`);
  }
  for (const f of present) if (!keep.has(f)) rmSync(f, { force: true });
}

/** Sets properties on the template's table (the one its ORIGINAL.json names). */
export async function setTableProperties(dir: string, updates: Record<string, string>): Promise<void> {
  const table = readOriginal(resolve(dir)).table ?? NARROW;
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, dir);
  try {
    await commitTable(catalog, new LocalFileIO(), table, async (base) => ({
      requirements: [{ type: 'assert-table-uuid', uuid: base.metadata['table-uuid'] }],
      updates: [{ action: 'set-properties', updates }],
    }));
  } finally {
    await catalog.close();
  }
}

/** pipelines/<name>.yaml: a merge on key `id` of one Parquet file into `table`. */
function writeMergePipeline(dir: string, name: string, file: string, table: TableIdentifier): void {
  writeFileSync(
    join(dir, 'pipelines', `${name}.yaml`),
    ['source:', '  kind: parquet', `  path: ${JSON.stringify(file)}`, 'target:', `  table: ${formatTableId(table)}`, '  mode: merge', '  key: [id]', ''].join('\n'),
  );
}

/**
 * pipelines/upsert-one.yaml and one.parquet of the narrow table: an update of the table's last
 * key. Written beside a cached template that lacks them (the table itself is not rebuilt).
 */
async function oneRowPipeline(dir: string, rows: number): Promise<void> {
  const yaml = join(dir, 'pipelines', 'upsert-one.yaml');
  if (existsSync(yaml)) return;
  const file = join(dir, 'one.parquet');
  const i = rows - 1;
  const engine = await openEngine();
  try {
    const row = `SELECT ${i}::BIGINT AS id, 'changed-${i}' AS name, ${(i % 1000) + 1}::INTEGER AS amount, TIMESTAMP '2025-01-01' + to_seconds(${i}) AS updated_at`;
    await engine.run(`COPY (${row}) TO ${quoteLiteral(file)} (FORMAT parquet)`, 'write the one-row change');
  } finally {
    engine.close();
  }
  writeMergePipeline(dir, 'upsert-one', file, NARROW);
}

/** The narrow table (bench.big): ids 0..rows-1, 4 columns computed from the id. */
export async function narrowTemplate(ctx: ScenarioContext, rows: number): Promise<Template> {
  const dir = join(ctx.cacheDir, 'merge-upsert', `v${TEMPLATE_VERSION}-r${rows}`);
  const merged = join(dir, 'merged.parquet');
  if (existsSync(join(dir, 'ORIGINAL.json'))) return { dir, table: NARROW, merged };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeProject(dir);
  const started = performance.now();
  ctx.log(`building a table of ${fmtCount(rows)} rows × 4 narrow columns in ${dir}`);
  const changes = rows / 100;
  const base = `SELECT i::BIGINT AS id, 'name-' || i AS name, (i % 1000)::INTEGER AS amount, TIMESTAMP '2024-01-01' + to_seconds(i) AS updated_at FROM range(${rows}) t(i)`;
  // The most recent 1% of the id range changes: the lower half updated, the upper half new.
  const first = rows - changes / 2;
  const changed = `SELECT i::BIGINT AS id, 'changed-' || i AS name, (i % 1000 + 1)::INTEGER AS amount, TIMESTAMP '2025-01-01' + to_seconds(i) AS updated_at FROM range(${first}, ${first + changes}) t(i)`;
  const engine = await openEngine();
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, dir);
  try {
    await writeTable({
      catalog,
      io: new LocalFileIO(),
      engine,
      id: NARROW,
      selectSql: base,
      mode: 'append',
      warehouse: join(dir, 'warehouse'),
      properties: { 'write.target-file-size-bytes': String(8 * 1024 * 1024) },
    });
    await engine.run(`COPY (${changed}) TO ${quoteLiteral(join(dir, 'changes.parquet'))} (FORMAT parquet)`, 'write the changes');
    await engine.run(
      `COPY (SELECT * FROM (${base}) WHERE id < ${first} UNION ALL ${changed} ORDER BY id) TO ${quoteLiteral(merged)} (FORMAT parquet)`,
      'write the merged table',
    );
    const original: Original = {
      table: NARROW,
      metadataLocation: (await catalog.getTable(NARROW)).metadataLocation,
      files: listFiles(join(dir, 'warehouse', ...NARROW.namespace, NARROW.name)),
    };
    writeMergePipeline(dir, 'upsert', join(dir, 'changes.parquet'), NARROW);
    writeFileSync(join(dir, 'ORIGINAL.json'), JSON.stringify(original));
    ctx.log(`built in ${fmtMs(performance.now() - started)}: ${original.files.filter((f) => f.endsWith('.parquet')).length} data files, ${fmtCount(statSync(merged).size)} bytes merged file`);
  } finally {
    await catalog.close();
    engine.close();
  }
  return { dir, table: NARROW, merged };
}

/**
 * The wide table (bench.wide): scenario 1's generated CSV of `rows` rows (ids 1..rows), read
 * as `floe load` reads a CSV (fileSourceSql: the same sniffed column types). The changed rows
 * are the generator's first rows/100 rows with the next seed, ids moved to rows - rows/200 + 1
 * .. rows + rows/200 (the lower half updates, the upper half new) and cast to the table's
 * types; one.parquet, the one-row change, is the update of the last key (`rows`).
 */
export async function wideTemplate(ctx: ScenarioContext, rows: number): Promise<Template> {
  const dir = join(ctx.cacheDir, 'merge-upsert', `wide-v${WIDE_TEMPLATE_VERSION}-r${rows}-seed${CSV_SEED}`);
  const merged = join(dir, 'merged.parquet');
  if (existsSync(join(dir, 'ORIGINAL.json'))) return { dir, table: WIDE, merged };
  const changes = rows / 100;
  const csv = await cachedCsv(ctx.cacheDir, rows, CSV_SEED, ctx.log);
  const changesCsv = await cachedCsv(ctx.cacheDir, changes, CHANGES_SEED, ctx.log);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeProject(dir);
  const started = performance.now();
  ctx.log(`building a table of ${fmtCount(rows)} rows × ${CSV_COLUMNS.length} columns from ${csv.path} in ${dir}`);
  const changesFile = join(dir, 'changes.parquet');
  const oneFile = join(dir, 'one.parquet');
  const base = fileSourceSql([csv.path], { format: 'csv' });
  const last = rows - changes / 2; // the last id kept as it is
  const engine = await openEngine();
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, dir);
  try {
    const columns = await engine.columns(base, 'read the generated CSV');
    const names = columns.map((c) => c.name);
    if (names.join() !== CSV_COLUMNS.join()) throw new Error(`${csv.path} has the columns ${names.join(', ')}, expected ${CSV_COLUMNS.join(', ')}`);
    const cast = columns
      .map((c) => `CAST(${c.name === 'id' ? `id + ${last}` : quoteIdent(c.name)} AS ${c.type.toString()}) AS ${quoteIdent(c.name)}`)
      .join(', ');
    await writeTable({
      catalog,
      io: new LocalFileIO(),
      engine,
      id: WIDE,
      selectSql: base,
      inputs: [csv.path],
      mode: 'append',
      warehouse: join(dir, 'warehouse'),
      properties: { 'write.target-file-size-bytes': String(8 * 1024 * 1024) },
    });
    await engine.run(
      `COPY (SELECT ${cast} FROM (${fileSourceSql([changesCsv.path], { format: 'csv' })}) ORDER BY id) TO ${quoteLiteral(changesFile)} (FORMAT parquet)`,
      'write the changes',
    );
    await engine.run(`COPY (SELECT * FROM read_parquet(${quoteLiteral(changesFile)}) WHERE id = ${rows}) TO ${quoteLiteral(oneFile)} (FORMAT parquet)`, 'write the one-row change');
    await engine.run(
      `COPY (SELECT * FROM (${base}) WHERE id <= ${last} UNION ALL SELECT * FROM read_parquet(${quoteLiteral(changesFile)}) ORDER BY id) TO ${quoteLiteral(merged)} (FORMAT parquet)`,
      'write the merged table',
    );
    const original: Original = {
      table: WIDE,
      metadataLocation: (await catalog.getTable(WIDE)).metadataLocation,
      files: listFiles(join(dir, 'warehouse', ...WIDE.namespace, WIDE.name)),
    };
    writeMergePipeline(dir, 'upsert', changesFile, WIDE);
    writeMergePipeline(dir, 'upsert-one', oneFile, WIDE);
    writeFileSync(join(dir, 'ORIGINAL.json'), JSON.stringify(original));
    ctx.log(
      `built in ${fmtMs(performance.now() - started)}: ${original.files.filter((f) => f.endsWith('.parquet')).length} data files, ${fmtBytes(statSync(merged).size)} merged file`,
    );
  } finally {
    await catalog.close();
    engine.close();
  }
  return { dir, table: WIDE, merged };
}
