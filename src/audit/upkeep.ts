/**
 * Upkeep of `floe.audit_log`. Every audited command appends one row, so the table gains a
 * small data file, a manifest and a snapshot per command; left alone, a project that runs
 * floe every few minutes would make every command slower (a longer metadata file to parse
 * and rewrite on each append) and every read of the log open thousands of files. So after an
 * append, now and then:
 *
 * - with `UPKEEP.compactAt` data files or more in the current snapshot: one binpack
 *   compaction (every row kept) and a manifest rewrite;
 * - with `UPKEEP.expireAt` snapshots or more: expiry down to the last `UPKEEP.retain`
 *   snapshots (every row kept; only older versions of the table go).
 *
 * Each is its own commit. The command's record is already committed: a failure here (a
 * concurrent writer, say) is only a warning, and the next append tries again. The table
 * property `floe.audit.upkeep=false` turns it off (for a log whose every version must stay).
 * Planning is pure (`upkeepDue`); the IO is in `runUpkeep`.
 */
import type { Catalog } from '../catalog/catalog.js';
import { FloeError } from '../errors.js';
import type { TableIdentifier, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { currentSnapshot } from '../table/snapshot-select.js';

export const UPKEEP = { compactAt: 200, expireAt: 400, retain: 100 } as const;
export const UPKEEP_PROPERTY = 'floe.audit.upkeep';

export interface UpkeepDue {
  compact: boolean;
  expire: boolean;
}

/** What the table, as an append just left it, is due for. */
export function upkeepDue(m: TableMetadata, limits: { compactAt: number; expireAt: number } = UPKEEP): UpkeepDue {
  if ((m.properties[UPKEEP_PROPERTY] ?? '').trim().toLowerCase() === 'false') return { compact: false, expire: false };
  const current = currentSnapshot(m);
  const files = Number(current?.summary['total-data-files'] ?? 0);
  return { compact: files >= limits.compactAt, expire: m.snapshots.length >= limits.expireAt };
}

export interface UpkeepDone {
  compacted?: { filesBefore: number; filesAfter: number };
  expired?: number;
}

/** Runs what `due` says; the modules it needs load only then. */
export async function runUpkeep(catalog: Catalog, io: FileIO, id: TableIdentifier, due: UpkeepDue, retain: number = UPKEEP.retain): Promise<UpkeepDone> {
  const done: UpkeepDone = {};
  if (due.compact) {
    const [{ openEngine }, { compactTable }, { rewriteManifests }] = await Promise.all([
      import('../engine/duckdb.js'),
      import('../table/compact/execute.js'),
      import('../table/rewrite-manifests-run.js'),
    ]);
    const engine = await openEngine({ threads: 1 });
    try {
      const r = await compactTable({ catalog, io, engine, id, strategy: { kind: 'binpack' } });
      const groups = r.plan.groups;
      done.compacted = {
        filesBefore: groups.reduce((n, g) => n + g.files.length, 0),
        filesAfter: r.commits.reduce((n, c) => n + c.addedDataFiles, 0),
      };
    } finally {
      engine.close();
    }
    await rewriteManifests(catalog, io, id);
  }
  if (due.expire) {
    const { expireSnapshots } = await import('../table/expire-run.js');
    const now = Date.now();
    const r = await expireSnapshots(catalog, io, id, { olderThanMs: 0, retainLast: retain, now: () => now });
    done.expired = r.plan.expire.length;
  }
  return done;
}

/**
 * The upkeep of table `id` (shown as `name`) when an append left it as `metadata` and that is
 * due. The appended rows are committed by then, so a failure here is a warning on stderr
 * ending with `retry` (who tries again).
 */
export async function upkeepAfterAppend(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  name: string,
  metadata: TableMetadata,
  retry: string,
  limits: { compactAt: number; expireAt: number; retain: number } = UPKEEP,
): Promise<void> {
  const due = upkeepDue(metadata, limits);
  if (!due.compact && !due.expire) return;
  try {
    await runUpkeep(catalog, io, id, due, limits.retain);
  } catch (e) {
    // Commands that end at once all find the log due: one's upkeep wins and the others'
    // conflict with it. Nothing is left undone then, and nothing is worth a warning. Any
    // other failure (an io error after a compaction committed) is said, due or not.
    if (e instanceof FloeError && e.kind === 'conflict' && (await doneMeanwhile(catalog, io, id, limits))) return;
    process.stderr.write(`floe: warning: the upkeep of ${name} (compaction, expiry) did not finish; ${retry}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/** True when the table, as it is now, is no longer due: another process did the upkeep meanwhile. */
async function doneMeanwhile(catalog: Catalog, io: FileIO, id: TableIdentifier, limits: { compactAt: number; expireAt: number }): Promise<boolean> {
  try {
    const { loadTable } = await import('../table/load.js');
    const now = upkeepDue((await loadTable(catalog, io, id)).metadata, limits);
    return !now.compact && !now.expire;
  } catch {
    return false;
  }
}
