/**
 * What a command changed: the catalog changes this process made while the command ran
 * (catalog/observe.ts: creates, registrations, commits, drops), turned into one entry per
 * table with the snapshots the command added and their row counts from the snapshot
 * summaries. Commits by other processes meanwhile are not this command's and do not appear.
 *
 * A commit that adds no snapshot still says what it did: a ref set to a snapshot the table
 * already had (a rollback, a tag or branch created or moved) or dropped is a `refs` entry
 * (its target is one of the record's snapshot ids), and snapshots a commit removed (expiry)
 * are `expired_snapshots`; a new schema, partition spec or sort order is `layout` (their ids,
 * from and to: `floe table evolve`, or a run whose commit evolved them with its data). A
 * registered table's refs say which snapshot it was adopted at. floe.audit_log is a table
 * like any other here: a command that rolls it back, expires it or drops it says so in its
 * own row (the row itself is appended after the command's changes are taken, so it never
 * appears).
 */
import { formatTableId } from '../catalog/catalog.js';
import type { CatalogChange } from '../catalog/observe.js';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { readMetadataFile } from '../table/load.js';

export interface SnapshotChange {
  snapshotId: bigint;
  operation: string | null;
  addedRecords: number | null;
  deletedRecords: number | null;
}

/** A ref set to a snapshot the table had before the command (`to`), or dropped from one (`to` null). */
export interface RefChange {
  ref: string;
  type: 'branch' | 'tag';
  from: bigint | null;
  to: bigint | null;
}

export interface TableChange {
  table: string;
  action: 'created' | 'changed' | 'dropped';
  snapshots: SnapshotChange[];
  /** Present when the command moved, created or dropped a ref other than onto its own new snapshots. */
  refs?: RefChange[];
  /** Present when the command removed snapshots (expiry). */
  expiredSnapshots?: bigint[];
  /** Present when a commit changed the current schema, the default partition spec or sort order (their ids). */
  layout?: Partial<Record<LayoutPart, { from: number; to: number }>>;
}

type LayoutPart = 'schema' | 'partition_spec' | 'sort_order';
const LAYOUT: readonly [LayoutPart, 'current-schema-id' | 'default-spec-id' | 'default-sort-order-id'][] = [
  ['schema', 'current-schema-id'],
  ['partition_spec', 'default-spec-id'],
  ['sort_order', 'default-sort-order-id'],
];

/** The schema, spec and sort order ids a commit moved, merged into the entry (the first `from`, the last `to`). */
function layoutChanges(entry: TableChange, before: TableMetadata, next: TableMetadata): void {
  for (const [part, key] of LAYOUT) {
    if (before[key] === next[key]) continue;
    const layout = (entry.layout ??= {});
    const prior = layout[part];
    if (prior) prior.to = next[key];
    else layout[part] = { from: before[key], to: next[key] };
    if (layout[part]!.from === layout[part]!.to) delete layout[part];
  }
  if (entry.layout && Object.keys(entry.layout).length === 0) delete entry.layout;
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
    if (before) {
      const ids = new Set(next.snapshots.map((s) => s['snapshot-id']));
      const removed = before.snapshots.filter((s) => !ids.has(s['snapshot-id'])).map((s) => s['snapshot-id']);
      if (removed.length > 0) entry.expiredSnapshots = [...(entry.expiredSnapshots ?? []), ...removed];
      refChanges(entry, before.refs, next.refs, known);
      layoutChanges(entry, before, next);
    } else if (c.kind === 'create') {
      // A registered table comes with its history: the snapshot its refs point at is the one it was adopted at.
      refChanges(entry, {}, next.refs, new Set(next.snapshots.map((s) => s['snapshot-id'])));
    }
  }
  for (const entry of byTable.values()) if (entry.refs?.length === 0) delete entry.refs;
  return [...byTable.values()].sort((a, b) => a.table.localeCompare(b.table));
}

/**
 * The refs one commit moved onto a snapshot the table had before the command, or dropped,
 * merged into the entry (the first `from`, the last `to`). A ref moved onto a snapshot the
 * command wrote (an append advancing main, a staging branch, its publish) is already told
 * by that snapshot and is left out.
 */
function refChanges(entry: TableChange, before: TableMetadata['refs'] | undefined, next: TableMetadata['refs'] | undefined, known: ReadonlySet<bigint>): void {
  const old = (id: bigint | null) => id !== null && known.has(id) && !entry.snapshots.some((s) => s.snapshotId === id);
  for (const name of new Set([...Object.keys(before ?? {}), ...Object.keys(next ?? {})])) {
    const b = before?.[name];
    const n = next?.[name];
    const from = b?.['snapshot-id'] ?? null;
    const to = n?.['snapshot-id'] ?? null;
    if (from === to) continue;
    const prior = entry.refs?.find((r) => r.ref === name);
    if (prior === undefined && !(to === null ? old(from) : old(to))) continue;
    if (prior) {
      prior.to = to;
      if (n) prior.type = n.type;
      if (prior.from === prior.to) entry.refs = entry.refs!.filter((r) => r !== prior);
    } else {
      (entry.refs ??= []).push({ ref: name, type: (n ?? b)!.type, from, to });
    }
  }
}

/** Reads the metadata files the changes point at (each once) and builds the table changes. */
export async function describeChanges(io: FileIO, changes: readonly CatalogChange[], startedMs: number): Promise<TableChange[]> {
  const locations = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'drop') continue;
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
