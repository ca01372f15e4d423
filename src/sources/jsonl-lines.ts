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
 * an object go to DuckDB's `json_valid`, which stays the judge of what the reader accepts
 * (it takes the `NaN` and `Infinity` literals, as README's known limits say).
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';

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
}

const NEWLINE = 0x0a;

/**
 * The lines of a file, one batch per chunk read: 1-based number and bytes without the `\n`
 * (and without a final `\r`).
 */
async function* lineBatches(file: string, signal?: AbortSignal): AsyncGenerator<[number, Buffer][]> {
  let carry: Buffer | undefined;
  let n = 0;
  const line = (b: Buffer): [number, Buffer] => [++n, b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b];
  for await (const chunk of createReadStream(file, { signal })) {
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

/** Raw text for the rejects table: cut, and NUL (which no JSON text holds unescaped) shown as U+FFFD. */
const clip = (s: string) => (s.length > MAX_RAW_CHARS ? `${s.slice(0, MAX_RAW_CHARS)}…` : s).replaceAll('\0', '\uFFFD');

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : typeof v;
}

/** DuckDB's JSON reader's default `sample_size`, in records. */
export const SAMPLE_RECORDS = 20_480;

// Strings DuckDB may type as DATE, TIME or TIMESTAMP when its sample holds only such strings.
const TEMPORAL = /^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2})/;

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return TEMPORAL.test(v) ? 'temporal string' : 'string';
  return typeof v;
}

/**
 * Every key path (`a`, `a.b`, `a[].c`) and value kind of a file's records, with the record
 * that showed it first, for LineScan.needsFullSample: a path or kind first shown past the
 * sample is one DuckDB's sampled types would drop or refuse. Mixes inside the sample are
 * DuckDB's to resolve (DOUBLE for integers and decimals, JSON for the rest).
 */
class Shape {
  private readonly seen = new Set<string>();

  /** Adds the n-th record; true when the default sample would not type it right. */
  add(record: Record<string, unknown>, n: number): boolean {
    return this.walk(record, '', n);
  }

  private walk(v: unknown, path: string, n: number): boolean {
    const kind = jsonKind(v);
    if (kind !== 'null') {
      const key = `${path}\u0000${kind}`;
      if (!this.seen.has(key)) {
        if (n > SAMPLE_RECORDS) return true;
        this.seen.add(key);
      }
    }
    if (kind === 'array') {
      for (const item of v as unknown[]) if (this.walk(item, `${path}[]`, n)) return true;
    } else if (kind === 'object') {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) if (this.walk(item, `${path}.${k}`, n)) return true;
    }
    return false;
  }
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
  const shape = new Shape();
  for await (const batch of lineBatches(file, signal)) {
    for (const [line, bytes] of batch) {
      if (!isUtf8(bytes)) {
        rejects.push({ line, raw: clip(bytes.toString('utf8')), reason: 'not valid UTF-8' });
        continue;
      }
      const text = bytes.toString('utf8');
      const body = text.trim();
      if (body === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        if (body.startsWith('{') && !body.includes('\0')) unsure.push({ line, text });
        else rejects.push({ line, raw: clip(text), reason: 'malformed JSON' });
        continue;
      }
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        records++;
        if (!needsFullSample) needsFullSample = shape.add(value as Record<string, unknown>, records);
      } else rejects.push({ line, raw: clip(text), reason: `not a JSON object (${kindOf(value)}); each line must be one object` });
    }
    if (unsure.length >= 500) await resolve();
    if (o.onRejects && rejects.length >= 1000) await o.onRejects(rejects.splice(0));
  }
  await resolve();
  rejects.sort((a, b) => a.line - b.line);
  if (o.onRejects && rejects.length) await o.onRejects(rejects.splice(0));
  return { records, rejects, needsFullSample };

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
        // Not JSON.parse-able (NaN, trailing commas): its keys are unknown here.
        needsFullSample = true;
      }
      else rejects.push({ line: u.line, raw: clip(u.text), reason: 'malformed JSON' });
    }
  }
}

/** Writes `file` to `dest` with the given lines emptied (kept as empty lines, so numbering holds). */
export async function writeWithoutLines(file: string, dest: string, blank: ReadonlySet<number>, signal?: AbortSignal): Promise<void> {
  const out = createWriteStream(dest);
  try {
    for await (const batch of lineBatches(file, signal)) {
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
