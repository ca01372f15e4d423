import { describe, expect, it } from 'vitest';
import { normalizeCountry } from '../../../src/c360/normalize/index.js';

describe('normalize: country', () => {
  it.each([
    ['GB', 'GB'],
    ['gb', 'GB'],
    [' de ', 'DE'],
    ['GBR', 'GB'],
    ['usa', 'US'],
    ['U.S.A.', 'US'],
    ['DEU', 'DE'],
    ['826', 'GB'], // ISO 3166 numeric
    ['76', 'BR'], // numeric, unpadded as spreadsheets store it
    ['United Kingdom', 'GB'],
    ['united  kingdom', 'GB'],
    ['Great Britain', 'GB'],
    ['United States of America', 'US'],
    ['United States', 'US'],
    ['Deutschland', 'DE'], // German name, from the 'de' locale
    ['Allemagne', 'DE'],
    ['Royaume-Uni', 'GB'],
    ['España', 'ES'],
    ['Espana', 'ES'],
    ['Côte d’Ivoire', 'CI'],
    ['Cote d Ivoire', 'CI'],
    ['Ivory Coast', 'CI'],
    ['Nederland', 'NL'],
    ['the Netherlands', 'NL'],
    ['Czechia', 'CZ'],
    ['UAE', 'AE'],
    ['NA', 'NA'], // Namibia, not a placeholder
  ])('%j → %s', (input, value) => {
    expect(normalizeCountry(input)).toEqual({ value });
  });

  it.each([
    ['UK', 'GB'],
    ['u.k.', 'GB'],
    ['England', 'GB'],
    ['Scotland', 'GB'],
    ['Northern Ireland', 'GB'],
    ['Holland', 'NL'],
    ['Éire', 'IE'],
    ['EL', 'GR'],
  ])('%j → %s through floe’s alias table, flagged', (input, value) => {
    expect(normalizeCountry(input)).toEqual({ value, flags: ['alias'] });
  });

  it.each([
    'XX', // unassigned alpha-2
    'ZZZ',
    '999',
    'Narnia',
    'Congo', // the name of two countries (CG and CD): never guessed
    'America', // a continent, or the US: ambiguous
    'Korea',
  ])('rejects %j as unknown-country', (input) => {
    expect(normalizeCountry(input)).toEqual({ value: null, reject: 'unknown-country' });
  });

  it('treats placeholders as null', () => {
    expect(normalizeCountry('n/a')).toEqual({ value: null, flags: ['placeholder'] });
    expect(normalizeCountry(null)).toEqual({ value: null });
  });
});
