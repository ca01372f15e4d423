/**
 * The PII tags a masked read applies: tags follow their column through renames (by field id,
 * across the table's schemas), and a tag floe cannot read is an error, never an unmasked
 * column. Before, `floe table evolve --rename-column email=mail` left `floe.pii.email`
 * behind and `floe query --mask` showed every raw address under `mail`; a malformed value
 * (`floe.pii.email=bogus`) was skipped the same way.
 */
import { describe, expect, it } from 'vitest';
import { readMaskColumns } from '../../src/governance/tags.js';
import { FloeError } from '../../src/errors.js';
import type { Schema } from '../../src/iceberg/types.js';

const schema = (id: number, fields: [number, string][]): Schema => ({
  type: 'struct',
  'schema-id': id,
  fields: fields.map(([fid, name]) => ({ id: fid, name, required: false, type: 'string' })),
});

const table = (schemas: Schema[], properties: Record<string, string>, current = schemas[schemas.length - 1]!['schema-id']) => ({
  schemas,
  'current-schema-id': current,
  properties,
});

const cols = (t: ReturnType<typeof table>) => readMaskColumns(t, 'crm.people').map((c) => `${c.column} ${c.tag}:${c.policy}`);

describe('readMaskColumns', () => {
  it('masks the tagged columns by name, skipping ingest-applied and none', () => {
    const t = table([schema(0, [[1, 'id'], [2, 'email'], [3, 'ssn'], [4, 'notes']])], {
      'floe.pii.email': 'email:mask',
      'floe.pii.ssn': 'national_id:hash:ingest',
      'floe.pii.notes': 'text:none',
      'write.format.default': 'parquet',
    });
    expect(cols(t)).toEqual(['email email:mask']);
  });

  it('follows a renamed column through its field id', () => {
    const t = table([schema(0, [[1, 'id'], [2, 'email']]), schema(1, [[1, 'id'], [2, 'mail']])], { 'floe.pii.email': 'email:hash', 'floe.pii.email.salt-env': 'S' });
    const [c] = readMaskColumns(t, 'crm.people');
    expect(c).toEqual({ column: 'mail', tag: 'email', policy: 'hash', apply: 'read', saltEnv: 'S' });
  });

  it('masks both the renamed column and a new column that took the old name', () => {
    const t = table([schema(0, [[1, 'id'], [2, 'email']]), schema(1, [[1, 'id'], [2, 'mail'], [3, 'email']])], { 'floe.pii.email': 'email:mask' });
    expect(cols(t)).toEqual(['email email:mask', 'mail email:mask']);
  });

  it('keeps the strictest policy when two tags reach one column', () => {
    const t = table([schema(0, [[2, 'email']]), schema(1, [[2, 'mail']])], { 'floe.pii.email': 'email:mask', 'floe.pii.mail': 'email:redact' });
    expect(cols(t)).toEqual(['mail email:redact']);
  });

  it('has nothing to mask for a dropped column, or a name no schema ever had', () => {
    const t = table([schema(0, [[1, 'id'], [2, 'email']]), schema(1, [[1, 'id']])], { 'floe.pii.email': 'email:mask', 'floe.pii.nope': 'text:mask' });
    expect(cols(t)).toEqual([]);
  });

  it('refuses a tag it cannot read, naming the table, the property and its value', () => {
    for (const value of ['bogus', 'email:', ':mask', 'email:obscure', 'email:mask:later', 'email:mask:ingest:x']) {
      const t = table([schema(0, [[1, 'email']])], { 'floe.pii.email': value });
      let e: unknown;
      try {
        readMaskColumns(t, 'crm.people');
      } catch (x) {
        e = x;
      }
      expect(e, value).toBeInstanceOf(FloeError);
      expect((e as FloeError).kind).toBe('config');
      expect((e as FloeError).message).toContain(`table crm.people: property floe.pii.email = '${value}'`);
      expect((e as FloeError).hint).toContain('floe table evolve crm.people --set-property floe.pii.email=');
    }
  });
});
