/**
 * Conflict validation for commits that replace data (spec "Optimistic concurrency": a
 * retried commit must re-check the assumptions it was built on).
 *
 * An overwrite read nothing, but it means "the table now holds exactly these rows". If it
 * simply re-applied on a newer base after losing the compare-and-swap, it would delete rows
 * a concurrent writer appended after the overwrite started — a lost append. Like Iceberg's
 * OverwriteFiles with validateNoConflictingData/Deletes under serializable isolation, it
 * fails cleanly instead when a snapshot committed on the branch since it started changed
 * data. A concurrent `replace` (compaction: same rows in other files) changes no data and
 * is retried on.
 */
import { FloeError } from '../errors.js';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import { ancestry } from './ancestry.js';
import type { LoadedTable } from './load.js';

/** Snapshots on main committed after `startId`, newest first (all of them if it is gone). */
export function snapshotsSince(m: TableMetadata, startId: bigint | null): Snapshot[] {
  const history = ancestry(m, m.refs['main']?.['snapshot-id'] ?? null);
  const at = history.findIndex((s) => s['snapshot-id'] === startId);
  return at < 0 ? history : history.slice(0, at);
}

/** Throws a non-retryable conflict if a snapshot since `startId` added or removed rows. */
export function validateNoConcurrentDataChanges(base: LoadedTable, startId: bigint | null, table: string): void {
  const clash = snapshotsSince(base.metadata, startId).find((s) => s.summary.operation !== 'replace');
  if (!clash) return;
  throw new FloeError(
    'conflict',
    `${table}: a concurrent commit (snapshot ${clash['snapshot-id']}, ${clash.summary.operation}) changed the data while this overwrite ran; nothing was committed`,
    {
      retryable: false,
      context: { table, snapshot: String(clash['snapshot-id']), operation: clash.summary.operation },
      hint: 'Run the overwrite again: it will replace the new rows too.',
    },
  );
}
