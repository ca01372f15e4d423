/** The policies' SQL run in DuckDB, and the tag properties, without a warehouse. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { FloeError } from '../../src/errors.js';
import { applyPoliciesSql } from '../../src/governance/apply.js';
import { piiPropertyUpdates } from '../../src/governance/ingest.js';
import { piiColumnOf, piiColumns, piiColumnsFromProperties, piiProperties } from '../../src/governance/policy.js';
import { hashSql, maskSql } from '../../src/governance/sql.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
});
afterAll(() => engine.close());

const one = async (expr: string) => (await engine.all(`SELECT ${expr} AS v`, 'test'))[0]!.v;

describe('mask', () => {
  it('keeps the first character and the domain of an email', async () => {
    expect(await one(maskSql(quoteLiteral('john@example.com'), 'email'))).toBe('j***@example.com');
    expect(await one(maskSql(quoteLiteral('not-an-email'), 'email'))).toBe('n***l');
    // A one-character local part would be the whole local part: hidden.
    expect(await one(maskSql(quoteLiteral('j@example.com'), 'email'))).toBe('***@example.com');
    expect(await one(maskSql(quoteLiteral('jo@example.com'), 'email'))).toBe('j***@example.com');
  });

  it('keeps the first two and last four characters of a phone number', async () => {
    expect(await one(maskSql(quoteLiteral('+14155552671'), 'phone'))).toBe('+1******2671');
    expect(await one(maskSql(quoteLiteral('12345'), 'phone'))).toBe('***');
    // Without '+' the first two are the area code's, not a country code: only the last four (4 of 10 digits).
    expect(await one(maskSql(quoteLiteral('415-555-2671'), 'phone'))).toBe('********2671');
    expect(await one(maskSql(quoteLiteral('(415) 555-2671'), 'phone'))).toBe('**********2671');
    expect(await one(maskSql(quoteLiteral('+1 415-555-2671'), 'phone'))).toBe('+1*********2671');
  });

  it('masks a number with an extension as the number, and hides every digit of the extension', async () => {
    expect(await one(maskSql(quoteLiteral('+14155552671;ext=12'), 'phone'))).toBe('+1******2671;ext=**');
    expect(await one(maskSql(quoteLiteral('+442079460958;ext=4411'), 'phone'))).toBe('+4*******0958;ext=****');
    // Not a normalised number with an extension: the plain phone rules, nothing of it extra shown.
    expect(await one(maskSql(quoteLiteral('555;ext=12'), 'phone'))).toBe('5***2');
  });

  it('keeps the first and last character of anything else; short values and NULL', async () => {
    expect(await one(maskSql(quoteLiteral('Jonathan'), 'name'))).toBe('J***n');
    expect(await one(maskSql(quoteLiteral('Al'), 'name'))).toBe('***');
    expect(await one(maskSql('CAST(NULL AS VARCHAR)', 'name'))).toBe(null);
    expect(await one(maskSql('12345678', 'text'))).toBe('1***8');
  });
});

describe('hash', () => {
  it('is the hex SHA-256 of salt and value', async () => {
    const expected = createHash('sha256').update('pepperjohn@example.com').digest('hex');
    expect(await one(hashSql(quoteLiteral('john@example.com'), 'pepper'))).toBe(expected);
    expect(await one(hashSql('CAST(NULL AS VARCHAR)', 'pepper'))).toBe(null);
  });

  it('without its salt variable is a config error naming the variable, never an unsalted hash', () => {
    const cols = [{ column: 'ssn', tag: 'id', policy: 'hash' as const, apply: 'read' as const, saltEnv: 'MY_SALT' }];
    expect(() => applyPoliciesSql('SELECT 1 AS ssn', cols, 'raw.people', {})).toThrow(FloeError);
    expect(() => applyPoliciesSql('SELECT 1 AS ssn', cols, 'raw.people', { MY_SALT: '' })).toThrow(/raw\.people.*ssn.*MY_SALT is not set/);
  });
});

describe('applyPoliciesSql', () => {
  it('replaces only the tagged columns, keeps types of redacted ones, skips absent columns', async () => {
    const cols = piiColumnsFromProperties({ 'floe.pii.email': 'email:mask', 'floe.pii.age': 'text:redact', 'floe.pii.gone': 'text:mask', 'floe.pii.note': 'text:none' });
    const sql = applyPoliciesSql(`SELECT 'a@b.io' AS email, 42 AS age, 'keep' AS note, 1 AS id`, cols, 't', {}, new Set(['email', 'age', 'note', 'id']));
    const rows = await engine.all(sql, 'test');
    expect(rows).toEqual([{ email: '***@b.io', age: null, note: 'keep', id: 1 }]);
    const types = await engine.columns(sql, 'test');
    expect(types.map((c) => `${c.name} ${c.type.toString()}`)).toEqual(['email VARCHAR', 'age INTEGER', 'note VARCHAR', 'id INTEGER']);
  });
});

describe('tags', () => {
  it('short forms: a policy (tag from the normaliser) or a tag (policy mask)', () => {
    expect(piiColumnOf('e', { pii: 'hash', normalize: 'email' })).toMatchObject({ tag: 'email', policy: 'hash', apply: 'read', saltEnv: 'FLOE_PII_SALT' });
    expect(piiColumnOf('p', { pii: 'phone' })).toMatchObject({ tag: 'phone', policy: 'mask' });
    expect(piiColumnOf('x', { pii: 'redact' })).toMatchObject({ tag: 'text', policy: 'redact' });
    expect(piiColumnOf('x', {})).toBe(null);
  });

  it('round-trips through table properties, by the renamed column', () => {
    const cols = piiColumns({
      mail: { rename: 'email', pii: { tag: 'email', policy: 'hash', apply: 'ingest', salt_env: 'S' } },
      phone: { pii: 'phone' },
    });
    const props = piiProperties(cols);
    expect(props).toEqual({ 'floe.pii.email': 'email:hash:ingest', 'floe.pii.email.salt-env': 'S', 'floe.pii.phone': 'phone:mask' });
    expect(piiColumnsFromProperties({ ...props, 'other.prop': 'x', 'floe.pii.bad': 'nonsense' })).toEqual(cols);
  });

  it('property updates set changed tags and remove dropped ones', () => {
    const cols = piiColumns({ email: { pii: 'email' } });
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:mask' }, cols)).toEqual([]);
    expect(piiPropertyUpdates({ 'floe.pii.email': 'email:hash', 'floe.pii.old': 'text:mask', keep: 'x' }, cols)).toEqual([
      { action: 'set-properties', updates: { 'floe.pii.email': 'email:mask' } },
      { action: 'remove-properties', removals: ['floe.pii.old'] },
    ]);
  });
});
