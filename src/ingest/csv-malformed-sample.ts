/**
 * Typing a CSV file whose sniffing sample holds a malformed record.
 *
 * DuckDB's sniffer types the columns from the first rows of a file (20,480 by default). A
 * record there that does not parse — an unterminated quote (`3,"Bob,` at the end of a
 * truncated export), a row with a column too many — makes the sniff fail outright, even with
 * the delimiter and quote given and `store_rejects` or `ignore_errors` set, so the reader
 * cannot quarantine the record as it does one further down the file. For such a file the
 * sniffer is shown only the records that parse: the file is read with the dialect given and
 * every column as text (as many as its first record has), skipping what does not parse; the
 * first 20,480 of those rows, under the file's header line, go to a small temporary RFC 4180
 * file, and DuckDB's sniffer types that. The file itself is then read with those columns and
 * no sniffing (`auto_detect = false`), so its malformed records become rejects with their
 * line and reason like any others, and the reject limits decide.
 *
 * Only done after the sniff failed: a file that sniffs costs nothing more.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decompressedStream } from '../io/decompressed.js';
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { removeTempDir, tempDir } from '../sources/temp-dir.js';
import { NO_HIVE } from '../sources/no-hive.js';
import type { CsvDialect } from './explain-read.js';
import { isLineTooLong, MAX_LINE_OPTION } from './csv-errors.js';

/** DuckDB's default sniffing sample, in rows. */
const SAMPLE_ROWS = 20480;
/** How much of the file the first record is looked for in. */
const HEAD_BYTES = 1 << 20;

/** Whether `e` (or what caused it) is DuckDB's CSV sniffer giving up. */
export function isSniffFailure(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause) if (/Error when sniffing file/.test(x.message)) return true;
  return false;
}

const NODE_ENCODINGS: Record<string, BufferEncoding> = { 'utf-8': 'utf8', utf8: 'utf8', 'latin-1': 'latin1', latin1: 'latin1', 'utf-16': 'utf16le', utf16: 'utf16le' };

/**
 * The first `max` bytes of the text DuckDB reads from `file`, and whether the text ends
 * within them. DuckDB decompresses a file named `.gz` or `.zst` (read_csv's compression
 * 'auto' goes by the name), so its head is read decompressed (io/decompressed.ts).
 */
export async function readTextHead(file: string, max: number): Promise<{ bytes: Buffer; whole: boolean }> {
  // `end` is inclusive: one byte more than `max` tells whether the text goes on.
  const text = decompressedStream(file, { end: max });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of text) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total > max) break;
    }
  } finally {
    text.destroy();
  }
  const all = Buffer.concat(chunks);
  return { bytes: all.subarray(0, max), whole: all.length <= max };
}

/**
 * The fields of a file's first record after `skip` lines, read from its first MiB with the
 * dialect's quote and escape; undefined when there is no complete record there (an
 * unterminated quote in the header, a first record longer than that) or the text holds NUL
 * bytes (UTF-16 read as UTF-8: nothing to type).
 */
export async function firstRecord(file: string, d: CsvDialect): Promise<string[] | undefined> {
  const encoding = NODE_ENCODINGS[d.encoding.toLowerCase()];
  if (!encoding) return undefined;
  const head = await readTextHead(file, HEAD_BYTES);
  const text = head.bytes.toString(encoding).replace(/^\uFEFF/, '');
  const whole = head.whole;
  if (text.includes('\0')) return undefined;
  let i = 0;
  for (let s = 0; s < d.skip; s++) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return undefined;
    i = nl + 1;
  }
  const { quote, escape, delimiter } = d;
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  let fieldStart = true;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (escape !== '' && escape !== quote && text.startsWith(escape, i) && (text.startsWith(quote, i + escape.length) || text.startsWith(escape, i + escape.length))) {
        cur += text[i + escape.length];
        i += escape.length + 1;
      } else if (text.startsWith(quote, i)) {
        if (escape === quote && text.startsWith(quote, i + quote.length)) {
          cur += quote;
          i += 2 * quote.length;
        } else {
          quoted = false;
          i += quote.length;
        }
      } else {
        cur += c;
        i++;
      }
      continue;
    }
    if (fieldStart && quote !== '' && text.startsWith(quote, i)) {
      quoted = true;
      fieldStart = false;
      i += quote.length;
      continue;
    }
    if (text.startsWith(delimiter, i)) {
      fields.push(cur);
      cur = '';
      fieldStart = true;
      i += delimiter.length;
      continue;
    }
    if (c === '\n' || c === '\r') {
      fields.push(cur);
      return fields;
    }
    cur += c;
    fieldStart = false;
    i++;
  }
  if (quoted || !whole) return undefined;
  fields.push(cur);
  return fields;
}

/** `s` as an RFC 4180 field. */
const rfcField = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The read_csv options that replace sniffing for `file` (`auto_detect = false`, its
 * `columns`, and the date and timestamp formats the sniffer found), typed from the records of
 * its sample that parse; `types` (DuckDB types by column name: a pipeline's declared and
 * text columns) win over the sniffed ones. Undefined when the file offers nothing to type
 * from (see firstRecord); the caller then reports the failed sniff as before.
 */
export async function typeFromParsedSample(
  engine: Engine,
  file: string,
  d: CsvDialect,
  header: boolean,
  types: readonly (readonly [string, string])[],
): Promise<string[] | undefined> {
  const first = await firstRecord(file, d);
  if (!first || first.length === 0) return undefined;
  const dir = await tempDir('csv-sample');
  try {
    const rows = join(dir, 'rows.csv');
    const sample = join(dir, 'sample.csv');
    const asText = first.map((_, i) => `${quoteLiteral(`c${i}`)}: 'VARCHAR'`).join(', ');
    // The records that do not parse are skipped by storing them aside (`ignore_errors` skips
    // every row of a file whose first record holds a character after a closing quote).
    const errors = engine.uniqueName('csv_sample_errors');
    const scans = engine.uniqueName('csv_sample_scans');
    const read =
      `SELECT * FROM read_csv(${quoteLiteral(file)}, delim = ${quoteLiteral(d.delimiter)}, quote = ${quoteLiteral(d.quote)}, escape = ${quoteLiteral(d.escape)}, ` +
      `encoding = ${quoteLiteral(d.encoding)}, skip = ${d.skip}, header = ${header}, auto_detect = false, ${NO_HIVE}, columns = {${asText}}, ${MAX_LINE_OPTION}, ` +
      `store_rejects = true, rejects_table = ${quoteLiteral(errors)}, rejects_scan = ${quoteLiteral(scans)}) LIMIT ${SAMPLE_ROWS}`;
    await engine.run(`COPY (${read}) TO ${quoteLiteral(rows)} (FORMAT csv, HEADER false)`, `read the well-formed rows of ${file}`, { kind: 'source', context: { file } });
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(errors)}; DROP TABLE IF EXISTS ${quoteIdent(scans)}`, 'drop the sample\'s reject tables');
    const body = await readFile(rows);
    await writeFile(sample, header ? Buffer.concat([Buffer.from(`${first.map(rfcField).join(',')}\n`), body]) : body);
    // One row per column, in order, with the formats the sniffer found.
    const columns = await engine.all(
      `SELECT c.name AS name, c.type AS type, date_format, timestamp_format FROM (SELECT unnest(Columns) AS c, generate_subscripts(Columns, 1) AS i, DateFormat AS date_format, TimestampFormat AS timestamp_format ` +
        `FROM sniff_csv(${quoteLiteral(sample)}, delim = ',', quote = '"', escape = '"', header = ${header}, sample_size = -1)) ORDER BY i`,
      `type the well-formed rows of ${file}`,
      { kind: 'source', context: { file } },
    );
    if (columns.length !== first.length) return undefined;
    const declared = new Map(types);
    const spec = columns.map((c) => `${quoteLiteral(String(c.name))}: ${quoteLiteral(declared.get(String(c.name)) ?? String(c.type))}`).join(', ');
    const format = (option: string, v: unknown) => (typeof v === 'string' && v !== '' ? [`${option} = ${quoteLiteral(v)}`] : []);
    return ['auto_detect = false', `columns = {${spec}}`, ...format('dateformat', columns[0]?.date_format), ...format('timestampformat', columns[0]?.timestamp_format)];
  } finally {
    await removeTempDir(dir);
  }
}

/**
 * For each of `files` whose reader (`readerOf(file)`, the query that failed, for that file
 * alone) DuckDB cannot sniff, the options that read it without sniffing
 * (typeFromParsedSample). The reader itself is asked, not `sniff_csv`: with `store_rejects`
 * the reader's sniffer tolerates a malformed record that `sniff_csv` does not (one among
 * thousands of rows), and a file it reads is left to it. Files that sniff, or offer nothing
 * to type from, are left out.
 */
export async function typeUnsniffableFiles(
  engine: Engine,
  files: readonly string[],
  readerOf: (file: string) => string,
  d: CsvDialect,
  header: boolean,
  types: readonly (readonly [string, string])[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const f of files) {
    const sniffs = await engine
      .columns(readerOf(f), `sniff ${f}`, { kind: 'source', context: { file: f } })
      .then(() => true)
      .catch((e: unknown) => {
        if (isSniffFailure(e) || isLineTooLong(e)) return false;
        throw e;
      });
    if (sniffs) continue;
    const options = await typeFromParsedSample(engine, f, d, header, types);
    if (options) out.set(f, options);
  }
  return out;
}
