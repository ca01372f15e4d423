/**
 * A JSON Lines line whose string escapes a lone UTF-16 surrogate (`"\ud800"`) is valid to
 * JSON.parse and not to DuckDB's reader, which refused the whole read naming another line
 * ("Malformed JSON ... in line 3: no low surrogate in string"). The line check now asks DuckDB
 * about such lines, so the line is a reject with its number and the others are read
 * (jsonl-lines.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { scanJsonLines } from '../../src/sources/jsonl-lines.js';
import { assertBuilt, useProjects } from '../run/helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
});
afterAll(() => engine.close());
const newProject = useProjects();

const text = ['{"id": 1, "a": "ok"}', '{"id": 2, "a": "\\ud800"}', '{"id": 3, "a": {"b": "\\ud83d\\ude00 \\uDC00"}}', '{"id": 4, "a": "\\ud83d\\ude00"}', '{"id": 5, "a": "\\\\ud800 is text"}'].join('\n') + '\n';

describe('lone surrogate escapes', () => {
  it('the line check rejects lines with a lone surrogate, at any depth, and keeps pairs', async () => {
    const p = await newProject();
    const file = await p.write('data/ev.jsonl', text);
    const scan = await scanJsonLines(engine, file);
    expect(scan.records).toBe(3);
    expect(scan.rejects.map((r) => [r.line, r.reason])).toEqual([
      [2, 'malformed JSON'],
      [3, 'malformed JSON'],
    ]);
    expect(scan.runs).toEqual([
      { line: 1, record: 0 },
      { line: 4, record: 1 },
    ]);
  });

  it('floe run reads the other lines and names the rejected ones', async () => {
    assertBuilt();
    const p = await newProject();
    await p.write('data/ev.jsonl', text);
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/ev.jsonl }\ntarget: { table: raw.ev }\nrejects: { max_ratio: 0.5 }\n');
    await p.run(['ev']);
    expect(await p.queryCli('SELECT id, a FROM raw.ev ORDER BY id')).toEqual([
      { id: 1, a: 'ok' },
      { id: 4, a: '😀' },
      { id: 5, a: '\\ud800 is text' },
    ]);
    expect(await p.queryCli('SELECT line, reason FROM raw.ev__rejects ORDER BY line')).toEqual([
      { line: 2, reason: 'malformed JSON' },
      { line: 3, reason: 'malformed JSON' },
    ]);
  });
});

