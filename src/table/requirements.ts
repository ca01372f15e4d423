/**
 * Checks TableRequirements against the metadata a change is about to be applied to
 * (REST spec open-api/rest-catalog-open-api.yaml: TableRequirement and its subtypes).
 *
 * A failed requirement means another writer changed the table since the change was planned:
 * a conflict. Most are retryable (reload, re-plan, commit again). Two are not, because no
 * reload can make them pass: assert-create on a table that exists, and assert-table-uuid on
 * a table that was dropped and re-created under the same name.
 */
import type { TableMetadata } from '../iceberg/types.js';
import type { TableRequirement } from './updates.js';
import { conflictError } from '../errors.js';

function fail(r: TableRequirement, expected: unknown, actual: unknown, retryable = true): never {
  const show = (v: unknown) => (v === null || v === undefined ? 'none' : String(v));
  const label = r.type === 'assert-ref-snapshot-id' ? `${r.type} (ref '${r.ref}')` : r.type;
  throw conflictError(`requirement ${label} failed: expected ${show(expected)}, found ${show(actual)}`, {
    retryable,
    context: { requirement: r.type, ...(r.type === 'assert-ref-snapshot-id' ? { ref: r.ref } : {}), expected: show(expected), actual: show(actual) },
  });
}

/** Throws a conflict error naming the first requirement that `base` (null: no table) fails. */
export function checkRequirement(base: TableMetadata | null, r: TableRequirement): void {
  if (r.type === 'assert-create') {
    if (base !== null) fail(r, 'no table', `a table with uuid ${base['table-uuid'] || '(none)'}`, false);
    return;
  }
  if (base === null) fail(r, 'an existing table', 'no table', false);
  switch (r.type) {
    case 'assert-table-uuid':
      if (base['table-uuid'] !== r.uuid) fail(r, r.uuid, base['table-uuid'], false);
      return;
    case 'assert-ref-snapshot-id': {
      // snapshot-id null asserts that the ref does not exist (REST spec: AssertRefSnapshotId).
      const actual = base.refs[r.ref]?.['snapshot-id'] ?? null;
      if (actual !== r['snapshot-id']) fail(r, r['snapshot-id'], actual);
      return;
    }
    case 'assert-last-assigned-field-id':
      if (base['last-column-id'] !== r['last-assigned-field-id']) fail(r, r['last-assigned-field-id'], base['last-column-id']);
      return;
    case 'assert-current-schema-id':
      if (base['current-schema-id'] !== r['current-schema-id']) fail(r, r['current-schema-id'], base['current-schema-id']);
      return;
    case 'assert-last-assigned-partition-id':
      if (base['last-partition-id'] !== r['last-assigned-partition-id']) {
        fail(r, r['last-assigned-partition-id'], base['last-partition-id']);
      }
      return;
    case 'assert-default-spec-id':
      if (base['default-spec-id'] !== r['default-spec-id']) fail(r, r['default-spec-id'], base['default-spec-id']);
      return;
    case 'assert-default-sort-order-id':
      if (base['default-sort-order-id'] !== r['default-sort-order-id']) {
        fail(r, r['default-sort-order-id'], base['default-sort-order-id']);
      }
      return;
  }
}

export function checkRequirements(base: TableMetadata | null, requirements: readonly TableRequirement[]): void {
  for (const r of requirements) checkRequirement(base, r);
}
