/**
 * `normalize: boolean` (src/c360/normalize/boolean.ts): every accepted form, case and
 * whitespace ignored, numbers by value; missing stays NULL without a reject; anything else is
 * NULL and rejected as invalid-boolean; true_values / false_values add words, never a word
 * for both sides. Also the DuckDB scalar function the run uses (udf-normalize.ts) and the
 * reason text it records.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { describeReject, normalizerFor, REJECT_REASONS } from '../../src/c360/normalize/index.js';
import { isFloeError } from '../../src/errors.js';
import { NORMALIZER_FUNCTIONS, NORMALIZER_ISSUE_FUNCTION, planNormalize } from '../../src/run/normalize.js';
import { checkNormalizerRule, registerNormalizers } from '../../src/run/udf-normalize.js';

const plain = normalizerFor({ normalize: 'boolean' });

describe('normalize: boolean', () => {
  it('reads true/false, t/f, yes/no, y/n, on/off and 1/0 in any case, with blanks around them', () => {
    const TRUE = ['true', 'TRUE', 'True', 't', 'T', 'yes', 'YES', 'Yes', 'y', 'Y', 'on', 'ON', 'On', '1', ' y ', '\tyes\n', '\u00a0TRUE\u00a0', '\u200byes'];
    const FALSE = ['false', 'FALSE', 'False', 'f', 'F', 'no', 'NO', 'No', 'n', 'N', 'off', 'OFF', 'Off', '0', ' n ', '  false  ', '\u00a0no'];
    for (const v of TRUE) expect(plain(v), JSON.stringify(v)).toEqual({ value: 'true' });
    for (const v of FALSE) expect(plain(v), JSON.stringify(v)).toEqual({ value: 'false' });
  });

  it('reads the numbers 1 and 0 by value, as numbers, bigints or decimal text; JS booleans as they are', () => {
    for (const v of [1, 1n, 1.0, '1.0', '01', '+1', '1.00']) expect(plain(v), String(v)).toEqual({ value: 'true' });
    for (const v of [0, 0n, -0, '0.0', '00', '-0', '0.000']) expect(plain(v), String(v)).toEqual({ value: 'false' });
    expect(plain(true)).toEqual({ value: 'true' });
    expect(plain(false)).toEqual({ value: 'false' });
  });

  it('keeps missing values NULL without a reject: null, blank text, placeholders', () => {
    expect(plain(null)).toEqual({ value: null });
    expect(plain(undefined)).toEqual({ value: null });
    expect(plain('')).toEqual({ value: null });
    expect(plain('   ')).toEqual({ value: null });
    for (const v of ['n/a', 'NULL', 'unknown', '-']) expect(plain(v), v).toEqual({ value: null, flags: ['placeholder'] });
  });

  it('rejects anything else as invalid-boolean: other numbers, other words, words inside text', () => {
    for (const v of [2, -1, 0.5, Number.NaN, 2n, '2', '-1', '0.5', '1e0', 'maybe', 'yes please', 'yess', 'true/false', 'oui', 'x']) {
      expect(plain(v), String(v)).toEqual({ value: null, reject: 'invalid-boolean' });
    }
    expect(plain({ a: 1 })).toEqual({ value: null, reject: 'unsupported-type' });
    expect(describeReject('invalid-boolean')).toBe(REJECT_REASONS['invalid-boolean']);
  });

  it('true_values and false_values add words (case-insensitive) to the built-in ones', () => {
    const f = normalizerFor({ normalize: 'boolean', trueValues: ['Si', 'opted-in', 'unknown'], falseValues: ['nein', 'opted-out'] });
    expect(['SI', ' si', 'Opted-In', 'yes', '1', 'unknown'].map((v) => f(v).value)).toEqual(['true', 'true', 'true', 'true', 'true', 'true']);
    expect(['NEIN', 'opted-out', 'no', '0'].map((v) => f(v).value)).toEqual(['false', 'false', 'false', 'false']);
    expect(f('ja')).toEqual({ value: null, reject: 'invalid-boolean' });
    // Without them the words are not read.
    expect(plain('si')).toEqual({ value: null, reject: 'invalid-boolean' });
  });

  it('refuses a word for both sides, a blank word, and the options on another normaliser', () => {
    const problem = (rule: Parameters<typeof normalizerFor>[0]) => {
      try {
        normalizerFor(rule);
      } catch (e) {
        expect(isFloeError(e, 'config')).toBe(true);
        return (e as Error).message;
      }
      return undefined;
    };
    expect(problem({ normalize: 'boolean', trueValues: ['NO'] })).toBe("true_values[0]: 'NO' already reads as false; a word can mean only one of true and false");
    expect(problem({ normalize: 'boolean', falseValues: ['x', '1.0'] })).toBe("false_values[1]: '1.0' already reads as true; a word can mean only one of true and false");
    expect(problem({ normalize: 'boolean', trueValues: ['ja'], falseValues: [' JA '] })).toBe("true_values[0]: 'ja' is in both true_values and false_values");
    expect(problem({ normalize: 'boolean', trueValues: [' '] })).toBe('true_values[0]: a blank true_values word would read missing values as true');
    expect(problem({ normalize: 'email', trueValues: ['si'] })).toMatch(/only applies with normalize: boolean/);
  });
});

describe('normalize: boolean in the engine', () => {
  it('gives a BOOLEAN column and records why a value was nulled; NULL stays NULL without a reason', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      registerNormalizers(c);
      const rules = { opt: { normalize: 'boolean' as const, true_values: ['si'] } };
      checkNormalizerRule(rules.opt, 'column opt');
      const plan = planNormalize(['id', 'opt'], rules, 'p');
      expect(plan.select).toContain(NORMALIZER_FUNCTIONS.boolean);
      expect(plan.valueIssues).toContain(NORMALIZER_ISSUE_FUNCTION);
      const src = `(VALUES (1, 'Y'), (2, ' no '), (3, NULL), (4, 'maybe'), (5, 'SI'), (6, '1'), (7, ''), (8, '2')) AS t(id, opt)`;
      const reader = await c.runAndReadAll(`SELECT ${plan.select}, ${plan.valueIssues} AS issue FROM ${src} ORDER BY id`);
      expect(reader.columnTypes().map((t) => t.toString())).toEqual(['INTEGER', 'BOOLEAN', 'VARCHAR']);
      expect(reader.getRowObjectsJson()).toEqual([
        { id: 1, opt: true, issue: null },
        { id: 2, opt: false, issue: null },
        { id: 3, opt: null, issue: null },
        { id: 4, opt: null, issue: `column opt: invalid-boolean (${REJECT_REASONS['invalid-boolean']})` },
        { id: 5, opt: true, issue: null },
        { id: 6, opt: true, issue: null },
        { id: 7, opt: null, issue: null },
        { id: 8, opt: null, issue: `column opt: invalid-boolean (${REJECT_REASONS['invalid-boolean']})` },
      ]);
      // Integer and boolean source columns: 1/0 and true/false by value.
      const typed = await c.runAndReadAll(
        `SELECT ${planNormalize(['opt'], { opt: { normalize: 'boolean' } }, 'p').select} FROM (VALUES (1), (0), (NULL), (7)) AS t(opt)`,
      );
      expect(typed.getRowObjectsJson()).toEqual([{ opt: true }, { opt: false }, { opt: null }, { opt: null }]);
      const bools = await c.runAndReadAll(`SELECT ${planNormalize(['opt'], { opt: { normalize: 'boolean' } }, 'p').select} FROM (VALUES (true), (false)) AS t(opt)`);
      expect(bools.getRowObjectsJson()).toEqual([{ opt: true }, { opt: false }]);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it('checkNormalizerRule names the column of a rule whose words conflict', () => {
    expect(() => checkNormalizerRule({ normalize: 'boolean', false_values: ['y'] }, 'pipeline p: column opt')).toThrow(
      "pipeline p: column opt: false_values[0]: 'y' already reads as true; a word can mean only one of true and false",
    );
  });
});
