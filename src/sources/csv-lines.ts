/**
 * The physical line each CSV record starts on, computed by DuckDB and only when asked.
 *
 * DuckDB's CSV reader numbers neither its rows nor, exactly, its rejects: the `line` of its
 * reject table counts records (a quoted field holding newlines counts once; DuckDB calls
 * each such record, blank and skipped lines included, a line), so after such a field it is no
 * longer the line an editor shows. The lines are recovered here from the file itself, read by
 * DuckDB's reader as one text column (no quote, a delimiter no text holds) `WITH ORDINALITY`:
 * a line whose quote characters at a field's edge (escaped ones left out, quoteCountSql) are
 * odd in number opens or closes a quoted field, and the lines after an opening one, up to its
 * closing one, continue a record.
 *
 * Not told apart, so the lines after them can be off: a quote that ends an unquoted field
 * (`12",screen`: DuckDB reads `12"` as text, here it looks like a closing quote) or starts
 * one after spaces (`a, "b`), and an escape character before a quote outside quoted fields
 * (`5\",x` reads as text in DuckDB and is skipped here as an escaped quote, which agrees;
 * `5\\",x` does not).
 *
 * One pass per file keeps only the few lines that matter (odd quote counts, blank lines) and
 * the line count. Everything after it works on those: the lines that start no data record
 * (continuations, blank and skipped lines, the header, DuckDB's rejected records) are the
 * gaps, and each run of data records between gaps is (its first record's position, its
 * line), as for JSON Lines (json.ts lineMap). All of it is views: nothing is read until a
 * reject needs its line, so a run without rejects does not pay for it.
 */
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { CsvDialect } from '../ingest/explain-read.js';
import { maxLineOptionFor } from '../ingest/csv-errors.js';

/** Four control bytes as the delimiter: no CSV line holds them, so each line is one value. */
const NO_DELIMITER = 'chr(0) || chr(31) || chr(0) || chr(30)';

/** `s` as an RE2 pattern matching it literally. */
const literal = (s: string) => s.replace(/[\\^$.|?*+()[\]{}-]/g, '\\$&');

/** SQL: the line `text` without its escaped quotes, for quoteCountSql. */
function unescapedSql(text: string, d: CsvDialect): string {
  return d.escape !== '' && d.escape !== d.quote
    ? `replace(replace(${text}, ${quoteLiteral(d.escape + d.escape)}, ''), ${quoteLiteral(d.escape + d.quote)}, '')`
    : `replace(${text}, ${quoteLiteral(d.quote + d.quote)}, '')`;
}

/**
 * SQL: how many quote characters of the line `u` (unescapedSql) open or close a quoted
 * field. Escaped quotes are left out first: `escape quote` and `escape escape` when the
 * escape differs from the quote, `quote quote` pairs when it is the quote itself (a pair is an
 * escaped quote inside a quoted field, or an empty field, `""`: neither opens nor closes one
 * across lines). Of the rest, only a quote at a field's edge counts: after the line's start or
 * a delimiter (it opens), or before a delimiter or the line's end (it closes). DuckDB reads a
 * quote inside an unquoted field (`5" screen`, `a\"b`) as text, so it counts for nothing here
 * either. A quote that is both (a field holding just the delimiter, `","`) counts once.
 */
function quoteCountSql(u: string, d: CsvDialect): string {
  const q = literal(d.quote);
  const sep = literal(d.delimiter);
  // One regex pass: an opening quote with the delimiter before it, or a closing one with the
  // delimiter after it. Each delimiter is doubled first, so that a closing quote and the
  // next field's opening one do not share theirs; a quote that is both (`","`) matches once.
  const spaced = `replace(${u}, ${quoteLiteral(d.delimiter)}, ${quoteLiteral(d.delimiter + d.delimiter)})`;
  const edges = `len(regexp_extract_all(${spaced}, ${quoteLiteral(`(?:^|${sep})${q}|${q}(?:${sep}|\\r?$)`)}))`;
  if ([...d.delimiter].length !== 1) return edges;
  // Most lines hold no quote inside a field (one with a character other than the delimiter on
  // both sides): then every quote is at an edge, and counting them all (no regex, no list) is
  // 3 times faster than the count of edges on a 12 MB CSV whose every field is quoted.
  const inside = `[^${sep}]${q}(?:[^${sep}\\r]|\\r.)`;
  return `(CASE WHEN regexp_matches(${u}, ${quoteLiteral(inside)}) THEN ${edges} ELSE length(${u}) - length(replace(${u}, ${quoteLiteral(d.quote)}, '')) END)`;
}

/**
 * The encoding to map the lines of a UTF-8 file in when reading it as UTF-8 failed (a line
 * that is not UTF-8: a Latin-1 export, which DuckDB's reader quarantines): Latin-1, when the
 * dialect's characters are ASCII, so newlines, quotes and delimiters, ASCII bytes that UTF-8
 * never uses inside another character, fall where they do in UTF-8. Not the first choice:
 * DuckDB's Latin-1 reader refuses some UTF-8 files ("File is not latin-1 encoded").
 */
export function fallbackLineEncoding(d: CsvDialect): string | undefined {
  const ascii = (s: string) => /^[\x00-\x7f]*$/.test(s);
  return /^utf-?8$/i.test(d.encoding) && ascii(d.delimiter) && ascii(d.quote) && ascii(d.escape) ? 'latin-1' : undefined;
}

/**
 * SQL of one row per file: file_index, n (its lines), marks: the lines after the skipped ones
 * that are blank (as -line) or hold an odd number of quotes (as line). One list aggregate
 * with a cheap filter first (most lines hold no quote): a third of the time of two lists.
 */
export function csvLineSummarySql(files: readonly string[], d: CsvDialect, encoding: string = d.encoding): string {
  // u: the line without escaped quotes, made once per line that holds a quote (DuckDB would
  // make it again for each use in one expression).
  const u = d.quote === '' ? 'NULL' : `CASE WHEN contains(t, ${quoteLiteral(d.quote)}) THEN ${unescapedSql('t', d)} END`;
  const odd = d.quote === '' ? 'false' : `(u IS NOT NULL AND ${quoteCountSql('u', d)} % 2 = 1)`;
  return files
    .map((file, i) => {
      const lines =
        `SELECT ordinality AS line, coalesce(t, '') AS t FROM read_csv(${quoteLiteral(file)}, columns = {'t': 'VARCHAR'}, header = false, auto_detect = false, ` +
        `quote = '', escape = '', delim = ${NO_DELIMITER}, strict_mode = false, encoding = ${quoteLiteral(encoding)}, ${maxLineOptionFor(file)}) WITH ORDINALITY`;
      return (
        `SELECT ${i} AS file_index, count(*)::BIGINT AS n, ` +
        `coalesce(list(CASE WHEN t = '' THEN -line ELSE line END) FILTER (WHERE line > ${d.skip} AND (t = '' OR ${odd})), []) AS marks FROM (SELECT line, t, ${u} AS u FROM (${lines}))`
      );
    })
    .join(' UNION ALL ');
}

/**
 * SQL of the runs of a sorted set of gap lines per file (`gaps`: file_index, line): each run
 * of consecutive other lines as (file_index, line: its first line, k: how many other lines
 * come before it). A file without gaps has the run (1, 0). Lines past `n` are not in a run.
 */
function runsSql(gaps: string, summary: string): string {
  const ranked = `SELECT file_index, line, line - row_number() OVER (PARTITION BY file_index ORDER BY line) AS k, lead(line) OVER (PARTITION BY file_index ORDER BY line) AS next FROM (${gaps})`;
  return (
    `SELECT g.file_index, g.line + 1 AS line, g.k FROM (${ranked}) AS g JOIN ${summary} AS s USING (file_index) ` +
    `WHERE g.line + 1 <= s.n AND (g.next IS NULL OR g.next > g.line + 1) ` +
    `UNION ALL SELECT s.file_index, 1 AS line, 0 AS k FROM ${summary} AS s WHERE s.n > 0 AND NOT EXISTS (SELECT 1 FROM (${gaps}) AS g WHERE g.file_index = s.file_index AND g.line = 1)`
  );
}

/** The views of a file set's line map, and how to use them. */
export interface CsvLineViews {
  /** [name, SQL] to create as temp views, in order. */
  views: [string, string][];
  /** SQL: the physical line of DuckDB's reject `line` (`unit`) in file `fileIndex` (SQL expressions). */
  lineOfUnit: (fileIndex: string, unit: string) => string;
  /** SQL: the physical line of the record at 0-based position `pos` among all the files' data records. */
  lineOfRecord: (pos: string) => string;
}

/**
 * The line map of `files`, read in this order: two views, each one pass over the files (the
 * summary is a materialised CTE, read once however often the view uses it). `name(prefix)`
 * makes a view name. `rejected`, when given, is SQL of DuckDB's rejected records as
 * (file_index, unit).
 */
export function csvLineViews(
  files: readonly string[],
  d: CsvDialect,
  header: boolean,
  name: (prefix: string) => string,
  rejected?: string,
  /** A table already holding csvLineSummarySql's rows (the pass made once, when it is sure to be needed). */
  summaryTable?: string,
): CsvLineViews {
  const unitRunsView = name('csv_unit_runs');
  const recordRunsView = name('csv_record_runs');
  const summary = 'summary'; // the CTE
  // Odd-quote lines pair up: each opens a quoted field the next one closes; an opening one
  // left without a partner (an unterminated quote) runs to the end of the file.
  const paired = `SELECT file_index, n, o, lead(o) OVER (PARTITION BY file_index ORDER BY o) AS closing, row_number() OVER (PARTITION BY file_index ORDER BY o) AS k FROM (SELECT file_index, n, unnest(marks) AS o FROM summary) WHERE o > 0`;
  const base = [
    `summary AS MATERIALIZED (${summaryTable ? `SELECT * FROM ${quoteIdent(summaryTable)}` : csvLineSummarySql(files, d)})`,
    `continued AS (SELECT file_index, unnest(generate_series(o + 1, coalesce(closing, n))) AS line FROM (${paired}) WHERE k % 2 = 1)`,
    `unit_runs AS MATERIALIZED (${runsSql('SELECT file_index, line FROM continued', summary)})`,
  ];
  const unitIn = (runs: string) => (fileIndex: string, unit: string) =>
    `(SELECT CAST(arg_max(__ur.line + (${unit} - 1 - __ur.k), __ur.k) AS BIGINT) FROM ${runs} AS __ur WHERE __ur.file_index = ${fileIndex} AND __ur.k <= ${unit} - 1)`;
  // Lines that start no data record, before the header: continuations, skipped and blank lines.
  const skips = d.skip > 0 ? ` UNION SELECT file_index, unnest(generate_series(1, least(${d.skip}, n))) AS line FROM summary WHERE n > 0` : '';
  const gaps = [`SELECT file_index, line FROM gaps0`];
  // The header: the first line that is none of those.
  if (header) gaps.push(`SELECT file_index, line FROM (${runsSql('SELECT file_index, line FROM gaps0', summary)}) WHERE k = 0`);
  if (rejected) gaps.push(`SELECT rj.file_index, ${unitIn('unit_runs')('rj.file_index', 'rj.unit')} AS line FROM (${rejected}) AS rj`);
  // Each file's data records follow the previous files' (the reader's order).
  const counts = `SELECT s.file_index, s.n - (SELECT count(*) FROM gaps AS g WHERE g.file_index = s.file_index AND g.line <= s.n) AS records FROM summary AS s`;
  const offsets = `SELECT file_index, coalesce(sum(records) OVER (ORDER BY file_index ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start FROM (${counts})`;
  const records = [
    ...base,
    `gaps0 AS MATERIALIZED (SELECT file_index, line FROM continued UNION SELECT file_index, -m AS line FROM (SELECT file_index, unnest(marks) AS m FROM summary) WHERE m < 0${skips})`,
    `gaps AS MATERIALIZED (${gaps.join(' UNION ')})`,
  ];
  const views: [string, string][] = [
    [unitRunsView, `WITH ${base.join(', ')} SELECT * FROM unit_runs`],
    [recordRunsView, `WITH ${records.join(', ')} SELECT CAST(r.line AS BIGINT) AS line, CAST(o.start + r.k AS BIGINT) AS pos FROM (${runsSql('SELECT file_index, line FROM gaps', summary)}) AS r JOIN (${offsets}) AS o USING (file_index)`],
  ];
  const lineOfRecord = (pos: string) => `(SELECT CAST(arg_max(__rr.line + (${pos} - __rr.pos), __rr.pos) AS BIGINT) FROM ${quoteIdent(recordRunsView)} AS __rr WHERE __rr.pos <= ${pos})`;
  return { views, lineOfUnit: unitIn(quoteIdent(unitRunsView)), lineOfRecord };
}
