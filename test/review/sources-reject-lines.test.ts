/**
 * A JSON Lines value that does not convert to its declared `type:` is quarantined with its
 * file and line (the position of its row in the read, mapped back through the blank and
 * rejected lines the line check saw), in `<table>__rejects` and in the over-the-limit error.
 * End to end through the built CLI, over several files large enough for DuckDB to read them
 * in many chunks on two threads.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { recordRuns } from '../../src/sources/jsonl-lines.js';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('recordRuns', () => {
  it('maps the non-record lines of a file to runs of record lines', () => {
    expect(recordRuns([], 3)).toEqual([{ line: 1, record: 0 }]);
    expect(recordRuns([2], 3)).toEqual([{ line: 1, record: 0 }, { line: 3, record: 1 }]);
    expect(recordRuns([1, 3, 4], 6)).toEqual([{ line: 2, record: 0 }, { line: 5, record: 1 }]);
    expect(recordRuns([1, 2, 3], 3)).toEqual([]);
    expect(recordRuns([3], 3)).toEqual([{ line: 1, record: 0 }]);
  });
});

describe('conversion rejects of JSON Lines carry their line', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('names file and line in the rejects table, past blank, malformed and \\r\\n lines, across files', async () => {
    const expected: { source: string; line: number; id: number }[] = [];
    for (const f of ['a', 'b', 'c']) {
      const lines: string[] = [];
      let id = 0;
      for (let n = 1; n <= 30_000; n++) {
        const file = p.path(`data/${f}.jsonl`);
        if (n % 7_001 === 0) lines.push('');
        else if (n % 9_001 === 0) lines.push('{"id": broken');
        else if (n % 5_003 === 0) {
          lines.push(`{"id":${++id},"amount":"n/a-${f}${n}"}\r`);
          expected.push({ source: file, line: n, id });
        } else lines.push(`{"id":${++id},"amount":"${(n % 1000) / 10}"}`);
      }
      await p.write(`data/${f}.jsonl`, `${lines.join('\n')}\n`);
    }
    await p.pipeline('lines', 'source: { kind: jsonl, path: data/*.jsonl }\ncolumns: { amount: { type: double } }\ntarget: { table: raw.lines }\nrejects: { max_ratio: 0.01 }\n');
    const r = await p.run(['lines']);
    expect(r.code, show(r)).toBe(0);
    const rows = await p.query(`SELECT source, line, raw, reason FROM raw.lines__rejects WHERE reason LIKE 'column amount%' ORDER BY source, line`);
    expect(rows.map((x) => ({ source: x.source, line: x.line }))).toEqual(expected.map(({ source, line }) => ({ source, line })));
    for (const [i, x] of rows.entries()) {
      expect(String(x.raw)).toContain(`"id":${expected[i]!.id}`);
      expect(String(x.reason)).toMatch(/^column amount: cannot convert n\/a-[abc]\d+ to double$/);
    }
    // The malformed lines keep the line the check gave them.
    expect(await p.query(`SELECT count(*) AS n FROM raw.lines__rejects WHERE reason = 'malformed JSON'`)).toEqual([{ n: 9 }]);
  });

  it('names the first conversion reject with file:line when the run is over its limit', async () => {
    await p.write('data2/x.jsonl', '\n{"id":1,"amount":"1"}\n[]\n{"id":2,"amount":"zz"}\n');
    await p.pipeline('limit', 'source: { kind: jsonl, path: data2/x.jsonl }\ncolumns: { amount: { type: double } }\ntarget: { table: raw.limit }\nrejects: { max_count: 1 }\n');
    const r = await p.floe(['run', 'limit']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr.replace(/\s+/g, ' ')).toContain('2 of 3 rows are malformed');
    // Parse rejects come first (line 3); with the limit at 0 the conversion reject is the first.
    await p.pipeline('limit', 'source: { kind: jsonl, path: data2/x.jsonl }\ncolumns: { amount: { type: double } }\ntarget: { table: raw.limit }\nrejects: { max_count: 0 }\n');
    await p.write('data2/x.jsonl', '\n{"id":1,"amount":"1"}\n\n{"id":2,"amount":"zz"}\n');
    const r2 = await p.floe(['run', 'limit']);
    expect(r2.code, show(r2)).toBe(1);
    expect(r2.stderr.replace(/\s+/g, ' ')).toContain(`(the first: ${p.path('data2/x.jsonl')}:4: column amount: cannot convert zz to double)`);
  });
});
