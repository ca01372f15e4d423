/**
 * Local CSV, JSON Lines, JSON and Parquet files as a DuckDB query, read by DuckDB's own
 * readers (no rows pass through JS). Used by `floe load`; pipeline sources build on it.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { notFound, sourceError, usageError } from '../errors.js';
import { quoteLiteral } from '../engine/sql.js';
import { jsonLinesReadSql } from '../sources/json-read.js';
import { NO_HIVE } from '../sources/no-hive.js';
import { MAX_LINE_OPTION } from './csv-errors.js';
import { unreadablePathScheme } from '../pipeline/schema-common.js';
import { firstRecord, readTextHead } from './csv-malformed-sample.js';

export type FileFormat = 'csv' | 'jsonl' | 'json' | 'parquet';

const EXTENSIONS: [RegExp, FileFormat][] = [
  [/\.(csv|tsv|txt)(\.(gz|zst))?$/i, 'csv'],
  [/\.(jsonl|ndjson)(\.(gz|zst))?$/i, 'jsonl'],
  [/\.json(\.(gz|zst))?$/i, 'json'],
  [/\.parquet$/i, 'parquet'],
];

export function detectFormat(path: string): FileFormat {
  for (const [re, format] of EXTENSIONS) if (re.test(path)) return format;
  throw usageError(`cannot tell the format of ${path} from its extension`, {
    hint: 'Give --format csv|jsonl|json|parquet.',
  });
}

const isGlob = (p: string) => /[*?[]/.test(p);

/** Absolute paths; a missing (non-glob) file is a not-found error naming it. */
export async function resolveFiles(files: readonly string[], baseDir = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    // `https://…` became a local path under the current folder (`./https:/host/x.csv`).
    const problem = unreadablePathScheme(f);
    if (problem) throw usageError(`input ${f.split(':')[0]}://…: ${problem}`);
    const p = resolve(baseDir, f.replace(/^file:(\/\/)?/, ''));
    if (!isGlob(p)) {
      const info = await stat(p).catch(() => null);
      if (!info) throw notFound(`input file not found: ${p}`, { context: { file: p } });
      if (info.isDirectory()) throw usageError(`${p} is a folder; give files or a glob such as ${p}/*.csv`);
    }
    out.push(p);
  }
  return out;
}

export interface FileSourceOptions {
  format: FileFormat;
  /** csv: field delimiter; default sniffed. */
  delimiter?: string;
  header?: boolean;
  /** A column of this name holds each row's file (DuckDB's `filename` option). */
  filenameColumn?: string;
  /** csv: DuckDB types of some columns instead of the sniffed ones (csv-integers.ts). */
  types?: Readonly<Record<string, string>>;
}

/** The delimiter a file's extension gives (`.csv`, `.tsv`, also compressed); else undefined (sniffed). */
export function delimiterFor(path: string): string | undefined {
  if (/\.csv(\.(gz|zst))?$/i.test(path)) return ',';
  if (/\.tsv(\.(gz|zst))?$/i.test(path)) return '\t';
  return undefined;
}

const delimiterName = (d: string | undefined) =>
  d === ',' ? 'comma-separated' : d === '\t' ? 'tab-separated' : 'with the delimiter DuckDB detects';

/**
 * CSV files read in one `floe load` are read with one delimiter, the first file's
 * (fileSourceSql): a `.tsv` file beside a `.csv` one was read with commas, each of its lines
 * one text value in a column named after its whole header, and loaded without a word. Refused
 * (a usage error, as mixed formats are): the files are loaded one delimiter at a time.
 */
export function refuseMixedDelimiters(files: readonly string[]): void {
  const first = files[0];
  if (first === undefined) return;
  const other = files.find((f) => delimiterFor(f) !== delimiterFor(first));
  if (other === undefined) return;
  throw usageError(`the files mix delimiters: ${first} is read ${delimiterName(delimiterFor(first))}, ${other} ${delimiterName(delimiterFor(other))}; floe load reads all its files with one`, {
    hint: 'Load them with one floe load per extension (each appends to the table), or read them with a pipeline per delimiter.',
  });
}

/** Delimiters a header line of one field that holds one of them was probably written with. */
const OTHER_DELIMITERS = [';', '\t', '|', ','];

/**
 * A `.csv` (`.tsv`) file is read comma- (tab-) separated. A file written with another
 * delimiter (`id;name`, common where the decimal mark is a comma) then reads as one text
 * column named after its whole header line, each line one value, and was loaded so without a
 * word: refused, naming the file, its header and the delimiter it holds. A header of one field
 * holding none of `;`, tab, `|` and `,` is a one-column file and is read as such.
 */
export async function refuseOtherDelimiter(files: readonly string[]): Promise<void> {
  for (const file of files) {
    const delimiter = delimiterFor(file);
    if (delimiter === undefined) continue;
    const fields = await firstRecord(file, { delimiter, quote: '"', escape: '"', skip: 0, encoding: 'utf-8' }).catch(() => undefined);
    if (fields?.length !== 1) continue;
    // A quoted header (`"a;b"`) is one column on purpose.
    const { bytes } = await readTextHead(file, 4096);
    if (bytes.toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('"')) continue;
    const header = fields[0]!;
    const held = OTHER_DELIMITERS.filter((d) => d !== delimiter && header.includes(d));
    if (held.length === 0) continue;
    const shown = (d: string) => (d === '\t' ? 'tab' : `"${d}"`);
    throw sourceError(`${file}:1: the header ${JSON.stringify(header.length > 120 ? `${header.slice(0, 120)}…` : header)} holds no ${shown(delimiter)} but ${held[0] === '\t' ? 'a tab' : shown(held[0]!)}: floe load reads a ${/\.tsv/i.test(file) ? '.tsv' : '.csv'} file ${delimiterName(delimiter)}, so it would be one column`, {
      context: { file, line: 1 },
      files: [file],
      hint: `Read it with a pipeline that names its delimiter (source: { kind: csv, delimiter: ${JSON.stringify(held[0]!)} }), or give it a ${/\.(gz|zst)$/i.test(file) ? `.txt${/\.[a-z]+$/i.exec(file)![0]}` : '.txt'} name so that floe load detects the delimiter.`,
    });
  }
}

/** The DuckDB table function call reading the files. */
export function fileSourceSql(files: readonly string[], o: FileSourceOptions): string {
  const list = `[${files.map(quoteLiteral).join(', ')}]`;
  const filename = o.filenameColumn ? `, filename = ${quoteLiteral(o.filenameColumn)}` : '';
  switch (o.format) {
    case 'csv': {
      // skip = 0: left to the sniffer, lines before the first one of the dominant column count
      // (a header that does not split on the delimiter, say) are skipped without a word, and
      // the next data line becomes the header.
      // Records up to 16 MiB, not DuckDB's 2 MB (csv-errors.ts).
      const opts = ['union_by_name = true', NO_HIVE, `header = ${o.header === false ? 'false' : 'true'}`, 'skip = 0', MAX_LINE_OPTION];
      // With the delimiter known from the extension, a malformed row inside DuckDB's sniffing
      // sample is an error naming its line, instead of making the sniffer fall back to reading
      // every line as one text column.
      const delimiter = o.delimiter ?? delimiterFor(files[0] ?? '');
      // RFC 4180 quoting too: left to the sniffer, a stray quote is read as data.
      if (delimiter !== undefined) opts.push(`delim = ${quoteLiteral(delimiter)}`, `quote = '"'`);
      const types = Object.entries(o.types ?? {});
      if (types.length) opts.push(`types = {${types.map(([c, t]) => `${quoteLiteral(c)}: ${quoteLiteral(t)}`).join(', ')}}`);
      return `SELECT * FROM read_csv(${list}, ${opts.join(', ')}${filename})`;
    }
    case 'jsonl':
      // Records only, typed from all of them (src/sources/json-read.ts).
      return `SELECT * FROM ${jsonLinesReadSql(files, { sampleAll: true, filenameColumn: o.filenameColumn })}`;
    case 'json':
      return `SELECT * FROM read_json(${list}, format = 'auto', records = 'true', union_by_name = true, sample_size = -1, ${NO_HIVE}${filename})`;
    case 'parquet':
      return `SELECT * FROM read_parquet(${list}, union_by_name = true, ${NO_HIVE}${filename})`;
  }
}
