/**
 * JSON numbers beyond a double's range (`1e400`, a 310-digit integer). DuckDB's JSON reader
 * reads them as `inf` without a word, and Iceberg stores the infinity: the value the source
 * sent is lost. JSON Lines pipelines find them in their line check (jsonl-lines.ts
 * beyondDouble, a line reject); here they are found in JSON documents (`kind: json`, `floe
 * load` of `.json` / `.jsonl` files) and in http records, so that the read fails naming where.
 *
 * The search is cheap when there is nothing to find: a regular expression over the text for
 * a number with an exponent of three digits or more, or a run of 309 digits; only a file or
 * record where one appears is walked token by token (outside strings) to tell a number from
 * text in a string and to know its line and column.
 */
import type { Readable } from 'node:stream';
import { decompressedStream } from '../io/decompressed.js';
import { sourceError } from '../errors.js';
import { NullRecordSearch, type RecordLayout } from './json-null-records.js';

/**
 * Text that may hold a number beyond a double's range: an exponent of 3+ digits, or 210
 * digits in a row (with an exponent of at most 99, an integer part needs 210 digits to reach
 * 1e308; JSON allows no leading zeros).
 */
export const OVERFLOW_CANDIDATE = /\d[eE]\+?\d{3}|\d{210}/;
/** Characters kept from the end of one chunk for the next one's candidate test (a token across the boundary). */
const OVERLAP = 320;
/** The characters a JSON number is made of: a run of them is one token (or malformed text DuckDB refuses). */
const NUMBER_CHARS = /[-+0-9.eE]*/y;

function numberCharsAt(text: string, at: number): string {
  NUMBER_CHARS.lastIndex = at;
  return NUMBER_CHARS.exec(text)![0];
}

export interface OverflowingNumber {
  /** The number as written. */
  literal: string;
  /** 1-based line and column of its first character. */
  line: number;
  column: number;
}

/**
 * A JSON text walked token by token, in pieces: strings are skipped (with their escapes), and
 * each number outside one is read and tested. Pieces may cut a token anywhere.
 */
class Walker {
  private inString = false;
  private escaped = false;
  private line = 1;
  private column = 1;
  /** A number cut at the end of the previous piece, and where it started. */
  private pending: { text: string; line: number; column: number } | undefined;

  /** The first overflowing number that ends in this piece (or in an earlier one's pending token), if any. */
  feed(piece: string, last: boolean): OverflowingNumber | undefined {
    let i = 0;
    if (this.pending) {
      // The rest of a number cut by the previous piece: its digits, sign, dot and exponent.
      const rest = numberCharsAt(piece, 0);
      const text = this.pending.text + rest;
      if (rest.length === piece.length && !last) {
        this.pending.text = text;
        this.column += rest.length;
        return undefined;
      }
      const found = this.check(text, this.pending.line, this.pending.column);
      this.pending = undefined;
      this.column += rest.length;
      i = rest.length;
      if (found) return found;
    }
    for (; i < piece.length; i++) {
      const ch = piece.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === 0x5c) this.escaped = true;
        else if (ch === 0x22) this.inString = false;
      } else if (ch === 0x22) {
        this.inString = true;
      } else if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39)) {
        // The whole run of number characters: a piece may end after `1e` or `1e+`.
        const text = numberCharsAt(piece, i);
        if (i + text.length === piece.length && !last) {
          this.pending = { text, line: this.line, column: this.column };
          this.column += text.length;
          return undefined;
        }
        const found = this.check(text, this.line, this.column);
        if (found) return found;
        i += text.length - 1;
        this.column += text.length;
        continue;
      }
      if (ch === 0x0a) {
        this.line++;
        this.column = 1;
      } else {
        this.column++;
      }
    }
    return undefined;
  }

  private check(text: string, line: number, column: number): OverflowingNumber | undefined {
    if (!OVERFLOW_CANDIDATE.test(text)) return undefined;
    const n = Number(text);
    return Number.isNaN(n) || Number.isFinite(n) ? undefined : { literal: text, line, column };
  }
}

/** The first number in a JSON text that is beyond a double's range, with its line and column. */
export function overflowingNumberIn(text: string): OverflowingNumber | undefined {
  if (!OVERFLOW_CANDIDATE.test(text)) return undefined;
  return new Walker().feed(text, true);
}

/** The text of a file in pieces of about 1 MiB, decompressed as DuckDB reads it (io/decompressed.ts). */
const textOf = (file: string): Readable => decompressedStream(file, { chunkSize: 1 << 20 }).setEncoding('utf8');

/**
 * The first number in a JSON file beyond a double's range; the file is walked only where the
 * text may hold one. `nulls`, when given, is shown the whole text in the same read (a `null`
 * where a record should be, json-null-records.ts), which then goes on past a candidate number.
 */
export async function overflowingNumberInFile(file: string, nulls?: NullRecordSearch): Promise<OverflowingNumber | undefined> {
  let tail = '';
  let candidate = false;
  for await (const chunk of textOf(file)) {
    nulls?.feed(chunk as string);
    if (!candidate) {
      const piece = tail + (chunk as string);
      candidate = OVERFLOW_CANDIDATE.test(piece);
      tail = piece.slice(-OVERLAP);
    }
    if (candidate && (!nulls || nulls.found)) break;
  }
  nulls?.end();
  if (!candidate) return undefined;
  const walker = new Walker();
  let previous: string | undefined;
  for await (const chunk of textOf(file)) {
    if (previous !== undefined) {
      const found = walker.feed(previous, false);
      if (found) return found;
    }
    previous = chunk as string;
  }
  return previous === undefined ? undefined : walker.feed(previous, true);
}

/** What to do about such a number, for every message that names one. */
export const OVERFLOW_HINT = 'A JSON number is read as a double, which holds up to about 1.8e308; have the producer send such a value as a string (then it is kept as text), or fix it at the source.';

/**
 * Fails on the first of `files` holding a number beyond a double's range, naming it by
 * `nameOf` (a staged copy by its source location) with the line and column, before DuckDB
 * reads it as infinity. Given how records sit in the files, the same read looks for a `null`
 * where a record should be: the files that may hold one are returned, for
 * json-null-records.ts refuseNullRecords.
 */
export async function refuseOverflowingNumbers(files: readonly string[], nameOf: (file: string) => string = (f) => f, layout?: RecordLayout): Promise<string[]> {
  const mayHoldNull: string[] = [];
  for (const file of files) {
    const nulls = layout ? new NullRecordSearch(layout) : undefined;
    const found = await overflowingNumberInFile(file, nulls);
    if (nulls?.found) mayHoldNull.push(file);
    if (!found) continue;
    const name = nameOf(file);
    throw sourceError(`${name}:${found.line}:${found.column}: the number ${shorten(found.literal)} is beyond a double's range; it would be stored as infinity`, {
      context: { file: name, line: found.line, column: found.column },
      files: [name],
      hint: OVERFLOW_HINT,
    });
  }
  return mayHoldNull;
}

/** A literal of hundreds of digits, shortened for a message. */
export function shorten(literal: string): string {
  return literal.length <= 40 ? literal : `${literal.slice(0, 20)}…${literal.slice(-12)} (${literal.length} characters)`;
}
