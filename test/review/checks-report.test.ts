/**
 * The JUnit and JSON reports with hostile text in every field (markup, `]]>`, C0 and C1
 * controls, lone surrogates, U+FFFE, long lines), read back by strict parsers: Python's
 * expat for XML 1.0, JSON.parse for JSON.
 */
import { describe, expect, it } from 'vitest';
import { formatJson, formatJunit, formatText } from '../../src/checks/results.js';
import type { CheckProblem, CheckResult } from '../../src/checks/types.js';
import { strictXmlProblem } from './checks-xml.js';

const chars: string[] = [];
for (let c = 0; c < 0x2a0; c++) chars.push(String.fromCharCode(c));
const HOSTILE = [...chars, '\uD800', '\uDFFF', '\uFFFE', '\uFFFF', '\uD83D\uDE00', ']]>', '<!--', '-->', '<![CDATA[x]]>', '&amp;', '&#0;', '"\'', '\u2028'].join('');

const result = (status: CheckResult['status'], severity: CheckResult['severity'] = 'error'): CheckResult => ({
  table: `crm.t${HOSTILE.slice(0, 40)}`,
  name: `n${HOSTILE}`,
  kind: 'sql',
  severity,
  status,
  scope: 'table',
  observed: HOSTILE,
  expected: HOSTILE,
  message: HOSTILE,
  durationMs: 1,
});
const problems: CheckProblem[] = [
  { kind: 'config', file: `pipelines/${HOSTILE.slice(60, 90)}.yaml`, line: 3, col: 4, path: HOSTILE.slice(0, 20), message: HOSTILE },
  { kind: 'io', file: null, line: null, col: null, path: null, message: HOSTILE },
];
const all = [result('pass'), result('warn', 'warn'), result('fail'), result('error')];

describe('reports with hostile text', () => {
  it('the strict parser does reject what XML 1.0 forbids', () => {
    for (const bad of ['<a>&</a>', '<a>\u0001</a>', '<a b="<"/>', '<a>]]></a>']) expect(strictXmlProblem(bad), bad).not.toBe('');
    expect(strictXmlProblem('<a b="&lt;">&amp;]]&gt;</a>')).toBe('');
  });

  it('JUnit is well-formed XML 1.0 for a strict parser, with every testcase', () => {
    for (const warnError of [false, true]) {
      const xml = formatJunit(all, { warnError, problems, snapshots: new Map([[all[0]!.table, 1n]]) });
      expect(strictXmlProblem(xml)).toBe('');
      expect(xml.match(/<testcase /g)).toHaveLength(6);
      expect(xml).not.toContain(']]>');
    }
  });

  it('JSON parses and keeps the text', () => {
    const j = JSON.parse(formatJson(all, { problems }));
    expect(j.results).toHaveLength(4);
    expect(j.results[2].message).toContain('<!--');
    expect(j.problems[1]).toEqual({ kind: 'io', file: null, line: null, col: null, path: null, message: expect.stringContaining(']]>') });
  });

  it('text has no control character but line breaks and tabs', () => {
    expect(formatText(all, { problems })).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
