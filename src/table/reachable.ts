/**
 * Which files a set of snapshots reaches: their manifest lists, the manifests those list,
 * the data and delete files in those manifests, and their statistics files (spec:
 * "Overview": metadata file → manifest list → manifests → data files).
 *
 * Reading only: nothing here deletes. Expiry and the orphan sweep compare these sets and
 * hand the difference to the code that deletes.
 *
 * Locations are compared by `locationKey`, so `file:/wh/t/x`, `file:///wh/t/x` and
 * `/wh/t/x` (spellings different writers use for the same local file) count as one file, as
 * do `s3a://b/x` and `s3://b/x`.
 */
import pLimit from 'p-limit';
import { readManifest } from '../iceberg/manifest.js';
import { readManifestList } from '../iceberg/manifest-list.js';
import { snapshotManifests } from '../iceberg/metadata-json.js';
import { type ManifestEntry, ManifestEntryStatus, type Snapshot, type TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { FloeError } from '../errors.js';
import { rethrow, withContext } from './read-context.js';

/** One manifest as a snapshot lists it. */
export interface ManifestRef {
  path: string;
  addedSnapshotId: bigint;
  sequenceNumber: bigint;
  specId: number | undefined;
}

/**
 * A comparison key for a location: local spellings of one path compare equal, and so do the
 * Hadoop schemes `s3a://` and `s3n://` with `s3://` (one object; catalog/table-root.ts reads
 * them alike too). An S3 key's slashes are kept: `a//b` and `a/b` are two objects.
 */
export function locationKey(location: string): string {
  const m = /^file:(?:\/\/(?:localhost)?)?(\/.*)$/.exec(location);
  if (m) return m[1]!.replace(/\/{2,}/g, '/');
  // A bare local path: its doubled slashes go as a file: URI's do, or `/wh//t/x` and
  // `file:/wh//t/x` (one file) would compare unequal and the orphan sweep delete it.
  if (location.startsWith('/')) return location.replace(/\/{2,}/g, '/');
  return location.replace(/^s3[an]?:\/\//i, 's3://');
}

/** A set of locations keyed by `locationKey`, remembering one original spelling per file. */
export class LocationSet {
  private readonly map = new Map<string, string>();

  add(location: string): void {
    const k = locationKey(location);
    if (!this.map.has(k)) this.map.set(k, location);
  }

  has(location: string): boolean {
    return this.map.has(locationKey(location));
  }

  get size(): number {
    return this.map.size;
  }

  /** Original spellings, sorted. */
  locations(): string[] {
    return [...this.map.values()].sort();
  }

  /** Locations in this set that `other` does not hold, sorted. */
  minus(other: LocationSet): string[] {
    return this.locations().filter((l) => !other.has(l));
  }
}

/** The manifests a snapshot lists (read from its manifest list, or inline in a v1 snapshot). */
async function snapshotManifestRefs(io: FileIO, snapshot: Snapshot, table: string | undefined): Promise<ManifestRef[]> {
  const list = snapshot['manifest-list'];
  if (list === '') {
    return (snapshotManifests(snapshot) ?? []).map((path) => ({
      path,
      addedSnapshotId: snapshot['snapshot-id'],
      sequenceNumber: 0n,
      specId: undefined,
    }));
  }
  const id = String(snapshot['snapshot-id']);
  const where = (what: string) => `${table === undefined ? '' : `table ${table}, `}snapshot ${id}: ${what}`;
  const bytes = await withContext(io.read(list), where(`cannot read manifest list ${list}`), table ?? '', id);
  try {
    return readManifestList(bytes, list).map((e) => ({
      path: e.manifest_path,
      addedSnapshotId: e.added_snapshot_id,
      sequenceNumber: e.sequence_number,
      specId: e.partition_spec_id,
    }));
  } catch (e) {
    throw rethrow(e, where(`cannot decode manifest list ${list}`), table ?? '', id);
  }
}

/**
 * Every entry of a manifest (any status), with inherited values filled in. With `table`, a
 * failure names the table and the snapshot that added the manifest.
 */
export async function manifestEntries(io: FileIO, metadata: TableMetadata, ref: ManifestRef, table?: string): Promise<ManifestEntry[]> {
  const read = async () =>
    readManifest(await io.read(ref.path), ref.path, {
      manifest: { added_snapshot_id: ref.addedSnapshotId, sequence_number: ref.sequenceNumber, partition_spec_id: ref.specId ?? -1 },
      specById: (id) => (ref.specId === undefined ? undefined : metadata['partition-specs'].find((s) => s['spec-id'] === id)),
    });
  if (table === undefined) return read();
  const id = String(ref.addedSnapshotId);
  return withContext(read(), `table ${table}, snapshot ${id}: cannot read manifest ${ref.path}`, table, id);
}

export interface ReachableFiles {
  manifestLists: LocationSet;
  manifests: LocationSet;
  /** Data and delete files. */
  contentFiles: LocationSet;
  /** Table and partition statistics files. */
  statisticsFiles: LocationSet;
}

export interface ReachOptions {
  /**
   * 'live': only files a snapshot reads (ADDED and EXISTING entries) count; what expiry and
   *   the orphan sweep keep.
   * 'all': DELETED entries count too; what expired snapshots reach (their removed files go).
   */
  entries: 'live' | 'all';
  /** Manifest lists and manifests read at once (default 8); each manifest is read once. */
  concurrency?: number;
  /** The table's name, for errors: a manifest list or manifest that cannot be read names it and its snapshot. */
  table?: string;
  /**
   * Instead of throwing, record each manifest list or manifest that cannot be read here and go
   * on without it. Only for snapshots whose files are about to go (expiry): what they alone
   * reached is then left for the orphan sweep. What is kept is always read strictly.
   */
  unreadable?: Unreadable[];
}

/** A file `reachableFiles` could not read, and why (the error names the table and snapshot). */
export interface Unreadable {
  location: string;
  /** Not there at all (as opposed to there but damaged). */
  missing: boolean;
  message: string;
}

/** With `sink`, a failure of `read` is recorded and `fallback` returned; without, it is thrown. */
async function readOrRecord<T>(read: () => Promise<T>, location: string, sink: Unreadable[] | undefined, fallback: T): Promise<T> {
  if (!sink) return read();
  try {
    return await read();
  } catch (e) {
    if (!(e instanceof FloeError) || (e.kind !== 'not-found' && e.kind !== 'corrupt')) throw e;
    sink.push({ location, missing: e.kind === 'not-found', message: e.message });
    return fallback;
  }
}

function emptyReachable(): ReachableFiles {
  return { manifestLists: new LocationSet(), manifests: new LocationSet(), contentFiles: new LocationSet(), statisticsFiles: new LocationSet() };
}

/** The files reached from `snapshots` of a table. Throws if any manifest list or manifest cannot be read. */
export async function reachableFiles(io: FileIO, metadata: TableMetadata, snapshots: readonly Snapshot[], opts: ReachOptions): Promise<ReachableFiles> {
  const out = emptyReachable();
  const limit = pLimit(opts.concurrency ?? 8);
  const manifests = new Map<string, ManifestRef>();
  const lists = await Promise.all(
    snapshots.map((s) => limit(() => readOrRecord(() => snapshotManifestRefs(io, s, opts.table), s['manifest-list'], opts.unreadable, []))),
  );
  snapshots.forEach((s, i) => {
    if (s['manifest-list'] !== '') out.manifestLists.add(s['manifest-list']);
    for (const ref of lists[i]!) {
      const k = locationKey(ref.path);
      if (!manifests.has(k)) manifests.set(k, ref);
      out.manifests.add(ref.path);
    }
  });
  await Promise.all(
    [...manifests.values()].map((ref) =>
      limit(async () => {
        for (const e of await readOrRecord(() => manifestEntries(io, metadata, ref, opts.table), ref.path, opts.unreadable, [])) {
          if (opts.entries === 'all' || e.status !== ManifestEntryStatus.DELETED) out.contentFiles.add(e.data_file.file_path);
        }
      }),
    ),
  );
  const ids = new Set(snapshots.map((s) => s['snapshot-id']));
  for (const path of statisticsPaths(metadata, ids)) out.statisticsFiles.add(path);
  return out;
}

/** Paths of the table and partition statistics files of the given snapshots. */
function statisticsPaths(metadata: TableMetadata, ids: ReadonlySet<bigint>): string[] {
  const out: string[] = [];
  for (const s of metadata.statistics ?? []) if (ids.has(s['snapshot-id'])) out.push(s['statistics-path']);
  for (const raw of metadata['partition-statistics'] ?? []) {
    const p = raw as { 'snapshot-id'?: unknown; 'statistics-path'?: unknown } | null;
    const id = p?.['snapshot-id'];
    if ((typeof id === 'bigint' || typeof id === 'number') && ids.has(BigInt(id)) && typeof p?.['statistics-path'] === 'string') {
      out.push(p['statistics-path']);
    }
  }
  return out;
}
