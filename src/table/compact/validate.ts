/**
 * Rewrite validation against concurrent commits (Iceberg's RewriteFiles validation:
 * "validateFromSnapshot", "validateNoNewDeletesForDataFiles"). Called on every commit attempt
 * with the latest table:
 * - appends that landed since the compaction started are fine: the snapshot is rebuilt on
 *   top of them and keeps their manifests (snapshot-producer.ts);
 * - a data file being rewritten that another commit removed is a conflict: replacing it
 *   again would resurrect its rows;
 * - a data file being rewritten that got new delete files is a conflict: the rewritten rows
 *   were read without those deletes, and the new files' higher sequence number would put
 *   them out of the deletes' reach, resurrecting the deleted rows.
 * - main no longer descending from the snapshot the rewrite read (a rollback, or
 *   `floe snapshot branch main --replace`, moved it off that history) is a conflict: the
 *   rewritten files were read with the deletes of that history, which the moved main may not
 *   have, and a delete file covering other files too survives the rewrite, so neither check
 *   above sees it (Iceberg Java: "Cannot determine history between starting snapshot").
 * All are final (not retryable): the table is left unchanged and the user runs again.
 */
import { FloeError } from '../../errors.js';
import { ancestry } from '../ancestry.js';
import type { LoadedTable } from '../load.js';
import { planScan } from '../scan.js';

export interface RewriteValidation {
  table: string;
  /** The snapshot the rewrite read. */
  startSnapshotId: bigint | null;
  /** Data files this commit removes. */
  rewritten: ReadonlySet<string>;
  /** Every delete file live when the rewrite read the table. */
  knownDeletes: ReadonlySet<string>;
}

export async function validateRewrite(base: LoadedTable, v: RewriteValidation): Promise<void> {
  const current = base.metadata.refs['main']?.['snapshot-id'] ?? base.metadata['current-snapshot-id'] ?? null;
  if (current === v.startSnapshotId) return;
  if (v.startSnapshotId !== null && !descendsFrom(base, current, v.startSnapshotId)) {
    throw new FloeError(
      'conflict',
      `table ${v.table}: cannot determine history between starting snapshot ${v.startSnapshotId}, which this compaction read, and main's snapshot ${current ?? 'none'}: main was moved off it (a rollback or a branch replace), or the snapshots between were expired, while the compaction ran; nothing was committed by this attempt`,
      {
        retryable: false,
        context: { table: v.table, snapshot: current === null ? null : String(current), startSnapshot: String(v.startSnapshotId) },
        hint: 'Run floe compact again: it plans from the new table state.',
      },
    );
  }
  const plan = await planScan({ io: base.io, metadata: base.metadata, table: v.table });
  const live = new Map(plan.dataFiles.map((t) => [t.file.file_path, t] as const));
  for (const path of v.rewritten) {
    const task = live.get(path);
    if (!task) {
      throw conflict(v.table, current, `data file ${path}, which this compaction rewrites, was removed by a concurrent commit`, path);
    }
    const fresh = task.deletes.find((d) => !v.knownDeletes.has(d.file.file_path));
    if (fresh) {
      throw conflict(v.table, current, `data file ${path}, which this compaction rewrites, got new deletes (${fresh.file.file_path}) from a concurrent commit`, path);
    }
  }
}

/**
 * Whether main's snapshot descends from `start`. The walk ends at a parent that is gone: when
 * that parent is `start` itself (expired while the compaction ran, e.g. by `maintain expire`
 * after an append), main still descends from it, and the snapshots after it are all there to
 * validate against; Iceberg Java's validation history accepts that case too (the last known
 * ancestor's parent is the starting snapshot).
 */
function descendsFrom(base: LoadedTable, current: bigint | null, start: bigint): boolean {
  const chain = ancestry(base.metadata, current);
  return chain.some((s) => s['snapshot-id'] === start) || chain.at(-1)?.['parent-snapshot-id'] === start;
}

function conflict(table: string, snapshot: bigint | null, what: string, file: string): FloeError {
  return new FloeError('conflict', `table ${table}: ${what} (now at snapshot ${snapshot ?? 'none'}); nothing was committed by this attempt`, {
    retryable: false,
    context: { table, file, snapshot: snapshot === null ? null : String(snapshot) },
    hint: 'Run floe compact again: it plans from the new table state.',
  });
}
