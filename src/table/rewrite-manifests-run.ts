/**
 * `floe maintain manifests`: rewrites the current snapshot's data manifests clustered by
 * partition, leaves out manifests without live files (rewrite-manifests.ts, selectManifests)
 * and commits the result as a `replace` snapshot on main (spec:
 * "Snapshots", operation replace: "data and delete files were added and removed without
 * changing table data"). Manifests are rewritten on every commit attempt against that
 * attempt's base; files of a losing attempt are deleted. `planManifestRewrite` is the dry
 * run: the same reads and clustering, nothing written.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { corruptError, internalError } from '../errors.js';
import { toManifestFile, writeManifest } from '../iceberg/manifest.js';
import { writeManifestList } from '../iceberg/manifest-list.js';
import { bytesToHex } from '../iceberg/conversions.js';
import { partitionType } from '../iceberg/partition.js';
import type { ManifestEntry, ManifestFile, Snapshot, TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { joinLocation } from '../io/fileio.js';
import { metadataFolder } from './data-location.js';
import { commitTable, type CommitEvents, discardUncommitted } from './commit.js';
import { type LoadedTable, loadTable } from './load.js';
import { manifestEntries } from './reachable.js';
import { retention } from './refs.js';
import { asExisting, clusterEntries, entriesPerManifest, selectManifests, targetSizeBytes } from './rewrite-manifests.js';
import { currentSchema, newSnapshotId, nextSequenceNumber, parentManifests, refuseRowLineage, specById } from './snapshot-producer.js';
import { snapshotSummary } from './summary.js';
import type { TableChange } from './updates.js';

/**
 * Why a rewrite committed nothing: main has no snapshot, or its data manifests are already
 * clustered and every manifest has live files.
 */
export type NothingToDo = 'no-snapshot' | 'clustered';

export interface RewriteManifestsResult {
  table: string;
  /** False when there was nothing to rewrite (see `nothing`): nothing committed. */
  rewritten: boolean;
  /** Set when `rewritten` is false. */
  nothing?: NothingToDo;
  snapshotId: bigint | null;
  /** Data manifests rewritten into `manifestsCreated` new ones. */
  manifestsReplaced: number;
  manifestsCreated: number;
  /** Delete manifests listed again as they are. */
  manifestsKept: number;
  /** Manifests (data or delete) without live files, left out of the new snapshot. */
  manifestsDropped: number;
  entries: number;
  records: bigint;
}

/** What one commit attempt found: the change to commit (null: nothing to rewrite) and its result. */
interface Attempt {
  change: TableChange | null;
  result: RewriteManifestsResult;
}

/** `dry_run` of `floe maintain manifests`: what a rewrite of the current snapshot would do. */
export interface ManifestRewritePlan {
  table: string;
  /** False when there is nothing to rewrite (see `nothing`): the rewrite would commit nothing. */
  rewrite: boolean;
  /** Set when `rewrite` is false. */
  nothing?: NothingToDo;
  /** Data manifests with live files in the current snapshot, and how many the rewrite would write instead. */
  manifestsBefore: number;
  manifestsAfter: number;
  /** Delete manifests with live files, carried over unchanged. */
  manifestsKept: number;
  /** Manifests (data or delete) without live files, which the rewrite would leave out. */
  manifestsDropped: number;
  /** Entries read from the data manifests (any status), and the live ones carried over. */
  entries: number;
  liveEntries: number;
  /** Distinct (spec, partition tuple) pairs among the live entries. */
  partitions: number;
}

/** A v3 rewrite would need row lineage on its manifests (first_row_id), which floe does not write yet: refuseRowLineage's hint. */
const V3_HINT = 'rewrite them with an engine that writes v3, e.g. Spark: CALL system.rewrite_manifests';

/**
 * main's snapshot and the manifests it lists: what a rewrite starts from. Null when main has
 * no snapshot yet (a new table): there is nothing to rewrite, as Java's RewriteManifests
 * commits nothing for a table without a current snapshot.
 */
async function mainManifests(t: LoadedTable, table: string): Promise<{ parent: Snapshot; manifests: ManifestFile[] } | null> {
  const id = t.metadata.refs.main?.['snapshot-id'];
  if (id === undefined) return null;
  const parent = t.metadata.snapshots.find((x) => x['snapshot-id'] === id);
  if (!parent) throw corruptError(`table ${table}: main points at snapshot ${id}, which the metadata does not list`, { context: { table, snapshot: String(id) } });
  return { parent, manifests: await parentManifests(t.io, parent, formatTableId(t.id)) };
}

/**
 * Reads the data manifests: their live entries as EXISTING grouped by spec, the number of
 * entries read (any status), and how many entries a manifest of the target size holds.
 */
async function readDataEntries(t: LoadedTable, data: readonly ManifestFile[], table: string): Promise<{ bySpec: Map<number, ManifestEntry[]>; entryCount: number; perManifest: number }> {
  const limit = pLimit(4);
  const read = await Promise.all(
    data.map((mf) =>
      limit(() =>
        manifestEntries(t.io, t.metadata, { path: mf.manifest_path, addedSnapshotId: mf.added_snapshot_id, sequenceNumber: mf.sequence_number, specId: mf.partition_spec_id }, formatTableId(t.id)),
      ),
    ),
  );
  const bySpec = new Map<number, ManifestEntry[]>();
  let entryCount = 0;
  data.forEach((mf, i) => {
    entryCount += read[i]!.length;
    const list = bySpec.get(mf.partition_spec_id) ?? [];
    for (const e of asExisting(read[i]!)) list.push(e);
    bySpec.set(mf.partition_spec_id, list);
  });
  const bytes = data.reduce((a, x) => a + Number(x.manifest_length), 0);
  return { bySpec, entryCount, perManifest: entriesPerManifest(targetSizeBytes(t.metadata.properties, table), bytes, entryCount) };
}

const unchanged = (table: string, manifests: number, nothing: NothingToDo): RewriteManifestsResult => ({
  table,
  rewritten: false,
  nothing,
  snapshotId: null,
  manifestsReplaced: 0,
  manifestsCreated: 0,
  manifestsKept: manifests,
  manifestsDropped: 0,
  entries: 0,
  records: 0n,
});

async function buildRewrite(t: LoadedTable, table: string, written: string[]): Promise<Attempt> {
  const m = t.metadata;
  const main = await mainManifests(t, table);
  if (!main) return { change: null, result: unchanged(table, 0, 'no-snapshot') };
  const { parent, manifests } = main;
  const selection = selectManifests(manifests);
  if (!selection.needed) return { change: null, result: unchanged(table, manifests.length, 'clustered') };
  refuseRowLineage(m, table, 'rewrites manifests of', V3_HINT);
  const { rewrite: data, keep: kept, drop: dropped } = selection;
  const { bySpec, entryCount, perManifest } = await readDataEntries(t, data, table);
  const snapshotId = newSnapshotId(m);
  const sequenceNumber = nextSequenceNumber(m);
  const schema = currentSchema(m);
  const created: ManifestFile[] = [];
  for (const [specId, entries] of [...bySpec.entries()].sort(([a], [b]) => a - b)) {
    const spec = specById(m, specId);
    const ptype = partitionType(spec, schema);
    for (const chunk of clusterEntries(ptype, entries, perManifest)) {
      const w = writeManifest({ schema, spec, partitionType: ptype, formatVersion: 2, content: 'data', entries: chunk });
      const location = joinLocation(metadataFolder(m), `${randomUUID()}-m0.avro`);
      await t.io.write(location, w.bytes, { createOnly: true });
      written.push(location);
      created.push(toManifestFile(w.manifestFile, { manifest_path: location, added_snapshot_id: snapshotId, sequence_number: sequenceNumber }));
    }
  }
  const rows = (list: readonly ManifestFile[]) => list.reduce((a, x) => a + x.added_rows_count + x.existing_rows_count, 0n);
  const files = (list: readonly ManifestFile[]) => list.reduce((a, x) => a + x.added_files_count + x.existing_files_count, 0);
  if (rows(created) !== rows(data) || files(created) !== files(data)) {
    throw internalError(`table ${table}: rewritten manifests hold ${files(created)} files / ${rows(created)} rows, the originals ${files(data)} / ${rows(data)}`);
  }
  const all = [...created, ...kept];
  const listLocation = joinLocation(metadataFolder(m), `snap-${snapshotId}-1-${randomUUID()}.avro`);
  await t.io.write(listLocation, writeManifestList({ snapshotId, parentSnapshotId: parent['snapshot-id'], sequenceNumber, formatVersion: 2, manifests: all }), { createOnly: true });
  written.push(listLocation);
  const summaryExtra = {
    'manifests-created': String(created.length),
    'manifests-kept': String(kept.length),
    // Every manifest the new list no longer names: the rewritten ones and those without live files.
    'manifests-replaced': String(data.length + dropped.length),
    'entries-processed': String(entryCount),
  };
  const snapshot: Snapshot = {
    'snapshot-id': snapshotId,
    'parent-snapshot-id': parent['snapshot-id'],
    'sequence-number': sequenceNumber,
    'timestamp-ms': Math.max(Date.now(), m['last-updated-ms']),
    'manifest-list': listLocation,
    summary: snapshotSummary({ operation: 'replace', added: [], removed: [], parent: parent.summary, manifests: all, extra: summaryExtra }),
    'schema-id': m['current-schema-id'],
  };
  return {
    change: {
      requirements: [
        { type: 'assert-table-uuid', uuid: m['table-uuid'] },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent['snapshot-id'] },
      ],
      updates: [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId, ...retention(m.refs.main) },
      ],
    },
    result: {
      table,
      rewritten: true,
      snapshotId,
      manifestsReplaced: data.length,
      manifestsCreated: created.length,
      manifestsKept: kept.length,
      manifestsDropped: dropped.length,
      entries: entryCount,
      records: rows(created),
    },
  };
}

class NothingToRewrite extends Error {}

export async function rewriteManifests(catalog: Catalog, io: FileIO, id: TableIdentifier, events: CommitEvents = {}): Promise<RewriteManifestsResult> {
  const table = formatTableId(id);
  let written: string[] = [];
  let tableIO = io;
  let last = undefined as Attempt | undefined;
  try {
    await commitTable(
      catalog,
      io,
      id,
      async (base) => {
        // The files of an attempt that lost the race are not referenced by anything.
        await Promise.all(written.map((f) => tableIO.delete(f).catch(() => undefined)));
        written = [];
        tableIO = base.io;
        last = await buildRewrite(base, table, written);
        // Already clustered (maybe by another writer meanwhile): commit nothing.
        if (!last.change) throw new NothingToRewrite();
        return last.change;
      },
      events,
    );
  } catch (e) {
    // Kept when the commit outcome is unknown: the manifests may be live (commit.ts).
    await discardUncommitted(tableIO, written, e);
    if (!(e instanceof NothingToRewrite)) throw e;
  }
  return last!.result;
}

/** Reads the current snapshot's manifests and plans their rewrite with the same steps as rewriteManifests; writes nothing. */
export async function planManifestRewrite(catalog: Catalog, io: FileIO, id: TableIdentifier): Promise<ManifestRewritePlan> {
  const table = formatTableId(id);
  const t = await loadTable(catalog, io, id);
  const m = t.metadata;
  const main = await mainManifests(t, table);
  if (!main) {
    return { table, rewrite: false, nothing: 'no-snapshot', manifestsBefore: 0, manifestsAfter: 0, manifestsKept: 0, manifestsDropped: 0, entries: 0, liveEntries: 0, partitions: 0 };
  }
  const selection = selectManifests(main.manifests);
  // The same refusal as the rewrite itself, at the same point, so a dry run predicts its outcome.
  if (selection.needed) refuseRowLineage(m, table, 'rewrites manifests of', V3_HINT);
  const { rewrite: data, keep: kept, drop: dropped } = selection;
  const { bySpec, entryCount, perManifest } = await readDataEntries(t, data, table);
  const live = [...bySpec.values()].reduce((a, l) => a + l.length, 0);
  const partitions = new Set<string>();
  for (const [specId, list] of bySpec) for (const e of list) partitions.add(`${specId}|${partitionKey(e)}`);
  const plan = { table, manifestsBefore: data.length, manifestsKept: kept.length, manifestsDropped: dropped.length, entries: entryCount, liveEntries: live, partitions: partitions.size };
  if (!selection.needed) return { ...plan, rewrite: false, nothing: 'clustered', manifestsAfter: data.length };
  const schema = currentSchema(m);
  let after = 0;
  for (const [specId, list] of bySpec) after += clusterEntries(partitionType(specById(m, specId), schema), list, perManifest).length;
  return { ...plan, rewrite: true, manifestsAfter: after };
}

function partitionKey(e: ManifestEntry): string {
  return e.data_file.partition.map((v) => (v === null ? 'null' : v instanceof Uint8Array ? `b:${bytesToHex(v)}` : `${typeof v}:${String(v)}`)).join(',');
}
