/**
 * DuckDB's CSV reader errors, told in floe's terms.
 *
 * DuckDB's message is written for someone calling `read_csv` by hand: `CSV Error on Line: N`,
 * an `Original Line:` quoting the record in full (a 3 MB value was 10 KB of stderr, and of
 * each --json error event), advice about read_csv options floe does not have (`types={...}`,
 * `sample_size=-1`, `encoding='UTF-16'`, `ignore_errors=true`, `max_line_size=...`) and the
 * reader's options as set, among them those of floe's own internal reads (`delimiter = \0\0`).
 * `floeCsvError` keeps what is true of the file — which one, its line, the column and the
 * value, what is wrong — as `file:line: ...`, quotes at most a short excerpt of the record,
 * and gives a hint with what floe offers instead: a pipeline's `encoding:`, its source's
 * `columns:` types, `rejects:`.
 *
 * Records longer than DuckDB's default `max_line_size` (2,000,000 bytes: a long JSON or text
 * value in one field is not rare) are read up to CSV_MAX_LINE_BYTES; a longer one is an error
 * naming its line, or under a pipeline's `rejects:` a quarantined record. Not more: when a
 * record in the sniffer's sample is longer than the limit, DuckDB's sniffer takes time that
 * grows faster than the limit before it fails (measured on a 2-core machine, a record just
 * over the limit: 2 MB 2.7 s, 8 MiB 3.3 s, 16 MiB 6.5 s, 64 MiB more than 100 s). The reader's
 * buffer stays DuckDB's usual 32 MiB: by default it is 16 times max_line_size, a 256 MiB block
 * per file being read, which a run's memory limit (and a UNION of several files) cannot give.
 */
import { statSync } from 'node:fs';
import { decompressedStream } from '../io/decompressed.js';
import { FloeError } from '../errors.js';

/** The longest CSV record floe reads (DuckDB's `max_line_size`; its default is 2,000,000 bytes). */
export const CSV_MAX_LINE_BYTES = 16 * 1024 * 1024;


/** The read_csv options giving CSV_MAX_LINE_BYTES, with DuckDB's usual buffer (see the header). */
export const MAX_LINE_OPTION = `max_line_size = ${CSV_MAX_LINE_BYTES}, buffer_size = ${32 * 1024 * 1024}`;

/**
 * The max_line_size and buffer_size options for reading `file`. A record is no longer than
 * its file, so a small file is read with a buffer just big enough for all of it (three times
 * its bytes: DuckDB reads Latin-1 and UTF-16 as UTF-8, which may be longer) instead of DuckDB's
 * 32 MiB: a csv pipeline reads each file with its own reader and unions them, and every reader
 * holds its buffer at once, so a glob of 15 small files used to fill a run's 512 MB memory
 * limit and fail with DuckDB's "Out of Memory Error". Compressed files (their text length is
 * unknown), files that cannot be looked at and files past about 5 MiB get MAX_LINE_OPTION.
 */
export function maxLineOptionFor(file: string): string {
  if (/\.(gz|zst)$/i.test(file)) return MAX_LINE_OPTION;
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return MAX_LINE_OPTION;
  }
  const bytes = Math.max(3 * size + 1024, 256 * 1024);
  return bytes >= CSV_MAX_LINE_BYTES ? MAX_LINE_OPTION : `max_line_size = ${bytes}, buffer_size = ${bytes}`;
}

/** How much of a record a message quotes. */
const EXCERPT_CHARS = 120;

/** Whether `e` (or what caused it) is DuckDB refusing a record longer than its max_line_size. */
export function isLineTooLong(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause) if (/Maximum line size of \d+ bytes exceeded/.test(x.message)) return true;
  return false;
}

/** `text` cut to a short excerpt for a message. */
export const excerpt = (text: string): string => {
  const one = text.replace(/\r?\n/g, '\\n');
  return one.length > EXCERPT_CHARS ? `${one.slice(0, EXCERPT_CHARS)}… (${text.length} characters)` : one;
};

const bytes = (n: number) => (n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB` : `${n.toLocaleString('en-US')} bytes`);

/** What DuckDB's CSV error message says, taken apart. */
export interface DuckCsvError {
  /** DuckDB's line (records, counted from 1). */
  line?: number;
  /** The record as DuckDB quotes it (in full). */
  original?: string;
  /** What is wrong, without DuckDB's advice and option dump. */
  problem: string;
  /** The file DuckDB names, when it names one. */
  file?: string;
  /** A conversion's column and the type it was read as. */
  column?: string;
  type?: string;
}

/** DuckDB's CSV error in `message`, or undefined when it is not one. */
export function parseDuckCsvError(message: string): DuckCsvError | undefined {
  const at = /CSV Error on Line: (\d+)/.exec(message);
  if (!at) return undefined;
  const rest = message.slice(at.index + at[0].length).replace(/^\r?\n/, '');
  const file = /\n\s*file = ([^\n]*)/.exec(rest)?.[1]?.trim() || undefined;
  const converted = /\nColumn (.+) is being converted as type (\S+)/.exec(rest);
  // Paragraphs: DuckDB's advice, its note on the column's type and its option dump are not the problem.
  const advice = /^(Possible |Column .+ is being converted|\s*file = |\* |See also)/;
  const paragraphs = rest.split(/\r?\n[ \t]*\r?\n/).filter((p) => p.trim() !== '');
  const first = paragraphs[0] ?? '';
  let original: string | undefined;
  let problem: string;
  if (/^Original Line: ?/.test(first)) {
    const all = first.replace(/^Original Line: ?/, '').split(/\r?\n/);
    // Advice may follow without a blank line.
    const cut = all.findIndex((l, i) => i > 0 && advice.test(l));
    const lines = cut > 0 ? all.slice(0, cut) : all;
    const next = paragraphs[1];
    // The record (it may span lines: quoted newlines), then the problem: in the same paragraph
    // on its last line, or in the next one (after an unterminated quote).
    if (next !== undefined && !advice.test(next)) {
      original = lines.join('\n');
      problem = next;
    } else {
      original = lines.length > 1 ? lines.slice(0, -1).join('\n') : lines[0];
      problem = lines.length > 1 ? lines.at(-1)! : '';
    }
  } else {
    problem = first.split(/\r?\n/).filter((l) => !advice.test(l))[0] ?? '';
  }
  // Without DuckDB's option dump, the list of inputs aboutInputs added (input-errors.ts) ends it.
  problem = problem.split(/\r?\n(?:Possible |Column .+ is being converted|\s*file = )/)[0]!.replace(/ \(input: [^()]*\)$/, '').trim();
  // In a \r\n file DuckDB quotes a record with the \n that ended the line before it: no
  // record starts with a line break (a blank line is none), so leading ones are left out.
  if (original !== undefined) original = original.replace(/^[\r\n]+/, '');
  return { line: Number(at[1]), original, problem, file, column: converted?.[1], type: converted?.[2] };
}

export interface CsvErrorSetting {
  /** The pipeline reading the file; undefined for `floe load`. */
  pipeline?: string;
  /** The file when DuckDB's message names none (one input). */
  file?: string;
  /** The quote and escape characters of the read (default `"` for both), for lineEndingFault. */
  quote?: string;
  escape?: string;
}

/**
 * `e` told in floe's terms (see the header) when it is DuckDB's CSV error; else `e`. Also
 * when DuckDB's line is a record's and not a physical line: callers that can map it do so
 * first (explain-read.ts withPhysicalLine), and a record too long for the reader is found here.
 */
export async function floeCsvError(e: unknown, s: CsvErrorSetting = {}): Promise<unknown> {
  if (!(e instanceof FloeError)) return e;
  const d = parseDuckCsvError(e.message);
  if (!d) return /CSV Parser state machine reached an invalid state/.test(e.message) ? lineEndingError(e, s) : e;
  const file = d.file ?? (typeof e.context.file === 'string' ? e.context.file : undefined) ?? (e.files.length === 1 ? e.files[0] : undefined) ?? s.file;
  let line = typeof e.context.line === 'number' ? e.context.line : d.line;
  let what: string;
  let hint: string | undefined;
  const load = s.pipeline === undefined;
  const tooLong = /Maximum line size of (\d+) bytes exceeded\. Actual Size: ?(\d+) bytes/.exec(d.problem);
  const unicode = /Invalid unicode/i.test(d.problem);
  const conversion = /Could not convert string "([\s\S]*?)" to '([^']+)'/.exec(d.problem);
  if (tooLong) {
    // DuckDB's sniffer numbers such a record 1: the file says which line it is.
    const found = file ? await firstLineLongerThan(file, Number(tooLong[1])).catch(() => undefined) : undefined;
    if (found !== undefined) line = found;
    what = `the record is ${bytes(Number(tooLong[2]))} long, longer than the ${bytes(Number(tooLong[1]))} floe reads a CSV record up to`;
    hint = load
      ? 'Shorten the value in the export, or read the file with a pipeline (kind: csv) whose rejects: limit quarantines such records.'
      : 'Shorten the value in the export, or add a rejects: limit (e.g. rejects: { max_ratio: 0.01 }) to quarantine such records.';
  } else if (unicode) {
    // DuckDB's Original Line is not the record at fault here (it quoted the header): left out.
    what = 'the line is not UTF-8 text';
    hint = load
      ? 'floe load reads UTF-8 text: convert the file (iconv -f latin1 -t utf-8), or read it with a pipeline that names its encoding: source: { kind: csv, encoding: latin-1 }.'
      : 'Name the file\'s encoding in the csv source, e.g. encoding: latin-1.';
  } else if (conversion) {
    const column = d.column ?? /converting column "((?:[^"]|"")*)"/.exec(d.problem)?.[1];
    const col = column ?? 'the column';
    what = `${column !== undefined ? `column "${column}": ` : ''}${JSON.stringify(excerpt(conversion[1]!))} is not a ${conversion[2]!.toLowerCase()}${d.type ? `, the type found in the file's first rows` : ''}`;
    const declare = `source: { kind: csv, columns: { ${col}: string } }`;
    hint = load
      ? `floe load types each column from the file's first 20,480 rows. Fix the value, or read the file with a pipeline that declares the column's type (${declare}) and quarantines what does not fit (rejects: { max_ratio: 0.01 }).`
      : `Declare the column's type in the csv source (${declare}), or add a rejects: limit to quarantine such rows.`;
  } else {
    what = d.problem.split('\n')[0]!.replace(/\.$/, '');
    if (d.original !== undefined && d.original !== '') what += `: ${excerpt(d.original)}`;
    hint = e.hint;
  }
  const where = file ? (line !== undefined ? `${file}:${line}` : file) : line !== undefined ? `line ${line}` : 'the input';
  return new FloeError(e.kind, `${s.pipeline !== undefined ? `pipeline ${s.pipeline}: ` : ''}${where}: ${what}`, {
    cause: e,
    context: { ...e.context, ...(file ? { file } : {}), ...(line !== undefined ? { line } : {}) },
    hint,
    retryable: e.retryable,
    files: e.files.length ? e.files : file ? [file] : [],
  });
}

/**
 * DuckDB's reader takes one line ending per file: a file whose lines mix `\r\n` and `\n`
 * (two exports concatenated, a hand edit), or holding a lone `\r` outside quotes, fails its
 * sniffer and then its strict re-read with "The CSV Parser state machine reached an invalid
 * state", naming no line. The line at fault is found here, so the error can name it.
 */
async function lineEndingError(e: FloeError, s: CsvErrorSetting): Promise<unknown> {
  const file = (typeof e.context.file === 'string' ? e.context.file : undefined) ?? (e.files.length === 1 ? e.files[0] : undefined) ?? s.file;
  if (!file) return e;
  const fault = await lineEndingFault(file, s.quote ?? '"', s.escape ?? '"').catch(() => undefined);
  if (!fault) return e;
  const name = { lf: '\\n (LF)', crlf: '\\r\\n (CRLF)', cr: '\\r (CR)' } as const;
  // A lone \r in a file of \n or \r\n lines is no line ending to the reader.
  const stray = fault.ending === 'cr' && fault.first.ending !== 'cr';
  const what = stray
    ? 'the line holds a carriage return (\\r) outside quotes that ends no line'
    : `the line ends with ${name[fault.ending]}, but line ${fault.first.line} ends with ${name[fault.first.ending]}: the CSV reader takes one line ending per file`;
  return new FloeError(e.kind, `${s.pipeline !== undefined ? `pipeline ${s.pipeline}: ` : ''}${file}:${fault.line}: ${what}`, {
    cause: e,
    context: { ...e.context, file, line: fault.line },
    hint:
      stray
        ? 'Quote the field that holds it, or remove it from the export.'
        : `Give every line of the file one ending, e.g. with dos2unix or sed -i 's/\\r$//'${/\.gz$/i.test(file) ? ' on the file decompressed' : ''}.`,
    retryable: e.retryable,
    files: e.files.length ? e.files : [file],
  });
}

export interface LineEndingFault {
  /** The physical line (1-based) at fault. */
  line: number;
  /** How it ends: `cr` is a lone carriage return (a line ending only in a file of them). */
  ending: 'lf' | 'crlf' | 'cr';
  /** The first line's ending, which the others should have. */
  first: { line: number; ending: 'lf' | 'crlf' | 'cr' };
}

/**
 * The first line of `file` (decompressed, as DuckDB reads it) whose ending, outside quoted
 * fields, differs from the first line's, or that holds a lone `\r` outside quotes; undefined
 * when there is none. Quoted fields may hold either ending (DuckDB reads them as text).
 */
export async function lineEndingFault(file: string, quote: string, escape: string): Promise<LineEndingFault | undefined> {
  const text = decompressedStream(file);
  // Only one-byte quote and escape characters are followed; others leave quotes out of it.
  const q = Buffer.from(quote).length === 1 ? Buffer.from(quote)[0]! : -1;
  const esc = Buffer.from(escape).length === 1 && escape !== quote ? Buffer.from(escape)[0]! : -1;
  let line = 1;
  let quoted = false;
  let escaped = false;
  let pendingCr = false;
  let first: { line: number; ending: 'lf' | 'crlf' | 'cr' } | undefined;
  const ended = (ending: 'lf' | 'crlf' | 'cr'): LineEndingFault | undefined => {
    if (!first) first = { line, ending };
    else if (first.ending !== ending) return { line, ending, first };
    line++;
    return undefined;
  };
  try {
    for await (const chunk of text) {
      for (const b of chunk as Buffer) {
        if (pendingCr) {
          pendingCr = false;
          const f = ended(b === 0x0a ? 'crlf' : 'cr');
          if (f) return f;
          if (b === 0x0a) continue;
          // Else b starts the next line.
        }
        if (quoted) {
          if (escaped) escaped = false;
          else if (b === esc) escaped = true;
          else if (b === q) quoted = false;
          if (b === 0x0a) line++;
          continue;
        }
        if (b === q) quoted = true;
        else if (b === 0x0d) pendingCr = true;
        else if (b === 0x0a) {
          const f = ended('lf');
          if (f) return f;
        }
      }
    }
  } finally {
    text.destroy();
  }
  return undefined;
}

/** The first physical line of `file` (decompressed) longer than `limit` bytes; undefined when none is. */
export async function firstLineLongerThan(file: string, limit: number): Promise<number | undefined> {
  const text = decompressedStream(file);
  let line = 1;
  let length = 0;
  try {
    for await (const chunk of text) {
      const buf = chunk as Buffer;
      let start = 0;
      for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, start)) {
        if (length + (i - start) > limit) return line;
        line++;
        length = 0;
        start = i + 1;
      }
      length += buf.length - start;
      if (length > limit) return line;
    }
  } finally {
    text.destroy();
  }
  return undefined;
}

/** A quarantined record's reason when it is not UTF-8 text (DuckDB's suggests read_csv options). */
export const UNICODE_REASON = "the line is not UTF-8 text; name the file's encoding in the csv source (e.g. encoding: latin-1)";
