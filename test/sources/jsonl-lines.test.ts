/**
 * The line-level check of JSON Lines files (src/sources/jsonl-lines.ts): exact line numbers
 * whatever the line endings, the reason of each rejected line, and when DuckDB's default
 * sample of 20,480 records would not type a file right.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_RECORDS, scanJsonLines, writeWithoutLines } from '../../src/sources/jsonl-lines.js';
import { useEngine } from './helpers.js';

const engine = useEngine();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'floe-jsonl-lines-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function scan(name: string, content: string | Buffer) {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return { file, ...(await scanJsonLines(engine(), file)) };
}

const uniform = (n: number) => Array.from({ length: n }, (_, i) => `{"id":${i},"at":{"day":"2024-01-01"}}`);

describe('scanJsonLines', () => {
  it('numbers lines exactly across \\r\\n, \\n, blank lines and a missing final newline, and says why each is rejected', async () => {
    const s = await scan('mixed.jsonl', Buffer.concat([Buffer.from('{"a":1}\r\n\n  \n[1]\r\n"x"\nnull\n{"a":\n{"a":NaN}\n{"a":'), Buffer.from([0xc3, 0x28]), Buffer.from('}\n{"a":2}')]));
    expect(s.records).toBe(3);
    expect(s.rejects).toEqual([
      { line: 4, raw: '[1]', reason: 'not a JSON object (an array); each line must be one object' },
      { line: 5, raw: '"x"', reason: 'not a JSON object (a string); each line must be one object' },
      { line: 6, raw: 'null', reason: 'not a JSON object (null); each line must be one object' },
      { line: 7, raw: '{"a":', reason: 'malformed JSON' },
      { line: 9, raw: '{"a":\uFFFD(}', reason: 'not valid UTF-8' },
    ]);
  });

  it('numbers lines exactly across 64 KiB reads: a line split between reads, bad bytes mid-file, a BOM, a line past 64 KiB', async () => {
    const filler = (from: number, n: number) => Array.from({ length: n }, (_, i) => `{"id":${from + i},"pad":"${'x'.repeat(60)}"}\n`).join('');
    const long = `{"id":-1,"big":"${'y'.repeat(100_000)}"}\r\n`;
    const s = await scan('chunks.jsonl', Buffer.concat([
      Buffer.from(filler(0, 1500)), // lines 1..1500, ~110 KB: the reads split lines
      Buffer.from('{"id":"'), Buffer.from([0xff]), Buffer.from('"}\r\n'), // line 1501
      Buffer.from('\uFEFF{"id":1502}\n'), // a BOM, which trim() removes
      Buffer.from(long), // line 1503, longer than a read
      Buffer.from(filler(1504, 1500)),
      Buffer.from('[1]'), // line 3004, no final newline
    ]));
    expect(s.records).toBe(3002);
    expect(s.rejects.map((r) => [r.line, r.reason])).toEqual([
      [1501, 'not valid UTF-8'],
      [3004, 'not a JSON object (an array); each line must be one object'],
    ]);
  });

  it('a temporal string past the sample after a leading Unicode space is still told from text', async () => {
    const base = Array.from({ length: SAMPLE_RECORDS }, (_, i) => `{"id":${i},"at":"2024-01-01"}`);
    expect((await scan('space-date.jsonl', [...base, '{"id":1,"at":"\u3000 2024-01-02"}'].join('\n'))).needsFullSample).toBe(false);
    expect((await scan('space-text.jsonl', [...base, '{"id":1,"at":"\u3000 soon"}'].join('\n'))).needsFullSample).toBe(true);
  });

  it('writeWithoutLines blanks the given lines and keeps the others byte for byte', async () => {
    const src = path.join(dir, 'copy-src.jsonl');
    const dest = path.join(dir, 'copy-dest.jsonl');
    await writeFile(src, '{"a":1}\r\n[2]\n{"a":3}');
    await writeWithoutLines(src, dest, new Set([2]));
    expect(await readFile(dest, 'utf8')).toBe('{"a":1}\n\n{"a":3}\n');
  });

  it('the default sample is enough for records of one shape', async () => {
    expect((await scan('uniform.jsonl', `${uniform(SAMPLE_RECORDS + 50).join('\n')}\n`)).needsFullSample).toBe(false);
  });

  it('a top-level or nested key, or a value kind, first seen past the sample needs every record typed', async () => {
    const base = uniform(SAMPLE_RECORDS);
    expect((await scan('late-key.jsonl', [...base, '{"id":1,"late":true}'].join('\n'))).needsFullSample).toBe(true);
    expect((await scan('late-nested.jsonl', [...base, '{"id":1,"at":{"day":"2024-01-02","tz":"UTC"}}'].join('\n'))).needsFullSample).toBe(true);
    expect((await scan('late-kind.jsonl', [...base, '{"id":"A-1","at":{"day":"2024-01-02"}}'].join('\n'))).needsFullSample).toBe(true);
    expect((await scan('late-date.jsonl', [...base, '{"id":1,"at":{"day":"soon"}}'].join('\n'))).needsFullSample).toBe(true);
    expect((await scan('late-decimal.jsonl', [...base, '{"id":1.5,"at":{"day":"2024-01-02"}}'].join('\n'))).needsFullSample).toBe(true);
    expect((await scan('late-null.jsonl', [...base, '{"id":null,"at":null}'].join('\n'))).needsFullSample).toBe(false);
    // Inside the sample, DuckDB sees the mix itself.
    expect((await scan('early-mix.jsonl', ['{"id":"A-1"}', ...base].join('\n'))).needsFullSample).toBe(false);
  });

  it('hands rejected lines over in batches as it goes, none of them lost or kept twice', async () => {
    // About 250 KB: several 64 KiB reads.
    const pad = ' '.repeat(100);
    const lines = Array.from({ length: 2_500 }, (_, i) => (i % 2 ? `[${i}]${pad}` : `{"id":${i},${pad}`));
    lines.push('{"id":1}');
    const file = path.join(dir, 'garbage.jsonl');
    await writeFile(file, lines.join('\n'));
    const batches: number[] = [];
    const seen: number[] = [];
    const s = await scanJsonLines(engine(), file, {
      onRejects: async (batch) => {
        batches.push(batch.length);
        seen.push(...batch.map((r) => r.line));
      },
    });
    expect(s.records).toBe(1);
    expect(s.rejects).toEqual([]);
    expect(batches.length).toBeGreaterThan(1);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
  });
});
