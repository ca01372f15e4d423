/** Hand-made metadata for the run-id record's pure tests (src/run/run-ids.ts): only what it reads. */
import type { Snapshot, TableMetadata } from '../../src/iceberg/types.js';
import type { TableChange } from '../../src/table/updates.js';

export function snap(id: number, parent: number | null, pipeline?: string, runId?: string): Snapshot {
  return {
    'snapshot-id': BigInt(id),
    ...(parent === null ? {} : { 'parent-snapshot-id': BigInt(parent) }),
    'sequence-number': BigInt(id),
    'timestamp-ms': id * 1000,
    'manifest-list': `s${id}.avro`,
    summary: { operation: 'append', ...(pipeline ? { 'floe.pipeline': pipeline } : {}), ...(runId ? { 'floe.run-id': runId } : {}) },
    'schema-id': 0,
  } as Snapshot;
}

export function table(snapshots: Snapshot[], current: number | null, properties: Record<string, string> = {}): TableMetadata {
  return { snapshots, 'current-snapshot-id': current === null ? null : BigInt(current), properties } as unknown as TableMetadata;
}

/** A commit adding snapshot `s`; `publish`: it also moves main there. */
export function commitOf(s: Snapshot, publish = true): TableChange {
  return {
    requirements: [],
    updates: [{ action: 'add-snapshot', snapshot: s }, ...(publish ? [{ action: 'set-snapshot-ref' as const, 'ref-name': 'main', type: 'branch' as const, 'snapshot-id': s['snapshot-id'] }] : [])],
  };
}
