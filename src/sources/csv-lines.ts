/**
 * The physical line each CSV record starts on, computed by DuckDB and only when asked.
 *
 * DuckDB's CSV reader numbers neither its rows nor, exactly, its rejects: the `line` of its
 * reject table counts records (a quoted field holding newlines counts once), so after such a
 * field it is no longer the line an editor shows. The records' start lines are recovered here
 * from the file's physical lines, read by DuckDB's reader as one text column (no quote, a
 * delimiter that does not occur), with `WITH ORDINALITY` as the line number: a line starts a
 * record when the quote characters before it (escaped ones left out) are even in number.
 *
 * Everything is SQL views: nothing is read until a reject needs its line, so a run without
 * rejects does not pay for it (measured in the report of this change: a 50 MB file costs one
 * extra DuckDB pass, only when it has rejects).
 */
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { CsvDialect } from '../ingest/explain-read.js';

/** Four control bytes as the delimiter: no CSV line holds them, so each line is one value. */
const NO_DELIMITER = 'chr(0) || chr(31) || chr(0) || chr(30)';

/** SQL: how many quote characters of `text` open or close a quoted field (escaped ones left out). */
function quoteCountSql(text: string, d: CsvDialect): string {
  if (d.quote === '') return '0';
  const q = quoteLiteral(d.quote);
  const unescaped = d.escape !== '' && d.escape !== d.quote
    ? `replace(replace(${text}, ${quoteLiteral(d.escape + d.escape)}, ''), ${quoteLiteral(d.escape + d.quote)}, '')`
    : text;
  return `(length(${unescaped}) - length(replace(${unescaped}, ${q}, '')))`;
}

/**
 * SQL of the units DuckDB's reader counts in one file (`unit`, from 1, what its reject table's
 * `line` holds): each of the `skip` lines, then each line that is not inside a quoted field,
 * blank ones included. Columns: file_index, unit, line (physical, from 1), blank, skipped.
 */
export function csvUnitsSql(file: string, fileIndex: number, d: CsvDialect): string {
  const lines =
    `SELECT ordinality AS line, coalesce(t, '') AS t FROM read_csv(${quoteLiteral(file)}, columns = {'t': 'VARCHAR'}, header = false, auto_detect = false, ` +
    `quote = '', escape = '', delim = ${NO_DELIMITER}, strict_mode = false, encoding = ${quoteLiteral(d.encoding)}) WITH ORDINALITY`;
  const counted = `SELECT line, t = '' AS blank, line <= ${d.skip} AS skipped, CASE WHEN line <= ${d.skip} THEN 0 ELSE ${quoteCountSql('t', d)} END AS q FROM (${lines})`;
  const starts = `SELECT line, blank, skipped, coalesce(sum(q) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) % 2 = 0 AS starts FROM (${counted})`;
  return `SELECT ${fileIndex} AS file_index, row_number() OVER (ORDER BY line) AS unit, line, blank, skipped FROM (${starts}) WHERE starts`;
}

/**
 * SQL of the data records of `files` in the order the reader returns them (files in order,
 * records in file order): `pos` (0-based position among all the files' rows), file_index and
 * `line`. Blank lines, skipped lines, the header and the records DuckDB rejected
 * (`parseRejected`: SQL of (file_index, unit) pairs) return no row.
 */
export function csvRecordsSql(units: string, header: boolean, parseRejected?: string): string {
  let records = `SELECT file_index, unit, line FROM ${quoteIdent(units)} WHERE NOT skipped AND NOT blank`;
  if (header) records += ` QUALIFY row_number() OVER (PARTITION BY file_index ORDER BY unit) > 1`;
  if (parseRejected) records = `SELECT k.* FROM (${records}) AS k ANTI JOIN (${parseRejected}) AS r USING (file_index, unit)`;
  return `SELECT row_number() OVER (ORDER BY file_index, unit) - 1 AS pos, file_index, line FROM (${records})`;
}
