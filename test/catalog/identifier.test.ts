import { describe, expect, it } from 'vitest';
import {
  formatTableIdentifier,
  parseNamespace,
  parseTableIdentifier,
  sameTableIdentifier,
  validateNamespace,
  validateTableIdentifier,
} from '../../src/catalog/identifier.js';
import { FloeError } from '../../src/errors.js';

function configErrorOf(fn: () => unknown): FloeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('config');
    return e as FloeError;
  }
  throw new Error('expected a config error');
}

describe('table identifiers', () => {
  it('parses ns.table and multi-level namespaces', () => {
    expect(parseTableIdentifier('crm.contacts')).toEqual({ namespace: ['crm'], name: 'contacts' });
    expect(parseTableIdentifier('a.b.t')).toEqual({ namespace: ['a', 'b'], name: 't' });
    expect(formatTableIdentifier({ namespace: ['a', 'b'], name: 't' })).toBe('a.b.t');
    expect(parseNamespace('a.b')).toEqual(['a', 'b']);
  });

  it('rejects bad names with a config error naming the identifier', () => {
    expect(configErrorOf(() => parseTableIdentifier('contacts')).message).toMatch(/"contacts".*namespace\.table/);
    expect(configErrorOf(() => parseTableIdentifier('crm..contacts')).message).toMatch(/"crm\.\.contacts".*empty/);
    expect(configErrorOf(() => parseTableIdentifier('crm.con/tacts')).message).toMatch(/"crm\.con\/tacts".*'\/'/);
    const ctl = configErrorOf(() => parseTableIdentifier('crm.a\u0001b'));
    expect(ctl.message).toMatch(/control character/);
    expect(ctl.message).toContain('\\x01');
    expect(ctl.message).not.toContain('\u0001');
    expect(configErrorOf(() => parseTableIdentifier('crm. x')).message).toMatch(/whitespace/);
    expect(configErrorOf(() => parseNamespace('a.')).message).toMatch(/empty/);
  });

  it('validates identifiers built in code, where a level could contain a dot', () => {
    expect(validateTableIdentifier({ namespace: ['crm'], name: 't' })).toEqual({ namespace: ['crm'], name: 't' });
    expect(configErrorOf(() => validateTableIdentifier({ namespace: ['a.b'], name: 't' })).message).toMatch(/'\.'/);
    expect(configErrorOf(() => validateTableIdentifier({ namespace: [], name: 't' })).message).toMatch(/needs a namespace/);
    expect(configErrorOf(() => validateNamespace([])).message).toMatch(/no levels/);
  });

  it('refuses a namespace or table name longer than the catalog holds (255 characters), before anything is written', () => {
    // The namespace column holds the levels joined with '.': 127 + 1 + 127 = 255 fits.
    const fits = `${'a'.repeat(127)}.${'b'.repeat(127)}`;
    expect(parseTableIdentifier(`${fits}.${'t'.repeat(255)}`).namespace).toEqual(['a'.repeat(127), 'b'.repeat(127)]);
    expect(parseNamespace(fits)).toHaveLength(2);
    const ns = configErrorOf(() => parseTableIdentifier(`${fits}b.t`));
    expect(ns.message).toContain('the namespace is 256 characters long; a catalog holds at most 255');
    // The message quotes the start of the name, not all of it.
    expect(ns.message).toContain(`"${'a'.repeat(77)}..."`);
    expect(configErrorOf(() => parseTableIdentifier(`raw.${'t'.repeat(256)}`)).message).toContain('the table name is 256 characters long');
    expect(configErrorOf(() => parseNamespace('n'.repeat(256))).message).toContain('the namespace is 256 characters long');
    expect(configErrorOf(() => validateTableIdentifier({ namespace: ['raw'], name: 'x'.repeat(300) })).message).toContain('the table name is 300 characters long');
    expect(configErrorOf(() => validateNamespace(['a'.repeat(200), 'b'.repeat(60)])).message).toContain('the namespace is 261 characters long');
  });

  it('compares identifiers by value', () => {
    expect(sameTableIdentifier(parseTableIdentifier('a.b.t'), { namespace: ['a', 'b'], name: 't' })).toBe(true);
    expect(sameTableIdentifier(parseTableIdentifier('a.t'), { namespace: ['a', 'b'], name: 't' })).toBe(false);
  });
});
