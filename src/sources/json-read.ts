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
 *   value its JSON.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';

/**
 * `read_json(...)` over JSON Lines files whose every line is an object (blank lines are
 * skipped). `sampleAll` types the columns from every record; each bind of the query then
 * reads the files once more, so callers that know the default sample is enough say so.
 */
export function jsonLinesReadSql(files: readonly string[], o: { filenameColumn?: string; sampleAll: boolean }): string {
  const filename = o.filenameColumn ? `, filename = '${o.filenameColumn}'` : '';
  return `read_json([${files.map(quoteLiteral).join(', ')}], format = 'newline_delimited', records = 'true', union_by_name = true${o.sampleAll ? ', sample_size = -1' : ''}${filename})`;
}

/** `select` with its JSON-typed output columns turned into text (see the header). */
export async function textJsonColumns(engine: Engine, select: string, purpose: string): Promise<string> {
  const columns = await engine.columns(select, purpose, { kind: 'source' });
  // The node API reports JSON as VARCHAR with the alias JSON.
  const json = columns.filter((c) => c.type.alias === 'JSON' || c.type.toString() === 'JSON');
  if (json.length === 0) return select;
  const replace = json.map((c) => {
    const q = `__j.${quoteIdent(c.name)}`;
    return `CASE WHEN json_type(${q}) = 'VARCHAR' THEN ${q} ->> '$' ELSE CAST(${q} AS VARCHAR) END AS ${quoteIdent(c.name)}`;
  });
  return `SELECT * REPLACE (${replace.join(', ')}) FROM (${select}) AS __j`;
}
