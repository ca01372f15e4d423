/**
 * Table changes as data, with the names of the Iceberg REST catalog spec
 * (open-api/rest-catalog-open-api.yaml: TableUpdate, TableRequirement). Every operation
 * (append, overwrite, rewrite, evolve, expire) is a pure function that returns
 * `{requirements, updates}`; one place (apply.ts) checks requirements and applies updates,
 * and a REST catalog client can later send the same values.
 */
import type { PartitionSpec, Schema, Snapshot, SnapshotRefType, SortOrder, StatisticsFile } from '../iceberg/types.js';

export type TableUpdate =
  | { action: 'assign-uuid'; uuid: string }
  | { action: 'upgrade-format-version'; 'format-version': 1 | 2 | 3 }
  /** `last-column-id` is the table's highest assigned field id after this schema is added. */
  | { action: 'add-schema'; schema: Schema; 'last-column-id'?: number }
  /** -1 means "the schema added last in this change" (REST spec). */
  | { action: 'set-current-schema'; 'schema-id': number }
  | { action: 'add-spec'; spec: PartitionSpec }
  | { action: 'set-default-spec'; 'spec-id': number }
  | { action: 'add-sort-order'; 'sort-order': SortOrder }
  | { action: 'set-default-sort-order'; 'sort-order-id': number }
  | { action: 'add-snapshot'; snapshot: Snapshot }
  | {
      action: 'set-snapshot-ref';
      'ref-name': string;
      type: SnapshotRefType;
      'snapshot-id': bigint;
      'max-ref-age-ms'?: number;
      'max-snapshot-age-ms'?: number;
      'min-snapshots-to-keep'?: number;
    }
  | { action: 'remove-snapshots'; 'snapshot-ids': bigint[] }
  | { action: 'remove-snapshot-ref'; 'ref-name': string }
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] }
  | { action: 'set-statistics'; 'snapshot-id': bigint; statistics: StatisticsFile }
  | { action: 'remove-statistics'; 'snapshot-id': bigint };

export type TableRequirement =
  | { type: 'assert-create' }
  | { type: 'assert-table-uuid'; uuid: string }
  /** `snapshot-id: null` asserts that the ref does not exist. */
  | { type: 'assert-ref-snapshot-id'; ref: string; 'snapshot-id': bigint | null }
  | { type: 'assert-last-assigned-field-id'; 'last-assigned-field-id': number }
  | { type: 'assert-current-schema-id'; 'current-schema-id': number }
  | { type: 'assert-last-assigned-partition-id'; 'last-assigned-partition-id': number }
  | { type: 'assert-default-spec-id'; 'default-spec-id': number }
  | { type: 'assert-default-sort-order-id'; 'default-sort-order-id': number };

export interface TableChange {
  requirements: TableRequirement[];
  updates: TableUpdate[];
}
