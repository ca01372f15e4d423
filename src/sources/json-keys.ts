/**
 * JSON keys that name one column: `Email` and `email`, in one record or in two.
 *
 * DuckDB's JSON reader keeps both as columns, renaming the second (`Email`, `email_1`), so a
 * pipeline's `columns:` rule for `email` (a PII policy among them) failed as "not in the
 * source", and `floe load` created a table with an `email_1` column. Column names are
 * case-insensitive in floe (as in Iceberg's and DuckDB's SQL), so such input is refused,
 * naming the file, the record's line (JSON Lines) or number (a JSON document) and the keys.
 * Two keys spelled exactly alike in one record are DuckDB's own error, which names its line.
 * Keys of a nested object that differ only in case are DuckDB's error too (a struct's field
 * names are case-insensitive), which names no file: explainNestedCaseKeys finds them.
 *
 * Looking costs nothing when no key differs only in case: only when the columns the read
 * binds hold a name that looks renamed (`x_1` beside an `x`, ingest/csv-header.ts) are the
 * files' keys read again, one pass each.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { sourceError } from '../errors.js';
import { mayHoldRenamedDuplicate } from '../ingest/csv-header.js';
import { scanJson } from './http-json.js';
import { duplicateKeyIn, mayHoldDuplicateKey, scanJsonLines } from './jsonl-lines.js';

/** A file to look in: `read` is what DuckDB reads (a copy with bad lines blanked keeps the numbering), `name` what messages say. */
export interface JsonKeyFile {
  read: string;
  name: string;
  /** False when each line of `read` is one record (an http page): messages then say `name record n`, not `name:n`. */
  lines?: false;
}

/** Refuses the input when two of its keys differ only in case (see the header). */
export async function refuseCaseDuplicateKeys(engine: Engine, files: readonly JsonKeyFile[], format: 'newline_delimited' | 'auto', columns: readonly string[]): Promise<void> {
  if (!mayHoldRenamedDuplicate(columns)) return;
  const where = async (f: JsonKeyFile, record: number) => {
    if (f.lines === false) return { text: `${f.name} record ${record}`, record };
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

/**
 * A key twice in one object of a record (`{"a": 1, "a": 2}`, at any depth) fails the read,
 * as keys that differ only in case do: the line is valid JSON (DuckDB's json_valid takes it,
 * so it is no `malformed JSON` reject), but its data is ambiguous and floe does not pick one
 * of the values (the http source refuses such a page the same way). `at` is `file:line`, or
 * `file (record n)` where there are no lines.
 */
export function duplicateKeyError(at: string, file: string, where: { line?: number; record?: number }, key: string) {
  return sourceError(`${at}: the record has the key ${JSON.stringify(key)} twice in one object`, {
    context: { file, ...(where.line !== undefined ? { line: where.line } : { record: where.record }), key },
    files: [file],
    hint: 'A record must name each field once; floe does not pick one of the values. Fix the export that wrote the file.',
  });
}

/** DuckDB's error for a key twice in one object, which counts records (not lines) and names the file it read. */
const DUPLICATE_KEY = /has duplicate key "/;

/** Whether `e` is DuckDB's error for a key twice in one object. */
export const isDuplicateKeyError = (e: unknown): boolean => e instanceof Error && DUPLICATE_KEY.test(e.message);

/**
 * The first record of the files with a key twice in one object: its line (JSON Lines, and
 * `json` files holding JSON Lines, where `record` counts the objects), or its record number in
 * a JSON document. A document is parsed whole first and read key by key only when its text
 * may hold a duplicate (jsonl-lines.ts mayHoldDuplicateKey); one above 256 MiB is not looked at.
 */
export async function findDuplicateKey(engine: Engine, files: readonly JsonKeyFile[], format: 'newline_delimited' | 'auto'): Promise<{ file: JsonKeyFile; line?: number; record: number; key: string } | undefined> {
  for (const file of files) {
    if (format === 'auto') {
      if ((await stat(file.read)).size > MAX_SEARCH_BYTES) continue;
      const text = (await readFile(file.read, 'utf8')).trim();
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (value !== undefined) {
        if (!mayHoldDuplicateKey(text, value)) continue;
        const doc = scanJson(text, [[]], { uniqueKeys: false })[0];
        const records = doc?.kind === 'array' ? (doc.items ?? []) : doc ? [doc] : [];
        for (const [i, r] of records.entries()) {
          const key = duplicateKeyIn(text.slice(r.start, r.end));
          if (key !== undefined) return { file, record: i + 1, key };
        }
        continue;
      }
    }
    // JSON Lines (a `json` file that is not one document is JSON Lines to DuckDB's reader too).
    const scan = await scanJsonLines(engine, file.read, {});
    const dup = scan.duplicateKey;
    if (!dup) continue;
    const run = scan.runs?.filter((r) => r.line <= dup.line).at(-1);
    const record = run ? run.record + (dup.line - run.line) + 1 : 0;
    return format === 'newline_delimited' ? { file, line: dup.line, record, key: dup.key } : { file, record, key: dup.key };
  }
  return undefined;
}

/** The error for a found duplicate key (findDuplicateKey), naming the file as `name` says. */
export function duplicateKeyFound(found: { file: JsonKeyFile; line?: number; record: number; key: string }) {
  return duplicateKeyError(placeText(found), found.file.name, placeContext(found), found.key);
}

/** How a message names a record: `file:line`, `file (record n)` in a document, `page 2 (url) record n` for a file of one record per line. */
function placeText(w: { file: JsonKeyFile; line?: number; record: number }): string {
  if (w.file.lines === false) return `${w.file.name} record ${w.record}`;
  return w.line !== undefined ? `${w.file.name}:${w.line}` : `${w.file.name} (record ${w.record})`;
}

const placeContext = (w: { file: JsonKeyFile; line?: number; record: number }) => (w.line !== undefined && w.file.lines !== false ? { line: w.line } : { record: w.record });

/** The rows, or none when the look itself fails (the read then fails, or not, as it would without it). */
const quietly = <T>(p: Promise<T[]>): Promise<T[]> => p.catch(() => []);

function refused(what: string, file: string, at: { line?: number; record?: number }, names: 'column names' | 'field names' = 'column names') {
  const one = names === 'column names' ? 'one column' : 'one struct field';
  return sourceError(`${what}, which name ${one}: ${names} are case-insensitive`, {
    context: { file, ...(at.line !== undefined ? { line: at.line } : { record: at.record }) },
    files: [file],
    hint: 'Spell each key the same way in every record (or rename one of the two).',
  });
}

/**
 * DuckDB's error for keys of a nested object that differ only in case (`{"A": 1}` on one line,
 * `{"a": 2}` on another, or both in one object): it types the object as a struct, whose field
 * names are case-insensitive, and refuses the read naming neither file nor line, with a hint
 * (`ignore_errors=true`) floe does not take.
 */
const NESTED_CASE_TWIN = /Duplicate name "((?:[^"\\]|\\.)*)" in struct auto-detected in JSON/;

/**
 * `e`, or, when it is DuckDB's error for nested keys that differ only in case, the same refusal
 * as for top-level keys: the files are read again (JSON.parse, a failure path only) for the
 * first object below the top level holding both spellings, or the first two records that
 * spell the key two ways at one path, named with file and line (JSON Lines) or record.
 * Undefined is never returned: when the keys cannot be found, `e` is.
 */
export async function explainNestedCaseKeys(e: unknown, files: readonly JsonKeyFile[], format: 'newline_delimited' | 'auto'): Promise<unknown> {
  const m = e instanceof Error ? NESTED_CASE_TWIN.exec(e.message) : null;
  if (!m) return e;
  const name = m[1]!.toLowerCase();
  try {
    const found = await findNestedCaseKeys(files, format, name);
    if (!found) return e;
    const at = placeText;
    const context = placeContext;
    if (found.kind === 'one') {
      return refused(`${at(found.at)}: the record has keys ${found.keys.map((k) => JSON.stringify(k)).join(' and ')} in ${found.path}`, found.at.file.name, context(found.at), 'field names');
    }
    return refused(
      `${at(found.first)} has key ${JSON.stringify(found.keys[0])} in ${found.path} and ${at(found.second)} has key ${JSON.stringify(found.keys[1])}`,
      found.second.file.name,
      context(found.second),
      'field names',
    );
  } catch {
    return e;
  }
}

interface Where {
  file: JsonKeyFile;
  line?: number;
  record: number;
}

type NestedTwins = { kind: 'one'; at: Where; path: string; keys: string[] } | { kind: 'two'; first: Where; second: Where; path: string; keys: [string, string] };

/** Files above this size are not searched for nested keys (explainNestedCaseKeys): JSON.parse holds a whole document. */
const MAX_SEARCH_BYTES = 256 * 1024 * 1024;

/** The first nested keys equal to `name` without case, spelled two ways (see explainNestedCaseKeys). */
async function findNestedCaseKeys(files: readonly JsonKeyFile[], format: 'newline_delimited' | 'auto', name: string): Promise<NestedTwins | undefined> {
  // The first spelling of the key at each path (a list's elements share their list's path).
  const seen = new Map<string, { key: string; at: Where }>();
  let found: NestedTwins | undefined;
  const walk = (v: unknown, path: string, at: Where): void => {
    if (found || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, `${path}.element`, at);
      return;
    }
    const keys = Object.keys(v);
    if (path !== '') {
      const twins = keys.filter((k) => k.toLowerCase() === name);
      if (twins.length > 1) {
        found = { kind: 'one', at, path, keys: twins };
        return;
      }
      for (const k of twins) {
        const first = seen.get(path);
        if (!first) seen.set(path, { key: k, at });
        else if (first.key !== k) found = { kind: 'two', first: first.at, second: at, path, keys: [first.key, k] };
      }
    }
    for (const k of keys) walk((v as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, at);
  };
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      // A byte-order mark or other space JSON.parse refuses, as the line check trims it.
      return JSON.parse(text.trim());
    }
  };
  for (const file of files) {
    // A failure path: a file too large to parse at ease is not searched (DuckDB's message stays).
    if ((await stat(file.read)).size > MAX_SEARCH_BYTES) continue;
    // A `json` document that is not one JSON text is JSON Lines to DuckDB's `auto` format.
    let doc: unknown;
    if (format === 'auto') {
      try {
        doc = parse(await readFile(file.read, 'utf8'));
      } catch {
        doc = undefined;
      }
    }
    if (doc !== undefined) {
      const records = Array.isArray(doc) ? doc : [doc];
      records.forEach((r, i) => walk(r, '', { file, record: i + 1 }));
      if (found) return found;
      continue;
    }
    let record = 0;
    // Lines split on `\n` only, as the line check numbers them (jsonl-lines.ts); a document has records, not lines.
    for await (const [line, text] of splitLines(file.read)) {
      let value: unknown;
      try {
        value = parse(text);
      } catch {
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      record++;
      walk(value, '', format === 'newline_delimited' ? { file, line, record } : { file, record });
      if (found) return found;
    }
  }
  return found;
}

/** The lines of a file, numbered from 1, split on `\n` only (a final `\r` kept: JSON.parse skips it). */
async function* splitLines(file: string): AsyncGenerator<[number, string]> {
  let carry = '';
  let n = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const parts = (carry + (chunk as string)).split('\n');
    carry = parts.pop()!;
    for (const p of parts) yield [++n, p];
  }
  if (carry !== '') yield [++n, carry];
}
