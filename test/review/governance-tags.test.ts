/**
 * Found in review: a tag set by hand on a field inside a struct
 * (`floe table evolve t --set-property floe.pii.requester.email=email:mask`) masked nothing:
 * tags are read against top-level columns only, and the struct `requester` came out raw under
 * --mask. Such a tag now masks its whole top-level column.
 */
import { describe, expect, it } from 'vitest';
import { readMaskColumns } from '../../src/governance/tags.js';
import type { Schema } from '../../src/iceberg/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'long' },
    { id: 2, name: 'requester', required: false, type: { type: 'struct', fields: [{ id: 3, name: 'email', required: false, type: 'string' }, { id: 4, name: 'name', required: false, type: 'string' }] } },
  ],
};

describe('a tag on a field inside a struct', () => {
  it('masks the whole top-level column, never nothing', () => {
    const t = { schemas: [schema], 'current-schema-id': 0, properties: { 'floe.pii.requester.email': 'email:mask' } };
    expect(readMaskColumns(t, 'support.tickets').map((c) => `${c.column} ${c.tag}:${c.policy}`)).toEqual(['requester email:mask']);
  });

  it('a name no schema had, with or without a dot, still masks nothing', () => {
    const t = { schemas: [schema], 'current-schema-id': 0, properties: { 'floe.pii.nope.email': 'email:mask', 'floe.pii.nope': 'text:mask' } };
    expect(readMaskColumns(t, 'support.tickets')).toEqual([]);
  });
});
