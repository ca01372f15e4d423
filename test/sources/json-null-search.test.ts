/**
 * NullRecordSearch (src/sources/json-null-records.ts), the look for a `null` record in the text
 * read for numbers beyond a double: the same answer as a regular expression over the whole
 * text, however the text is cut into pieces.
 */
import { describe, expect, it } from 'vitest';
import { NullRecordSearch, type RecordLayout } from '../../src/sources/json-null-records.js';

/** The whole-text answer: a `null` between what may come around a record. */
const EXPECTED: Record<RecordLayout, RegExp> = {
  lines: /(?:^|\n)[ \t\r]*null[ \t\r]*(?:\n|$)/,
  // At the start, after a document's opening `[`, after an object or null record and `,`, or between documents.
  documents: /(?:^|(?:^|[}\]])[ \t\r\n]*\[|[}l][ \t\r\n]*,|[}\]l])[ \t\r\n]*null[ \t\r\n]*(?:[,\]{[]|$)/,
};

function search(layout: RecordLayout, pieces: readonly string[]): boolean {
  const s = new NullRecordSearch(layout);
  for (const p of pieces) s.feed(p);
  s.end();
  return s.found;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const TOKENS = ['null', 'null', 'nul', 'nu', 'n', 'l', '{"a":', '}', '[', ']', ',', ' ', '\n', '\r\n', '\t', '"x, null"', ':', '1', '{', '"', '{}'];

describe('NullRecordSearch', () => {
  it('finds a null line or a null array element, and not a null value', () => {
    expect(search('lines', ['{"a":1}\nnull\n{"a":2}\n'])).toBe(true);
    expect(search('lines', ['{"a":1}\n  null \r\n'])).toBe(true);
    expect(search('lines', ['{"a":null}\n{"b":[null]}\n'])).toBe(false);
    expect(search('documents', ['[{"a":1},null,{"a":2}]'])).toBe(true);
    expect(search('documents', ['null'])).toBe(true);
    expect(search('documents', ['[{"a": null, "b": "nullable"}]'])).toBe(false);
    expect(search('documents', ['[{"a": [1, null], "b": [null], "c": "x, null, y"}]'])).toBe(false);
    expect(search('documents', ['[\n  {"a": 1},\n  null\n]'])).toBe(true);
    expect(search('documents', ['{"a": 1}\nnull\n'])).toBe(true);
  });

  it('answers as over the whole text, cut anywhere (random texts, random pieces, one-character pieces)', () => {
    const next = random(7);
    for (let n = 0; n < 4000; n++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 14) }, () => TOKENS[Math.floor(next() * TOKENS.length)]!).join('');
      const cuts = [0, ...Array.from({ length: Math.floor(next() * 4) }, () => Math.floor(next() * (text.length + 1))).sort((a, b) => a - b), text.length];
      const pieces = cuts.slice(1).map((c, i) => text.slice(cuts[i], c));
      for (const layout of ['lines', 'documents'] as const) {
        const want = EXPECTED[layout].test(text);
        expect(search(layout, pieces), `${layout} ${JSON.stringify(pieces)}`).toBe(want);
        expect(search(layout, [...text]), `${layout} by character ${JSON.stringify(text)}`).toBe(want);
      }
    }
  });

  it('sees across white space longer than a piece', () => {
    const gap = ' '.repeat(3000);
    const text = `[{"a":1},${gap}\n${gap}null${gap}\n${gap}]`;
    const pieces = text.match(/[\s\S]{1,1000}/g)!;
    expect(search('documents', pieces)).toBe(true);
    expect(search('documents', text.replace('null', '"n"').match(/[\s\S]{1,1000}/g)!)).toBe(false);
  });
});
