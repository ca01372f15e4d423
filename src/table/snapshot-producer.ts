/**
 * Producing a snapshot, in the two phases of DESIGN §1:
 *
 * Phase 1 (once): the data files and a manifest of the files a snapshot adds. Its ADDED
 * entries leave snapshot_id and the sequence numbers null, so readers inherit them from
 * the manifest list (spec: "Sequence Number Inheritance", "Snapshot ID Inheritance");
 * the manifest is therefore valid whatever sequence number the commit finally gets.
 *
 * Phase 2 (per commit attempt, against the latest base): the manifest list — the new
 * manifests first, then the parent's manifests reused as they are for an append, or
 * manifests marking every live file DELETED for an overwrite — and the TableChange that
 * adds the snapshot and moves the branch, guarded by `assert-ref-snapshot-id`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { atForcedExit } from '../cancel.js';
import { readManifest, toManifestFile, writeManifest, type ManifestSummary } from '../iceberg/manifest.js';
import { copyableManifestList, hasKnownCounts, readManifestList, writeManifestList } from '../iceberg/manifest-list.js';
import type { AvroRawFile } from '../iceberg/avro/container.js';
import { partitionType } from '../iceberg/partition.js';
import { snapshotManifests } from '../iceberg/metadata-json.js';
import { highestFieldId } from '../iceberg/schema.js';
import type { DataFile, ManifestEntry, ManifestFile, PartitionSpec, Schema, Snapshot, SnapshotOperation, TableMetadata } from '../iceberg/types.js';
import { ManifestContent, ManifestEntryStatus } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { joinLocation } from '../io/fileio.js';
import { metadataFolder } from './data-location.js';
import { isLocalLocation, toLocalPath } from '../io/local.js';
import { FloeError, internalError, unsupportedError } from '../errors.js';
import type { LoadedTable } from './load.js';
import { rethrow, withContext } from './read-context.js';
import { retention } from './refs.js';
import { ENGINE_NAME, type ListTotals, snapshotSummary } from './summary.js';
import type { TableChange } from './updates.js';

/** A manifest written in phase 1. */
export interface StagedManifest {
  location: string;
  summary: ManifestSummary;
  /** The files it adds, when known: their spec is the manifest's (the snapshot summary's partitions). */
  files?: readonly DataFile[];
}

/**
 * A fresh local directory for the files of phase 1 before they are moved into the table:
 * inside the table's data directory when it is local (the move is a rename), else in tmp.
 */
export function stagingDir(tableLocation: string): string {
  const id = randomUUID();
  const dir = isLocalLocation(tableLocation) ? join(toLocalPath(tableLocation), 'data', `.staging-${id}`) : join(tmpdir(), `floe-staging-${id}`);
  atForcedExit(() => rmSync(dir, { recursive: true, force: true })); // a process ended mid-write leaves no staged file (src/cancel.ts)
  return dir;
}

/**
 * A format v3 table needs row lineage on every new snapshot (spec: "Row Lineage": the
 * snapshot's first-row-id and added-rows, first_row_id on its data manifests, next-row-id on
 * the table), which floe does not write yet. Writers call this before writing any file, so
 * the refusal is a clear `unsupported` error and nothing is left behind.
 */
export function refuseRowLineage(
  m: TableMetadata,
  table: string,
  what: string,
  hint = 'write it with an engine that writes v3 (Spark, PyIceberg), or create the table with format-version=2',
): void {
  if (m['format-version'] < 3) return;
  throw unsupportedError(`table ${table} is format v3; floe ${what} v1 and v2 tables only (it does not write v3 row lineage yet)`, {
    context: { table, 'format-version': String(m['format-version']) },
    hint,
  });
}

/** A random positive 63-bit snapshot id that the table does not use yet. */
export function newSnapshotId(metadata: TableMetadata): bigint {
  const used = new Set(metadata.snapshots.map((s) => s['snapshot-id']));
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
    if (id !== 0n && !used.has(id)) return id;
  }
}

export function currentSchema(m: TableMetadata): Schema {
  const s = m.schemas.find((x) => x['schema-id'] === m['current-schema-id']);
  if (!s) throw internalError(`table metadata has no schema ${m['current-schema-id']}`);
  return s;
}

/**
 * The sequence number of the next snapshot: one above the table's last, or 0 in a v1 table
 * (Appendix E: v1 writers do not write sequence numbers, and readers give v1 snapshots and
 * files 0; the table's last-sequence-number stays 0 until an upgrade to v2).
 */
export function nextSequenceNumber(m: TableMetadata): bigint {
  return m['format-version'] === 1 ? 0n : m['last-sequence-number'] + 1n;
}

/** The id a newly added schema gets: one above every schema the table has had. */
export function nextSchemaId(m: TableMetadata): number {
  return Math.max(...m.schemas.map((x) => x['schema-id'])) + 1;
}

export function specById(m: TableMetadata, id: number): PartitionSpec {
  const s = m['partition-specs'].find((x) => x['spec-id'] === id);
  if (!s) throw internalError(`table metadata has no partition spec ${id}`);
  return s;
}

/** Phase 1: writes a manifest of ADDED entries (create-only) under the table's metadata folder. */
export async function writeAddedManifest(
  io: FileIO,
  metadata: TableMetadata,
  files: readonly DataFile[],
  content: 'data' | 'deletes' = 'data',
  specId = metadata['default-spec-id'],
  schema: Schema = currentSchema(metadata),
): Promise<StagedManifest> {
  const spec = specById(metadata, specId);
  const entries: ManifestEntry[] = files.map((f) => ({
    status: ManifestEntryStatus.ADDED,
    snapshot_id: null,
    sequence_number: null,
    file_sequence_number: null,
    data_file: f,
  }));
  const written = writeManifest({ schema, spec, partitionType: partitionType(spec, schema), formatVersion: 2, content, entries });
  const location = joinLocation(metadataFolder(metadata), `${randomUUID()}-m0.avro`);
  await io.write(location, written.bytes, { createOnly: true });
  return { location, summary: written.manifestFile, files };
}

export interface SnapshotPlan {
  operation: SnapshotOperation;
  snapshotId: bigint;
  added: readonly StagedManifest[];
  addedFiles: readonly DataFile[];
  /** overwrite: every file live in the parent is removed. */
  replaceAll?: boolean;
  /** Files (by file_path) this snapshot removes; each must still be live, else a conflict. */
  removeFiles?: ReadonlySet<string>;
  /** Extra summary keys (state, run id). */
  summary?: Record<string, string>;
  /** The branch to commit to; default main. */
  branch?: string;
  /** Write-audit-publish: add the snapshot without moving any branch. */
  stageOnly?: boolean;
  /** Every file this phase writes is pushed here, so a failed commit can delete them. */
  written?: string[];
}

/** Live entries of a manifest, with inherited values made explicit. */
async function liveEntries(io: FileIO, m: TableMetadata, mf: ManifestFile, table: string): Promise<ManifestEntry[]> {
  const read = async () =>
    readManifest(await io.read(mf.manifest_path), mf.manifest_path, {
      manifest: mf,
      specById: (id) => m['partition-specs'].find((s) => s['spec-id'] === id),
    });
  const id = String(mf.added_snapshot_id);
  const entries = await withContext(read(), `table ${table}, snapshot ${id}: cannot read manifest ${mf.manifest_path}`, table, id);
  return entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
}

/** The manifests of `parent` (the snapshot a new one builds on); `table` names it in errors. */
export async function parentManifests(io: FileIO, parent: Snapshot | undefined, table: string): Promise<ManifestFile[]> {
  return (await readParentList(io, parent, false, table)).manifests;
}

interface ParentList {
  /** The parent's entries, decoded; empty when `carried`. */
  manifests: ManifestFile[];
  /** Its bytes (an append copies its blocks, see writeManifestList). */
  list?: { bytes: Uint8Array; location: string };
  /**
   * For an `append`, when the list need not be decoded at all: its blocks can be copied as
   * they are (copyableManifestList), and the parent's summary — written by floe, which counts
   * its totals exactly from that very list — gives the totals the new summary builds on.
   */
  carried?: { blocks: AvroRawFile; totals: ListTotals };
}

/** The parent's manifest list, read once; decoded unless an append can carry it as it is. */
async function readParentList(io: FileIO, parent: Snapshot | undefined, append: boolean, table: string): Promise<ParentList> {
  if (!parent) return { manifests: [] };
  const location = parent['manifest-list'];
  const id = String(parent['snapshot-id']);
  // v1 allowed a snapshot to list its manifests inline, with no file counts: nothing to carry.
  if (location === '' && snapshotManifests(parent) !== undefined) {
    throw unsupportedError(
      `table ${table}, snapshot ${id}: the snapshot lists its manifests inline (format v1, no manifest list), without the file counts a new snapshot must carry; floe reads such a table but cannot write to it`,
      { context: { table, snapshot: id, feature: 'v1 inline manifests' } },
    );
  }
  // A parent that cannot be read fails the write before anything is committed; say where.
  const bytes = await withContext(io.read(location), `table ${table}, snapshot ${id}: cannot read manifest list ${location}`, table, id);
  try {
    return decodeParentList(bytes, location, parent, append);
  } catch (e) {
    throw e instanceof FloeError && e.kind === 'unsupported' ? e : rethrow(e, `table ${table}, snapshot ${id}: cannot decode manifest list ${location}`, table, id);
  }
}

function decodeParentList(bytes: Uint8Array, location: string, parent: Snapshot, append: boolean): ParentList {
  const totals = append ? floeListTotals(parent.summary) : undefined;
  const blocks = totals ? copyableManifestList(bytes, location, 'deflate') : undefined;
  if (totals && blocks) {
    // The blocks are copied as they are, but decoded once all the same: a block damaged on
    // disk (one that no longer inflates) was carried into every later snapshot's list, each
    // append exiting 0 over a table nothing could read. Decoding costs milliseconds (1,000
    // entries in 5 ms); re-encoding is what copying saves.
    readManifestList(bytes, location);
    return { manifests: [], carried: { blocks, totals } };
  }
  const manifests = readManifestList(bytes, location).map((e) => {
    // v1 lists may leave the counts unknown; a v2 list must state them (spec: "Manifest Lists").
    if (!hasKnownCounts(e)) {
      throw unsupportedError(`${e.manifest_path}: a v1 manifest without file counts cannot be carried into a new snapshot`, {
        context: { file: e.manifest_path },
      });
    }
    return e;
  });
  return { manifests, list: { bytes, location } };
}

/** The manifest-list totals a floe summary states (summary.ts sets all three on every snapshot). */
function floeListTotals(summary: Snapshot['summary']): ListTotals | undefined {
  if (summary['engine-name'] !== ENGINE_NAME) return undefined;
  const n = (key: string) => {
    const v = summary[key];
    return v !== undefined && /^\d+$/.test(v) ? BigInt(v) : undefined;
  };
  const dataFiles = n('total-data-files');
  const records = n('total-records');
  const deleteFiles = n('total-delete-files');
  return dataFiles === undefined || records === undefined || deleteFiles === undefined ? undefined : { dataFiles, records, deleteFiles };
}

/**
 * Phase 2: writes the manifest list (and, for an overwrite, the manifests of removed files)
 * and returns the change that commits the snapshot.
 */
export async function buildSnapshotChange(base: LoadedTable, plan: SnapshotPlan): Promise<TableChange> {
  const m = base.metadata;
  const io = base.io;
  const branch = plan.branch ?? 'main';
  const parentId = m.refs[branch]?.['snapshot-id'] ?? null;
  const parent = parentId === null ? undefined : m.snapshots.find((s) => s['snapshot-id'] === parentId);
  const sequenceNumber = nextSequenceNumber(m);
  const inherited = { added_snapshot_id: plan.snapshotId, sequence_number: sequenceNumber };
  const added = plan.added.map((s) => toManifestFile(s.summary, { manifest_path: s.location, ...inherited }));

  const remove = plan.replaceAll ? undefined : plan.removeFiles;
  const removes = plan.replaceAll === true || (remove !== undefined && remove.size > 0);
  // An append carries the parent's manifests over unchanged: often without decoding them.
  const table = [...base.id.namespace, base.id.name].join('.');
  const parentList = await readParentList(io, parent, !removes, table);
  const carried = parentList.carried;
  const previous = parentList.manifests;
  const removedFiles: DataFile[] = [];
  // The spec of each file the snapshot adds or removes: its manifest's (summary.ts specOf).
  const specs = new Map<DataFile, PartitionSpec>();
  for (const s of plan.added) for (const f of s.files ?? []) specs.set(f, specById(m, s.summary.partition_spec_id));
  let kept: ManifestFile[] = previous;
  if (removes) {
    const limit = pLimit(4);
    const schema = currentSchema(m);
    const found = new Set<string>();
    // allSettled: every write has finished (and is recorded in plan.written) before a failure
    // propagates, so the caller can delete all of them.
    const settled = await Promise.allSettled(
      previous.map((mf) =>
        limit(async () => {
          const live = await liveEntries(io, m, mf, table);
          const hit = plan.replaceAll ? live : live.filter((e) => remove!.has(e.data_file.file_path));
          // A manifest none of whose files is removed is reused as it is.
          if (hit.length === 0) return plan.replaceAll ? null : mf;
          const spec = specById(m, mf.partition_spec_id);
          for (const e of hit) {
            removedFiles.push(e.data_file);
            specs.set(e.data_file, spec);
            found.add(e.data_file.file_path);
          }
          const hitSet = new Set(hit);
          const entries = live.map((e) =>
            hitSet.has(e)
              ? { ...e, status: ManifestEntryStatus.DELETED, snapshot_id: plan.snapshotId }
              : { ...e, status: ManifestEntryStatus.EXISTING },
          );
          const content = mf.content === ManifestContent.DATA ? 'data' : 'deletes';
          const w = writeManifest({ schema, spec, partitionType: partitionType(spec, schema), formatVersion: 2, content, entries });
          const location = joinLocation(metadataFolder(m), `${randomUUID()}-m1.avro`);
          await io.write(location, w.bytes, { createOnly: true });
          plan.written?.push(location);
          return toManifestFile(w.manifestFile, { manifest_path: location, ...inherited });
        }),
      ),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const rewritten = settled.map((r) => (r as PromiseFulfilledResult<ManifestFile | null>).value);
    kept = rewritten.filter((x): x is ManifestFile => x !== null);
    const missing = remove ? [...remove].filter((f) => !found.has(f)) : [];
    if (missing.length) {
      // Another commit removed a file this one rewrites: re-applying would resurrect rows.
      throw new FloeError('conflict', `a concurrent commit already removed ${missing.length} file(s) this change rewrites, e.g. ${missing[0]}`, {
        retryable: false,
        context: { file: missing[0] },
        hint: 'Run the operation again on the new table state.',
      });
    }
  }
  const manifests = [...added, ...kept];
  const listLocation = joinLocation(metadataFolder(m), `snap-${plan.snapshotId}-1-${randomUUID()}.avro`);
  const listBytes = writeManifestList({
    snapshotId: plan.snapshotId,
    parentSnapshotId: parentId,
    sequenceNumber,
    formatVersion: 2,
    manifests,
    // Unchanged parent manifests (an append): the writer copies the parent list's blocks.
    ...(carried ? { parentBlocks: carried.blocks } : kept === previous && parentList.list ? { parentList: parentList.list } : {}),
  });
  await io.write(listLocation, listBytes, { createOnly: true });
  plan.written?.push(listLocation);

  const snapshot: Snapshot = {
    'snapshot-id': plan.snapshotId,
    ...(parentId !== null ? { 'parent-snapshot-id': parentId } : {}),
    'sequence-number': sequenceNumber,
    'timestamp-ms': Math.max(Date.now(), m['last-updated-ms']),
    'manifest-list': listLocation,
    summary: snapshotSummary({
      operation: plan.operation,
      added: plan.addedFiles,
      removed: removedFiles,
      parent: parent?.summary,
      manifests,
      ...(carried ? { carried: carried.totals } : {}),
      extra: plan.summary,
      specOf: (f) => specs.get(f),
    }),
    'schema-id': m['current-schema-id'],
  };
  return {
    requirements: [
      { type: 'assert-table-uuid', uuid: m['table-uuid'] },
      { type: 'assert-ref-snapshot-id', ref: branch, 'snapshot-id': parentId },
    ],
    updates: [
      { action: 'add-snapshot', snapshot },
      // set-snapshot-ref replaces the whole ref (apply.ts): the branch keeps its retention
      // settings, as Java's SnapshotProducer rebuilds the ref from the existing one; without
      // them every write reset `snapshot branch main --retain-last/--max-snapshot-age`, and
      // the next expiry removed the history main was told to keep.
      ...(plan.stageOnly ? [] : [{ action: 'set-snapshot-ref' as const, 'ref-name': branch, type: 'branch' as const, 'snapshot-id': plan.snapshotId, ...retention(m.refs[branch]) }]),
    ],
  };
}

/**
 * A snapshot change that also makes `schema` current, in the same commit: the data a write
 * added in an evolved schema (columns matched by name, new ones added) and the schema commit
 * together or not at all. `metadata`: the table the schema was evolved from.
 */
export function withEvolvedSchema(change: TableChange, metadata: TableMetadata, schema: Schema): TableChange {
  return {
    requirements: [...change.requirements, { type: 'assert-current-schema-id', 'current-schema-id': metadata['current-schema-id'] }],
    updates: [
      { action: 'add-schema', schema, 'last-column-id': Math.max(metadata['last-column-id'], highestFieldId(schema)) },
      { action: 'set-current-schema', 'schema-id': -1 },
      ...change.updates.map((u) => (u.action === 'add-snapshot' ? { ...u, snapshot: { ...u.snapshot, 'schema-id': schema['schema-id'] } } : u)),
    ],
  };
}
