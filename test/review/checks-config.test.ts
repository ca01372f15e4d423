/**
 * Check configurations that can never work are refused by `floe validate`, at file:line:col,
 * instead of failing or erroring on every evaluation in CI: a zero max_age, a pattern RE2
 * cannot compile, a blank query.
 */
import { describe, expect, it } from 'vitest';
import { validatePipelineText } from '../../src/pipeline/pipeline.js';
import { re2Unsupported } from '../../src/pipeline/schema-checks.js';

const HEAD = 'name: c\nsource:\n  kind: csv\n  path: data/c.csv\ntarget:\n  table: crm.c\nchecks:\n';

function problems(checks: string): string[] {
  return validatePipelineText(HEAD + checks, 'c.yaml', {}).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`);
}

describe('checks that could never work', () => {
  it('refuses a freshness max_age of 0', () => {
    expect(problems('  - freshness: { column: ts, max_age: 0s }\n')).toEqual(['8:39 checks[0].freshness.max_age: max_age must be more than 0: nothing is that fresh']);
    expect(problems('  - freshness: { max_age: 1ms }\n')).toEqual([]);
  });

  it('refuses look-around and back-references, which RE2 (DuckDB) cannot compile', () => {
    expect(problems('  - format: { column: e, pattern: "(?=x)y" }\n')).toEqual([
      '8:35 checks[0].format.pattern: the look-ahead (?= is not supported: patterns use RE2 syntax (no look-around, no back-references)',
    ]);
    expect(problems('  - format: { column: e, pattern: "(a)\\\\1" }\n')[0]).toContain('the back-reference \\1 is not supported');
    expect(re2Unsupported('(?<!a)b')).toBe('the look-behind (?<!');
    expect(re2Unsupported('(?<name>a)\\k<name>')).toBe('the named back-reference \\k<...>');
    // Escaped, inside a class, or a non-capturing or named group: fine for RE2.
    for (const ok of ['\\(?=', '[(?=]', '(?:a|b)+', '(?P<n>a)', '(?<n>a)', '^[A-Z]{2}\\d+$', '[\\]\\\\1]']) expect(re2Unsupported(ok), ok).toBeUndefined();
  });

  it('refuses a blank sql query, in both spellings', () => {
    expect(problems('  - sql: "   "\n')).toEqual(['8:10 checks[0].sql: the query is empty']);
    expect(problems('  - sql: { query: "", expect: 1 }\n')).toEqual(['8:19 checks[0].sql.query: the query is empty']);
  });
});
