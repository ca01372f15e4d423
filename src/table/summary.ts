/**
 * Snapshot summaries (spec: "Snapshots" → summary; the metric names are Iceberg Java's
 * SnapshotSummary, which PyIceberg and Spark read and extend). Pure: computed from the files
 * a snapshot adds and removes, the parent's summary and the new manifest list.
 */
import type { DataFile, ManifestFile, PartitionSpec, SnapshotOperation, SnapshotSummary } from '../iceberg/types.js';
import { DataFileContent, ManifestContent } from '../iceberg/types.js';

export const ENGINE_NAME = 'floe';
export const ENGINE_VERSION = '0.1.0';

/** What a manifest list's entries add up to: live data files, their records, live delete files. */
export interface ListTotals {
  dataFiles: bigint;
  records: bigint;
  deleteFiles: bigint;
}

export interface SummaryInput {
  operation: SnapshotOperation;
  added: readonly DataFile[];
  removed: readonly DataFile[];
  parent: Record<string, string> | undefined;
  /** The new manifest list's entries; without `carried`, all of them. */
  manifests: readonly ManifestFile[];
  /**
   * The totals of the parent list's entries when `manifests` holds only the entries added on
   * top of it (an append that copies the parent list undecoded; snapshot-producer.ts).
   */
  carried?: ListTotals;
  /** Extra keys (floe.* state, run ids, check counts); they never override the metrics. */
  extra?: Record<string, string>;
  /**
   * The partition spec each added or removed file was written with: a partition is its path
   * (`day=19850/bucket=3`, field names and values), as Iceberg Java counts them, so equal
   * tuples of two specs are two partitions and a value widened from int to long is one.
   * Without it (or for a file it does not know), the tuple alone is the partition.
   */
  specOf?: (f: DataFile) => PartitionSpec | undefined;
}

export function snapshotSummary(input: SummaryInput): SnapshotSummary {
  const s: Record<string, string> = { ...(input.extra ?? {}) };
  const sum = (files: readonly DataFile[], pick: (f: DataFile) => bigint) => files.reduce((a, f) => a + pick(f), 0n);
  const data = (files: readonly DataFile[]) => files.filter((f) => f.content === DataFileContent.DATA);
  const posDeletes = (files: readonly DataFile[]) => files.filter((f) => f.content === DataFileContent.POSITION_DELETES);
  const eqDeletes = (files: readonly DataFile[]) => files.filter((f) => f.content === DataFileContent.EQUALITY_DELETES);
  const set = (key: string, v: bigint | number) => {
    if (BigInt(v) !== 0n) s[key] = String(v);
  };

  set('added-data-files', data(input.added).length);
  set('added-records', sum(data(input.added), (f) => f.record_count));
  set('added-files-size', sum(input.added, (f) => f.file_size_in_bytes));
  const [addedPos, addedEq, removedPos, removedEq] = [posDeletes(input.added), eqDeletes(input.added), posDeletes(input.removed), eqDeletes(input.removed)];
  set('added-delete-files', addedPos.length + addedEq.length);
  set('added-position-delete-files', addedPos.length);
  set('added-equality-delete-files', addedEq.length);
  set('added-position-deletes', sum(addedPos, (f) => f.record_count));
  set('added-equality-deletes', sum(addedEq, (f) => f.record_count));
  set('deleted-data-files', data(input.removed).length);
  set('deleted-records', sum(data(input.removed), (f) => f.record_count));
  set('removed-files-size', sum(input.removed, (f) => f.file_size_in_bytes));
  set('removed-delete-files', removedPos.length + removedEq.length);
  set('removed-position-delete-files', removedPos.length);
  set('removed-equality-delete-files', removedEq.length);
  set('removed-position-deletes', sum(removedPos, (f) => f.record_count));
  set('removed-equality-deletes', sum(removedEq, (f) => f.record_count));
  const partitions = new Set([...input.added, ...input.removed].map((f) => partitionKey(f, input.specOf?.(f))));
  s['changed-partition-count'] = String(partitions.size);

  // Totals: the live counts are exact from the manifest list; sizes and delete counts carry
  // over from the parent, since the manifest list does not hold them.
  let totalFiles = input.carried?.dataFiles ?? 0n;
  let totalRecords = input.carried?.records ?? 0n;
  let totalDeleteFiles = input.carried?.deleteFiles ?? 0n;
  for (const m of input.manifests) {
    const files = BigInt(m.added_files_count + m.existing_files_count);
    if (m.content === ManifestContent.DATA) {
      totalFiles += files;
      totalRecords += m.added_rows_count + m.existing_rows_count;
    } else totalDeleteFiles += files;
  }
  const parentTotal = (key: string): bigint | undefined => {
    const v = input.parent?.[key];
    return v !== undefined && /^\d+$/.test(v) ? BigInt(v) : input.parent ? undefined : 0n;
  };
  s['total-data-files'] = String(totalFiles);
  s['total-records'] = String(totalRecords);
  s['total-delete-files'] = String(totalDeleteFiles);
  const carry = (key: string, added: bigint, removed: bigint) => {
    const base = parentTotal(key);
    if (base !== undefined) s[key] = String(base + added - removed);
  };
  carry('total-files-size', sum(input.added, (f) => f.file_size_in_bytes), sum(input.removed, (f) => f.file_size_in_bytes));
  carry('total-position-deletes', sum(posDeletes(input.added), (f) => f.record_count), sum(posDeletes(input.removed), (f) => f.record_count));
  carry('total-equality-deletes', sum(eqDeletes(input.added), (f) => f.record_count), sum(eqDeletes(input.removed), (f) => f.record_count));
  s['engine-name'] = ENGINE_NAME;
  s['engine-version'] = ENGINE_VERSION;
  return { ...s, operation: input.operation } as SnapshotSummary;
}

/** A file's partition: its path under its spec (field=value/…), or its tuple without one. Integers read alike as int or long. */
function partitionKey(f: DataFile, spec: PartitionSpec | undefined): string {
  const value = (v: unknown) => (v instanceof Uint8Array ? `0x${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' || typeof v === 'number' ? String(v) : JSON.stringify(v));
  if (!spec || spec.fields.length !== f.partition.length) return f.partition.map(value).join('|');
  return spec.fields.map((pf, i) => `${encodeURIComponent(pf.name)}=${encodeURIComponent(value(f.partition[i]))}`).join('/');
}
