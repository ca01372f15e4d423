import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../../src/errors.js';
import { normalizeName, type NameCase } from '../../../src/c360/normalize/index.js';

describe('normalize: name', () => {
  it.each([
    ['  Anna   Maria\tSmith ', 'Anna Maria Smith', 'anna maria smith'],
    ['José', 'José', 'jose'],
    ['Jose\u0301', 'José', 'jose'], // decomposed (macOS) becomes precomposed NFC
    ['O’Brien', "O'Brien", 'obrien'],
    ['Zoë\u00a0Müller-Lüdenscheidt', 'Zoë Müller-Lüdenscheidt', 'zoe muller ludenscheidt'],
    ['Søren Łukasz', 'Søren Łukasz', 'soren lukasz'],
    ['Nguyễn Thị Minh Khai', 'Nguyễn Thị Minh Khai', 'nguyen thi minh khai'],
    ['李\u3000小龙', '李 小龙', '李 小龙'],
    ['Jean-Luc\u200b Picard', 'Jean-Luc Picard', 'jean luc picard'],
    ['Dr. J. R. R. Tolkien', 'Dr. J. R. R. Tolkien', 'dr j r r tolkien'],
  ])('%j → %j (match key %j)', (input, value, matchKey) => {
    expect(normalizeName(input)).toEqual({ value, matchKey });
  });

  it.each<[string, NameCase, string]>([
    ['JOHN SMITH', 'title', 'John Smith'],
    ["mary o'neil-brown", 'title', "Mary O'Neil-Brown"],
    ['McDonald', 'title', 'McDonald'], // mixed case is information: kept
    ['DeShawn jones', 'title', 'DeShawn Jones'],
    ['ÉLODIE', 'title', 'Élodie'],
    ['van der berg', 'title', 'Van Der Berg'], // particles are not special-cased (documented)
    ['Straße', 'upper', 'STRASSE'],
    ['ÅSA', 'lower', 'åsa'],
    ['JOHN smith', 'preserve', 'JOHN smith'],
  ])('%j with case %s → %j', (input, c, value) => {
    expect(normalizeName(input, { case: c }).value).toBe(value);
  });

  it('never rejects: placeholders become null, punctuation-only names have no match key', () => {
    expect(normalizeName('N/A')).toEqual({ value: null, flags: ['placeholder'] });
    expect(normalizeName('')).toEqual({ value: null });
    expect(normalizeName('.')).toEqual({ value: '.' });
    expect(normalizeName('Nan')).toEqual({ value: 'Nan', matchKey: 'nan' }); // a given name, not pandas' NaN
  });

  it('refuses an unknown case option as a config error', () => {
    expect(() => normalizeName('x', { case: 'snake' as NameCase })).toThrow(/not one of preserve, title, upper, lower/);
    try {
      normalizeName('x', { case: 'snake' as NameCase });
    } catch (e) {
      expect(isFloeError(e, 'config')).toBe(true);
    }
  });
});
