/**
 * Scenario 6: a keyed merge (`floe run` of a pipeline with `mode: merge`, key `id`) of
 * changed rows — 1% of the keys, the most recent id range, half of them updates and half
 * new — into a table of 10M rows (--quick: 200k), against rewriting the whole table with
 * the merged rows (`floe load --mode overwrite`), which is what a writer without merge does.
 *
 * The table is written once (floe's library, 8 MiB target files, so a merge can rewrite only
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
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { commitTable } from '../../src/table/commit.js';
import { fmtCount, fmtMs } from '../lib/format.js';
import { wallAtMost } from '../lib/goals.js';
import type { Case, Scenario, ScenarioContext } from '../lib/types.js';
import { expectRows, floeArgv, floeUnavailable, optional, writeProject } from './common.js';

const TEMPLATE_VERSION = 1;
const TIMEOUT_MS = 30 * 60_000;
const ID = { namespace: ['bench'], name: 'big' };
const AUDIT_LOG = { namespace: ['floe'], name: 'audit_log' };

const rowsFor = (quick: boolean): number => (quick ? 200_000 : 10_000_000);

export const mergeUpsert: Scenario = {
  id: '6',
  key: 'merge-upsert',
  title: 'Merge-upsert',
  measures:
    '`floe run` of a `mode: merge` pipeline (copy-on-write, and merge-on-read via the table property write.merge.mode) upserting 1% of the keys (half updates, half new) into a 10M-row table ' +
    '(200k with --quick), against `floe load --mode overwrite` of the whole merged table.',
  implemented: true,
  reps: { full: 3, quick: 2 },

  async prepare(ctx) {
    const rows = rowsFor(ctx.quick);
    const t = await template(ctx, rows);
    const changes = rows / 100;
    await oneRowPipeline(t.dir, rows);
    // The run's summary table: `upsert  bench.big  ok  <rows_read>  <rows_written> …`.
    const verifyRun = (expected: number) => (stdout: string) => {
      const m = /\bbench\.big\s+ok\s+(\d+)\s+(\d+)/.exec(stdout);
      if (!m) return { problem: `no successful run of bench.big in ${JSON.stringify(stdout.slice(0, 300))}` };
      if (Number(m[1]) !== expected) return { problem: `read ${m[1]} changed rows, expected ${expected}` };
      return { info: { rows_written: Number(m[2]) } };
    };
    const c: Case = {
      id: `rows-${fmtCount(rows).toLowerCase()}`,
      label: `${fmtCount(rows)} rows, ${fmtCount(changes)} changed`,
      params: { rows, changed_rows: changes },
      contenders: [
        {
          id: 'floe-merge',
          label: 'floe run (mode: merge)',
          role: 'candidate',
          ...optional(floeUnavailable(ctx)),
          command: async () => {
            await restore(t.dir);
            return { argv: floeArgv(ctx, '--project', t.dir, 'run', 'upsert') };
          },
          verify: verifyRun(changes),
          timeoutMs: TIMEOUT_MS,
        },
        {
          id: 'floe-merge-on-read',
          label: 'floe run (mode: merge, write.merge.mode=merge-on-read)',
          role: 'candidate',
          ...optional(floeUnavailable(ctx)),
          command: async () => {
            await restore(t.dir);
            // Set on the table before the timed run; restore() puts the original metadata back.
            await setTableProperties(t.dir, { 'write.merge.mode': 'merge-on-read' });
            return { argv: floeArgv(ctx, '--project', t.dir, 'run', 'upsert') };
          },
          verify: verifyRun(changes),
          timeoutMs: TIMEOUT_MS,
        },
        {
          id: 'floe-merge-one-row',
          label: 'floe run (mode: merge, merge-on-read, 1 changed row)',
          role: 'baseline',
          ...optional(floeUnavailable(ctx)),
          command: async () => {
            await restore(t.dir);
            await setTableProperties(t.dir, { 'write.merge.mode': 'merge-on-read' });
            return { argv: floeArgv(ctx, '--project', t.dir, 'run', 'upsert-one') };
          },
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
            return { argv: floeArgv(ctx, '--project', t.dir, 'load', 'bench.big', t.merged, '--mode', 'overwrite') };
          },
          verify: expectRows(rows + changes / 2),
          timeoutMs: TIMEOUT_MS,
        },
      ],
    };
    return [c];
  },

  goals(cases) {
    return [
      wallAtMost('vs-overwrite', 'merge wall ≤ 0.2× a full overwrite', cases[0], 'floe-merge', 'floe-overwrite', 0.2),
      wallAtMost('mor-vs-overwrite', 'merge-on-read merge wall ≤ 0.2× a full overwrite', cases[0], 'floe-merge-on-read', 'floe-overwrite', 0.2),
      {
        ...wallAtMost('one-row-vs-overwrite', 'merge-on-read of 1 changed row vs a full overwrite (information: the fixed cost of a merge run)', cases[0], 'floe-merge-one-row', 'floe-overwrite', Infinity),
        met: null,
      },
    ];
  },
};

/** A table's state to return to: its metadata location and every file under its folder. */
interface TableState {
  metadataLocation: string;
  files: string[];
}

/** The bench table's original state, and the audit log's once a run has created it. */
interface Original extends TableState {
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

/**
 * Puts the template in `dir` back to its original state (see the header). ORIGINAL.json lists
 * absolute paths, so `dir` is made absolute first: a relative one would match none of them.
 */
export async function restore(folder: string): Promise<void> {
  const dir = resolve(folder);
  const originalFile = join(dir, 'ORIGINAL.json');
  const original = JSON.parse(readFileSync(originalFile, 'utf8')) as Original;
  const auditDir = join(dir, 'warehouse', 'floe', 'audit_log');
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, dir);
  try {
    await putBack(catalog, ID, original, join(dir, 'warehouse', 'bench', 'big'));
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
async function putBack(catalog: Awaited<ReturnType<typeof openCatalog>>, id: typeof ID, state: TableState, folder: string): Promise<void> {
  const now = (await catalog.getTable(id)).metadataLocation;
  if (now !== state.metadataLocation && !(await catalog.swapMetadataLocation(id, now, state.metadataLocation))) {
    throw new Error(`cannot restore ${id.namespace.join('.')}.${id.name} in ${folder}: the catalog pointer moved`);
  }
  const keep = new Set(state.files);
  const present = listFiles(folder);
  // Never delete a whole table: a listing that shares no file with the saved state is the wrong folder.
  if (state.files.length > 0 && !present.some((f) => keep.has(f))) {
    throw new Error(`cannot restore ${id.namespace.join('.')}.${id.name}: none of the files saved in ORIGINAL.json is in ${folder}`);
  }
  for (const f of present) if (!keep.has(f)) rmSync(f, { force: true });
}

export async function setTableProperties(dir: string, updates: Record<string, string>): Promise<void> {
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, dir);
  try {
    await commitTable(catalog, new LocalFileIO(), ID, async (base) => ({
      requirements: [{ type: 'assert-table-uuid', uuid: base.metadata['table-uuid'] }],
      updates: [{ action: 'set-properties', updates }],
    }));
  } finally {
    await catalog.close();
  }
}

/**
 * pipelines/upsert-one.yaml and one.parquet: an update of the table's last key. Written beside a
 * cached template that lacks them (the table itself is not rebuilt).
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
  writeFileSync(yaml, ['source:', '  kind: parquet', `  path: ${JSON.stringify(file)}`, 'target:', '  table: bench.big', '  mode: merge', '  key: [id]', ''].join('\n'));
}

export async function template(ctx: ScenarioContext, rows: number): Promise<{ dir: string; merged: string }> {
  const dir = join(ctx.cacheDir, 'merge-upsert', `v${TEMPLATE_VERSION}-r${rows}`);
  const merged = join(dir, 'merged.parquet');
  if (existsSync(join(dir, 'ORIGINAL.json'))) return { dir, merged };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeProject(dir);
  const started = performance.now();
  ctx.log(`building a table of ${fmtCount(rows)} rows in ${dir}`);
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
      id: ID,
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
    const original: Original = { metadataLocation: (await catalog.getTable(ID)).metadataLocation, files: listFiles(join(dir, 'warehouse', 'bench', 'big')) };
    writeFileSync(
      join(dir, 'pipelines', 'upsert.yaml'),
      ['source:', '  kind: parquet', `  path: ${JSON.stringify(join(dir, 'changes.parquet'))}`, 'target:', '  table: bench.big', '  mode: merge', '  key: [id]', ''].join('\n'),
    );
    writeFileSync(join(dir, 'ORIGINAL.json'), JSON.stringify(original));
    ctx.log(`built in ${fmtMs(performance.now() - started)}: ${original.files.filter((f) => f.endsWith('.parquet')).length} data files, ${fmtCount(statSync(merged).size)} bytes merged file`);
  } finally {
    await catalog.close();
    engine.close();
  }
  return { dir, merged };
}
