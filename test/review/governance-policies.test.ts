/**
 * Mask and hash policies on odd values (run in DuckDB, no warehouse).
 *
 * Found in review: a phone of 7 to 11 characters kept its first two and last four, so a
 * 7-digit local number showed six of its seven digits ('5552671' → '55*2671'); an email whose
 * local part holds an '@' (a quoted local part) showed part of it after the first '@'; a salt
 * of only spaces was accepted as a salt; a struct column tagged `email` showed everything after
 * the last '@' of its text (other fields included), and one tagged `phone` its last four
 * characters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { applyPoliciesSql } from '../../src/governance/apply.js';
import { maskSql } from '../../src/governance/sql.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
});
afterAll(() => engine.close());

const mask = async (value: string, tag: string) => (await engine.all(`SELECT ${maskSql(quoteLiteral(value), tag)} AS v`, 'test'))[0]!.v as string;
const shown = (masked: string) => [...masked].filter((c) => c !== '*').length;

describe('mask on odd values', () => {
  it('never shows more than half of a phone number, whatever its length', async () => {
    for (const phone of ['5552671', '555-2671', '4155552671', '(415) 5552671', '+14155552671', '+442079460958', '+4915123456789']) {
      const m = await mask(phone, 'phone');
      expect(m.length, phone).toBe(phone.length);
      expect(shown(m) * 2, `${phone} → ${m}`).toBeLessThanOrEqual(phone.length);
    }
    expect(await mask('5552671', 'phone')).toBe('*****71');
    expect(await mask('4155552671', 'phone')).toBe('********71');
    expect(await mask('+14155552671', 'phone')).toBe('+1******2671');
    expect(await mask('123456', 'phone')).toBe('***');
  });

  it('keeps the domain after the last @ of an email, and nothing of a quoted local part', async () => {
    expect(await mask('"john@home"@corp.io', 'email')).toBe('"***@corp.io');
    expect(await mask('john.smith@corp.io', 'email')).toBe('j***@corp.io');
    expect(await mask('Jürgen.Groß@bücher.de', 'email')).toBe('J***@bücher.de');
    expect(await mask('@corp.io', 'email')).toBe('@***o');
    expect(await mask('no-at-sign', 'email')).toBe('n***n');
    expect(await mask('ab', 'email')).toBe('***');
  });

  it('a struct tagged email or phone is masked whole: nothing after its last @, no trailing digits', async () => {
    const rows = await engine.all(
      `SELECT ${maskSql("{'email': 'ann@corp.io', 'name': 'Ann Lee'}", 'email')} AS e, ${maskSql("{'phone': '+14155552671', 'name': 'Ann Lee'}", 'phone')} AS p, ${maskSql(quoteLiteral('Ann Lee <ann@corp.io>'), 'email')} AS d`,
      'test',
    );
    expect(rows).toEqual([{ e: '{***}', p: '{***}', d: 'A***>' }]);
  });

  it('masks non-ASCII and non-string values as text', async () => {
    expect(await mask('山田太郎', 'name')).toBe('山***郎');
    expect(await mask('Zoë', 'name')).toBe('***');
    const rows = await engine.all(`SELECT ${maskSql('DATE \'1984-03-07\'', 'text')} AS d, ${maskSql('CAST(123456789 AS BIGINT)', 'text')} AS n`, 'test');
    expect(rows).toEqual([{ d: '1***7', n: '1***9' }]);
  });
});

describe('hash salt', () => {
  it('a salt of only blanks is refused like a missing one, naming the variable', () => {
    const cols = [{ column: 'ssn', tag: 'id', policy: 'hash' as const, apply: 'read' as const, saltEnv: 'MY_SALT' }];
    expect(() => applyPoliciesSql('SELECT 1 AS ssn', cols, 'raw.people', { MY_SALT: '   ' })).toThrow(/raw\.people: column ssn .*MY_SALT is blank/);
    expect(() => applyPoliciesSql('SELECT 1 AS ssn', cols, 'raw.people', { MY_SALT: '\t\n' })).toThrow(/MY_SALT is blank/);
    expect(applyPoliciesSql('SELECT 1 AS ssn', cols, 'raw.people', { MY_SALT: ' s ' })).toContain("' s '");
  });
});
