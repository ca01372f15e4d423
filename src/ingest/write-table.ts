/**
 * Writing a DuckDB query's rows into an Iceberg table: create the table when absent (schema
 * from the query), match columns, write Parquet data files with metrics, write the added
 * manifest once, then commit (append or overwrite) with conflict retries.
 *
 * Failure leaves the table unchanged: nothing is visible until the catalog pointer moves,
 * and files from a failed attempt are deleted here (or, after a crash, are orphans).
 *
 * writeTable does both phases; prepareWrite does only the first (data files, manifest, audit)
 * and commitPreparedWrites commits several prepared writes in one catalog transaction
 * (table/commit-many.ts), as an identity run commits its three outputs.
 */
import { newTableLocation, refuseCaseTwin } from '../table/new-table.js';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { conflictError, FloeError, sourceError } from '../errors.js';
import type { Engine } from '../engine/duckdb.js';
import { schemaFromColumns } from '../engine/infer-schema.js';
import { quoteIdent } from '../engine/sql.js';
import { tableScanSql } from '../engine/read.js';
import { planScan, type ScanTask } from '../table/scan.js';
import { transformSql } from '../engine/transform-sql.js';
import { registerFloeFunctions } from '../engine/udf.js';
import { refuseUnwritableFixed, writeDataFiles, type PartitionColumn } from '../engine/write-parquet.js';
import { createTableChange, type UnboundPartitionField, type UnboundSortField } from '../iceberg/metadata-builder.js';
import { stringifyJson } from '../iceberg/json.js';
import { plural } from '../text-table.js';
import { noteTableFile } from '../cancel.js';
import { fieldById } from '../iceberg/schema.js';
import { resultType } from '../iceberg/transforms/index.js';
import type { DataFile, Schema, SnapshotOperation, StructType, TableIdentifier, TableMetadata } from '../iceberg/types.js';
import { applyChange } from '../table/apply.js';
import type { TableChange } from '../table/updates.js';
import type { FileIO } from '../io/fileio.js';
import { joinLocation } from '../io/fileio.js';
import { newFileLocation, partitionFolder } from '../table/data-location.js';
import { commitTable, createTable, type CommitEvents, discardUncommitted } from '../table/commit.js';
import { commitTables as commitMany, type TableCommit } from '../table/commit-many.js';
import { validateNoConcurrentDataChanges } from '../table/conflicts.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import { buildSnapshotChange, currentSchema, newSnapshotId, nextSchemaId, nextSequenceNumber, refuseRowLineage, specById, stagingDir, withEvolvedSchema, writeAddedManifest, type StagedManifest } from '../table/snapshot-producer.js';
import { defaultSortOrder, sortOrderSql } from '../table/evolve/sort-sql.js';
import { refuseWriteWithMissingLayoutSource } from '../table/evolve/missing-source.js';
import { readingInputs } from './input-errors.js';
import { readMapKeys } from './map-keys.js';
import { reconcileColumns, type SchemaChangePolicy } from './reconcile.js';
import { writeWithheld } from '../governance/withhold.js';
import { piiColumnsFromProperties, type PiiColumn } from '../governance/policy.js';
import { currentSnapshot } from '../table/snapshot-select.js';
import { positiveLongProperty } from '../table/table-properties.js';
import type { DeclaredLayout } from '../table/evolve/layout.js';

export const DEFAULT_TARGET_FILE_SIZE = 512 * 1024 * 1024; // Iceberg's write.target-file-size-bytes default

export interface WriteTableOptions {
  catalog: Catalog;
  io: FileIO;
  engine: Engine;
  id: TableIdentifier;
  /** The rows to write. */
  selectSql: string;
  /**
   * The files selectSql reads (`floe load`): a failure while reading them names them
   * (input-errors.ts); a failure on the table's own files does not.
   */
  inputs?: readonly string[];
  mode: 'append' | 'overwrite';
  /** Where new tables go: `<warehouse>/<namespace>/<table>`. */
  warehouse: string;
  /** For a new table only. */
  partitionBy?: readonly UnboundPartitionField[];
  /** For a new table only: its sort order (existing tables: `layout`). */
  sortBy?: readonly UnboundSortField[];
  /**
   * A pipeline's declared partition_by / sort_by: an existing table whose layout differs is
   * evolved to it in the same commit as the data, whose files follow it (table/evolve/layout.ts).
   */
  layout?: DeclaredLayout;
  properties?: Record<string, string>;
  summary?: Record<string, string>;
  events?: CommitEvents;
  /** How a difference between the input's columns and the table's is handled; default fail. */
  schemaPolicy?: SchemaChangePolicy;
  /** The writer's PII tags (a pipeline's `pii:` rules): a failed write quotes no value of them, nor of the table's tagged columns (governance/withhold.ts). */
  pii?: readonly PiiColumn[];
  /**
   * The rows are raw input (floe load's files, a pipeline's rows): the existing table's own
   * tags applied at ingest are applied to the columns `pii` does not tag (withTableIngestTags).
   */
  rawInput?: boolean;
  /** Write-audit-publish hook; see SnapshotWrite.audit. */
  audit?: SnapshotWrite['audit'];
  /** Called once the data files are written, before anything is committed; see SnapshotWrite.beforeCommit. */
  beforeCommit?: SnapshotWrite['beforeCommit'];
  /**
   * Called on every commit attempt (and on the commit that creates the table) with the change
   * built against that attempt's base: returns it, amended. Pipeline runs add table properties
   * that must commit atomically with the data and be derived from the latest base (the run-id
   * record, pending quarantine rows: src/run/run-ids.ts, src/run/rejects-pending.ts).
   */
  amendChange?: (base: TableMetadata, change: TableChange) => TableChange;
  /**
   * An overwrite that writes no row while the table holds some fails instead of emptying it
   * (refuseEmptyOverwrite), naming `input` (the source files, for the message) and the table;
   * `hint` says how to opt in. Absent: such an overwrite empties the table.
   */
  emptyOverwrite?: { input: string; files?: readonly string[]; hint: string };
}

export interface WriteTableResult {
  table: string;
  created: boolean;
  snapshotId: bigint;
  files: number;
  rows: bigint;
  bytes: bigint;
  attempts: number;
  /** False when a failed audit committed the snapshot without moving main. */
  published?: boolean;
  /** Schema changes committed with the data (add column, widen). */
  schemaChanges: string[];
  /** The table as this write's commit left it (absent when nothing was committed): later steps start from it instead of loading it again. */
  committed?: LoadedTable;
}

export async function writeTable(o: WriteTableOptions): Promise<WriteTableResult> {
  try {
    return await writeOnce(o);
  } catch (e) {
    // Another writer created the table, laid out otherwise, while this one wrote its files for
    // a table of its own: they are deleted, and the rows are written again to the table that
    // now exists, as if this write had started after it (schema evolution, its folder).
    if (!(e instanceof CreatedMeanwhile)) throw e;
    return await writeOnce(o);
  }
}

async function writeOnce(o: WriteTableOptions): Promise<WriteTableResult> {
  const plan = await planWrite(o);
  const result = await writeAndCommit(o, plan.table, plan.write, plan.pendingCreate);
  const { joinedConcurrentCreate, layoutChanges, ...written } = result;
  return { ...written, created: plan.created && !joinedConcurrentCreate, schemaChanges: [...plan.schemaChanges(result.files), ...layoutChanges] };
}

/**
 * An append that would have created its table lost the create to another writer whose table
 * is laid out otherwise (another folder, schema, spec or sort order) than the files this one
 * wrote: writeTable writes again. Its message stands when it reaches a caller that cannot.
 */
class CreatedMeanwhile extends FloeError {
  constructor(name: string, cause: unknown) {
    super('conflict', `${name} was created by another writer while this one wrote, laid out otherwise; nothing was committed`, {
      cause,
      context: { table: name },
      hint: 'Run again: it will append to the new table.',
    });
  }
}

/**
 * `sql` (rows in the table's columns `schema`) with the table's tags recorded as applied at
 * ingest (`floe.pii.ssn = national_id:hash:ingest`) applied to the columns the writer does not
 * tag, when it writes raw input: the table's readers take those columns as holding no raw value
 * (`floe query --mask` shows them as stored), so floe load, or a pipeline without the column's
 * `pii:` rule, must not put one there (governance/ingest.ts tableIngestSql).
 */
export async function withTableIngestTags(o: Pick<WriteTableOptions, 'rawInput' | 'pii'>, m: TableMetadata, name: string, sql: string, schema: Schema): Promise<string> {
  if (!o.rawInput || !piiColumnsFromProperties(m.properties).some((c) => c.apply === 'ingest')) return sql;
  const { tableIngestSql } = await import('../governance/ingest.js');
  return tableIngestSql(sql, m, name, schema, o.pii);
}

/** What writeTable and prepareWrite write: the table (or the one to create) and the snapshot. */
async function planWrite(o: WriteTableOptions): Promise<{ table: LoadedTable; pendingCreate?: TableChange; created: boolean; write: SnapshotWrite; schemaChanges: (files: number) => string[] }> {
  const name = formatTableId(o.id);
  const columns = await readingInputs(o.inputs, () => o.engine.columns(o.selectSql, `read the input of ${name}`, { kind: 'source' }));
  const incoming = schemaFromColumns(columns);
  const { table, pendingCreate } = await loadOrCreate(o, incoming);
  const created = pendingCreate !== undefined;
  const m = table.metadata;
  refuseRowLineage(m, name, 'writes to');
  // Before the input's map keys are read and before any file: the write could not hold such a column.
  refuseUnwritableFixed(currentSchema(m), name);
  // A JSON object the table has as a struct and this input as a map: which keys it holds.
  const mapKeys = created ? undefined : await readingInputs(o.inputs, () => readMapKeys(o.engine, o.selectSql, currentSchema(m), incoming, `read the map keys of the input of ${name}`));
  const r = reconcileColumns(currentSchema(m), incoming, name, o.schemaPolicy ?? 'fail', nextSchemaId(m), m['last-column-id'], mapKeys, writeWithheld(m, name, o.pii));
  const startId = m.refs.main?.['snapshot-id'] ?? null;
  const write: SnapshotWrite = {
    selectSql: await withTableIngestTags(o, m, name, `SELECT ${r.projection} FROM (${o.selectSql}) AS __floe_in`, r.schema),
    inputs: o.inputs,
    schema: r.schema,
    evolved: r.evolved,
    operation: o.mode === 'append' ? 'append' : 'overwrite',
    replaceAll: o.mode === 'overwrite',
    skipIfEmpty: o.mode === 'append',
    audit: o.audit,
    ...(o.layout && !created ? { layout: o.layout } : {}),
    beforeCommit: o.mode === 'overwrite' && o.emptyOverwrite && !created ? refuseEmptyOverwrite(o, table, o.emptyOverwrite, o.beforeCommit) : o.beforeCommit,
    // An overwrite retried over a concurrent append would delete it (table/conflicts.ts).
    validate: o.mode === 'overwrite' ? async (base) => validateNoConcurrentDataChanges(base, startId, name) : undefined,
  };
  return { table, ...(pendingCreate ? { pendingCreate } : {}), created, write, schemaChanges: (files) => (files > 0 || o.mode === 'overwrite' ? r.changes : []) };
}

/**
 * A write prepared and not committed (prepareWrite): its data files, manifest and audit are
 * done, nothing is swapped. commitPreparedWrites commits several in one catalog transaction;
 * one that is not committed must be discarded.
 */
export interface PreparedWrite {
  readonly id: TableIdentifier;
  readonly table: string;
  readonly created: boolean;
  readonly snapshotId: bigint;
  readonly files: number;
  readonly rows: bigint;
  readonly bytes: bigint;
  readonly schemaChanges: string[];
  /** False when the audit (the latest one: a retry on a moved base audits again) says not to publish. */
  readonly published: boolean;
  /** Undefined: nothing to commit (an append of no row to an existing table). */
  readonly commit: TableCommit | undefined;
  /** Deletes the files this write made, unless `error` says the outcome is unknown (table/commit.ts discardUncommitted). */
  discard(error?: unknown): Promise<void>;
}

/**
 * writeTable's first half: everything up to the commit (the table loaded or planned, data
 * files and manifest at the table's location, the audit run), nothing swapped.
 */
export async function prepareWrite(o: WriteTableOptions): Promise<PreparedWrite> {
  const plan = await planWrite(o);
  const staged = await stageSnapshot(o, plan.table, plan.write);
  const m = plan.table.metadata;
  const rows = staged.files.reduce((a, f) => a + f.record_count, 0n);
  const nothing = async () => ({ requirements: [], updates: [] }) as TableChange;
  // events.validate is checked on every attempt of the group commit, as commitTable checks it.
  const validate = o.events?.validate ? { validate: o.events.validate } : {};
  const commit: TableCommit | undefined = staged.empty
    ? plan.pendingCreate ? { id: o.id, base: plan.table, pendingCreate: plan.pendingCreate, build: nothing, ...validate }
      : staged.layoutOnly ? { id: o.id, base: plan.table, build: staged.build, ...validate } : undefined
    : { id: o.id, base: plan.table, ...(plan.pendingCreate ? { pendingCreate: plan.pendingCreate } : {}), build: staged.build, ...validate };
  return {
    id: o.id,
    table: formatTableId(o.id),
    created: plan.created,
    snapshotId: staged.empty ? (m['current-snapshot-id'] ?? 0n) : staged.snapshotId,
    files: staged.files.length,
    rows,
    bytes: staged.files.reduce((a, f) => a + f.file_size_in_bytes, 0n),
    schemaChanges: plan.schemaChanges(staged.files.length),
    get published() {
      return staged.published();
    },
    commit,
    discard: (error?: unknown) => discardUncommitted(plan.table.io, [...staged.moved, ...staged.metadataFiles], error),
  };
}

export interface CommitPreparedOptions {
  events?: CommitEvents;
  /**
   * Write-audit-publish over the group: when this write's audit does not publish (also after a
   * retry audited it again), only it is committed, its snapshot staged without moving main,
   * and the others are discarded; the results of the others then have `committed` undefined.
   */
  gate?: PreparedWrite;
}

/** Thrown inside a group commit's build when the gate's audit turned to "do not publish". */
class GateClosed extends FloeError {
  constructor() {
    super('check', 'the gating write was not published', { retryable: false });
  }
}

/**
 * Commits prepared writes in one catalog transaction (table/commit-many.ts): every table at
 * its new snapshot, or none. A conflict rebuilds every change on fresh metadata within the
 * retry policy; a change that cannot be re-applied fails the whole group with `conflict`.
 * On any failure every write's files are discarded (kept when the outcome is unknown).
 */
export async function commitPreparedWrites(catalog: Catalog, io: FileIO, writes: readonly PreparedWrite[], options: CommitPreparedOptions = {}): Promise<WriteTableResult[]> {
  const { gate } = options;
  const results = (tables: (LoadedTable | undefined)[], attempts: number): WriteTableResult[] =>
    writes.map((w, i) => {
      const committed = tables[i];
      return {
        table: w.table,
        created: w.created && committed !== undefined,
        snapshotId: w.snapshotId,
        files: w.files,
        rows: w.rows,
        bytes: w.bytes,
        attempts: committed ? attempts : 0,
        published: w.published,
        schemaChanges: w.schemaChanges,
        ...(committed ? { committed } : {}),
      };
    });
  const commitSome = async (some: readonly PreparedWrite[], guarded: boolean): Promise<{ tables: (LoadedTable | undefined)[]; attempts: number }> => {
    // The gate builds first (a stable sort keeps the others' order); a write built after it is
    // not committed once it stopped publishing.
    const withCommit = some.filter((w) => w.commit !== undefined).sort((a, b) => (guarded ? Number(b === gate) - Number(a === gate) : 0));
    if (withCommit.length === 0) return { tables: writes.map(() => undefined), attempts: 0 };
    const commits = withCommit.map((w) => {
      const c = w.commit!;
      return guarded && w !== gate ? { ...c, build: async (base: LoadedTable) => { if (gate && !gate.published) throw new GateClosed(); return c.build(base); } } : c;
    });
    const r = await commitMany(catalog, io, commits, options.events);
    return { tables: writes.map((w) => r.tables[withCommit.indexOf(w)]), attempts: r.attempts };
  };
  // The gate's audit said not to publish: it commits alone, staged, and the others are discarded.
  const gateAlone = async (g: PreparedWrite) => {
    const r = await commitSome([g], false);
    await Promise.all(writes.filter((w) => w !== g).map((w) => w.discard()));
    return results(r.tables, r.attempts);
  };
  try {
    if (gate && !gate.published) return await gateAlone(gate);
    try {
      const r = await commitSome(writes, gate !== undefined);
      return results(r.tables, r.attempts);
    } catch (e) {
      if (!(e instanceof GateClosed)) throw e;
      return await gateAlone(gate!);
    }
  } catch (e) {
    await Promise.all(writes.map((w) => w.discard(e)));
    throw e;
  }
}

/**
 * The beforeCommit of a guarded overwrite: after `then` (the reject limits, which say more
 * when every row was malformed), a write of no row over a table that holds some is refused,
 * before the audit and the commit. A failed upstream export (a header-only CSV) must not
 * empty a table that a nightly overwrite refreshes. The table's rows are counted exactly (its
 * deletes applied) only on this rare path.
 */
function refuseEmptyOverwrite(
  o: Pick<WriteTableOptions, 'engine'>,
  table: LoadedTable,
  guard: NonNullable<WriteTableOptions['emptyOverwrite']>,
  then: WriteTableOptions['beforeCommit'],
): NonNullable<WriteTableOptions['beforeCommit']> {
  return async (files) => {
    await then?.(files);
    if (files.some((f) => f.record_count > 0n)) return;
    const m = table.metadata;
    const current = currentSnapshot(m);
    if (!current || current.summary['total-records'] === '0') return;
    const name = formatTableId(table.id);
    const scan = await tableScanSql({ engine: o.engine, io: table.io, metadata: m, table: name });
    const rows = BigInt(String((await o.engine.all(`SELECT count(*)::BIGINT AS n FROM (${scan.sql})`, `count the rows of ${name}`))[0]?.n ?? 0));
    if (rows === 0n) return;
    throw sourceError(
      `${name}: no row to write from ${guard.input}, and the overwrite would replace the table's ${plural(rows, 'row')} with none; nothing was committed`,
      { context: { table: name, input: guard.input, rows: Number(rows) }, files: guard.files, hint: guard.hint },
    );
  };
}

export interface SnapshotWrite {
  /** Rows in exactly `schema`'s columns. */
  selectSql: string;
  /** The input files selectSql reads, named by a failure to read them (WriteTableOptions.inputs). */
  inputs?: readonly string[];
  schema: Schema;
  /** `schema` is new: commit it with the data. */
  evolved: boolean;
  operation: SnapshotOperation;
  replaceAll?: boolean;
  /** Files the snapshot removes (merge, compaction), by file_path. */
  removeFiles?: ReadonlySet<string>;
  /** Position delete files (already in place) and their delete manifests, committed with the data (merge-on-read). */
  deletes?: { manifests: readonly StagedManifest[]; files: readonly DataFile[] };
  /** Re-checked on every commit attempt against the latest table (merge conflict validation). */
  validate?: (base: LoadedTable) => Promise<void>;
  skipIfEmpty?: boolean;
  /**
   * The layout the table must have (WriteTableOptions.layout): when it differs, the files are
   * written by it and its change commits with them; with `skipIfEmpty` and no row, alone.
   */
  layout?: DeclaredLayout;
  /**
   * Write-audit-publish. Called after the data files are written and before anything is
   * committed, with SQL over exactly the rows the new snapshot will hold (the base snapshot's
   * files, minus removed ones, plus the new files). It returns summary keys (check counts)
   * and whether to publish: when not, the snapshot is committed without moving `main`, so it
   * stays inspectable by id until it expires.
   */
  audit?: (snapshotSql: string, newFilesSql: string, snapshotId: bigint, schema: Schema) => Promise<{ summary: Record<string, string>; publish: boolean }>;
  /**
   * Called once, after the data files are written to the local staging folder and before they
   * reach the table's location, the audit and the commit, with the data files the snapshot
   * would add (file_path still the staged path; none for an empty write). A throw commits
   * nothing: the staged files are removed and the error is rethrown. Pipeline runs use it to
   * enforce reject limits counted by the same scan that wrote the rows.
   */
  beforeCommit?: (files: readonly DataFile[]) => Promise<void>;
}

/** Writes the rows as data files of `table`, then commits one snapshot with them. */
export async function writeAndCommit(
  o: Pick<WriteTableOptions, 'catalog' | 'io' | 'engine' | 'id' | 'summary' | 'events' | 'amendChange'>,
  table: LoadedTable,
  w: SnapshotWrite,
  pendingCreate?: TableChange,
): Promise<Omit<WriteTableResult, 'created' | 'schemaChanges'> & { joinedConcurrentCreate?: boolean; layoutChanges: string[] }> {
  const name = formatTableId(o.id);
  const m = table.metadata;
  const staged = await stageSnapshot(o, table, w);
  const { files, snapshotId, moved, metadataFiles, build } = staged;
  try {
    if (staged.empty) {
      const committed = pendingCreate ? await createTable(o.catalog, o.io, o.id, pendingCreate)
        : staged.layoutOnly ? (await commitTable(o.catalog, o.io, o.id, build, { ...o.events, base: table })).table : undefined;
      return { table: name, snapshotId: m['current-snapshot-id'] ?? 0n, files: 0, rows: 0n, bytes: 0n, attempts: 0, layoutChanges: staged.layoutChanges(), ...(committed ? { committed } : {}) };
    }
    let attempts = 1;
    let joinedConcurrentCreate = false;
    let committed: LoadedTable;
    try {
      if (pendingCreate) {
        // The table and its first snapshot appear in the catalog in one step.
        const first = await build(table);
        try {
          committed = await createTable(o.catalog, o.io, o.id, { requirements: pendingCreate.requirements, updates: [...pendingCreate.updates, ...first.updates] });
        } catch (e) {
          // Several appends created the same new table at once: the losers append to the
          // winner's table when it has exactly the layout their files were written for, and
          // write again (writeTable) when it has not.
          const appending = e instanceof FloeError && e.kind === 'already-exists' && w.operation === 'append' && !w.replaceAll;
          const theirs = appending ? await loadTable(o.catalog, o.io, o.id).catch(() => undefined) : undefined;
          if (!theirs) throw e;
          // Another folder, too: this one saw the winner's metadata file before its catalog entry (new-table.ts).
          if (!sameNewTableLayout(theirs.metadata, m)) throw new CreatedMeanwhile(name, e);
          const unused = metadataFiles.splice(0);
          const r = await commitTable(o.catalog, o.io, o.id, build, o.events);
          attempts = 1 + r.attempts;
          committed = r.table;
          joinedConcurrentCreate = true;
          await Promise.all(unused.map((l) => table.io.delete(l).catch(() => undefined)));
        }
      } else {
        const r = await commitTable(o.catalog, o.io, o.id, build, o.events);
        attempts = r.attempts;
        committed = r.table;
      }
    } catch (e) {
      moved.push(...metadataFiles);
      if (pendingCreate && e instanceof FloeError && e.kind === 'already-exists') {
        throw new FloeError('conflict', `${name} was created by another writer while this one wrote; nothing was committed`, { cause: e, hint: 'Run again: it will append to the new table.' });
      }
      throw e;
    }
    return {
      table: name,
      snapshotId,
      files: files.length,
      rows: files.reduce((a, f) => a + f.record_count, 0n),
      bytes: files.reduce((a, f) => a + f.file_size_in_bytes, 0n),
      attempts,
      published: staged.published(),
      committed,
      layoutChanges: staged.layoutChanges(),
      ...(joinedConcurrentCreate ? { joinedConcurrentCreate } : {}),
    };
  } catch (e) {
    // Nothing references these files unless the commit's outcome is unknown (table/commit.ts).
    await discardUncommitted(table.io, moved, e);
    throw e;
  }
}

/** A snapshot written and audited but not committed: what writeAndCommit and prepareWrite commit. */
interface StagedSnapshot {
  /** No row to add, nothing to remove: an append of nothing (`skipIfEmpty`), no snapshot to commit. */
  empty: boolean;
  files: DataFile[];
  snapshotId: bigint;
  /** Data files and manifest at the table's location: deleted when nothing commits. */
  moved: string[];
  /** Manifest lists written by builds (deleted with `moved` when the commit fails). */
  metadataFiles: string[];
  /** The change on a base; re-run on every commit attempt (re-validates, re-audits on a moved base). */
  build: (base: LoadedTable) => Promise<TableChange>;
  /** The latest audit's verdict (true without an audit). */
  published: () => boolean;
  /** `empty`, and `build` commits the write's layout alone (SnapshotWrite.layout). */
  layoutOnly: boolean;
  /** The layout change lines of the latest build. */
  layoutChanges: () => string[];
}

/**
 * Phase 1 of a write: the data files (through beforeCommit) moved to the table's location,
 * the added manifest, and the audit on the table as given. On failure its files are deleted.
 */
async function stageSnapshot(
  o: Pick<WriteTableOptions, 'engine' | 'id' | 'summary' | 'amendChange'>,
  table: LoadedTable,
  w: SnapshotWrite,
): Promise<StagedSnapshot> {
  const name = formatTableId(o.id);
  const read = table.metadata;
  const schema = w.schema;
  // The schema this write adds to the table, if any: a declared layout may name its columns.
  const added = w.evolved ? schema : undefined;
  // A declared layout the table lacks: the files follow it, and it commits with them.
  const layouts = w.layout ? await import('../table/evolve/layout.js') : undefined;
  const laid = layouts?.layOut(read, w.layout!, name, added);
  // The table as the write sees it: as read, or as its commit will leave it (new spec, sort order).
  const m = laid?.view ?? read;
  const viewed = laid ? { ...table, metadata: m } : table;
  // A default spec or sort order over a column the schema lacks (left by another tool): refused before any file is written.
  refuseWriteWithMissingLayoutSource(m, name);
  const spec = specById(m, m['default-spec-id']);
  registerFloeFunctions(o.engine.connection);
  const partition: PartitionColumn[] = spec.fields.map((f) => {
    const source = fieldById(schema, f['source-id']);
    if (!source || typeof source.type !== 'string') throw conflictError(`${name}: partition source ${f['source-id']} is not in the schema`);
    const column = source.path.map(quoteIdent).join('.');
    return { name: f.name, sql: transformSql(f.transform, source.type, column), type: resultType(f.transform, source.type) };
  });

  const sortOrder = defaultSortOrder(m);
  const staging = stagingDir(m.location);
  const moved: string[] = [];
  try {
    const written = await readingInputs(w.inputs, () => writeDataFiles({
      engine: o.engine,
      selectSql: w.selectSql,
      schema,
      partition,
      targetFileSizeBytes: Number(positiveLongProperty(m.properties, 'write.target-file-size-bytes', name) ?? DEFAULT_TARGET_FILE_SIZE),
      outputDir: staging,
      fileNamePrefix: randomUUID(),
      table: name,
      // Clustering on write: files of a sorted table are sorted by its default order.
      orderBy: sortOrder ? sortOrderSql(sortOrder, schema) : undefined,
    }));
    await w.beforeCommit?.(written.map((wf) => wf.dataFile));
    const files: DataFile[] = [];
    for (const wf of written) {
      if (wf.dataFile.record_count === 0n) continue;
      const location = newFileLocation(m, partitionFolder(spec, schema, wf.dataFile.partition), basename(wf.localPath));
      await table.io.putLocalFile(wf.localPath, location);
      moved.push(location);
      files.push({ ...wf.dataFile, file_path: location, ...(sortOrder ? { sort_order_id: sortOrder['order-id'] } : {}) });
    }
    const metadataFiles: string[] = [];
    let layoutChanges: string[] = [];
    if (files.length === 0 && w.skipIfEmpty && !w.removeFiles?.size && !w.deletes?.files.length) {
      // No row: the layout alone, unless it needs a column only a write with rows adds.
      const bindsWithoutAdded = () => {
        try {
          return layouts!.layOut(read, w.layout!, name) !== undefined;
        } catch {
          return false;
        }
      };
      const layoutOnly = laid !== undefined && (added === undefined || bindsWithoutAdded());
      const build = async (base: LoadedTable): Promise<TableChange> => {
        const again = layoutOnly ? layouts!.layOut(base.metadata, w.layout!, name) : undefined;
        layoutChanges = again?.changes ?? [];
        return again?.change ?? { requirements: [], updates: [] };
      };
      return { empty: true, layoutOnly, files, snapshotId: read['current-snapshot-id'] ?? 0n, moved, metadataFiles, build, published: () => true, layoutChanges: () => layoutChanges };
    }
    const manifest = files.length ? [await writeAddedManifest(table.io, m, files, 'data', m['default-spec-id'], schema)] : [];
    if (manifest[0]) moved.push(manifest[0].location);
    for (const f of moved) noteTableFile(name, f); // a forced exit deletes them unless a commit of the table followed (src/cancel.ts)
    const snapshotId = newSnapshotId(m);
    let summary = o.summary;
    let publish = true;
    // The snapshot audited: its parent, and so the rows the checks saw.
    let auditedParent: bigint | null | undefined;
    const audit = async (on: LoadedTable): Promise<void> => {
      if (!w.audit) return;
      const { snapshotSql, newFilesSql } = await auditSql(o.engine, on, files, w, schema);
      const verdict = await w.audit(snapshotSql, newFilesSql, snapshotId, schema);
      summary = { ...(o.summary ?? {}), ...verdict.summary };
      publish = verdict.publish;
      auditedParent = on.metadata['current-snapshot-id'];
    };
    await audit(viewed);
    const build = async (base: LoadedTable): Promise<TableChange> => {
        assertSameLayout(base.metadata, read, name);
        // The layout planned again on this base: it must be the one the files were written by.
        const again = laid ? layouts!.layOut(base.metadata, w.layout!, name, added) : undefined;
        if (laid) assertSameLaidOut(again?.view ?? base.metadata, m, name);
        const onBase = again ? { ...base, metadata: again.view } : base;
        await w.validate?.(base);
        // Another writer committed since the audit: the snapshot now holds their rows too,
        // so the checks run again over what will actually be published.
        if (w.audit && base.metadata['current-snapshot-id'] !== auditedParent) await audit(onBase);
        const snapshot = await buildSnapshotChange(onBase, {
          operation: w.operation,
          snapshotId,
          added: [...manifest, ...(w.deletes?.manifests ?? [])],
          addedFiles: [...files, ...(w.deletes?.files ?? [])],
          replaceAll: w.replaceAll,
          removeFiles: w.removeFiles,
          summary,
          stageOnly: !publish,
          written: metadataFiles,
        });
        // The layout, and before it the evolved schema, commit atomically with the data written by them.
        // A snapshot staged by a failed audit only adds the spec and order its files need: main
        // and the table's defaults stay (the next run, or publishing it, makes them the default).
        const layout = again && !publish ? again.change.updates.filter((u) => u.action !== 'set-default-spec' && u.action !== 'set-default-sort-order') : again?.change.updates ?? [];
        const change = again ? { requirements: [...snapshot.requirements, ...again.change.requirements], updates: [...layout, ...snapshot.updates] } : snapshot;
        layoutChanges = again && publish ? again.changes : [];
        const built = w.evolved ? withEvolvedSchema(change, read, schema) : change;
        return o.amendChange ? o.amendChange(base.metadata, built) : built;
    };
    return { empty: false, layoutOnly: false, files, snapshotId, moved, metadataFiles, build, published: () => publish, layoutChanges: () => layoutChanges };
  } catch (e) {
    await discardUncommitted(table.io, moved, e);
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** SQL over the rows the snapshot being written will hold, and over its new files alone. */
async function auditSql(engine: Engine, table: LoadedTable, files: DataFile[], w: SnapshotWrite, schema: Schema) {
  const m = table.metadata;
  const name = formatTableId(table.id);
  const plan = await planScan({ io: table.io, metadata: m, table: name });
  const seq = nextSequenceNumber(m);
  const added: ScanTask[] = files.map((file) => ({ file, dataSequenceNumber: seq, specId: m['default-spec-id'], deletes: [] }));
  // New position deletes name their data files, so applying them to every kept file is exact.
  const newDeletes = (w.deletes?.files ?? []).map((file) => ({ file, dataSequenceNumber: seq, specId: m['default-spec-id'], kind: 'position' as const }));
  const kept = (w.replaceAll ? [] : plan.dataFiles.filter((t) => !w.removeFiles?.has(t.file.file_path))).map((t) =>
    newDeletes.length ? { ...t, deletes: [...t.deletes, ...newDeletes] } : t,
  );
  const withSchema = { ...plan, schema, specs: plan.specs };
  const empty = `SELECT ${schema.fields.map((f) => `NULL AS ${quoteIdent(f.name)}`).join(', ')} WHERE false`;
  const sqlOf = async (tasks: ScanTask[]) =>
    tasks.length ? (await tableScanSql({ engine, io: table.io, metadata: m, table: name, plan: { ...withSchema, dataFiles: tasks } })).sql : empty;
  return { snapshotSql: await sqlOf([...kept, ...added]), newFilesSql: await sqlOf(added) };
}

/** Another writer's new table has exactly the layout of ours (same location, field ids, spec, sort order). */
function sameNewTableLayout(theirs: TableMetadata, ours: TableMetadata): boolean {
  const layout = (m: TableMetadata) =>
    stringifyJson([m.location, m['format-version'], currentSchema(m).fields, specById(m, m['default-spec-id']).fields, defaultSortOrder(m)?.fields ?? []]);
  return layout(theirs) === layout(ours);
}

/** The layout a retry commits must be the one the files were written by (another writer may have changed the sort order). */
function assertSameLaidOut(now: TableMetadata, then: TableMetadata, name: string): void {
  if (now['default-spec-id'] !== then['default-spec-id'] || now['default-sort-order-id'] !== then['default-sort-order-id']) {
    throw new FloeError('conflict', `${name}: the partition spec or sort order changed while writing; nothing was committed`, {
      retryable: false,
      context: { table: name },
      hint: 'Run the load again.',
    });
  }
}

/** A retry re-applies the same files: valid only while schema and partition spec are unchanged. */
function assertSameLayout(now: TableMetadata, then: TableMetadata, name: string): void {
  if (now['current-schema-id'] !== then['current-schema-id'] || now['default-spec-id'] !== then['default-spec-id']) {
    throw new FloeError('conflict', `${name}: the schema or partition spec changed while writing; nothing was committed`, {
      retryable: false,
      context: { table: name },
      hint: 'Run the load again.',
    });
  }
}

export interface TableToWrite {
  table: LoadedTable;
  /** The table does not exist yet: this change creates it, committed with the first snapshot. */
  pendingCreate?: TableChange;
}

/**
 * The existing table, or a new one that exists only in memory until its first commit, so a
 * failed or killed first write leaves no empty table behind.
 */
export async function loadOrCreate(o: Pick<WriteTableOptions, 'catalog' | 'io' | 'id' | 'warehouse' | 'partitionBy' | 'sortBy' | 'properties'>, incoming: StructType): Promise<TableToWrite> {
  if (await o.catalog.tableExists(o.id)) return { table: await loadTable(o.catalog, o.io, o.id) };
  await refuseCaseTwin(o.catalog, o.id);
  const location = await newTableLocation(o.catalog, o.io, o.warehouse, o.id);
  let change: TableChange;
  try {
    change = createTableChange({ location, schema: incoming, partitionBy: o.partitionBy, sortBy: o.sortBy, properties: o.properties });
  } catch (e) {
    // A partition field the data cannot have is a mistake in the command or pipeline file.
    if (e instanceof FloeError && e.kind === 'schema') throw new FloeError('config', `${formatTableId(o.id)}: ${e.message}`, { cause: e, hint: e.hint });
    throw e;
  }
  const metadata = applyChange(null, change, { metadataLocation: null, now: Date.now() });
  return { table: { id: o.id, metadataLocation: '', metadata, io: o.io }, pendingCreate: change };
}
