/** Summaries, exit codes and the three output formats; JUnit is read back by a real XML parser. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { escapeAttr, checkRunExitCode, formatJson, formatJunit, formatText, shouldPublish, summarizeResults } from '../../src/checks/results.js';
import type { CheckResult } from '../../src/checks/types.js';

const base = { table: 'crm.contacts', severity: 'error' as const, scope: 'table' as const, durationMs: 12 };
const pass: CheckResult = { ...base, name: 'row_count', kind: 'row_count', status: 'pass', observed: 120, expected: '>= 1', message: '120 rows' };
const warn: CheckResult = { ...base, name: 'not_null(phone)', kind: 'not_null', severity: 'warn', status: 'warn', scope: 'batch', observed: 3, expected: '0 nulls', message: 'phone has 3 nulls' };
const fail: CheckResult = {
  ...base,
  name: 'accepted_values(country)',
  kind: 'accepted_values',
  status: 'fail',
  observed: 2,
  expected: '0 rows outside [US, <CA> & "GB"]',
  message: "2 rows with country outside the accepted values: 'X<Y' (1), 'A&B' (1)",
};
const error: CheckResult = {
  ...base,
  table: 'billing.accounts',
  name: 'sql',
  kind: 'sql',
  status: 'error',
  observed: null,
  expected: '',
  message: 'could not be evaluated: DuckDB could not prepare the query: Parser Error: syntax error at or near "SELEC"\u0001',
};

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true, isArray: (name) => ['testsuite', 'testcase'].includes(name) });

describe('summaries and exit codes', () => {
  it('counts each status', () => {
    expect(summarizeResults([pass, warn, fail, error, pass])).toEqual({ passed: 2, warned: 1, failed: 1, errored: 1 });
  });

  it('exits 0 on passes and warnings, 3 on a failure, 1 when a check could not be evaluated', () => {
    expect(checkRunExitCode([pass, warn])).toBe(0);
    expect(checkRunExitCode([pass, warn], true)).toBe(3);
    expect(checkRunExitCode([pass, fail])).toBe(3);
    expect(checkRunExitCode([pass, error])).toBe(1);
    expect(checkRunExitCode([fail, error])).toBe(1);
    expect(checkRunExitCode([])).toBe(0);
  });

  it('publishes unless a check at severity error failed or could not be evaluated', () => {
    expect(shouldPublish([pass, warn])).toBe(true);
    expect(shouldPublish([pass, fail])).toBe(false);
    expect(shouldPublish([error])).toBe(false);
    expect(shouldPublish([{ ...error, severity: 'warn' }])).toBe(true);
  });
});

describe('formatText', () => {
  it('prints an aligned table, the reasons of what did not pass, and the totals', () => {
    const text = formatText([pass, warn, fail, error], { snapshots: new Map([['crm.contacts', 123n]]) });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^table\s+check\s+status\s+observed\s+expected$/);
    expect(lines[2]).toMatch(/^crm\.contacts\s+row_count\s+pass\s+120\s+>= 1$/);
    expect(lines[4]).toMatch(/^crm\.contacts\s+accepted_values\(country\)\s+FAIL\s+2\s+0 rows outside/);
    // Columns line up: every row starts its status at the same offset.
    const at = lines[0]!.indexOf('status');
    for (const l of lines.slice(2, 6)) expect(l.slice(at, at + 5)).toMatch(/^(pass|WARN|FAIL|ERROR)/i);
    expect(text).toContain('WARN crm.contacts not_null(phone): phone has 3 nulls');
    expect(text).toContain('ERROR billing.accounts sql: could not be evaluated: DuckDB could not prepare the query');
    expect(text).toContain('4 checks: 1 passed, 1 warned, 1 failed, 1 could not be evaluated');
    expect(text).toContain('checked crm.contacts at snapshot 123');
  });
});

describe('formatJson', () => {
  it('is one JSON object with the status, totals and results; snapshot ids as exact strings', () => {
    const json = JSON.parse(formatJson([pass, fail], { snapshots: new Map([['crm.contacts', 9007199254740993n]]) }));
    expect(json.status).toBe('fail');
    expect(json.summary).toEqual({ passed: 1, warned: 0, failed: 1, errored: 0 });
    expect(json.results[1]).toEqual({
      table: 'crm.contacts',
      snapshot_id: '9007199254740993',
      name: 'accepted_values(country)',
      kind: 'accepted_values',
      severity: 'error',
      scope: 'table',
      status: 'fail',
      observed: 2,
      expected: fail.expected,
      message: fail.message,
      duration_ms: 12,
    });
    expect(JSON.parse(formatJson([pass, warn])).status).toBe('warn');
    expect(JSON.parse(formatJson([pass, warn], { warnError: true })).status).toBe('fail');
    expect(JSON.parse(formatJson([error])).status).toBe('error');
  });
});

describe('formatJunit', () => {
  it('is valid XML: a testsuite per table, a testcase per check, failures and errors with observed and expected', () => {
    const xml = formatJunit([pass, warn, fail, error], { snapshots: new Map([['crm.contacts', 123n]]) });
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml);
    const suites = doc.testsuites;
    expect(suites).toMatchObject({ name: 'floe check', tests: '4', failures: '1', errors: '1' });
    expect(suites.testsuite.map((s: any) => [s.name, s.tests, s.failures, s.errors])).toEqual([
      ['crm.contacts', '3', '1', '0'],
      ['billing.accounts', '1', '0', '1'],
    ]);
    const [contacts, accounts] = suites.testsuite;
    expect(contacts.properties.property).toEqual({ name: 'snapshot_id', value: '123' });
    const cases = contacts.testcase;
    expect(cases.map((c: any) => [c.classname, c.name, c.time])).toEqual([
      ['crm.contacts', 'row_count', '0.012'],
      ['crm.contacts', 'not_null(phone)', '0.012'],
      ['crm.contacts', 'accepted_values(country)', '0.012'],
    ]);
    expect(cases[0].failure).toBeUndefined();
    expect(cases[1].failure).toBeUndefined();
    expect(cases[1]['system-out']).toContain('phone has 3 nulls');
    const failure = cases[2].failure;
    expect(failure.type).toBe('accepted_values');
    expect(failure.message).toBe(`observed 2, expected ${fail.expected}: ${fail.message}`);
    expect(failure['#text']).toContain('observed: 2');
    expect(failure['#text']).toContain('expected: 0 rows outside [US, <CA> & "GB"]');
    const err = accounts.testcase[0].error;
    expect(err.type).toBe('sql');
    // The control character cannot be carried by XML 1.0 and is dropped.
    expect(err.message).toBe('could not be evaluated: DuckDB could not prepare the query: Parser Error: syntax error at or near "SELEC"');
  });

  it('turns warnings into failures with --warn-error', () => {
    const doc = parser.parse(formatJunit([warn], { warnError: true }));
    expect(doc.testsuites.failures).toBe('1');
    expect(doc.testsuites.testsuite[0].testcase[0].failure.message).toContain('observed 3, expected 0 nulls');
  });

  it('escapes attribute values so that line breaks and quotes survive', () => {
    expect(escapeAttr(`a"b'c<d>&\ne`)).toBe('a&quot;b&apos;c&lt;d&gt;&amp;&#10;e');
    const doc = parser.parse(formatJunit([{ ...fail, name: 'two\nlines "quoted"' }]));
    expect(doc.testsuites.testsuite[0].testcase[0].name).toBe('two\nlines "quoted"');
  });
});
