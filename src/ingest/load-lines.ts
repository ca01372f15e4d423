/**
 * The line of the input row behind a value `floe load` could not write into an existing
 * table's column, as `floe run` gives its rejects one.
 *
 * The write's projection (reconcile.ts) stops at the first value that does not fit, with a
 * message naming the table, the column and the value (`cannot write to raw.t: column "n":
 * ..., and the value 3000000000 does not fit it exactly`) or saying the column is required
 * and the input has a NULL. The files are then read once more, on one thread so rows come in
 * file order, numbered, for the first row holding that value (or a NULL); its position in
 * its file gives the physical line: CSV through the quote-aware line map (csv-lines.ts), JSON
 * Lines through the line check (jsonl-lines.ts). A JSON document or Parquet file has no lines,
 * so the message names the record or row number. The message becomes `file:line: cannot write
 * to ...`.
 * When the value cannot be found (a value the read cannot compare as text), the error is left
 * as it was.
 */
import { FloeError } from '../errors.js';
import type { Engine } from '../engine/duckdb.js';
import { openEngine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { scanJsonLines } from '../sources/jsonl-lines.js';
import { duplicateKeyFound, findDuplicateKey, isDuplicateKeyError } from '../sources/json-keys.js';
import { locationOf } from '../sources/staged.js';
import { csvLineOf, loadCsvDialect } from './explain-read.js';
import { type FileFormat, fileSourceSql } from './file-source.js';
import { VALUE_ERRORS } from './reconcile.js';
import { escapeRegExp } from '../regexp.js';

const FILE = '__floe_load_file';

const COLUMN = 'cannot write to \\S+: column "((?:[^"]|"")+)"';
const VALUE_ERROR = new RegExp(`${COLUMN}: the input has type .*?, and the value ([\\s\\S]*?) (?:${escapeRegExp(VALUE_ERRORS.notExact)}|(?:${escapeRegExp(VALUE_ERRORS.notNull)}|${escapeRegExp(VALUE_ERRORS.notDateTime)}) \\()`);
const REQUIRED_ERROR = new RegExp(`${COLUMN} ${escapeRegExp(VALUE_ERRORS.requiredNull)}`);

/** What a failed value says: the column, and the value as text (undefined for a NULL in a required column). */
export function failedValue(message: string): { column: string; value?: string } | undefined {
  const value = VALUE_ERROR.exec(message);
  if (value) return { column: value[1]!, value: value[2]! };
  const required = REQUIRED_ERROR.exec(message);
  return required ? { column: required[1]! } : undefined;
}

/** `err` with the file and line (or record) of the value it names, when it names one; else `err`. */
export async function withValueLine(err: unknown, paths: readonly string[], format: FileFormat): Promise<unknown> {
  if ((format === 'jsonl' || format === 'json') && isDuplicateKeyError(err)) return withDuplicateKeyLine(err, paths, format);
  if (!(err instanceof FloeError) || /^[^\s:]+:\d+: /.test(err.message)) return err;
  const failed = failedValue(err.message);
  if (!failed) return err;
  const engine = await openEngine({ threads: 1 });
  try {
    const at = await locate(engine, paths, format, failed);
    if (!at) return err;
    const where = at.line !== undefined ? `${at.file}:${at.line}` : `${at.file} (${format === 'parquet' ? 'row' : 'record'} ${at.index + 1})`;
    // DuckDB's wrapping ("could not write Parquet data files ... Invalid Input Error:") and the
    // list of inputs give way to the file and line.
    const start = err.message.indexOf('cannot write to ');
    const what = err.message.slice(start).replace(/ \(input: [^()]*\)$/, '');
    return new FloeError(err.kind, `${where}: ${what}`, {
      cause: err,
      context: { ...err.context, file: at.file, ...(at.line !== undefined ? { line: at.line } : { record: at.index + 1 }) },
      hint: err.hint,
      retryable: err.retryable,
      files: [at.file],
    });
  } catch {
    return err;
  } finally {
    engine.close();
  }
}

/**
 * DuckDB's error for a key twice in one object of a record, which counts records (blank lines
 * skipped) instead of lines, as the same refusal `floe run` gives (json-keys.ts): the user's
 * file, its line (record number in a document) and the key. The file DuckDB names is looked
 * at first. `err` when no such record is found.
 */
async function withDuplicateKeyLine(err: unknown, paths: readonly string[], format: 'jsonl' | 'json'): Promise<unknown> {
  const named = paths.filter((p) => err instanceof Error && err.message.includes(`"${p}"`));
  const files = [...named, ...paths.filter((p) => !named.includes(p))].map((p) => ({ read: p, name: locationOf(p) }));
  const engine = await openEngine({ threads: 1 });
  try {
    const found = await findDuplicateKey(engine, files, format === 'jsonl' ? 'newline_delimited' : 'auto');
    if (!found) return err;
    const e = duplicateKeyFound(found);
    e.cause = err;
    return e;
  } catch {
    return err;
  } finally {
    engine.close();
  }
}

/** The file of the first row holding the value, its 0-based index among the file's rows, and its physical line where the format has lines. */
async function locate(engine: Engine, paths: readonly string[], format: FileFormat, failed: { column: string; value?: string }): Promise<{ file: string; index: number; line?: number } | undefined> {
  const read = fileSourceSql(paths, { format, filenameColumn: FILE });
  const columns = await engine.columns(read, 'list the input columns');
  // The table column's name is matched case-insensitively to the input's, as reconcile.ts does.
  const name = failed.column.replace(/""/g, '"');
  const input = columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!input) return undefined;
  const col = quoteIdent(input.name);
  const cond = failed.value === undefined ? `${col} IS NULL` : `CAST(${col} AS VARCHAR) = ${quoteLiteral(failed.value)}`;
  // One thread: the window numbers the rows in the order the reader gives them, files in list order.
  const numbered = `SELECT ${quoteIdent(FILE)} AS f, ${cond} AS hit, row_number() OVER () - 1 AS pos FROM (${read})`;
  const rows = await engine.all(
    `WITH n AS MATERIALIZED (${numbered}) SELECT h.f, h.pos - (SELECT min(pos) FROM n WHERE n.f = h.f) AS k FROM (SELECT f, pos FROM n WHERE hit ORDER BY pos LIMIT 1) AS h`,
    'find the input row of the value',
  );
  const row = rows[0];
  if (!row) return undefined;
  const file = String(row.f);
  const index = Number(row.k);
  if (format === 'csv') {
    const line = await csvLineOf(engine, file, await loadCsvDialect(engine, file), (views) => views.lineOfRecord(String(index)), `find the line of record ${index + 1} of ${file}`);
    return { file, index, ...(line !== undefined ? { line } : {}) };
  }
  if (format === 'jsonl') {
    const scan = await scanJsonLines(engine, file, {});
    const run = scan.runs?.filter((r) => r.record <= index).at(-1);
    return { file, index, ...(run ? { line: run.line + (index - run.record) } : {}) };
  }
  return { file, index };
}
