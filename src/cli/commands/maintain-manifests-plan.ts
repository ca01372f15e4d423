/**
 * `floe maintain manifests --dry-run`: what a manifest rewrite of the current snapshot would
 * do, computed with the same planning functions as the rewrite itself (rewrite-manifests.ts)
 * and without writing or committing anything: data manifests now and after, entries read,
 * live entries carried over, and distinct partitions.
 */
import pLimit from 'p-limit';
import type { Catalog } from '../../catalog/catalog.js';
import { formatTableId } from '../../catalog/catalog.js';
import { notFound, unsupportedError } from '../../errors.js';
import { partitionType } from '../../iceberg/partition.js';
import { type ManifestEntry, type ManifestFile, ManifestContent, type TableIdentifier, type TableMetadata } from '../../iceberg/types.js';
import type { FileIO } from '../../io/fileio.js';
import { loadTable } from '../../table/load.js';
import { manifestEntries } from '../../table/reachable.js';
import { asExisting, clusterEntries, entriesPerManifest, targetSizeBytes } from '../../table/rewrite-manifests.js';
import { needsRewrite } from '../../table/rewrite-manifests-run.js';
import { currentSchema, parentManifests, specById } from '../../table/snapshot-producer.js';

export interface ManifestRewritePlan {
  table: string;
  /** False when the data manifests are already one per partition spec: the rewrite would commit nothing. */
  rewrite: boolean;
  /** Data manifests in the current snapshot, and how many the rewrite would write instead. */
  manifestsBefore: number;
  manifestsAfter: number;
  /** Delete manifests, carried over unchanged. */
  manifestsKept: number;
  /** Entries read from the data manifests (any status), and the live ones carried over. */
  entries: number;
  liveEntries: number;
  /** Distinct (spec, partition tuple) pairs among the live entries. */
  partitions: number;
}

/** Pure: the plan for the current data manifests, given their entries (same order). */
export function planManifestRewrite(m: TableMetadata, table: string, manifests: readonly ManifestFile[], entries: readonly (readonly ManifestEntry[])[]): ManifestRewritePlan {
  const data = manifests.filter((x) => x.content === ManifestContent.DATA);
  const kept = manifests.length - data.length;
  const bySpec = new Map<number, ManifestEntry[]>();
  let entryCount = 0;
  data.forEach((mf, i) => {
    const read = entries[i] ?? [];
    entryCount += read.length;
    bySpec.set(mf.partition_spec_id, [...(bySpec.get(mf.partition_spec_id) ?? []), ...asExisting(read)]);
  });
  const live = [...bySpec.values()].reduce((a, l) => a + l.length, 0);
  const partitions = new Set<string>();
  for (const [specId, list] of bySpec) for (const e of list) partitions.add(`${specId}|${partitionKey(e)}`);
  const plan = { table, manifestsBefore: data.length, manifestsKept: kept, entries: entryCount, liveEntries: live, partitions: partitions.size };
  if (!needsRewrite(manifests)) return { ...plan, rewrite: false, manifestsAfter: data.length };
  const bytes = data.reduce((a, x) => a + Number(x.manifest_length), 0);
  const perManifest = entriesPerManifest(targetSizeBytes(m.properties), bytes, entryCount);
  const schema = currentSchema(m);
  let after = 0;
  for (const [specId, list] of bySpec) after += clusterEntries(partitionType(specById(m, specId), schema), list, perManifest).length;
  return { ...plan, rewrite: true, manifestsAfter: after };
}

function partitionKey(e: ManifestEntry): string {
  return e.data_file.partition
    .map((v) => (v === null ? 'null' : v instanceof Uint8Array ? `b:${Buffer.from(v).toString('hex')}` : `${typeof v}:${String(v)}`))
    .join(',');
}

/** Reads the current snapshot's manifests and plans their rewrite; writes nothing. */
export async function planManifestRewriteOf(catalog: Catalog, io: FileIO, id: TableIdentifier): Promise<ManifestRewritePlan> {
  const table = formatTableId(id);
  const t = await loadTable(catalog, io, id);
  const m = t.metadata;
  // The same refusals as the rewrite itself, so a dry run predicts its outcome.
  if (m['format-version'] >= 3) {
    throw unsupportedError(`table ${table} is format v3; floe rewrites manifests of v1 and v2 tables only`, { context: { table } });
  }
  const mainId = m.refs.main?.['snapshot-id'];
  const parent = mainId === undefined ? undefined : m.snapshots.find((x) => x['snapshot-id'] === mainId);
  if (!parent) throw notFound(`table ${table} has no snapshots yet; there are no manifests to rewrite`, { context: { table } });
  const manifests = await parentManifests(t.io, m, parent);
  const data = manifests.filter((x) => x.content === ManifestContent.DATA);
  const limit = pLimit(4);
  const entries = await Promise.all(
    data.map((mf) =>
      limit(() => manifestEntries(t.io, m, { path: mf.manifest_path, addedSnapshotId: mf.added_snapshot_id, sequenceNumber: mf.sequence_number, specId: mf.partition_spec_id })),
    ),
  );
  // planManifestRewrite pairs entries with the data manifests in order.
  return planManifestRewrite(m, table, manifests, entries);
}
