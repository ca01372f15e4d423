/**
 * `floe load <table> <file...> [--mode append|overwrite] [--allow-empty] [--partition-by EXPR...]`
 * The ad-hoc path: CSV, JSONL, JSON or Parquet files into a table, created from the files'
 * schema when it does not exist. The files are read by DuckDB; no row passes through JS.
 */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import type { Catalog } from '../../catalog/catalog.js';
import { notFound, usageError } from '../../errors.js';
import type { FileIO } from '../../io/fileio.js';
import { type Engine, openEngine } from '../../engine/duckdb.js';
import { explainReadFailure, expandGlobs, loadCsvDialect, refuseEmptyCsv } from '../../ingest/explain-read.js';
import { detectFormat, fileSourceSql, refuseMixedDelimiters, refuseOtherDelimiter, resolveFiles, type FileFormat } from '../../ingest/file-source.js';
import { withValueLine } from '../../ingest/load-lines.js';
import { exactCsvIntegerTypes, guardCsvDoubles, guardedColumn, lateCsvRead, lateIntegerColumns, lateIntegerFailure, outgrowsSniff } from '../../ingest/csv-integers.js';
import { refuseDuplicateCsvHeader } from '../../ingest/csv-header.js';
import { floeCsvError } from '../../ingest/csv-errors.js';
import { aboutInputColumns, aboutInputs, readingInputs } from '../../ingest/input-errors.js';
import { objectsSql, textJsonColumns } from '../../sources/json-read.js';
import { refuseOverflowingNumbers } from '../../sources/json-overflow.js';
import { refuseNullRecords } from '../../sources/json-null-records.js';
import { explainNestedCaseKeys, refuseCaseDuplicateKeys } from '../../sources/json-keys.js';
import { writeTable } from '../../ingest/write-table.js';
import { splitObjectStorePaths } from '../../io/s3-glob.js';
import { errorWithLocations, locationOf, stageRemote } from '../../sources/staged.js';
import { refuseBrokenCompression } from '../../sources/files.js';
import { parsePartitionExpr, unboundPartitionField } from '../../pipeline/expressions.js';
import { describeSpec, refuseRedundantOption } from '../../table/evolve/partition-update.js';
import { planLayout } from '../../table/evolve/layout.js';
import { loadTable } from '../../table/load.js';
import { plural } from '../../text-table.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, endOnError, formatBytes, reportingS3RetriesUnlessJson } from '../output.js';
import { displacedTableNote } from '../../table/new-table.js';

interface LoadOptions {
  mode: 'append' | 'overwrite';
  /** --allow-empty: an overwrite may replace the table's rows with none. */
  allowEmpty?: boolean;
  partitionBy?: string[];
  format?: FileFormat;
  json?: boolean;
}

/**
 * Each of `paths` (files and globs, local or staged) expanded, in the order given, each file
 * once: a glob that matches nothing is named as floe run names it (DuckDB's "No files found"
 * came wrapped in an IO error).
 */
async function distinctFiles(engine: Engine, paths: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  for (const p of paths) {
    const glob = /[*?[]/.test(p);
    const matched = glob ? await expandGlobs(engine, [p]) : [p];
    if (glob && matched.length === 0) throw notFound(`no file matches ${p}`, { context: { file: p } });
    for (const f of matched) seen.add(f);
  }
  return [...seen];
}

export default async function load(tableName: string, files: string[], opts: LoadOptions, cmd: Command): Promise<number> {
  const out = consoleOutput(opts.json);
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    const started = Date.now();
    // A refused command line or a missing input ends --json output with an end event too.
    const { id, partitionBy, remote, format, local } = await (async () => {
      const id = parseTableIdentifier(tableName);
      const partitionBy = (opts.partitionBy ?? []).map((text) => {
        const p = parsePartitionExpr(text);
        if (!p.ok) throw usageError(`--partition-by: ${p.problem}`);
        return unboundPartitionField(p.value);
      });
      refuseRedundantOption(partitionBy, tableName);
      // s3:// inputs (files or globs) are staged through the project's FileIO once it is open.
      const { remote, local } = splitObjectStorePaths(files);
      const resolved = await resolveFiles(local);
      const formats = new Set([...resolved, ...remote].map((p) => opts.format ?? detectFormat(p)));
      if (formats.size > 1) throw usageError(`the files mix formats (${[...formats].join(', ')}); load one format at a time or give --format`);
      return { id, partitionBy, remote, format: [...formats][0]!, local: resolved };
    })().catch(endOnError(out, started));
    let paths = local;
    let displaced: string | undefined;
    out.event('start', { command: 'load', table: tableName, files: paths.length + remote.length, format });
    const result = await withProject(globalsOf(cmd), async ({ catalog, io, project }) => {
      if (remote.length) {
        // A failure while listing or staging the s3:// inputs is about them (by phase, not by
        // what its message says: input-errors.ts).
        try {
          paths = [...paths, ...(await stageRemote(io, remote))];
        } catch (err) {
          throw errorWithLocations(aboutInputs(err, [...paths, ...remote]));
        }
      }
      if (partitionBy.length && (await catalog.tableExists(id))) await refuseOtherPartitioning(catalog, io);
      try {
        const r = await loadInto(catalog, io, project.paths.warehouse);
        // A new table whose default folder holds another table's files (table/new-table.ts).
        displaced = r.created && r.committed ? displacedTableNote(project.paths.warehouse, id, r.committed.metadata.location) : undefined;
        return r;
      } catch (err) {
        // Failures while reading the inputs name them (writeTable's `inputs`); those on the
        // table's metadata and manifests do not. A malformed row is found again with its line.
        // s3:// inputs are named by their location, not by their local stage path.
        // DuckDB's CSV errors told in floe's terms: file:line, no read_csv advice (csv-errors.ts).
        const explained = await explainReadFailure(err, paths, format);
        throw errorWithLocations(format === 'csv' ? await floeCsvError(explained, { file: paths.length === 1 && !/[*?[]/.test(paths[0]!) ? paths[0] : undefined }) : explained);
      }
      // Also when the project's catalog cannot be opened: --json readers always get an end event.
    }).catch(endOnError(out, started));
    /**
     * --partition-by partitions the table a load creates. Given for an existing table whose
     * spec it does not match, it would be ignored without a word: refused instead, pointing
     * at `floe table evolve` (the same spec given again, as a re-run script does, is fine).
     */
    async function refuseOtherPartitioning(catalog: Catalog, io: FileIO) {
      const { metadata } = await loadTable(catalog, io, id);
      const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id']);
      const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
      let differs: boolean;
      try {
        differs = planLayout(metadata, { partitionBy, sortBy: [] }, tableName).changes.length > 0;
      } catch {
        differs = true;
      }
      if (!differs) return;
      throw usageError(
        `${tableName} already exists, ${!spec || !schema ? 'partitioned otherwise' : spec.fields.length ? `partitioned as [${describeSpec(spec, schema, metadata)}]` : 'unpartitioned'}; --partition-by only partitions a table that floe load creates`,
        { hint: `Leave --partition-by out to load into the table as it is, or change its spec first: floe table evolve ${tableName} --partition-by ${(opts.partitionBy ?? []).map((e) => JSON.stringify(e)).join(' ')}` },
      );
    }
    async function loadInto(catalog: Catalog, io: FileIO, warehouse: string) {
      const engine = await openEngine();
      try {
        const inputs = paths.map(locationOf);
        // Each glob is expanded once (distinctFiles); CSV files are checked for zero bytes.
        // The files are read once each, in the order given: a file that two inputs name (a glob
        // and one of its files, the same file twice) would otherwise be read, and loaded, twice,
        // as DuckDB reads every entry of the list (a pipeline's path: list is read as a set too).
        const files = await distinctFiles(engine, paths);
        // A cut-off .gz or .zst file is refused, not loaded up to the cut (sources/files.ts).
        await readingInputs(inputs, () => refuseBrokenCompression(files));
        if (format === 'csv') {
          await readingInputs(inputs, () => refuseEmptyCsv(files));
          // One delimiter for all the files, and the one their header lines are written with.
          refuseMixedDelimiters(files);
          await readingInputs(inputs, () => refuseOtherDelimiter(files));
        }
        // A number beyond a double's range would be read as infinity (sources/json-overflow.ts),
        // a `null` record as a row of NULLs (sources/json-null-records.ts): one read finds both.
        if (format === 'json' || format === 'jsonl') {
          await readingInputs(inputs, async () => {
            const mayHoldNull = await refuseOverflowingNumbers(files, locationOf, format === 'jsonl' ? 'lines' : 'documents');
            await refuseNullRecords(engine, mayHoldNull, { format: format === 'jsonl' ? 'newline_delimited' : 'auto', nameOf: locationOf });
          });
        }
        const purpose = `read the input of ${tableName}`;
        const read = fileSourceSql(files, { format });
        // Parquet decimals wider than 38 digits, which DuckDB reads as wrong doubles, and column
        // names that differ only in case, which it renames (sources/parquet-decimals.ts, parquet-names.ts).
        if (format === 'parquet') {
          const [{ refuseWideDecimals, refuseInexactDoubles }, { refuseCaseTwins }] = await Promise.all([import('../../sources/parquet-decimals.js'), import('../../sources/parquet-names.js')]);
          await readingInputs(inputs, async () => {
            const columns = await engine.columns(read, purpose, { kind: 'source' });
            await refuseCaseTwins(engine, files, columns, `the input of ${tableName}`, locationOf);
            await refuseWideDecimals(engine, files, columns, `the input of ${tableName}`, locationOf);
            await refuseInexactDoubles(engine, files, columns, `the input of ${tableName}`, locationOf);
          });
        }
        // Mixed-type JSON columns as text, not as JSON with quoted strings (json-read.ts).
        // CSV DOUBLE columns are guarded against integers a double would round (csv-integers.ts).
        const selectSql =
          format === 'json' || format === 'jsonl'
            ? await readingInputs(inputs, () => textJsonColumns(engine, read, purpose, { objects: objectsSql(files, format === 'jsonl' ? 'newline_delimited' : 'auto') }, (names) =>
                  refuseCaseDuplicateKeys(engine, files.map((f) => ({ read: f, name: locationOf(f) })), format === 'jsonl' ? 'newline_delimited' : 'auto', names),
                ).catch(async (e: unknown) => Promise.reject(await explainNestedCaseKeys(e, files.map((f) => ({ read: f, name: locationOf(f) })), format === 'jsonl' ? 'newline_delimited' : 'auto'))),
              )
            : read;
        // A value that does not fit the table's column is named with its file and line (load-lines.ts).
        const write = (sql: string) =>
          writeTable({
            inputs,
            catalog,
            io,
            engine,
            id,
            selectSql: sql,
            // A column the table records as hashed, masked or redacted at ingest is written so (write-table.ts withTableIngestTags).
            rawInput: true,
            mode: opts.mode,
            warehouse,
            partitionBy,
            // Input without rows does not empty a table that has some unless asked to (write-table.ts).
            emptyOverwrite: opts.allowEmpty
              ? undefined
              : { input: inputs.join(', '), files: inputs, hint: `Check the export that wrote the input; to empty ${tableName} on purpose, add --allow-empty.` },
            events: { onRetry: (r) => out.event('retry', { table: r.table, attempt: r.attempt, wait_ms: r.waitMs }) },
          });
        const written = format === 'csv' ? writeCsv() : write(selectSql);
        return await written.catch(async (err: unknown) => Promise.reject(aboutInputColumns(await withValueLine(err, files, format), inputs)));

        /**
         * A failed write commits nothing, so a CSV input is written again, with other types,
         * when a guard stopped it: the guard of DOUBLE columns (csv-integers.ts guardCsvDoubles),
         * after which the columns that hold integers a double rounds are read exactly
         * (decimal(38, 0) or text); the late-value check of columns typed BIGINT from the first
         * 20,480 rows (lateIntegerColumns), after which a column with a later fraction is read
         * as a double, and one with a later integer of 2^53 or more as sniffed.
         */
        async function writeCsv() {
          let types: Record<string, string> = {};
          const big = await Promise.all(files.map(outgrowsSniff));
          let late = big.some(Boolean) ? await readingInputs(inputs, () => lateIntegerColumns(engine, read, [], purpose)) : [];
          let guarded = true;
          for (let attempt = 0; ; attempt++) {
            const csvRead = (t: Readonly<Record<string, string>>) => lateCsvRead(files, t, late);
            const sql = guarded
              ? await readingInputs(inputs, () =>
                  guardCsvDoubles(engine, csvRead(types), purpose, [], attempt === 0 ? (names) => refuseDuplicateCsvHeader(files, names, (f) => loadCsvDialect(engine, f), true) : undefined),
                )
              : csvRead(types);
            try {
              return await write(sql);
            } catch (err) {
              const stopped = lateIntegerFailure(err);
              if (stopped && late.includes(stopped.column)) {
                late = late.filter((c) => c !== stopped.column);
                if (!stopped.whole) types = { ...types, [stopped.column]: 'DOUBLE' };
                continue;
              }
              if (!guarded || guardedColumn(err) === undefined) throw err;
              guarded = false;
              types = { ...types, ...(await readingInputs(inputs, () => exactCsvIntegerTypes(engine, (t) => csvRead({ ...types, ...t }), purpose))) };
            }
          }
        }
      } finally {
        engine.close();
      }
    }
    const seconds = (Date.now() - started) / 1000;
    out.event('commit', { table: result.table, snapshot_id: result.snapshotId, files: result.files, rows: result.rows, bytes: result.bytes });
    if (displaced) {
      out.event('warning', { table: result.table, message: displaced });
      if (!opts.json) out.err(`floe: warning: ${displaced}`);
    }
    out.event('end', { status: 'ok', duration_ms: Date.now() - started });
    if (!opts.json) {
      if (result.files === 0 && opts.mode === 'append') {
        // The table may have been created from the input's columns: say so, it now exists.
        out.err(result.created ? `created ${result.table} from the input's columns; the input has no rows, so the table has no snapshot yet` : `${result.table}: the input has no rows; nothing was committed`);
      } else {
        out.out(
          `${result.created ? 'created' : opts.mode === 'overwrite' ? 'overwrote' : 'appended to'} ${result.table}: ` +
            `${plural(result.rows, 'row')} in ${plural(result.files, 'file')}, ${formatBytes(result.bytes)}, snapshot ${result.snapshotId} ` +
            `(${seconds.toFixed(1)} s${result.attempts > 1 ? `, ${result.attempts} commit attempts` : ''})`,
        );
      }
    }
    return 0;
  });
}

