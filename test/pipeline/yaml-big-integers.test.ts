/**
 * YAML reads a plain integer beyond 2^53 as the nearest double: `expect: 9007199254740993`
 * made a sql check compare with 9007199254740992, and a range bound or an accepted value
 * likewise, without a word. Such a number is an error at its position, with the quoted form
 * (read as text, every digit kept) as the way out.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, validatePipelineText, validateProjectText } from '../../src/pipeline/index.js';

const errors = (text: string) =>
  validatePipelineText(text, '/p/a.yaml', {})
    .diagnostics.filter((d) => d.severity === 'error')
    .map(formatDiagnostic);

const pipeline = (checks: string) => `name: a\nsource: { kind: csv, path: a.csv }\ntarget: { table: raw.a }\nchecks:\n${checks}`;

describe('plain integers beyond 2^53 in YAML', () => {
  it('are errors at their line:col, naming the number, what YAML would read and the quoted form', () => {
    const text = pipeline(
      '  - sql: { query: "SELECT max(id) FROM this", expect: 9007199254740993 }\n' +
        '  - range: { column: id, min: -18446744073709551615 }\n' +
        '  - accepted_values: { column: id, values: [1, 2, 12345678901234567890] }\n',
    );
    expect(errors(text)).toEqual([
      '/p/a.yaml:5:55: the number 9007199254740993 is beyond 2^53 and YAML would read it as 9007199254740992: quote it ("9007199254740993") to keep every digit',
      '/p/a.yaml:6:31: the number -18446744073709551615 is beyond 2^53 and YAML would read it as -18446744073709551616: quote it ("-18446744073709551615") to keep every digit',
      '/p/a.yaml:7:51: the number 12345678901234567890 is beyond 2^53 and YAML would read it as 12345678901234567168: quote it ("12345678901234567890") to keep every digit',
    ]);
  });

  it('integers up to 2^53 - 1, quoted ones, fractions and exponents are not', () => {
    const text = pipeline(
      '  - sql: { query: "SELECT max(id) FROM this", expect: "9007199254740993" }\n' +
        '  - range: { column: id, min: -9007199254740991, max: 9007199254740991 }\n' +
        '  - range: { column: x, min: 1.5, max: 1e20 }\n',
    );
    expect(errors(text)).toEqual([]);
  });

  it('an unquoted incremental.initial is not: the run reads its digits as written (test/run/incremental-initial-exact)', () => {
    const text = 'name: a\nsource: { kind: csv, path: a.csv, incremental: { cursor: id, initial: 9007199254740995 } }\ntarget: { table: raw.a }\nchecks:\n  - range: { column: id, min: 9007199254740995 }\n';
    expect(errors(text)).toEqual([
      '/p/a.yaml:5:31: the number 9007199254740995 is beyond 2^53 and YAML would read it as 9007199254740996: quote it ("9007199254740995") to keep every digit',
    ]);
  });

  it('floe.yaml too', () => {
    const r = validateProjectText('warehouse: ./w\ncatalog: { uri: "sqlite:c.db" }\nx_limit: 99999999999999999\n', '/p/floe.yaml', {});
    expect(r.diagnostics.map(formatDiagnostic)).toContain(
      '/p/floe.yaml:3:10: the number 99999999999999999 is beyond 2^53 and YAML would read it as 100000000000000000: quote it ("99999999999999999") to keep every digit',
    );
  });
});
