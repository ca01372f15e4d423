/**
 * Phone extensions in stored values, identity match keys and block lists: co-workers behind
 * one switchboard ('… ext. 12', '… ext. 34') are different people, and the bare number is
 * neither of them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_CUSTOMER } from '../../src/c360/identity/assign.js';
import { identifierKey } from '../../src/c360/identity/keys.js';
import type { ResolveInput } from '../../src/c360/identity/records.js';
import { resolveIdentities } from '../../src/c360/identity/resolve.js';
import { blockList, canonicalBlockValue } from '../../src/c360/normalize/blocked.js';
import { normalizePhone, phoneBase, phoneExtension } from '../../src/c360/normalize/index.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';

describe('normalize: phone keeps an extension', () => {
  it.each([
    ['+1 415 555 2671 ext. 12', '+14155552671;ext=12'],
    ['415-555-2671 x12', '+14155552671;ext=12'],
    ['(415) 555-2671 #12', '+14155552671;ext=12'],
    ['tel:+1-415-555-2671;ext=12', '+14155552671;ext=12'],
    ['+1 415 555 2671 extension 0012', '+14155552671;ext=0012'], // the digits as dialled
    ['+44 20 8384 5999 ext 3', '+442083845999;ext=3'],
    ['0044 20 8384 5999 ext 3', '+442083845999;ext=3'], // with the 00 retry under region US
  ])('%j → %j', (input, value) => {
    const r = normalizePhone(input, { region: 'US' });
    expect(r.value).toBe(value);
    expect(r.flags ?? []).not.toContain('extension-dropped');
  });

  it('reads its own output back unchanged, so identity resolution can normalise a stored value again', () => {
    for (const v of ['+14155552671;ext=12', '+442083845999;ext=3', '+14155552671']) {
      expect(normalizePhone(v, { region: 'GB' }).value).toBe(v);
    }
  });

  it('splits a stored value into its base number and extension', () => {
    expect([phoneBase('+14155552671;ext=12'), phoneExtension('+14155552671;ext=12')]).toEqual(['+14155552671', '12']);
    expect([phoneBase('+14155552671'), phoneExtension('+14155552671')]).toEqual(['+14155552671', undefined]);
  });
});

describe('identity match keys of phones with extensions', () => {
  const key = (raw: string) => identifierKey('phone', raw)?.key;

  it('keeps different extensions of one number apart', () => {
    expect(key('+1 415 555 2671 ext. 12')).not.toBe(key('+1 415 555 2671 ext. 34'));
  });

  it('keeps the bare number apart from the number with an extension', () => {
    expect(key('+1 415 555 2671')).toBe('+14155552671');
    expect(key('+1 415 555 2671 ext. 12')).not.toBe(key('+1 415 555 2671'));
  });

  it('matches one extension however it is written', () => {
    expect(new Set(['+1 415 555 2671 ext. 12', '(415) 555-2671 x12', 'tel:+1-415-555-2671;ext=12', '+14155552671;ext=12'].map(key))).toEqual(new Set(['+14155552671;ext=12']));
  });
});

describe('blocked phones with extensions', () => {
  const blocks = blockList();

  it('applies the built-in rules to the base number', () => {
    expect(blocks.isBlocked('phone', '+10000000000;ext=12')).toBe('repeated-digits');
    expect(blocks.isBlocked('phone', '+11111111111;ext=5')).toBe('repeated-digits');
    expect(blocks.isBlocked('phone', '+11234567890;ext=7')).toBe('sequential-digits');
    expect(blocks.isBlocked('phone', '+12125550123;ext=12')).toBe('fictional-number');
    expect(blocks.isBlocked('phone', '+14155552671;ext=12')).toBeUndefined();
  });

  it('keeps the extension in the canonical form of a listed value', () => {
    expect(canonicalBlockValue('phone', '+1 415 555 2671 ext. 12')).toBe('+14155552671;ext=12');
    expect(canonicalBlockValue('phone', 'tel:+1-415-555-2671;ext=12')).toBe('+14155552671;ext=12');
    expect(canonicalBlockValue('phone', '+1 (415) 555-2671')).toBe('+14155552671');
  });

  it('a listed number blocks it with every extension; a listed extension blocks only itself', () => {
    const listed = blockList({ phone: ['+14155552671', '+1 415 555 0000 ext. 12'] });
    expect(listed.isBlocked('phone', '+14155552671')).toBe('listed');
    expect(listed.isBlocked('phone', '+14155552671;ext=99')).toBe('listed');
    expect(listed.isBlocked('phone', '+14155550000;ext=12')).toBe('listed');
    expect(listed.isBlocked('phone', '+14155550000;ext=34')).toBeUndefined();
    expect(listed.isBlocked('phone', '+14155550000')).toBeUndefined();
  });
});

describe('resolving records whose phones have extensions', () => {
  let engine: Engine;
  beforeEach(async () => {
    engine = await openEngine({ threads: 1 });
    await engine.run(
      `CREATE TABLE crm AS SELECT * FROM (VALUES
        (1, '+1 415 555 2671 ext. 12'), (2, '+1 415 555 2671 ext. 34'), (3, '(415) 555-2671 x12'),
        (4, '+1 415 555 2671'), (5, '415.555.2671'), (6, '+44 7777 777777 ext. 12'), (7, '+44 7777 777777 ext. 12')
      ) t(contact_id, phone)`,
      'test',
    );
  });
  afterEach(() => engine.close());

  it('links the same extension, never two extensions, nor an extension to the bare number', async () => {
    const inputs: ResolveInput[] = [{ table: 'crm.contacts', relation: 'crm', sourceId: 'contact_id', identifiers: { phone: 'phone' }, attributes: {} }];
    const r = await resolveIdentities(engine, { inputs, blockValues: {}, maxPerProfile: {}, survivorship: { default: 'most_recent', attributes: {} } });
    const rows = await engine.all(`SELECT string_agg(source_id, ' ' ORDER BY source_id) AS g FROM ${RECORD_CUSTOMER} GROUP BY customer_id ORDER BY g`, 'read');
    expect(rows.map((x) => String(x.g))).toEqual(['1 3', '2', '4 5', '6', '7']);
    expect(r.blocked['repeated-digits']).toBe(2); // a repeated-digit number, whatever its extension
  });

  it('a number listed in block_values, written in any form, blocks it with every extension', async () => {
    const inputs: ResolveInput[] = [{ table: 'crm.contacts', relation: 'crm', sourceId: 'contact_id', identifiers: { phone: 'phone' }, attributes: {} }];
    const r = await resolveIdentities(engine, { inputs, blockValues: { phone: ['(415) 555-2671'] }, maxPerProfile: {}, survivorship: { default: 'most_recent', attributes: {} } });
    const rows = await engine.all(`SELECT string_agg(source_id, ' ' ORDER BY source_id) AS g FROM ${RECORD_CUSTOMER} GROUP BY customer_id ORDER BY g`, 'read');
    expect(rows.map((x) => String(x.g))).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(r.blocked.listed).toBe(5);
  });
});
