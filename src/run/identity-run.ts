/**
 * One identity pipeline run (DESIGN §4, docs/IDENTITY.md): read the input tables and the
 * previous identity map, resolve, then commit three Iceberg snapshots in one catalog
 * transaction (Catalog.commitTables: all three pointers move, or none):
 *
 * 1. profiles (overwrite), through write-audit-publish when the pipeline has checks: the
 *    checks run over the staged snapshot first, and a failed check commits only that staged
 *    snapshot (main not moved); the other two are not written;
 * 2. identity_map (overwrite): (source_table, source_id, customer_id);
 * 3. identity_changes (append): merges, splits and guard cuts of this run.
 *
 * A crash before or during the transaction leaves all three as they were, after it all three
 * new (test/crash/identity-atomic.test.ts). The outputs' PII tags commit with them.
 *
 * Two runs of the pipeline at once on two hosts (`floe run`'s lock is local) would both
 * resolve against the same previous map: the transaction checks on every attempt that no
 * other run of the pipeline committed to the map since this one read it, nor the same
 * --run-id to profiles (table/conflicts.ts validateNoConcurrentRun). The second fails with
 * `conflict`, or is the skipped no-op of its --run-id (test/concurrency/identity-race.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTableIdentifier } from '../catalog/identifier.js';
import { changesSql, RECORD_CUSTOMER } from '../c360/identity/assign.js';
import type { Cut } from '../c360/identity/components.js';
import { PROFILES } from '../c360/identity/survive.js';
import { resolveIdentities } from '../c360/identity/resolve.js';
import { openEngine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { plural } from '../text-table.js';
import { commitPreparedWrites, prepareWrite, type PreparedWrite, type WriteTableOptions, type WriteTableResult } from '../ingest/write-table.js';
import type { LoadedPipeline } from '../pipeline/load.js';
import type { IdentityPipeline } from '../pipeline/schema-pipeline.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import type { TableIdentifier, TableMetadata } from '../iceberg/types.js';
import { changesPiiColumns, mapPiiColumns, profilePiiColumns } from '../c360/identity/pii.js';
import { piiPropertyUpdates, syncPiiProperties } from '../governance/ingest.js';
import { tableHadColumn } from '../governance/tags.js';
import type { TableChange } from '../table/updates.js';
import { committedByConcurrentRun, validateNoConcurrentRun } from '../table/conflicts.js';
import { maskSql } from '../governance/sql.js';
import { PII_PREFIX, piiProperties, type PiiColumn } from '../governance/policy.js';
import { changesTable, openIdentityInputs, openOutputView } from './identity-inputs.js';
import { acquireTableLock } from './lock.js';
import { checkAuditor, checkRunId, lockDir, type PipelineRunResult, reportAudit, type RunContext } from './run-pipeline.js';
import { withRunIds } from './run-ids.js';
import { readState, stateSummary } from './state.js';

/**
 * DuckDB's memory for one identity run unless FLOE_MEMORY_LIMIT says otherwise; beyond it
 * joins and sorts spill to a temp folder. Lower than an ingest run's default: measured,
 * 1M source records resolve in 722 MiB peak RSS at 384 MB and 926 MiB at 512 MB.
 */
const IDENTITY_MEMORY_LIMIT = '384MB';

/** What a run read from identity_map, for the concurrent-run check's message. */
const PREVIOUS_MAP = {
  what: 'identity map',
  risk: 'this run resolved its customer ids against the map that run replaced, so committing it too would record its merges and splits against a map that is no longer the previous one and undo that run\'s ids',
};

/** Cut events beyond this many are summarised in one count. */
const MAX_CUT_EVENTS = 100;

export async function runIdentityPipeline(ctx: RunContext, lp: LoadedPipeline): Promise<PipelineRunResult> {
  const p = lp.pipeline as IdentityPipeline;
  const started = Date.now();
  const profilesId = parseTableIdentifier(p.outputs.profiles);
  const lock = await acquireTableLock(lockDir(ctx.project), p.outputs.identity_map, ctx.lockTimeoutMs);
  // Bounded: the resolver's joins spill to disk rather than grow with the inputs.
  const spill = join(tmpdir(), `floe-identity-${process.pid}-${randomUUID().slice(0, 8)}`);
  const engine = await openEngine({ memoryLimit: process.env.FLOE_MEMORY_LIMIT?.trim() || IDENTITY_MEMORY_LIMIT, tempDir: spill });
  try {
    const existing = (await ctx.catalog.tableExists(profilesId)) ? await loadTable(ctx.catalog, ctx.io, profilesId) : undefined;
    const runId = ctx.runId ?? randomUUID();
    const base = { pipeline: p.name, table: p.outputs.profiles, rejects: 0, schemaChanges: [] as string[] };
    // The run id is recorded on profiles, which commit in one transaction with the map and the changes (run-ids.ts).
    const done = ctx.runId ? checkRunId(readState(existing?.metadata, p.name, undefined), p.name, p.outputs.profiles, ctx.runId) : undefined;
    if (done) {
      return { ...base, status: 'skipped', rowsRead: 0, rowsWritten: 0n, snapshotId: existing?.metadata['current-snapshot-id'] ?? null, durationMs: Date.now() - started, note: done };
    }
    const inputs = await openIdentityInputs(engine, ctx.catalog, ctx.io, p.name, p);
    const mapRead = ctx.fullRefresh ? undefined : await openOutputView(engine, ctx.catalog, ctx.io, p.outputs.identity_map, '__id_map');
    const previousMap = mapRead?.relation;
    const r = await resolveIdentities(engine, {
      inputs,
      blockValues: p.match.block_values,
      maxPerProfile: p.match.max_per_profile,
      survivorship: p.survivorship,
      previousMap,
    });
    ctx.onEvent?.('identity', {
      pipeline: p.name,
      records: r.records,
      identifiers: r.identifiers,
      blocked: r.blocked,
      links: r.links,
      customers: r.components,
      kept_ids: r.kept,
      new_ids: r.fresh,
      cuts: r.cuts.length,
      rounds: r.rounds,
      unresolved: r.unresolved,
      without_id: r.inputRows.reduce((n, i) => n + i.withoutId, 0),
      duplicate_ids: r.inputRows.reduce((n, i) => n + i.duplicateIds, 0),
    });
    // The previous map's records by table, read once: for inputs with no rows, and for tables that are inputs no more.
    const previousRecords = new Map<string, number>();
    if (previousMap) {
      const rows = await engine.all(`SELECT source_table, count(*)::BIGINT AS n FROM ${quoteIdent(previousMap)} GROUP BY 1 ORDER BY 1`, 'count the previous records of each input');
      for (const row of rows) previousRecords.set(String(row.source_table), Number(row.n));
    }
    for (const i of r.inputRows) {
      // Rows that are not records are never dropped silently (docs/IDENTITY.md, "Inputs").
      if (i.withoutId > 0) ctx.onEvent?.('warning', { pipeline: p.name, table: i.table, message: `${i.withoutId} of ${i.rows} rows of ${i.table} have no source id (NULL or blank) and were skipped: they are not in the identity map` });
      if (i.badUpdatedAt) {
        const column = p.inputs.find((x) => x.table === i.table)?.updated_at ?? 'updated_at';
        ctx.onEvent?.('warning', { pipeline: p.name, table: i.table, message: `${i.badUpdatedAt} of ${i.rows} rows of ${i.table} have an updated_at (${column}) that does not read as a time; they count as having none (most_recent ranks them last)` });
      }
      // An input that adds nothing (emptied, or an identifier column renamed at the source and
      // read as NULL) splits the customers it joined and changes their ids: said, not silent.
      const declared = p.inputs.find((x) => x.table === i.table);
      if (i.rows === 0) {
        const had = previousRecords.get(i.table) ?? 0;
        ctx.onEvent?.('warning', { pipeline: p.name, table: i.table, message: `${i.table} has no rows: it adds no record to the identity map${had ? ` (the previous map held ${had} of its records, which are dropped)` : ''}` });
      }
      for (const kind of i.emptyIdentifiers ?? []) {
        const column = declared?.identifiers[kind] ?? kind;
        ctx.onEvent?.('warning', { pipeline: p.name, table: i.table, message: `no row of ${i.table} has a value in identifier column ${column} (${kind}): its ${i.rows - i.withoutId - i.duplicateIds} records link by no ${kind}. If the column was renamed at the source, name the new column in ${lp.file}` });
      }
    }
    // Records of a table that is no longer an input (removed from the pipeline, or renamed:
    // its records then come back under new source_table values and new ids) leave the map.
    const inputTables = new Set(p.inputs.map((i) => i.table));
    for (const [table, n] of previousRecords) {
      if (inputTables.has(table)) continue;
      ctx.onEvent?.('warning', { pipeline: p.name, table, message: `the previous identity map holds ${n} records of ${table}, which is not an input of ${lp.file}: they leave ${p.outputs.identity_map} (if the table was renamed, its records come back under new customer ids)` });
    }
    // The profiles and the cut keys copy values of tagged input columns: they carry the tags.
    const tagged = inputs.map((i) => ({ identifiers: i.identifiers, attributes: i.attributes, tags: i.tags ?? [] }));
    const profilePii = profilePiiColumns(tagged);
    const changesPii = changesPiiColumns(tagged);
    // A source id read from a tagged column (a CRM keyed by email) is that column's raw value.
    const mapPii = mapPiiColumns(inputs.map((i) => ({ identifiers: i.identifiers, attributes: i.attributes, tags: i.tags ?? [], sourceId: i.sourceId })));
    // A cut event names the key; run logs are outputs too, so a key of a PII-tagged kind is masked.
    const maskedKinds = new Map(profilePii.filter((c) => c.apply === 'read' && c.policy !== 'none').map((c) => [c.column, c.tag]));
    for (const c of r.cuts.slice(0, MAX_CUT_EVENTS)) {
      const tag = maskedKinds.get(c.kind);
      const value = tag === undefined ? c.key : String((await engine.all(`SELECT ${maskSql(quoteLiteral(c.key), tag)} AS v`, 'mask a cut key'))[0]?.v ?? '***');
      ctx.onEvent?.('cut', { pipeline: p.name, kind: c.kind, value, over_kind: c.overKind, limit: c.limit, had: c.had, bridged: c.bridged, records: c.records });
    }
    const summary = stateSummary(p.name, runId);
    const events = { onRetry: (x: { attempt: number; waitMs: number; table: string }) => ctx.onEvent?.('retry', { ...x }) };
    // What this run read, checked again on every attempt of the transaction (table/conflicts.ts):
    // its --run-id on profiles, and the previous map, which any other run of the pipeline replaced.
    const startOf = (t: LoadedTable | undefined) => t?.metadata.refs['main']?.['snapshot-id'] ?? null;
    const profilesRead = (b: LoadedTable) => validateNoConcurrentRun(b, { table: p.outputs.profiles, pipeline: p.name, startId: startOf(existing), runId: ctx.runId });
    // No map yet (a first run) is read too: a run that created it since is another run. --full-refresh reads none.
    const mapChecked = ctx.fullRefresh
      ? undefined
      : (b: LoadedTable) => validateNoConcurrentRun(b, { table: p.outputs.identity_map, pipeline: p.name, startId: startOf(mapRead?.table), previous: PREVIOUS_MAP });
    const common = { catalog: ctx.catalog, io: ctx.io, engine, warehouse: ctx.project.paths.warehouse, summary, schemaPolicy: 'add_columns' as const, events };
    const audit = p.checks.length && !ctx.noAudit ? checkAuditor(ctx, engine, { name: p.name, checks: p.checks, target: { table: p.outputs.profiles } }) : undefined;
    // Prepared one after another (data files, manifests, the profiles' audit), committed in
    // one catalog transaction: a reader never sees profiles whose customer ids the map lacks.
    const prepared: PreparedWrite[] = [];
    let profilesWrite: PreparedWrite;
    try {
      profilesWrite = await prepareWrite({
        ...common,
        id: profilesId,
        selectSql: `SELECT * FROM ${PROFILES}`,
        mode: 'overwrite',
        events: { ...events, validate: profilesRead },
        audit: audit?.audit,
        properties: piiProperties(profilePii),
        amendChange: (b, change) => withTags(b, withRunIds(b, change, p.name, ctx.runId), profilePii),
      });
      prepared.push(profilesWrite);
      // A failed check publishes none of the three: the map and the changes are not even written.
      if (profilesWrite.published) {
        prepared.push(
          await prepareWrite({
            ...common,
            id: parseTableIdentifier(p.outputs.identity_map),
            selectSql: `SELECT source_table, source_id, customer_id FROM ${RECORD_CUSTOMER} ORDER BY source_table, source_id`,
            mode: 'overwrite',
            schemaPolicy: 'fail',
            properties: piiProperties(mapPii),
            amendChange: (b, change) => withTags(b, change, mapPii),
            ...(mapChecked ? { events: { ...events, validate: mapChecked } } : {}),
          }),
        );
        prepared.push(await prepareChanges(p, runId, r.cuts, { ...common, properties: piiProperties(changesPii), amendChange: (b, change) => withTags(b, change, changesPii) }));
      }
    } catch (e) {
      await Promise.all(prepared.map((w) => w.discard(e)));
      throw e;
    }
    // The profiles gate the other two: when a retry's re-audit fails, only they commit (staged).
    let written: WriteTableResult[];
    try {
      written = await commitPreparedWrites(ctx.catalog, ctx.io, prepared, { events, ...(audit ? { gate: profilesWrite } : {}) });
    } catch (e) {
      // The same --run-id committed by a concurrent run first: this run is the no-op it would have been.
      const theirs = committedByConcurrentRun(e);
      if (theirs === undefined) throw e;
      return { ...base, status: 'skipped', rowsRead: 0, rowsWritten: 0n, snapshotId: BigInt(theirs), durationMs: Date.now() - started, note: `run ${runId} already committed (by a concurrent run, snapshot ${theirs})` };
    }
    const [profiles, map, changes] = written;
    if (audit?.results) {
      const notMoved = `main of ${p.outputs.profiles} was not moved and ${p.outputs.identity_map} was not written`;
      await reportAudit(ctx, engine, audit.results, { pipeline: p.name, table: p.outputs.profiles, runId, written: profiles!, notMoved, staged: ['The profiles are', 'them'] });
    }
    // The tags committed with the data (withTags); this commits them only when nothing else
    // did (no row for identity_changes) and is a no-op otherwise.
    await syncOutputTags(ctx, profilesId, profilePii, profiles!.committed);
    if (changes) await syncOutputTags(ctx, parseTableIdentifier(changesTable(p)), changesPii, changes.committed);
    if (map) await syncOutputTags(ctx, parseTableIdentifier(p.outputs.identity_map), mapPii, map.committed);
    const skipped = r.inputRows.reduce((n, i) => n + i.withoutId, 0);
    return {
      ...base,
      status: 'ok',
      rowsRead: r.records,
      rowsWritten: profiles!.rows,
      snapshotId: profiles!.snapshotId,
      durationMs: Date.now() - started,
      schemaChanges: profiles!.schemaChanges,
      note: `${plural(r.records, 'record')} → ${plural(r.components, 'customer')} (${plural(r.kept, 'id')} kept, ${r.fresh} new)${r.cuts.length ? `, ${plural(r.cuts.length, 'link')} cut by max_per_profile` : ''}${skipped ? `, ${plural(skipped, 'row')} without a source id skipped` : ''}`,
    };
  } finally {
    engine.close();
    await rm(spill, { recursive: true, force: true });
    await lock.release();
  }
}

/**
 * The change with the property updates that bring an output's floe.pii.* tags in step with its
 * inputs' (governance/ingest.ts piiPropertyUpdates), so they commit in the run's transaction.
 * A tag of a column the table has, had, or gains in this change is kept when no input declares it.
 */
function withTags(base: TableMetadata, change: TableChange, columns: readonly PiiColumn[]): TableChange {
  const added = change.updates.flatMap((u) => (u.action === 'add-schema' ? [u.schema] : []));
  const updates = piiPropertyUpdates(base.properties, columns, (column) => tableHadColumn({ schemas: [...base.schemas, ...added] }, column));
  return updates.length ? { ...change, updates: [...change.updates, ...updates] } : change;
}

/** Keeps an output's floe.pii.* properties in step with its inputs' tags (governance/ingest.ts). */
async function syncOutputTags(ctx: RunContext, id: TableIdentifier, columns: readonly PiiColumn[], committed: LoadedTable | undefined): Promise<void> {
  const t = committed ?? (await loadTable(ctx.catalog, ctx.io, id));
  if (columns.length === 0 && !Object.keys(t.metadata.properties).some((k) => k.startsWith(PII_PREFIX))) return;
  await syncPiiProperties(ctx.catalog, ctx.io, id, columns, t);
}

async function prepareChanges(p: IdentityPipeline, runId: string, cuts: readonly Cut[], common: Omit<WriteTableOptions, 'id' | 'selectSql' | 'mode'>): Promise<PreparedWrite> {
  const { engine } = common;
  const head = `${quoteLiteral(runId)} AS run_id, now()::TIMESTAMPTZ AS changed_at`;
  const parts = [`SELECT ${head}, change, customer_id, previous_customer_id, records::BIGINT AS records, NULL::VARCHAR AS identifier_kind, NULL::VARCHAR AS identifier_value, NULL::VARCHAR AS detail FROM (${changesSql()})`];
  if (cuts.length) {
    await engine.run('CREATE OR REPLACE TEMP TABLE __id_cuts (kind VARCHAR, key VARCHAR, detail VARCHAR, records BIGINT)', 'stage the cut links');
    const rows = cuts.map((c) => `(${quoteLiteral(c.kind)}, ${quoteLiteral(c.key)}, ${quoteLiteral(`customer had ${c.had} distinct ${c.overKind} values (max_per_profile ${c.limit}); this ${c.kind} bridged ${c.bridged} of them across ${c.records} records (round ${c.round})`)}, ${c.records})`);
    for (let i = 0; i < rows.length; i += 500) await engine.run(`INSERT INTO __id_cuts VALUES ${rows.slice(i, i + 500).join(', ')}`, 'stage the cut links');
    parts.push(
      `SELECT ${head}, 'cut' AS change, (SELECT rc.customer_id FROM __id_ids i JOIN ${RECORD_CUSTOMER} rc USING (rec) WHERE i.kind = c.kind AND i.key = c.key ORDER BY i.rec LIMIT 1) AS customer_id, ` +
        `NULL::VARCHAR AS previous_customer_id, c.records, c.kind, c.key, c.detail FROM __id_cuts c`,
    );
  }
  return prepareWrite({ ...common, id: parseTableIdentifier(changesTable(p)), selectSql: parts.join(' UNION ALL '), mode: 'append' });
}
