/**
 * Scan planning (spec: "Scan Planning"): which data files make up a snapshot, and which
 * delete files apply to each. Planning reads only Avro metadata through FileIO; reading the
 * rows is src/engine/read.ts. The result is plain data, so it can be printed, tested and
 * turned into SQL separately.
 *
 * 1. the snapshot's manifest list (or, for old v1 snapshots, its inline `manifests` list);
 * 2. every manifest that may hold live files, a few at a time, with sequence-number and
 *    snapshot-id inheritance applied by the manifest reader;
 * 3. ADDED and EXISTING entries are live; DELETED entries only record history and are skipped;
 * 4. delete files are matched to data files (delete-index.ts).
 *
 * With a row filter (`filter`, see table/expr/), steps 2 and 3 prune: a data manifest is
 * skipped when its partition field summaries rule the filter out (evaluated per partition
 * spec id), a data file when its partition values or column metrics do. Delete manifests and
 * delete files are never pruned; they still apply to every kept data file. Pruning only
 * drops files that cannot hold a matching row — the engine filters the rows themselves.
 *
 * What floe cannot read fails here, before any row is produced, with an `unsupported` error
 * naming the table and the feature: deletion vectors (v3 Puffin), and ORC/Avro data or
 * delete files. A wrong answer is never an option.
 */
import pLimit from 'p-limit';
import { corruptError, unsupportedError } from '../errors.js';
import { metaString, readAvroFile } from '../iceberg/avro/index.js';
import { readManifest } from '../iceberg/manifest.js';
import { type ManifestListEntry, mayHaveLiveFiles, readManifestList } from '../iceberg/manifest-list.js';
import { snapshotManifests } from '../iceberg/metadata-json.js';
import {
  DataFileContent,
  ManifestContent,
  ManifestEntryStatus,
  type PartitionSpec,
  type Schema,
  type Snapshot,
  type TableMetadata,
} from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { bind, type BoundExpr, formatExpr, metricsMightMatch, partitionMightMatch, projectInclusive, summariesMightMatch, TRUE, type UnboundExpr } from './expr/index.js';
import { assignDeletes, type LiveFile, type ScanDelete, type ScanTask } from './delete-index.js';
import { rethrow, withContext } from './read-context.js';
import { type SnapshotSelector, selectSnapshot } from './snapshot-select.js';

export type { ScanDelete, ScanTask } from './delete-index.js';

export interface PlanScanOptions {
  io: FileIO;
  metadata: TableMetadata;
  /** The table's name for messages (`ns.table`). */
  table: string;
  /** Which snapshot to read; the current one by default. */
  snapshot?: SnapshotSelector;
  /** Manifests read at once. Small: each is decoded whole in memory. */
  concurrency?: number;
  /** Rows the reader will keep; files that cannot hold such rows are left out of the plan. */
  filter?: UnboundExpr;
}

/** What a filter pruned (present when the plan was made with one). */
export interface ScanPruning {
  /** The filter bound to the read schema, as text; 'true' when nothing in it was usable. */
  filter: string;
  /** Data manifests: live in the snapshot, and read after the summaries were evaluated. */
  manifests: { total: number; kept: number };
  /** Live data files: in the whole snapshot (counts of skipped manifests from the manifest list), and kept. */
  dataFiles: { total: number; kept: number };
}

export interface ScanPlan {
  table: string;
  /** null when there is nothing to read (a table without snapshots). */
  snapshot: Snapshot | null;
  /** The schema rows are read with (snapshot-select.ts explains which). */
  schema: Schema;
  timeTravel: boolean;
  /** Every live data file with the delete files that apply to it. */
  dataFiles: ScanTask[];
  /** Every live delete file of the snapshot. */
  deleteFiles: ScanDelete[];
  /** The table's partition specs by id. */
  specs: ReadonlyMap<number, PartitionSpec>;
  manifestsRead: number;
  pruning?: ScanPruning;
}

export async function planScan(opts: PlanScanOptions): Promise<ScanPlan> {
  const { io, metadata, table } = opts;
  const selected = selectSnapshot(metadata, opts.snapshot ?? { kind: 'current' }, table);
  const specs = new Map(metadata['partition-specs'].map((s) => [s['spec-id'], s] as const));
  const base = { table, snapshot: selected.snapshot, schema: selected.schema, timeTravel: selected.timeTravel, specs };
  const snapshot = selected.snapshot;
  if (!snapshot) return { ...base, dataFiles: [], deleteFiles: [], manifestsRead: 0 };

  const snapshotId = String(snapshot['snapshot-id']);
  const where = (what: string) => `table ${table}, snapshot ${snapshotId}: ${what}`;
  const live = (await listManifests(io, snapshot, table, where)).filter(mayHaveLiveFiles);
  const filter = opts.filter ? bind(opts.filter, selected.schema) : undefined;
  const projections = new Map<number, BoundExpr>();
  const projection = (specId: number): BoundExpr => {
    let p = projections.get(specId);
    if (!p) {
      const spec = specs.get(specId);
      projections.set(specId, (p = filter && spec ? projectInclusive(filter, spec) : TRUE));
    }
    return p;
  };
  const manifests = filter ? live.filter((m) => !isData(m) || summariesMightMatch(projection(m.partition_spec_id), m.partitions)) : live;

  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  const perManifest = await Promise.all(
    manifests.map((m) =>
      limit(async () => {
        const bytes = await withContext(io.read(m.manifest_path), where(`cannot read manifest ${m.manifest_path}`), table, snapshotId);
        try {
          return { m, entries: readManifest(bytes, m.manifest_path, { manifest: m, specById: (id) => specs.get(id) }) };
        } catch (e) {
          throw rethrow(e, where(`cannot decode manifest ${m.manifest_path}`), table, snapshotId);
        }
      }),
    ),
  );

  const dataFiles: LiveFile[] = [];
  const deleteFiles: LiveFile[] = [];
  let dataFilesSeen = 0;
  for (const { m, entries } of perManifest) {
    for (const e of entries) {
      if (e.status === ManifestEntryStatus.DELETED) continue;
      const file = e.data_file;
      if (e.sequence_number === null) {
        throw corruptError(where(`manifest ${m.manifest_path} has an EXISTING entry for ${file.file_path} without a sequence number`), {
          context: { table, snapshot: snapshotId, manifest: m.manifest_path },
        });
      }
      const live: LiveFile = { file, dataSequenceNumber: e.sequence_number, specId: m.partition_spec_id };
      if (file.content === DataFileContent.DATA) {
        checkDataFile(live, where, table);
        dataFilesSeen++;
        if (filter && !(partitionMightMatch(projection(live.specId), file.partition) && metricsMightMatch(filter, file))) continue;
        dataFiles.push(live);
      } else {
        checkDeleteFile(live, m, where, table);
        deleteFiles.push(live);
      }
    }
  }

  const tasks = assignDeletes(dataFiles, deleteFiles, specs);
  return {
    ...base,
    dataFiles: tasks,
    deleteFiles: deleteFiles.map((d) => ({
      ...d,
      kind: d.file.content === DataFileContent.EQUALITY_DELETES ? 'equality' : 'position',
    })),
    manifestsRead: manifests.length,
    ...(filter ? { pruning: pruningStats(filter, live, manifests, dataFilesSeen, tasks.length) } : {}),
  };
}

const isData = (m: ManifestListEntry) => m.content === ManifestContent.DATA;

function pruningStats(filter: BoundExpr, live: ManifestListEntry[], read: ManifestListEntry[], seen: number, kept: number): ScanPruning {
  const readSet = new Set(read);
  // Files of skipped manifests, from the manifest list's counts (unknown in old v1 lists: 0).
  const skippedFiles = live.filter((m) => isData(m) && !readSet.has(m)).reduce((n, m) => n + (m.added_files_count ?? 0) + (m.existing_files_count ?? 0), 0);
  return {
    filter: formatExpr(filter),
    manifests: { total: live.filter(isData).length, kept: read.filter(isData).length },
    dataFiles: { total: seen + skippedFiles, kept },
  };
}

/**
 * The manifests of a snapshot. v1 allowed listing them inline (`manifests`) instead of in a
 * manifest list; those carry no counts or sequence numbers (0, as for any v1 file), and the
 * spec id comes from each manifest's own header.
 */
async function listManifests(
  io: FileIO,
  snapshot: Snapshot,
  table: string,
  where: (w: string) => string,
): Promise<ManifestListEntry[]> {
  const snapshotId = String(snapshot['snapshot-id']);
  const listLocation = snapshot['manifest-list'];
  if (listLocation) {
    const bytes = await withContext(io.read(listLocation), where(`cannot read manifest list ${listLocation}`), table, snapshotId);
    try {
      return readManifestList(bytes, listLocation);
    } catch (e) {
      throw rethrow(e, where(`cannot decode manifest list ${listLocation}`), table, snapshotId);
    }
  }
  const inline = snapshotManifests(snapshot);
  if (!inline) throw corruptError(where('the snapshot has neither a manifest list nor manifests'), { context: { table, snapshot: snapshotId } });
  return Promise.all(
    inline.map(async (path): Promise<ManifestListEntry> => {
      const bytes = await withContext(io.read(path), where(`cannot read manifest ${path}`), table, snapshotId);
      const specId = Number(metaString(readAvroFile(bytes, path), 'partition-spec-id') ?? '0');
      return {
        manifest_path: path,
        manifest_length: BigInt(bytes.length),
        partition_spec_id: Number.isInteger(specId) ? specId : 0,
        content: ManifestContent.DATA,
        sequence_number: 0n,
        min_sequence_number: 0n,
        added_snapshot_id: snapshot['snapshot-id'],
        added_files_count: null,
        existing_files_count: null,
        deleted_files_count: null,
        added_rows_count: null,
        existing_rows_count: null,
        deleted_rows_count: null,
      };
    }),
  );
}

function checkDataFile(f: LiveFile, where: (w: string) => string, table: string): void {
  if (f.file.file_format !== 'PARQUET') {
    throw unsupportedError(where(`data file ${f.file.file_path} is ${f.file.file_format}; floe reads Parquet data files only`), {
      context: { table, file: f.file.file_path, feature: `${f.file.file_format} data files` },
    });
  }
}

function checkDeleteFile(f: LiveFile, m: ManifestListEntry, where: (w: string) => string, table: string): void {
  const file = f.file;
  // spec: "Deletion Vectors" — v3 position deletes stored as Puffin blobs at content_offset.
  if (file.file_format === 'PUFFIN' || file.content_offset != null) {
    throw unsupportedError(
      where(`it uses deletion vectors (Iceberg v3, Puffin file ${file.file_path}), which floe cannot apply yet; refusing to return rows that may have been deleted`),
      { context: { table, file: file.file_path, feature: 'deletion vectors' } },
    );
  }
  if (file.file_format !== 'PARQUET') {
    throw unsupportedError(where(`delete file ${file.file_path} is ${file.file_format}; floe applies Parquet delete files only`), {
      context: { table, file: file.file_path, feature: `${file.file_format} delete files` },
    });
  }
  if (file.content === DataFileContent.EQUALITY_DELETES && (file.equality_ids ?? []).length === 0) {
    throw corruptError(where(`equality delete file ${file.file_path} in ${m.manifest_path} has no equality_ids`), {
      context: { table, file: file.file_path },
    });
  }
}
