/**
 * How floe asks DuckDB's JSON reader for records, shared by the jsonl, json and http sources
 * and `floe load`.
 *
 * - Column types must hold every record. DuckDB types them from a sample (the first 20,480
 *   records of each file): a key first seen later is dropped without a word, and a value
 *   that does not fit the sampled type fails the read (or, with `ignore_errors`, becomes
 *   NULL). Where the sample may not be enough, `sample_size = -1` types them from every
 *   record (jsonl-lines.ts decides for JSON Lines, the page sizes for http).
 * - A column whose values have several JSON types (`1` on one line, `"x"` on another) is
 *   typed JSON by DuckDB and would reach the table as JSON text, with quotes around the
 *   strings. `textJsonColumns` turns it into text: a string value is its text, any other
 *   value its JSON. So does a nested one (a struct's field, a list's element, a map's value:
 *   an object whose keys vary and whose values mix kinds is a MAP(VARCHAR, JSON)), so a
 *   value is stored the same at any depth and whichever type the object is read as.
 * - DuckDB types an integer beyond 64 bits, or any number beside a fraction, as DOUBLE, which
 *   rounds integers past 2^53. `textJsonColumns`, given where the records' text can be read
 *   again, reads such a column exactly instead (decimal(38, 0), or the numbers as written).
 * - DuckDB types integers whose first value is positive and a later one negative (`7`, then
 *   `-3`) as HUGEINT, at any depth (it widens its UBIGINT and BIGINT to it), which a table
 *   stores as decimal(38, 0): a feed whose ids were all positive yesterday then fails today
 *   against its `long` column. `textJsonColumns` reads such a column as BIGINT when every
 *   value fits 64 bits (a value that does not keeps HUGEINT, read exactly).
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { sourceError } from '../errors.js';
import { NO_HIVE } from './no-hive.js';
import { readTextHead } from '../ingest/csv-malformed-sample.js';

/**
 * `read_json(...)` over JSON Lines files whose every line is an object (blank lines are
 * skipped). `sampleAll` types the columns from every record; each bind of the query then
 * reads the files once more, so callers that know the default sample is enough say so.
 */
export function jsonLinesReadSql(files: readonly string[], o: { filenameColumn?: string; sampleAll: boolean }): string {
  const filename = o.filenameColumn ? `, filename = '${o.filenameColumn}'` : '';
  return `read_json([${files.map(quoteLiteral).join(', ')}], format = 'newline_delimited', records = 'true', union_by_name = true, ${NO_HIVE}${o.sampleAll ? ', sample_size = -1' : ''}${filename})`;
}

/**
 * Whether JSON text holds a run of 16 digits that is not a fraction's (no `.` or digit before
 * it): maybe an integer a double cannot hold (the smallest, 2^53 + 1, has 16). A fraction's
 * digits do not count: a double as most writers print it has 16 or 17 of them.
 */
export const mayHoldLongInteger = (text: string): boolean => /(?<![.\d])\d{16}/.test(text);

/**
 * Where the exact text of each record's numbers can be read again, for `textJsonColumns`:
 * `objects` is SQL of a relation with one `json` column, one row per record of `select`, in
 * the same order (`objectsSql`). `mayHoldLong` false says no record's text holds an integer
 * of 16 digits (mayHoldLongInteger), so no number in it a double cannot hold, and saves the
 * check's reads.
 */
export interface ExactNumbers {
  objects: string;
  mayHoldLong?: boolean;
}

/** The records of JSON files as raw JSON text, one row each, in the order `read_json` gives them. */
export function objectsSql(files: readonly string[], format: 'newline_delimited' | 'auto'): string {
  return `read_json_objects([${files.map(quoteLiteral).join(', ')}], format = '${format}', ${NO_HIVE})`;
}

/**
 * `select` with its JSON-typed output columns turned into text (see the header), and, given
 * `exact`, its top-level DOUBLE columns that hold an integer a double cannot hold exactly
 * (beyond 2^53 in magnitude, or beyond 64 bits, which DuckDB reads as DOUBLE) read again
 * from the records' text: as decimal(38, 0) when every value is an integer of at most 38
 * digits, else as text (the number as written). Nothing is rounded without a word; a
 * pipeline's `columns:` type then converts from the exact value (a long column refuses a
 * value beyond 64 bits as a conversion reject).
 */
export async function textJsonColumns(engine: Engine, select: string, purpose: string, exact?: ExactNumbers, inspect?: (names: string[]) => Promise<void>): Promise<string> {
  const columns = await engine.columns(select, purpose, { kind: 'source' });
  // `inspect` is shown the names the read binds (json-keys.ts: keys that differ only in case).
  await inspect?.(columns.map((c) => c.name));
  // Each column as it is written, when that is not the column itself: its JSON values as text, a HUGEINT that fits as BIGINT.
  const written = new Map<string, string>();
  for (const c of columns) {
    const text = jsonAsTextSql(`__j.${quoteIdent(c.name)}`, c.type, 0);
    if (text !== undefined) written.set(c.name, text);
  }
  const doubles = exact && exact.mayHoldLong !== false ? columns.filter((c) => c.type.toString() === 'DOUBLE').map((c) => c.name) : [];
  // HUGEINT at any depth that may be BIGINT (see the header): the column as it is written (its JSON turned into text) and as BIGINT.
  const huge = columns.flatMap((c, i) => {
    const narrow = c.type.toString().replace(HUGEINT, 'BIGINT');
    return narrow === c.type.toString() ? [] : [{ name: c.name, expr: written.get(c.name) ?? `__j.${quoteIdent(c.name)}`, narrow, i }];
  });
  // A double that rounds an integer is at least 2^53 in magnitude: one read of the typed
  // records (it also counts them, for the join below) finds the columns that may hold one,
  // so the records' text is parsed again, per column, only when some value is that large.
  // The same read says which HUGEINT columns fit BIGINT.
  const gate: Record<string, unknown> = doubles.length || huge.length
    ? ((await engine.all(
        `SELECT ${[
          'count(*)::BIGINT AS n',
          ...doubles.map((n, i) => `coalesce(max(abs(__j.${quoteIdent(n)})) >= 9007199254740992, false) AS big${i}`),
          ...huge.map((h) => `coalesce(bool_and(${h.expr} IS NULL OR TRY_CAST(${h.expr} AS ${h.narrow}) IS NOT DISTINCT FROM ${h.expr}), true) AS fits${h.i}`),
        ].join(', ')} FROM (${select}) AS __j`,
        `${purpose}: look for numbers a double may have rounded`,
        { kind: 'source' },
      ))[0] ?? {})
    : {};
  for (const h of huge) if (gate[`fits${h.i}`] === true) written.set(h.name, `CAST(${h.expr} AS ${h.narrow})`);
  const replace = [...written].map(([name, sql]) => `${sql} AS ${quoteIdent(name)}`);
  const large = doubles.filter((_, i) => gate[`big${i}`] === true);
  const found = large.length ? await exactDoubles(engine, exact!.objects, large, purpose) : { widened: [], records: 0 };
  const widened = found.widened;
  if (widened.length === 0) return replace.length ? `SELECT * REPLACE (${replace.join(', ')}) FROM (${select}) AS __j` : select;
  // The join is by position: both reads must give the same records, or values would land in other rows.
  const rows = Number(gate.n);
  if (rows !== found.records) {
    throw sourceError(`${purpose}: column ${widened.map((w) => w.name).join(', ')} holds integers a double cannot hold, and the records could not be read again exactly (${rows} records, ${found.records} objects)`, {
      hint: 'Send such numbers as JSON strings, or report this with a sample of the input.',
    });
  }
  const raw = widened.map((w, i) => `${jsonValueSql('json', w.name)} AS __floe_x${i}`);
  const exactText = (i: number) => `nullif(__floe_x${i}, 'null')`;
  replace.push(...widened.map((w, i) => `${w.integers ? `CAST(${exactText(i)} AS DECIMAL(38, 0))` : exactText(i)} AS ${quoteIdent(w.name)}`));
  return (
    `SELECT * EXCLUDE (${widened.map((_, i) => `__floe_x${i}`).join(', ')}) REPLACE (${replace.join(', ')}) ` +
    `FROM (${select}) AS __j POSITIONAL JOIN (SELECT ${raw.join(', ')} FROM ${exact!.objects}) AS __floe_x`
  );
}

/** HUGEINT in a DuckDB type's text, not a struct field of that name (names are quoted there). */
const HUGEINT = /(?<!")\bHUGEINT\b(?!")/g;

/** The parts of a DuckDB type that jsonAsTextSql reads (the node API's type classes). */
interface ReadType {
  alias?: string;
  toString(): string;
  entryNames?: readonly string[];
  entryTypes?: readonly ReadType[];
  valueType?: ReadType;
  keyType?: ReadType;
}

/** Whether the node API's type is JSON: it reports JSON as VARCHAR with the alias JSON. */
const isJson = (t: ReadType): boolean => t.alias === 'JSON' || t.toString() === 'JSON';

/**
 * SQL turning every JSON value in `expr` (of DuckDB type `type`) into text, at any depth (a
 * struct's field, a list's element, a map's value): a JSON string is its text (`x`, not
 * `"x"`), any other value its JSON (`1`, `{"a":1}`, `null`). Undefined when `type` holds no
 * JSON. Structs, lists and maps around such values are rebuilt with the same names and keys;
 * a NULL stays NULL.
 */
export function jsonAsTextSql(expr: string, type: ReadType, depth: number): string | undefined {
  if (isJson(type)) return `CASE WHEN json_type(${expr}) = 'VARCHAR' THEN ${expr} ->> '$' ELSE CAST(${expr} AS VARCHAR) END`;
  const v = `__floe_t${depth}`;
  if (type.entryNames && type.entryTypes) {
    const names = type.entryNames;
    const inner = type.entryTypes.map((t, i) => jsonAsTextSql(`(${expr}).${quoteIdent(names[i]!)}`, t, depth + 1));
    if (inner.every((x) => x === undefined)) return undefined;
    const fields = names.map((n, i) => `${quoteIdent(n)} := ${inner[i] ?? `(${expr}).${quoteIdent(n)}`}`);
    return `CASE WHEN (${expr}) IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
  }
  if (type.valueType && type.keyType) {
    const value = jsonAsTextSql(`${v}.value`, type.valueType, depth + 1);
    if (value === undefined) return undefined;
    return `map_from_entries(list_transform(map_entries(${expr}), lambda ${v}: {'key': ${v}.key, 'value': ${value}}))`;
  }
  if (type.valueType && type.toString().endsWith('[]')) {
    const element = jsonAsTextSql(v, type.valueType, depth + 1);
    return element === undefined ? undefined : `list_transform(${expr}, lambda ${v}: ${element})`;
  }
  return undefined;
}

/** SQL: the JSON text of top-level key `key` of the JSON object text `json` (a JSON Pointer, so any key works). */
function jsonValueSql(json: string, key: string): string {
  return `CAST(json_extract(${json}, ${quoteLiteral(`/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`)}) AS VARCHAR)`;
}

/** The DOUBLE columns among `names` holding an integer a double does not hold exactly, and whether all their values are integers that fit decimal(38, 0). */
async function exactDoubles(engine: Engine, objects: string, names: readonly string[], purpose: string): Promise<{ widened: { name: string; integers: boolean }[]; records: number }> {
  const x = (i: number) => `__floe_x${i}`;
  const isInt = (i: number) => `regexp_full_match(${x(i)}, '-?[0-9]+')`;
  const big = (i: number) => `TRY_CAST(${x(i)} AS HUGEINT)`;
  const checks = names.flatMap((_, i) => [
    `coalesce(bool_or(${isInt(i)} AND (${big(i)} IS NULL OR TRY_CAST(TRY_CAST(${x(i)} AS DOUBLE) AS HUGEINT) IS DISTINCT FROM ${big(i)})), false) AS lossy${i}`,
    `coalesce(bool_and(${x(i)} IS NULL OR ${x(i)} = 'null' OR (${isInt(i)} AND length(ltrim(${x(i)}, '-')) <= 38)), true) AS ints${i}`,
  ]);
  const sql = `SELECT count(*)::BIGINT AS records, ${checks.join(', ')} FROM (SELECT ${names.map((n, i) => `${jsonValueSql('json', n)} AS ${x(i)}`).join(', ')} FROM ${objects})`;
  const row = (await engine.all(sql, `${purpose}: look for integers a double cannot hold`, { kind: 'source' }))[0] ?? {};
  return { widened: names.flatMap((name, i) => (row[`lossy${i}`] === true ? [{ name, integers: row[`ints${i}`] === true }] : [])), records: Number(row.records) };
}

/**
 * A JSON file that starts with a UTF-8 byte order mark (as Windows tools write) is refused by
 * DuckDB's JSON reader with "Malformed JSON ... in line 2", after the run's read had begun:
 * refused before the read, naming the file, line 1 and what to do.
 */
export async function refuseJsonBom(files: readonly string[]): Promise<void> {
  for (const f of files) {
    const { bytes } = await readTextHead(f, 3).catch(() => ({ bytes: Buffer.alloc(0) }));
    if (bytes.length === 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      throw sourceError(`${f}:1: the file starts with a UTF-8 byte order mark, which the JSON reader does not take`, {
        context: { file: f, line: 1 },
        files: [f],
        hint: "Remove the mark (sed -i '1s/^\\xEF\\xBB\\xBF//' <file>) or export the file without it.",
      });
    }
  }
}
