/**
 * CSV files that hold a header and no record: an export of a day without rows.
 *
 * A `kind: csv` source reads each file with its own reader and unions them by name
 * (sources/csv.ts). DuckDB's sniffer types every column of a file without records as
 * VARCHAR, and the union then made every column of the read text: one empty export beside
 * files of numbers and dates created the table with `string` columns only, or wrote the
 * numbers of a run as text. Such a file adds no row, so it is left out of the union; the
 * columns only it names are kept, as NULL text (or their declared type), so the read still
 * has every column its files name.
 */
import { quoteIdent } from '../engine/sql.js';
import type { CsvDialect } from './explain-read.js';
import { firstRecord, readTextHead } from './csv-malformed-sample.js';
import { duplicateHeaderNames } from './csv-header.js';

/** Files only this big are looked at: a header and blank lines are short. */
const HEAD_BYTES = 64 * 1024;

const DECODINGS: Record<string, BufferEncoding> = { 'utf-8': 'utf8', utf8: 'utf8', 'latin-1': 'latin1', latin1: 'latin1' };

/**
 * Whether `file` holds, after its `skip` lines, one header line and nothing else but blank
 * lines. A header with a quoted line break in it is not recognised (the file is then read as
 * any other).
 */
export async function isHeaderOnlyCsv(file: string, d: CsvDialect): Promise<boolean> {
  const decoding = DECODINGS[d.encoding.toLowerCase()];
  if (!decoding) return false;
  const head = await readTextHead(file, HEAD_BYTES);
  if (!head.whole) return false;
  const lines = head.bytes.toString(decoding).replace(/^\uFEFF/, '').split('\n').slice(d.skip);
  const header = lines.shift();
  if (header === undefined || header.replace(/\r$/, '').trim() === '') return false;
  return lines.every((l) => l.replace(/\r$/, '').trim() === '');
}

/**
 * The SQL standing in for a header-only file's reader in a union by name: no row, and only
 * the header's columns that `bound` (the other files' columns) lacks, typed from `types`
 * (the declared ones) else VARCHAR; undefined when the other files have all its columns;
 * 'keep' when the file's reader should stay (a header that cannot be read here, or one
 * naming a column twice).
 */
export async function headerOnlyStandIn(file: string, d: CsvDialect, bound: readonly string[], types: readonly (readonly [string, string])[]): Promise<string | undefined | 'keep'> {
  const fields = await firstRecord(file, d);
  // A header naming a column twice keeps its reader, so that it is refused like any other (csv-header.ts).
  if (!fields || duplicateHeaderNames(fields).length > 0) return 'keep';
  const seen = new Set(bound.map((n) => n.toLowerCase()));
  const extra: string[] = [];
  for (const f of fields) {
    const name = f.trim() === '' ? undefined : f;
    if (name === undefined || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    extra.push(name);
  }
  if (extra.length === 0) return undefined;
  const typeOf = (n: string) => types.find(([c]) => c.toLowerCase() === n.toLowerCase())?.[1] ?? 'VARCHAR';
  return `SELECT ${extra.map((n) => `CAST(NULL AS ${typeOf(n)}) AS ${quoteIdent(n)}`).join(', ')} WHERE false`;
}
