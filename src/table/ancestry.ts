/**
 * The one walk along parent-snapshot-id chains (spec "Snapshots"): expiry, rollback,
 * conflict validation and incremental run state all read a branch's history through it.
 */
import type { Snapshot, TableMetadata } from '../iceberg/types.js';

/**
 * `from` and its ancestors, newest first (default: the current snapshot). The walk ends at a
 * parent that is gone (expired history) and never loops.
 */
export function ancestry(m: TableMetadata, from: bigint | null = m['current-snapshot-id']): Snapshot[] {
  const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s]));
  const out: Snapshot[] = [];
  const seen = new Set<bigint>();
  let id = from;
  while (id !== null && id !== undefined && !seen.has(id)) {
    seen.add(id);
    const s = byId.get(id);
    if (!s) break;
    out.push(s);
    id = s['parent-snapshot-id'] ?? null;
  }
  return out;
}
