/**
 * Position deletes written by floe (spec: "Position Delete Files", "Delete Manifests",
 * "Scan Planning"): the file schema, how data files are grouped into delete files, and the
 * summary keys of a commit that adds them. Pure.
 *
 * A position delete applies to a data file in the same partition (any partition, for an
 * unpartitioned spec) whose data sequence number is <= the delete file's. The delete files
 * get the committing snapshot's sequence number, so they apply to the data files they name,
 * which are older, and never to rows appended later.
 */
import { FloeError } from '../errors.js';
import type { DataFile, Schema } from '../iceberg/types.js';
import { DataFileContent } from '../iceberg/types.js';
import { DELETE_FILE_PATH_ID, partitionKey, type ScanTask } from './delete-index.js';

const DELETE_POS_ID = 2147483545;

/** The columns of a position delete file (without the optional `row`). */
export const DELETE_POS_SCHEMA: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: 'string', doc: 'Path of a file in which a deleted row is stored' },
    { id: DELETE_POS_ID, name: 'pos', required: true, type: 'long', doc: 'Ordinal position of a deleted row in the data file' },
  ],
};

/** The table property choosing how `mode: merge` writes (Iceberg's name and values). */
export const MERGE_MODE_PROPERTY = 'write.merge.mode';
export type MergeWriteMode = 'copy-on-write' | 'merge-on-read';

export function mergeWriteMode(properties: Record<string, string>, table: string): MergeWriteMode {
  const v = properties[MERGE_MODE_PROPERTY];
  if (v === undefined || v === 'copy-on-write') return 'copy-on-write';
  if (v === 'merge-on-read') return 'merge-on-read';
  throw new FloeError('config', `${table}: table property ${MERGE_MODE_PROPERTY} is "${v}"; expected copy-on-write or merge-on-read`, {
    context: { table },
    hint: `floe table evolve ${table} --set-property ${MERGE_MODE_PROPERTY}=merge-on-read`,
  });
}

/** Iceberg's `write.delete.granularity`: a delete file per data file (default) or per partition. */
export const DELETE_GRANULARITY_PROPERTY = 'write.delete.granularity';

export function deleteGranularity(properties: Record<string, string>, table: string): 'file' | 'partition' {
  const v = properties[DELETE_GRANULARITY_PROPERTY] ?? 'file';
  if (v === 'file' || v === 'partition') return v;
  throw new FloeError('config', `${table}: table property ${DELETE_GRANULARITY_PROPERTY} is "${v}"; expected file or partition`, { context: { table } });
}

/** Data files that get one delete file together: those of one partition (spec id + tuple). */
export interface DeleteGroup {
  specId: number;
  dataFiles: DataFile[];
}

export function groupByPartition(tasks: readonly ScanTask[], hit: ReadonlySet<string>): DeleteGroup[] {
  const groups = new Map<string, DeleteGroup>();
  for (const t of tasks) {
    if (!hit.has(t.file.file_path)) continue;
    const k = partitionKey(t.specId, t.file.partition);
    const g = groups.get(k);
    if (g) g.dataFiles.push(t.file);
    else groups.set(k, { specId: t.specId, dataFiles: [t.file] });
  }
  return [...groups.values()];
}

/** Summary keys the generic summary does not compute (Iceberg Java's SnapshotSummary names). */
export function positionDeleteSummary(deleteFiles: readonly DataFile[]): Record<string, string> {
  const pos = deleteFiles.filter((f) => f.content === DataFileContent.POSITION_DELETES);
  return pos.length ? { 'added-position-delete-files': String(pos.length) } : {};
}
