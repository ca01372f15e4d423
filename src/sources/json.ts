/**
 * `kind: jsonl` and `kind: json`, read by DuckDB's JSON reader. `records_path` (a dot path
 * such as `data.items`) selects the array of records inside each document.
 *
 * JSON Lines files are checked line by line first (jsonl-lines.ts): a line that is not one
 * JSON object (malformed, an array or a scalar, invalid UTF-8) is a reject with its file and
 * line, and DuckDB reads the other lines strictly, so no value is ever turned into NULL. A
 * malformed `.json` document fails the run with DuckDB's message, which names the file.
 * A record with a key twice in one object (`{"a": 1, "a": 2}`) is valid JSON, not a reject: it
 * fails the run naming the user's file and line (record number in a document) and the key
 * (json-keys.ts duplicateKeyError), as keys that differ only in case do. JSON Lines files are
 * searched in the line check they get anyway; documents only when DuckDB refused one.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sourceError } from '../errors.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { describeFiles, expandFiles, fileListSql, sourceFiles } from './files.js';
import { jsonLinesReadSql, objectsSql, refuseJsonBom, textJsonColumns } from './json-read.js';
import { refuseOverflowingNumbers } from './json-overflow.js';
import { nonObjectRecordError, refuseNullRecords } from './json-null-records.js';
import { NO_HIVE } from './no-hive.js';
import { duplicateKeyError, duplicateKeyFound, explainNestedCaseKeys, findDuplicateKey, isDuplicateKeyError, refuseCaseDuplicateKeys } from './json-keys.js';
import { type LineReject, scanJsonLines, writeWithoutLines } from './jsonl-lines.js';
import { SOURCE_FILE_COLUMN, type Extracted, type Source, type SourceContext } from './source.js';
import { removeTempDir, tempDir } from './temp-dir.js';

type JsonConfig = Extract<SourceConfig, { kind: 'json' | 'jsonl' }>;

export function jsonSource(config: JsonConfig): Source {
  return {
    kind: config.kind,
    async extract(ctx: SourceContext): Promise<Extracted> {
      // Globs expanded, each file once: a file two patterns match was read twice.
      const files = await expandFiles(ctx, await sourceFiles(config.path, ctx));
      await refuseJsonBom(files);
      if (config.kind === 'jsonl' && !config.records_path) return jsonLines(ctx, files);
      // A number beyond a double's range would be read as infinity (json-overflow.ts; JSON Lines
      // find it in their line check), a `null` record as a row of NULLs (json-null-records.ts).
      const mayHoldNull = await refuseOverflowingNumbers(files, undefined, 'documents');
      const format = config.kind === 'jsonl' ? 'newline_delimited' : 'auto';
      // records = 'true': a document that is not an object or an array of objects is an error,
      // not a table with a single `json` column.
      let select = `SELECT * FROM read_json(${fileListSql(files)}, format = '${format}', records = 'true', union_by_name = true, sample_size = -1, ${NO_HIVE}, filename = '${SOURCE_FILE_COLUMN}')`;
      if (config.records_path) {
        // Each document is read as one row; the records array is unnested into rows.
        const path = config.records_path.split('.').map(quoteIdent).join('.');
        // A whole document is one JSON object here: DuckDB refuses one above 16 MiB (its
        // maximum_object_size) unless told the largest there is.
        const largest = Math.min(2 ** 32 - 1, Math.max(16 * 1024 * 1024, ...(await Promise.all(files.map(async (f) => (await stat(f)).size + 1)))));
        await refuseNullRecords(ctx.engine, mayHoldNull, { format, recordsPath: { text: config.records_path, sql: path }, maxObject: largest });
        select = `SELECT unnest(__r, recursive := false) FROM (SELECT unnest(${path}) AS __r FROM read_json(${fileListSql(files)}, format = '${format}', records = true, union_by_name = true, sample_size = -1, ${NO_HIVE}, maximum_object_size = ${largest}) AS __doc)`;
      } else {
        await refuseNullRecords(ctx.engine, mayHoldNull, { format });
      }
      const relation = ctx.engine.uniqueName(config.kind);
      const what = `read the JSON files of pipeline ${ctx.pipeline}`;
      const context = { kind: 'source' as const, context: { pipeline: ctx.pipeline, files: describeFiles(files) } };
      // Without records_path each record is one object of the files (read_json_objects gives the same rows).
      const exact = config.records_path ? undefined : { objects: objectsSql(files, format) };
      // Keys that differ only in case are refused (json-keys.ts); a records_path's records are not looked at.
      const keys = config.records_path ? undefined : (names: string[]) => refuseCaseDuplicateKeys(ctx.engine, files.map((f) => ({ read: f, name: f })), format, names);
      select = await textJsonColumns(ctx.engine, select, what, exact, keys).catch(async (e: unknown) => {
        // A record that is not an object is named by its line or number (json-null-records.ts).
        const notObject = isNonRecordError(e) && !config.records_path ? await nonObjectRecordError(ctx.engine, files, { format }, e).catch(() => undefined) : undefined;
        if (notObject) throw notObject;
        const explained = await explainNestedCaseKeys(e, files.map((f) => ({ read: f, name: f })), format);
        throw named(config.records_path ? explained : await explainDuplicateKey(ctx, files, format, explained), files, config.records_path);
      });
      await ctx.engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS ${select}`, what, context);
      // DuckDB refuses a key twice in one record only when the rows are written, naming a record
      // count: the files are then searched for the record, to name it (json-keys.ts).
      const explainFailure = config.records_path ? undefined : (e: unknown) => explainDuplicateKey(ctx, files, format, e);
      return { relation, describe: describeFiles(files), ...(explainFailure ? { explainFailure } : {}) };
    },
  };
}

/** DuckDB's error for a key twice in one record (`files`: expanded) as the file, line (record in a document) and key; any other error as it is. */
async function explainDuplicateKey(ctx: SourceContext, files: readonly string[], format: 'newline_delimited' | 'auto', e: unknown): Promise<unknown> {
  if (!isDuplicateKeyError(e)) return e;
  try {
    const dup = await findDuplicateKey(ctx.engine, files.map((f) => ({ read: f, name: f })), format);
    return dup ? Object.assign(duplicateKeyFound(dup), { cause: e }) : e;
  } catch {
    return e;
  }
}

/** Adds the files to a DuckDB message that does not name one (a bind error over several files). */
function named(e: unknown, files: readonly string[], recordsPath?: string): unknown {
  if (!(e instanceof Error) || files.some((f) => e.message.includes(f))) return e;
  if (recordsPath !== undefined) {
    const missing = /Could not find key "([^"]*)" in struct/.exec(e.message);
    const notList = /UNNEST\(\) can only be applied to lists, structs and NULL, not (\S+)/.exec(e.message);
    if (missing || notList || /Referenced (column|table) .* not found/.test(e.message)) {
      const head = recordsPath.split('.')[0];
      const why = notList ? `is a ${notList[1]!.toLowerCase()}, not an array of records` : `is not in the documents (no key "${missing ? missing[1] : head}")`;
      return sourceError(`${describeFiles(files)}: records_path "${recordsPath}" ${why}`, {
        cause: e,
        context: { files: describeFiles(files), records_path: recordsPath },
        hint: 'records_path is a dot path from the top of each document to the array of records, e.g. data.items.',
      });
    }
  }
  if (isNonRecordError(e)) {
    return sourceError(`${describeFiles(files)}: a JSON document must be an object or an array of objects (records_path selects an array inside it)`, {
      cause: e,
      context: { files: describeFiles(files) },
    });
  }
  e.message = `${e.message} (files: ${describeFiles(files)})`;
  return e;
}

/**
 * The reader returns the records of the files in order (files in list order, lines in file
 * order; DuckDB keeps a scan's order), so a row's position says its line: a table of the runs
 * of consecutive record lines, and the run at or before the position. The rows blanked in a
 * copy are gaps between runs, so the lines are the original file's.
 */
async function lineMap(ctx: SourceContext, runs: readonly [number, number][]): Promise<(ordinal: string) => string> {
  const table = ctx.engine.uniqueName('jsonl_lines');
  await ctx.engine.run(`CREATE TEMP TABLE ${quoteIdent(table)} (pos BIGINT, line BIGINT)`, 'prepare the JSON Lines line map');
  for (let at = 0; at < runs.length; at += 1000) {
    const rows = runs.slice(at, at + 1000).map(([pos, line]) => `(${pos}, ${line})`);
    await ctx.engine.run(`INSERT INTO ${quoteIdent(table)} VALUES ${rows.join(', ')}`, 'fill the JSON Lines line map');
  }
  return (ordinal) => `(SELECT arg_max(m.line + (${ordinal} - m.pos), m.pos) FROM ${quoteIdent(table)} AS m WHERE m.pos <= ${ordinal})`;
}

/** JSON Lines files (`files`: expanded, each once) read line by line. */
async function jsonLines(ctx: SourceContext, files: readonly string[]): Promise<Extracted> {
  const rejects = ctx.engine.uniqueName('jsonl_rejects');
  await ctx.engine.run(
    `CREATE TEMP TABLE ${quoteIdent(rejects)} (source VARCHAR, line BIGINT, raw VARCHAR, reason VARCHAR)`,
    'prepare the JSON Lines rejects table',
  );
  // Made only when a file needs a cleaned copy (a killed run leaves at most that behind).
  let dir: string | undefined;
  try {
    const read: { file: string; copy?: string }[] = [];
    let sampleAll = false;
    let longDigits = false;
    // Where each record the reader will return comes from: (position of the run's first record, its line).
    let lines: [number, number][] | undefined = [];
    let position = 0;
    for (const [i, file] of files.entries()) {
      const bad = new Set<number>();
      const keep = async (batch: LineReject[]) => {
        for (let at = 0; at < batch.length; at += 200) {
          const rows = batch.slice(at, at + 200).map((r) => `(${quoteLiteral(file)}, ${r.line}, ${quoteLiteral(r.raw)}, ${quoteLiteral(r.reason)})`);
          await ctx.engine.run(`INSERT INTO ${quoteIdent(rejects)} VALUES ${rows.join(', ')}`, `keep the rejected lines of ${file}`);
        }
        for (const r of batch) bad.add(r.line);
      };
      const scan = await scanJsonLines(ctx.engine, file, { signal: ctx.signal, onRejects: keep });
      if (scan.duplicateKey) throw duplicateKeyError(`${file}:${scan.duplicateKey.line}`, file, scan.duplicateKey, scan.duplicateKey.key);
      sampleAll ||= scan.needsFullSample;
      longDigits ||= scan.longDigits;
      if (scan.records > 0) {
        if (!scan.runs) lines = undefined;
        else for (const r of scan.runs) lines?.push([position + r.record, r.line]);
        position += scan.records;
      }
      if (bad.size > 0) {
        // Bad lines are blanked in a private copy, which DuckDB reads instead.
        if (scan.records > 0) {
          dir ??= await tempDir('jsonl');
          // Written decompressed: a `.gz` name would have DuckDB gunzip the copy.
          const copy = join(dir, `${i}-${basename(file).replace(/\.gz$/i, '')}`);
          await writeWithoutLines(file, copy, bad, ctx.signal);
          read.push({ file, copy });
        }
      } else if (scan.records > 0) read.push({ file });
    }
    if (read.length === 0) {
      const first = await ctx.engine.all(`SELECT source, line, reason FROM ${quoteIdent(rejects)} ORDER BY source, line LIMIT 1`, 'read the first rejected line');
      const why = first[0] ? `every line is rejected (the first, ${String(first[0].source)}:${String(first[0].line)}: ${String(first[0].reason)})` : files.length === 1 ? 'the file is empty' : 'the files are empty';
      throw sourceError(`pipeline ${ctx.pipeline}: no JSON object in ${describeFiles(files)}: ${why}`, {
        context: { pipeline: ctx.pipeline, files: describeFiles(files) },
        hint: 'Without a record floe cannot tell the columns; check the export that wrote the files.',
      });
    }
    // The copies' rows name the file they were copied from.
    const copies = read.filter((r) => r.copy);
    const fileColumn = copies.length
      ? `CASE ${SOURCE_FILE_COLUMN} ${copies.map((r) => `WHEN ${quoteLiteral(r.copy!)} THEN ${quoteLiteral(r.file)}`).join(' ')} ELSE ${SOURCE_FILE_COLUMN} END`
      : undefined;
    const readFiles = read.map((r) => r.copy ?? r.file);
    let select = `SELECT * FROM ${jsonLinesReadSql(readFiles, { filenameColumn: SOURCE_FILE_COLUMN, sampleAll })}`;
    if (fileColumn) select = `SELECT * REPLACE (${fileColumn} AS ${SOURCE_FILE_COLUMN}) FROM (${select})`;
    const what = `read the JSON Lines files of pipeline ${ctx.pipeline}`;
    const keyFiles = read.map((r) => ({ read: r.copy ?? r.file, name: r.file }));
    select = await textJsonColumns(ctx.engine, select, what, { objects: objectsSql(readFiles, 'newline_delimited'), mayHoldLong: longDigits }, (names) =>
      refuseCaseDuplicateKeys(ctx.engine, keyFiles, 'newline_delimited', names),
    ).catch(async (e: unknown) => Promise.reject(await explainNestedCaseKeys(e, keyFiles, 'newline_delimited')));
    const relation = ctx.engine.uniqueName('jsonl');
    await ctx.engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS ${select}`, what, {
      kind: 'source',
      context: { pipeline: ctx.pipeline, files: describeFiles(files) },
    });
    const lineOf = lines ? await lineMap(ctx, lines) : undefined;
    return { relation, rejects, lineOf, describe: describeFiles(files), afterScan: dir ? () => removeTempDir(dir!) : undefined };
  } catch (e) {
    if (dir) await removeTempDir(dir);
    throw e;
  }
}

/** DuckDB's failure on a record that is not an object. */
const isNonRecordError = (e: unknown): boolean => e instanceof Error && /expected records, but got non-record JSON/.test(e.message);
