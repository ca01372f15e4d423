/**
 * `floe maintain manifests`: rewrites the current snapshot's data manifests clustered by
 * partition (rewrite-manifests.ts) and commits them as a `replace` snapshot on main (spec:
 * "Snapshots", operation replace: "data and delete files were added and removed without
 * changing table data"). Manifests are rewritten on every commit attempt against that
 * attempt's base; files of a losing attempt are deleted.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { internalError, notFound, unsupportedError } from '../errors.js';
import { toManifestFile, writeManifest } from '../iceberg/manifest.js';
import { writeManifestList } from '../iceberg/manifest-list.js';
import { partitionType } from '../iceberg/partition.js';
import { type ManifestFile, ManifestContent, type Snapshot, type TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { joinLocation } from '../io/fileio.js';
import { commitTable, type CommitEvents, discardUncommitted } from './commit.js';
import type { LoadedTable } from './load.js';
import { loadTable } from './load.js';
import { manifestEntries } from './reachable.js';
import { asExisting, clusterEntries, entriesPerManifest, targetSizeBytes } from './rewrite-manifests.js';
import { currentSchema, newSnapshotId, parentManifests, specById } from './snapshot-producer.js';
import { snapshotSummary } from './summary.js';
import type { TableChange } from './updates.js';

export interface RewriteManifestsResult {
  table: string;
  /** False when the data manifests were already one per partition spec: nothing committed. */
  rewritten: boolean;
  snapshotId: bigint | null;
  manifestsReplaced: number;
  manifestsCreated: number;
  manifestsKept: number;
  entries: number;
  records: bigint;
}

interface Attempt {
  change: TableChange;
  result: RewriteManifestsResult;
  written: string[];
}

function mainSnapshot(t: LoadedTable, table: string): Snapshot {
  const id = t.metadata.refs.main?.['snapshot-id'];
  const s = id === undefined ? undefined : t.metadata.snapshots.find((x) => x['snapshot-id'] === id);
  if (!s) throw notFound(`table ${table} has no snapshots yet; there are no manifests to rewrite`, { context: { table } });
  return s;
}

/** Already clustered: at most one data manifest per spec and no deleted entries to drop. */
export function needsRewrite(manifests: readonly ManifestFile[]): boolean {
  const data = manifests.filter((m) => m.content === ManifestContent.DATA);
  const specs = new Set(data.map((m) => m.partition_spec_id));
  return specs.size !== data.length || data.some((m) => m.deleted_files_count > 0);
}

async function buildRewrite(t: LoadedTable, table: string, written: string[]): Promise<Attempt | null> {
  const m = t.metadata;
  if (m['format-version'] >= 3) {
    throw unsupportedError(`table ${table} is format v3; floe rewrites manifests of v1 and v2 tables only`, { context: { table } });
  }
  const parent = mainSnapshot(t, table);
  const manifests = await parentManifests(t.io, m, parent);
  if (!needsRewrite(manifests)) return null;
  const data = manifests.filter((x) => x.content === ManifestContent.DATA);
  const kept = manifests.filter((x) => x.content !== ManifestContent.DATA);
  const limit = pLimit(4);
  const read = await Promise.all(
    data.map((mf) =>
      limit(() =>
        manifestEntries(t.io, m, { path: mf.manifest_path, addedSnapshotId: mf.added_snapshot_id, sequenceNumber: mf.sequence_number, specId: mf.partition_spec_id }),
      ),
    ),
  );
  const bySpec = new Map<number, ReturnType<typeof asExisting>>();
  let entryCount = 0;
  data.forEach((mf, i) => {
    const live = asExisting(read[i]!);
    entryCount += read[i]!.length;
    bySpec.set(mf.partition_spec_id, [...(bySpec.get(mf.partition_spec_id) ?? []), ...live]);
  });
  const bytes = data.reduce((a, x) => a + Number(x.manifest_length), 0);
  const perManifest = entriesPerManifest(targetSizeBytes(m.properties), bytes, entryCount);
  const snapshotId = newSnapshotId(m);
  const sequenceNumber = m['last-sequence-number'] + 1n;
  const schema = currentSchema(m);
  const created: ManifestFile[] = [];
  for (const [specId, entries] of [...bySpec.entries()].sort(([a], [b]) => a - b)) {
    const spec = specById(m, specId);
    const ptype = partitionType(spec, schema);
    for (const chunk of clusterEntries(ptype, entries, perManifest)) {
      const w = writeManifest({ schema, spec, partitionType: ptype, formatVersion: 2, content: 'data', entries: chunk });
      const location = joinLocation(m.location, 'metadata', `${randomUUID()}-m0.avro`);
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
  const listLocation = joinLocation(m.location, 'metadata', `snap-${snapshotId}-1-${randomUUID()}.avro`);
  await t.io.write(listLocation, writeManifestList({ snapshotId, parentSnapshotId: parent['snapshot-id'], sequenceNumber, formatVersion: 2, manifests: all }), { createOnly: true });
  written.push(listLocation);
  const summaryExtra = {
    'manifests-created': String(created.length),
    'manifests-kept': String(kept.length),
    'manifests-replaced': String(data.length),
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
    written,
    change: {
      requirements: [
        { type: 'assert-table-uuid', uuid: m['table-uuid'] },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent['snapshot-id'] },
      ],
      updates: [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId, ...mainRetention(t) },
      ],
    },
    result: {
      table,
      rewritten: true,
      snapshotId,
      manifestsReplaced: data.length,
      manifestsCreated: created.length,
      manifestsKept: kept.length,
      entries: entryCount,
      records: rows(created),
    },
  };
}

function mainRetention(t: LoadedTable) {
  const r = t.metadata.refs.main;
  return {
    ...(r?.['min-snapshots-to-keep'] !== undefined ? { 'min-snapshots-to-keep': r['min-snapshots-to-keep'] } : {}),
    ...(r?.['max-snapshot-age-ms'] !== undefined ? { 'max-snapshot-age-ms': r['max-snapshot-age-ms'] } : {}),
    ...(r?.['max-ref-age-ms'] !== undefined ? { 'max-ref-age-ms': r['max-ref-age-ms'] } : {}),
  };
}

class NothingToRewrite extends Error {}

export async function rewriteManifests(catalog: Catalog, io: FileIO, id: TableIdentifier, events: CommitEvents = {}): Promise<RewriteManifestsResult> {
  const table = formatTableId(id);
  const t = await loadTable(catalog, io, id);
  const parent = mainSnapshot(t, table);
  const manifests = await parentManifests(t.io, t.metadata, parent);
  const unchanged: RewriteManifestsResult = {
    table,
    rewritten: false,
    snapshotId: null,
    manifestsReplaced: 0,
    manifestsCreated: 0,
    manifestsKept: manifests.length,
    entries: 0,
    records: 0n,
  };
  if (!needsRewrite(manifests)) return unchanged;
  let written: string[] = [];
  let last: Attempt | null = null;
  const cleanup = async (files: string[]) => {
    await Promise.all(files.map((f) => t.io.delete(f).catch(() => undefined)));
  };
  try {
    await commitTable(
      catalog,
      io,
      id,
      async (base) => {
        await cleanup(written);
        written = [];
        last = await buildRewrite(base, table, written);
        // Another writer clustered the manifests meanwhile: commit nothing.
        if (!last) throw new NothingToRewrite();
        return last.change;
      },
      events,
    );
  } catch (e) {
    // Kept when the commit outcome is unknown: the manifests may be live (commit.ts).
    await discardUncommitted(t.io, written, e);
    if (e instanceof NothingToRewrite) return unchanged;
    throw e;
  }
  return (last as Attempt | null)?.result ?? unchanged;
}
