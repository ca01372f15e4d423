/**
 * What a command changed, found by comparing the catalog before and after it: tables whose
 * metadata pointer moved, tables that appeared (created, registered) and tables that went
 * away (dropped). For a table that moved, the snapshots committed since the command started
 * are its snapshots, with their row counts from the snapshot summaries. Commands need not
 * report anything for this to work; they may add what the catalog cannot show through
 * the audit context (context.ts).
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import type { FileIO } from '../io/fileio.js';
import { loadTable } from '../table/load.js';

/** Table name → metadata location. */
export type CatalogState = Map<string, string>;

export interface SnapshotChange {
  snapshotId: bigint;
  operation: string | null;
  addedRecords: number | null;
  deletedRecords: number | null;
}

export interface TableChange {
  table: string;
  action: 'created' | 'changed' | 'dropped' | 'reported';
  snapshots: SnapshotChange[];
}

/** The audit log's own table never counts as a change of the command it records. */
export const AUDIT_LOG_NAME = 'floe.audit_log';

export async function catalogState(catalog: Catalog): Promise<CatalogState> {
  const out: CatalogState = new Map();
  for (const id of await catalog.listTables()) {
    const name = formatTableId(id);
    if (name === AUDIT_LOG_NAME) continue;
    try {
      out.set(name, (await catalog.getTable(id)).metadataLocation);
    } catch {
      // dropped between the listing and the look-up: not there.
    }
  }
  return out;
}

export interface StateDiff {
  created: string[];
  changed: string[];
  dropped: string[];
}

/** Pure: which tables appeared, moved or went away between two catalog states. */
export function diffStates(before: CatalogState, after: CatalogState): StateDiff {
  const created: string[] = [];
  const changed: string[] = [];
  const dropped: string[] = [];
  for (const [name, loc] of after) {
    const old = before.get(name);
    if (old === undefined) created.push(name);
    else if (old !== loc) changed.push(name);
  }
  for (const name of before.keys()) if (!after.has(name)) dropped.push(name);
  return { created: created.sort(), changed: changed.sort(), dropped: dropped.sort() };
}

const count = (v: string | undefined): number | null => (v === undefined || !/^\d+$/.test(v) ? null : Number(v));

/** The changes with the snapshots each table gained since `startedMs` (epoch ms). */
export async function describeChanges(catalog: Catalog, io: FileIO, diff: StateDiff, startedMs: number): Promise<TableChange[]> {
  const out: TableChange[] = [];
  const tables = [
    ...diff.created.map((t) => [t, 'created'] as const),
    ...diff.changed.map((t) => [t, 'changed'] as const),
  ].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [name, action] of tables) {
    let snapshots: SnapshotChange[] = [];
    try {
      const id = catalogIdOf(name, await catalog.listTables());
      if (id) {
        const t = await loadTable(catalog, io, id);
        snapshots = t.metadata.snapshots
          .filter((s) => s['timestamp-ms'] >= startedMs)
          .sort((a, b) => a['timestamp-ms'] - b['timestamp-ms'] || Number(a['sequence-number'] - b['sequence-number']))
          .map((s) => ({
            snapshotId: s['snapshot-id'],
            operation: s.summary.operation ?? null,
            addedRecords: count(s.summary['added-records']),
            deletedRecords: count(s.summary['deleted-records']),
          }));
      }
    } catch {
      // unreadable now (e.g. dropped meanwhile): recorded without snapshots.
    }
    out.push({ table: name, action, snapshots });
  }
  for (const name of diff.dropped) out.push({ table: name, action: 'dropped', snapshots: [] });
  return out;
}

function catalogIdOf(name: string, ids: readonly { namespace: string[]; name: string }[]) {
  return ids.find((id) => formatTableId(id) === name);
}
