/**
 * JSON keys that name one column: `Email` and `email`, in one record or in two.
 *
 * DuckDB's JSON reader keeps both as columns, renaming the second (`Email`, `email_1`), so a
 * pipeline's `columns:` rule for `email` (a PII policy among them) failed as "not in the
 * source", and `floe load` created a table with an `email_1` column. Column names are
 * case-insensitive in floe (as in Iceberg's and DuckDB's SQL), so such input is refused,
 * naming the file, the record's line (JSON Lines) or number (a JSON document) and the keys.
 * Two keys spelled exactly alike in one record are DuckDB's own error, which names its line.
 *
 * Looking costs nothing when no key differs only in case: only when the columns the read
 * binds hold a name that looks renamed (`x_1` beside an `x`, ingest/csv-header.ts) are the
 * files' keys read again, one pass each.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { sourceError } from '../errors.js';
import { mayHoldRenamedDuplicate } from '../ingest/csv-header.js';
import { scanJsonLines } from './jsonl-lines.js';

/** A file to look in: `read` is what DuckDB reads (a copy with bad lines blanked keeps the numbering), `name` what messages say. */
export interface JsonKeyFile {
  read: string;
  name: string;
}

/** Refuses the input when two of its keys differ only in case (see the header). */
export async function refuseCaseDuplicateKeys(engine: Engine, files: readonly JsonKeyFile[], format: 'newline_delimited' | 'auto', columns: readonly string[]): Promise<void> {
  if (!mayHoldRenamedDuplicate(columns)) return;
  const where = async (f: JsonKeyFile, record: number) => {
    if (format !== 'newline_delimited') return { text: `${f.name} (record ${record})`, record };
    const scan = await scanJsonLines(engine, f.read, {});
    const run = scan.runs?.filter((r) => r.record <= record - 1).at(-1);
    return run ? { text: `${f.name}:${run.line + (record - 1 - run.record)}`, line: run.line + (record - 1 - run.record) } : { text: `${f.name} (record ${record})`, record };
  };
  const objects = (f: JsonKeyFile) => `(SELECT ordinality AS n, json_keys(json) AS k FROM read_json_objects(${quoteLiteral(f.read)}, format = '${format}') WITH ORDINALITY)`;
  // The first spelling of each key, by file, for keys spelled two ways in different records.
  const firstSeen = new Map<string, { key: string; file: JsonKeyFile; record: number }>();
  for (const f of files) {
    const inOne = await quietly(engine.all(
      `SELECT n, CAST(to_json(k) AS VARCHAR) AS k FROM ${objects(f)} WHERE len(list_distinct(list_transform(k, x -> lower(x)))) < len(list_distinct(k)) ORDER BY n LIMIT 1`,
      `look for keys of ${f.name} that differ only in case`,
    ));
    const hit = inOne[0];
    if (hit) {
      const keys = (JSON.parse(String(hit.k)) as unknown[]).map(String);
      const lower = keys.map((k) => k.toLowerCase());
      const clash = keys.filter((_, i) => lower.indexOf(lower[i]!) !== lower.lastIndexOf(lower[i]!));
      const at = await where(f, Number(hit.n));
      throw refused(`${at.text}: the record has keys ${[...new Set(clash)].map((k) => JSON.stringify(k)).join(' and ')}`, f.name, at);
    }
    const spellings = await quietly(engine.all(
      `SELECT key, min(n) AS n FROM (SELECT n, unnest(k) AS key FROM ${objects(f)}) GROUP BY key ORDER BY n, key`,
      `list the keys of ${f.name}`,
    ));
    for (const s of spellings) {
      const key = String(s.key);
      const seen = firstSeen.get(key.toLowerCase());
      if (!seen) {
        firstSeen.set(key.toLowerCase(), { key, file: f, record: Number(s.n) });
        continue;
      }
      if (seen.key === key) continue;
      const a = await where(seen.file, seen.record);
      const b = await where(f, Number(s.n));
      throw refused(`${a.text} has key ${JSON.stringify(seen.key)} and ${b.text} has key ${JSON.stringify(key)}`, f.name, b);
    }
  }
}

/** The rows, or none when the look itself fails (the read then fails, or not, as it would without it). */
const quietly = <T>(p: Promise<T[]>): Promise<T[]> => p.catch(() => []);

function refused(what: string, file: string, at: { line?: number; record?: number }) {
  return sourceError(`${what}, which name one column: column names are case-insensitive`, {
    context: { file, ...(at.line !== undefined ? { line: at.line } : { record: at.record }) },
    files: [file],
    hint: 'Spell each key the same way in every record (or rename one of the two).',
  });
}
