/**
 * What a command changed: the catalog changes this process made while the command ran
 * (catalog/observe.ts: creates, registrations, commits, drops), turned into one entry per
 * table with the snapshots the command added and their row counts from the snapshot
 * summaries. Commits by other processes meanwhile are not this command's and do not appear.
 */
import { formatTableId } from '../catalog/catalog.js';
import type { CatalogChange } from '../catalog/observe.js';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { readMetadataFile } from '../table/load.js';
import { AUDIT_LOG_NAME } from './command.js';

export interface SnapshotChange {
  snapshotId: bigint;
  operation: string | null;
  addedRecords: number | null;
  deletedRecords: number | null;
}

export interface TableChange {
  table: string;
  action: 'created' | 'changed' | 'dropped';
  snapshots: SnapshotChange[];
}

const count = (v: string | undefined): number | null => (v === undefined || !/^\d+$/.test(v) ? null : Number(v));

function snapshotChange(s: Snapshot): SnapshotChange {
  return {
    snapshotId: s['snapshot-id'],
    operation: s.summary.operation ?? null,
    addedRecords: count(s.summary['added-records']),
    deletedRecords: count(s.summary['deleted-records']),
  };
}

/**
 * Pure: the per-table changes from the observed catalog changes, given the metadata at the
 * locations involved (a missing one contributes no snapshots). A commit adds the snapshots
 * its new metadata has and its previous metadata lacks; a created table adds those made
 * since the command started (a registered table's older history is not the command's).
 * Tables are sorted by name.
 */
export function tableChanges(changes: readonly CatalogChange[], metadata: ReadonlyMap<string, TableMetadata>, startedMs: number): TableChange[] {
  const byTable = new Map<string, TableChange>();
  for (const c of changes) {
    const table = formatTableId(c.id);
    // The audit log's own table never counts as a change of the command it records.
    if (table === AUDIT_LOG_NAME) continue;
    let entry = byTable.get(table);
    if (!entry) {
      entry = { table, action: c.kind === 'create' ? 'created' : c.kind === 'drop' ? 'dropped' : 'changed', snapshots: [] };
      byTable.set(table, entry);
    }
    if (c.kind === 'drop') {
      entry.action = 'dropped';
      continue;
    }
    if (c.kind === 'create') entry.action = 'created';
    const next = metadata.get(c.metadataLocation);
    if (!next) continue;
    const before = c.kind === 'commit' ? metadata.get(c.previousLocation) : undefined;
    const known = new Set((before?.snapshots ?? []).map((s) => s['snapshot-id']));
    const seen = new Set(entry.snapshots.map((s) => s.snapshotId));
    for (const s of next.snapshots) {
      if (known.has(s['snapshot-id']) || seen.has(s['snapshot-id'])) continue;
      // Without the previous metadata (a create, or an unreadable one) only snapshots made
      // since the command started are its own.
      if (!before && s['timestamp-ms'] < startedMs) continue;
      entry.snapshots.push(snapshotChange(s));
    }
  }
  return [...byTable.values()].sort((a, b) => a.table.localeCompare(b.table));
}

/** Reads the metadata files the changes point at (each once) and builds the table changes. */
export async function describeChanges(io: FileIO, changes: readonly CatalogChange[], startedMs: number): Promise<TableChange[]> {
  const locations = new Set<string>();
  for (const c of changes) {
    if (formatTableId(c.id) === AUDIT_LOG_NAME || c.kind === 'drop') continue;
    locations.add(c.metadataLocation);
    if (c.kind === 'commit') locations.add(c.previousLocation);
  }
  const metadata = new Map<string, TableMetadata>();
  for (const loc of locations) {
    try {
      metadata.set(loc, await readMetadataFile(io, loc));
    } catch {
      // unreadable (removed meanwhile, or a mapped location): recorded without its snapshots
    }
  }
  return tableChanges(changes, metadata, startedMs);
}
