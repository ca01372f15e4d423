/**
 * The line-level check of a JSON Lines file, before DuckDB reads it.
 *
 * DuckDB's JSON reader cannot be trusted with a bad line: with `ignore_errors` it turns a
 * value that does not fit the type sampled from the first lines into NULL and drops keys
 * first seen after the sample, without a word; one line that is not an object makes
 * `records = 'auto'` read the whole file as a single `json` column; invalid UTF-8 makes it
 * sample nothing at all. So each file is streamed here once, line by line (split on `\n`
 * only, so `\r\n` and `\n` may mix and line numbers stay exact), and every line that is not
 * one JSON object becomes a reject with its line number. DuckDB then reads, strictly, a copy
 * of each file that had rejects, with those lines blanked (its reader skips empty lines).
 *
 * JSON.parse decides quickly for nearly every line. The few lines it refuses that start like
 * an object, and the objects it takes whose text escapes a UTF-16 surrogate (`\ud800` alone,
 * which it accepts and DuckDB does not), go to DuckDB's `json_valid`, which stays the judge of
 * what the reader accepts (it takes the `NaN` and `Infinity` literals, as README's known
 * limits say).
 */
import { isUtf8 } from 'node:buffer';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Engine } from '../engine/duckdb.js';
import { decompressedStream } from '../io/decompressed.js';
import { quoteLiteral } from '../engine/sql.js';
import { sourceError } from '../errors.js';
import { JsonDuplicateKeyError, scanJson } from './http-json.js';
import { mayHoldLongInteger } from './json-read.js';
import { OVERFLOW_CANDIDATE } from './json-overflow.js';

/** A reject's raw text is cut to this many characters (a binary file can be one huge "line"). */
export const MAX_RAW_CHARS = 64 * 1024;

export interface LineReject {
  line: number;
  raw: string;
  reason: string;
}

export interface LineScan {
  /** Lines holding one JSON object. */
  records: number;
  rejects: LineReject[];
  /**
   * DuckDB's default sample (the first SAMPLE_RECORDS records of a file) would miss something:
   * a top-level key first seen after it, or a key whose values have more than one JSON type
   * (`1` and `"x"`), which a sampled type would refuse past the sample. The reader then types
   * the columns from every record instead, at the cost of one more pass per bind.
   */
  needsFullSample: boolean;
  /**
   * Where the records are: each run of consecutive record lines as its first line and the
   * 0-based index of its first record, in order. Record i is line `line + (i - record)` of
   * the run with the greatest `record` ≤ i. Undefined when the file has more than MAX_GAPS
   * lines that are not records (then rows have no line).
   */
  runs?: { line: number; record: number }[];
  /** Some record line holds an integer of 16 digits: maybe one a double cannot hold (json-read.ts mayHoldLongInteger). */
  longDigits: boolean;
  /**
   * The first record line with a key twice in one object (`{"a": 1, "a": 2}`, at any depth):
   * valid JSON that JSON.parse reads as its last value and DuckDB's reader refuses, naming a
   * record count instead of the line (and the private copy of a file with rejects).
   */
  duplicateKey?: { line: number; key: string };
}

/** Past this many blank or rejected lines in a file, LineScan.runs is not kept. */
const MAX_GAPS = 1_000_000;

/** The runs of record lines of a file of `lastLine` lines, from its sorted non-record lines. */
export function recordRuns(gaps: readonly number[], lastLine: number): { line: number; record: number }[] {
  const runs: { line: number; record: number }[] = [];
  let prev = 0;
  let record = 0;
  for (const g of [...gaps, lastLine + 1]) {
    if (g > prev + 1) {
      runs.push({ line: prev + 1, record });
      record += g - prev - 1;
    }
    prev = g;
  }
  return runs;
}

const NEWLINE = 0x0a;

/**
 * The lines of a file, one batch per chunk read: 1-based number and bytes without the `\n`
 * (and without a final `\r`).
 */
async function* lineBuffers(file: string, signal?: AbortSignal): AsyncGenerator<[number, Buffer][]> {
  let carry: Buffer | undefined;
  let n = 0;
  const line = (b: Buffer): [number, Buffer] => [++n, b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b];
  for await (const chunk of decompressedStream(file, signal ? { signal } : {})) {
    const buf = chunk as Buffer;
    const batch: [number, Buffer][] = [];
    let start = 0;
    for (let i = buf.indexOf(NEWLINE); i >= 0; i = buf.indexOf(NEWLINE, start)) {
      const piece = buf.subarray(start, i);
      batch.push(line(carry ? Buffer.concat([carry, piece]) : piece));
      carry = undefined;
      start = i + 1;
    }
    if (start < buf.length) carry = carry ? Buffer.concat([carry, buf.subarray(start)]) : Buffer.from(buf.subarray(start));
    yield batch;
  }
  if (carry && carry.length > 0) yield [line(carry)];
}

/**
 * The lines of a file as text, one batch per chunk read, numbered from `first`: each line
 * without its `\n` (and final `\r`), or its bytes when they are not UTF-8. A chunk's whole
 * lines are checked and decoded at once (one isUtf8 and one decode per 64 KiB, not per line:
 * most of what a per-line check used to cost); a chunk that is not all UTF-8 is split into
 * lines and each checked alone, so the bad line and only it arrives as bytes.
 */
async function* lineTexts(file: string, signal?: AbortSignal): AsyncGenerator<{ first: number; lines: (string | Buffer)[] }> {
  let carry: Buffer | undefined;
  let n = 1;
  const strip = (l: string) => (l.charCodeAt(l.length - 1) === 0x0d ? l.slice(0, -1) : l);
  const decode = (region: Buffer, lines: (string | Buffer)[]) => {
    if (isUtf8(region)) {
      const parts = region.toString('utf8').split('\n');
      for (const l of parts) lines.push(strip(l));
      return;
    }
    let start = 0;
    for (;;) {
      const i = region.indexOf(NEWLINE, start);
      const piece = region.subarray(start, i < 0 ? region.length : i);
      const bytes = piece.length > 0 && piece[piece.length - 1] === 0x0d ? piece.subarray(0, piece.length - 1) : piece;
      lines.push(isUtf8(bytes) ? bytes.toString('utf8') : Buffer.from(bytes));
      if (i < 0) return;
      start = i + 1;
    }
  };
  for await (const chunk of decompressedStream(file, signal ? { signal } : {})) {
    const buf = chunk as Buffer;
    const last = buf.lastIndexOf(NEWLINE);
    if (last < 0) {
      carry = carry ? Buffer.concat([carry, buf]) : Buffer.from(buf);
      continue;
    }
    // Whole lines: the carried start of a line, then this chunk up to its last newline.
    const region = carry ? Buffer.concat([carry, buf.subarray(0, last)]) : buf.subarray(0, last);
    carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined;
    const lines: (string | Buffer)[] = [];
    decode(region, lines);
    yield { first: n, lines };
    n += lines.length;
  }
  if (carry && carry.length > 0) {
    const lines: (string | Buffer)[] = [];
    decode(carry, lines);
    yield { first: n, lines };
  }
}

/** Raw text for the rejects table: cut, and NUL (which no JSON text holds unescaped) shown as U+FFFD. */
const clip = (s: string) => (s.length > MAX_RAW_CHARS ? `${s.slice(0, MAX_RAW_CHARS)}…` : s).replaceAll('\0', '\uFFFD');

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : typeof v;
}

/** A `\u` escape of a UTF-16 surrogate (`\ud83d`): valid JSON only in a high-low pair, which JSON.parse does not check. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** DuckDB's JSON reader's default `sample_size`, in records. */
export const SAMPLE_RECORDS = 20_480;

// Strings DuckDB may type as DATE, TIME or TIMESTAMP when its sample holds only such strings.
const TEMPORAL = /^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2})/;

// Value kinds as bits, so a path's kinds are one number.
const BOOLEAN = 1;
const INTEGER = 2;
const NUMBER = 4;
const STRING = 8;
const TEMPORAL_STRING = 16;
const OBJECT = 32;
const ARRAY = 64;

/**
 * A string's kind. The regular expression only runs on text whose first character could
 * start a match: a digit, or any character that may be `\s` (ASCII controls and space, and
 * everything from U+00A0 on, a superset of the Unicode spaces).
 */
function stringKind(v: string): number {
  const c = v.charCodeAt(0);
  return ((c >= 48 && c <= 57) || c <= 32 || c >= 0xa0) && TEMPORAL.test(v) ? TEMPORAL_STRING : STRING;
}

/** One key path (`a`, `a.b`, `a[].c`): the kinds of value seen there, and the paths below it. */
interface PathNode {
  kinds: number;
  keys?: Map<string, PathNode>;
  items?: PathNode;
}

/**
 * Every key path and value kind of a file's records, as a tree, for LineScan.needsFullSample:
 * a path or kind first shown past the sample is one DuckDB's sampled types would drop or
 * refuse. Mixes inside the sample are DuckDB's to resolve (DOUBLE for integers and decimals,
 * JSON for the rest). A tree of nodes with kind bits is walked without building a string per
 * value, which made this walk half of the check's time.
 */
class Shape {
  private readonly root: PathNode = { kinds: 0 };

  /** Adds the n-th record; true when the default sample would not type it right. */
  add(record: Record<string, unknown>, n: number): boolean {
    return this.walk(record, this.root, n > SAMPLE_RECORDS);
  }

  private walk(v: unknown, node: PathNode, late: boolean): boolean {
    if (v === null) return false;
    let kind: number;
    switch (typeof v) {
      case 'string':
        kind = stringKind(v);
        break;
      case 'number':
        kind = Number.isInteger(v) ? INTEGER : NUMBER;
        break;
      case 'boolean':
        kind = BOOLEAN;
        break;
      default:
        kind = Array.isArray(v) ? ARRAY : OBJECT;
    }
    if ((node.kinds & kind) === 0) {
      if (late) return true;
      node.kinds |= kind;
    }
    if (kind === ARRAY) {
      const items = (node.items ??= { kinds: 0 });
      for (const item of v as unknown[]) if (this.walk(item, items, late)) return true;
    } else if (kind === OBJECT) {
      const keys = (node.keys ??= new Map());
      const o = v as Record<string, unknown>;
      for (const k in o) {
        let child = keys.get(k);
        if (child === undefined) {
          child = { kinds: 0 };
          keys.set(k, child);
        }
        if (this.walk(o[k], child, late)) return true;
      }
    }
    return false;
  }
}

/** The colons of a string. */
function colonsIn(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i >= 0; i = s.indexOf(':', i + 1)) n++;
  return n;
}

/** The colons JSON text of a parsed value has when no key repeats: one per key-value pair, and those of its keys and strings. */
function colonsOf(v: unknown): number {
  if (typeof v === 'string') return colonsIn(v);
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += colonsOf(x);
    return n;
  }
  for (const k in v as Record<string, unknown>) n += 1 + colonsIn(k) + colonsOf((v as Record<string, unknown>)[k]);
  return n;
}

/**
 * Whether JSON text holds a key twice in one object, given its parsed value (JSON.parse keeps
 * the last value). Without a repeated key, the text's colons (a `\u003a` escape counted as
 * one) are exactly one per key-value pair plus those inside its keys and strings; a repeated
 * key adds its pair's colon, so the text has more. One pass of indexOf over the text and a
 * walk of the value, a fraction of what JSON.parse costs; a `\\u003a` (an escaped backslash
 * before `u003a`) may say yes wrongly, and duplicateKeyIn then finds no key.
 */
export function mayHoldDuplicateKey(text: string, value: unknown): boolean {
  let colons = colonsIn(text);
  if (text.includes('\\u003')) colons += text.match(/\\u003[aA]/g)?.length ?? 0;
  return colons > colonsOf(value);
}

/** The key JSON text holds twice in one object, read key by key (http-json.ts); undefined when none or when the text is not strict JSON. */
export function duplicateKeyIn(text: string): string | undefined {
  try {
    scanJson(text.trim(), [[]]);
  } catch (e) {
    if (e instanceof JsonDuplicateKeyError) return e.key;
  }
  return undefined;
}

/**
 * The key path (`a.b[2]`) of the first number a parsed record holds that is not finite: from
 * strict JSON text (which has no NaN or Infinity literal) only a number beyond a double's range.
 */
export function beyondDouble(v: unknown, path = ''): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = beyondDouble(v[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const k in v as Record<string, unknown>) {
    const p = beyondDouble((v as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** The key a record's text holds twice in one object, if any (checked key by key only when mayHoldDuplicateKey). */
function duplicateKeyOf(text: string, value: unknown): string | undefined {
  return mayHoldDuplicateKey(text, value) ? duplicateKeyIn(text) : undefined;
}

/** Streams one JSON Lines file; see the header. */
export async function scanJsonLines(
  engine: Engine,
  file: string,
  o: {
    signal?: AbortSignal;
    /** Takes rejected lines in batches as the scan goes, so a file of garbage is not held in memory; they are then not in the result. */
    onRejects?: (batch: LineReject[]) => Promise<void>;
  } = {},
): Promise<LineScan> {
  const { signal } = o;
  const rejects: LineReject[] = [];
  // Lines that look like objects but that JSON.parse refused: DuckDB decides.
  const unsure: { line: number; text: string }[] = [];
  let records = 0;
  let needsFullSample = false;
  let longDigits = false;
  let duplicateKey: LineScan['duplicateKey'];
  const shape = new Shape();
  // Lines that are not records (blank or rejected), for LineScan.runs; undefined past MAX_GAPS.
  let gaps: number[] | undefined = [];
  let lastLine = 0;
  const gap = (line: number) => {
    if (gaps && gaps.push(line) > MAX_GAPS) gaps = undefined;
  };
  for await (const { first, lines } of lineTexts(file, signal)) {
    for (let j = 0; j < lines.length; j++) {
      const line = first + j;
      const text = lines[j]!;
      lastLine = line;
      if (typeof text !== 'string') {
        rejects.push({ line, raw: clip(text.toString('utf8')), reason: 'not valid UTF-8' });
        gap(line);
        continue;
      }
      let value: unknown;
      try {
        // JSON.parse skips JSON's own whitespace; only a line it refuses is trimmed and
        // looked at again (blank lines, and a U+FEFF or other space that trim() removes).
        value = JSON.parse(text);
      } catch {
        const body = text.trim();
        if (body === '') {
          gap(line);
          continue;
        }
        try {
          value = JSON.parse(body);
        } catch {
          if (body.startsWith('{') && !body.includes('\0')) unsure.push({ line, text });
          else {
            rejects.push({ line, raw: clip(text), reason: 'malformed JSON' });
            gap(line);
          }
          continue;
        }
      }
      const isRecord = value !== null && typeof value === 'object' && !Array.isArray(value);
      // JSON.parse, like DuckDB's reader, makes `1e400` Infinity: stored so, without a word.
      const overflow = isRecord && OVERFLOW_CANDIDATE.test(text) ? beyondDouble(value) : undefined;
      if (isRecord && SURROGATE_ESCAPE.test(text)) {
        // JSON.parse takes a lone surrogate escape (`"\ud800"`); DuckDB's reader refuses the
        // whole read over it, naming another line. Lines with such escapes go to json_valid.
        unsure.push({ line, text });
      } else if (overflow !== undefined) {
        rejects.push({ line, raw: clip(text), reason: `the number at ${overflow} is beyond a double's range (about ±1.8e308)` });
        gap(line);
      } else if (isRecord) {
        records++;
        if (!needsFullSample) needsFullSample = shape.add(value as Record<string, unknown>, records);
        if (!longDigits) longDigits = mayHoldLongInteger(text);
        if (!duplicateKey) {
          const key = duplicateKeyOf(text, value);
          if (key !== undefined) duplicateKey = { line, key };
        }
      } else {
        rejects.push({ line, raw: clip(text), reason: `not a JSON object (${kindOf(value)}); each line must be one object` });
        gap(line);
      }
    }
    if (unsure.length >= 500) await resolve();
    if (o.onRejects && rejects.length >= 1000) await o.onRejects(rejects.splice(0));
  }
  await resolve();
  rejects.sort((a, b) => a.line - b.line);
  if (o.onRejects && rejects.length) await o.onRejects(rejects.splice(0));
  const runs = gaps ? recordRuns(gaps.sort((a, b) => a - b), lastLine) : undefined;
  return { records, rejects, needsFullSample, runs, longDigits, ...(duplicateKey ? { duplicateKey } : {}) };

  async function resolve(): Promise<void> {
    const batch = unsure.splice(0);
    if (batch.length === 0) return;
    const rows = await engine.all(
      `SELECT i, CASE WHEN json_valid(t) THEN json_type(t) = 'OBJECT' ELSE false END AS ok FROM (VALUES ${batch.map((u, j) => `(${j}, ${quoteLiteral(u.text)})`).join(', ')}) AS v(i, t) ORDER BY i`,
      `check the JSON lines of ${file}`,
      { kind: 'source' },
    );
    for (const r of rows) {
      const u = batch[Number(r.i)]!;
      if (r.ok === true) {
        records++;
        if (!longDigits) longDigits = mayHoldLongInteger(u.text);
        // Not JSON.parse-able (NaN, trailing commas): its keys are unknown here.
        needsFullSample = true;
      }
      else {
        rejects.push({ line: u.line, raw: clip(u.text), reason: 'malformed JSON' });
        gap(u.line);
      }
    }
  }
}

/** The error for a JSON Lines line that is not one object, as `floe load` names it (explain-read.ts). */
export function rejectedLineError(file: string, bad: LineReject, cause?: unknown) {
  return sourceError(`${file}:${bad.line}: ${bad.reason}: ${bad.raw.slice(0, 120)}`, {
    cause,
    context: { file, line: bad.line },
    files: [file],
    hint: 'Every line of a JSON Lines file is one JSON object. A pipeline (kind: jsonl) can quarantine such lines with a rejects: limit.',
  });
}

/** The first line of a JSON Lines file its line check rejects (only the first is kept: the file may be all garbage), and its records. */
export async function firstRejectedLine(engine: Engine, file: string): Promise<{ bad?: LineReject; records: number }> {
  let bad: LineReject | undefined;
  const scan = await scanJsonLines(engine, file, {
    onRejects: async (batch) => {
      for (const r of batch) if (!bad || r.line < bad.line) bad = r;
    },
  });
  return { records: scan.records, ...(bad ? { bad } : {}) };
}

/** Writes `file` to `dest` with the given lines emptied (kept as empty lines, so numbering holds). */
export async function writeWithoutLines(file: string, dest: string, blank: ReadonlySet<number>, signal?: AbortSignal): Promise<void> {
  const out = createWriteStream(dest);
  try {
    for await (const batch of lineBuffers(file, signal)) {
      const parts: Buffer[] = [];
      for (const [line, bytes] of batch) {
        if (!blank.has(line)) parts.push(bytes);
        parts.push(NEWLINE_BUF);
      }
      if (!out.write(Buffer.concat(parts))) await once(out, 'drain');
    }
  } finally {
    out.end();
  }
  await finished(out);
}

const NEWLINE_BUF = Buffer.from('\n');
