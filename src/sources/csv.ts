/**
 * `kind: csv`, read by DuckDB's CSV reader. Malformed rows do not fail the run: DuckDB's
 * `store_rejects` records each with its file, line, raw text and error, and the runner
 * quarantines them (TECH-NOTES: the reject tables are per connection and accumulate across
 * scans, so each extraction names its own pair and the rejects view is DISTINCT).
 */
import { duckdbTypeSql } from '../engine/types.js';
import { FloeError, sourceError } from '../errors.js';
import { openEngine } from '../engine/duckdb.js';
import { type CsvDialect, csvLineOf, explainReadFailure, refuseEmptyCsv, refuseUtf16Csv } from '../ingest/explain-read.js';
import { guardCsvDoubles, lateIntegerColumns, lateIntegerFailure, lateIntegerHint, lateWhat, outgrowsSniff, SNIFFED_ROWS, wholeIntegers } from '../ingest/csv-integers.js';
import { refuseDuplicateCsvHeader } from '../ingest/csv-header.js';
import { headerOnlyStandIn, isHeaderOnlyCsv } from '../ingest/csv-header-only.js';
import { floeCsvError, isLineTooLong, MAX_LINE_OPTION, maxLineOptionFor, UNICODE_REASON } from '../ingest/csv-errors.js';
import { isSniffFailure, typeUnsniffableFiles } from '../ingest/csv-malformed-sample.js';
import { isExactNumberType } from '../pipeline/column-type.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { type CsvLineViews, csvLineSummarySql, csvLineViews, fallbackLineEncoding } from './csv-lines.js';
import { describeFiles, expandFiles, sourceFiles } from './files.js';
import { NO_HIVE } from './no-hive.js';
import { SOURCE_FILE_COLUMN, type Extracted, type Source, type SourceContext } from './source.js';

type CsvConfig = Extract<SourceConfig, { kind: 'csv' }>;

export function csvSource(config: CsvConfig): Source {
  return {
    kind: 'csv',
    async extract(ctx: SourceContext): Promise<Extracted> {
      const files = await sourceFiles(config.path, ctx);
      const errors = ctx.engine.uniqueName('csv_reject_errors');
      const scans = ctx.engine.uniqueName('csv_reject_scans');
      const dialectOptions = [
        `delim = ${quoteLiteral(config.delimiter)}`,
        `header = ${config.header}`,
        `quote = ${quoteLiteral(config.quote)}`,
        `escape = ${quoteLiteral(config.escape)}`,
        `encoding = ${quoteLiteral(config.encoding)}`,
        `skip = ${config.skip}`,
        // A folder named key=value in a file's path is no column (sources/no-hive.ts).
        NO_HIVE,
      ];
      const options = [
        ...dialectOptions,
        `filename = ${quoteLiteral(SOURCE_FILE_COLUMN)}`,
        'store_rejects = true',
        `rejects_table = ${quoteLiteral(errors)}`,
        `rejects_scan = ${quoteLiteral(scans)}`,
      ];
      // Columns a `format:` parses are read as text (SourceContext.textColumns); the source's own
      // `columns:` types come first, but for an integer or decimal column a rule types from its
      // text (run/normalize.ts withDeclaredNumberRules: DuckDB's cast would round a fraction).
      const ruled = new Set(ctx.textColumns ?? []);
      const declared = Object.entries(config.columns ?? {}).map(([c, t]) => [c, ruled.has(c) && isExactNumberType(t) ? 'VARCHAR' : duckdbTypeSql(t)] as const);
      const asText = (ctx.textColumns ?? []).filter((c) => !(c in (config.columns ?? {}))).map((c) => [c, 'VARCHAR'] as const);
      const types: (readonly [string, string])[] = [...declared, ...asText];
      const typesOption = (t: readonly (readonly [string, string])[]) => (t.length > 0 ? [`types = {${t.map(([c, d]) => `${quoteLiteral(c)}: ${quoteLiteral(d)}`).join(', ')}}`] : []);
      const relation = ctx.engine.uniqueName('csv');
      // One reader per file, unioned by name, so files may differ in their columns (DuckDB
      // refuses store_rejects together with union_by_name).
      const expanded = await expandFiles(ctx, files);
      await refuseEmptyCsv(expanded);
      await refuseUtf16Csv(expanded, config.encoding);
      const dialect: CsvDialect = { delimiter: config.delimiter, quote: config.quote, escape: config.escape, encoding: config.encoding, skip: config.skip };
      // `forced`: types given to every file's reader besides the declared ones (unifiedTypes);
      // `unsniffed`: files read with the columns typed from their well-formed rows instead of sniffed.
      // `late`: each file's columns typed BIGINT from its first rows, read as DOUBLE and made
      // whole again so a later fraction is not rounded (ingest/csv-integers.ts lateIntegerColumns).
      const readerOf = (f: string, forced: readonly (readonly [string, string])[], unsniffed?: ReadonlyMap<string, string[]>, late?: ReadonlyMap<string, string[]>) => {
        const asDouble = unsniffed?.has(f) ? [] : late?.get(f) ?? [];
        const typed = [...types, ...forced.filter(([c]) => !asDouble.includes(c)), ...asDouble.map((c) => [c, 'DOUBLE'] as const)];
        // Records up to 16 MiB, not DuckDB's 2 MB (a longer one is a reject), with a buffer that
        // fits a small file (ingest/csv-errors.ts maxLineOptionFor).
        const read = `read_csv(${quoteLiteral(f)}, ${[...options, maxLineOptionFor(f), ...(unsniffed?.get(f) ?? typesOption(typed))].join(', ')})`;
        return asDouble.length === 0 ? `SELECT * FROM ${read}` : `SELECT * REPLACE (${wholeIntegers(asDouble, quoteLiteral(f))}) FROM ${read}`;
      };
      // Files with a header and no record leave the union when others have records, so that
      // their columns, all text to the sniffer, do not make the others' text (ingest/csv-header-only.ts).
      const standIns = await headerOnlyStandIns();
      // Columns DuckDB's multi-file reader types otherwise than text, though a file's own sniffer
      // found only text (unifiedTypes).
      const unified = await unifiedTypes();
      const late = await lateIntegers();
      const readersOf = (unsniffed: ReadonlyMap<string, string[]>) =>
        expanded.flatMap((f) => (!standIns.has(f) ? [readerOf(f, unified, unsniffed, late)] : standIns.get(f) !== undefined ? [standIns.get(f)!] : []));
      const createRelation = async (readers: string[]) => {
        // Integers a double would round stop the run, naming the column and the types to
        // declare (ingest/csv-integers.ts); declared columns are read as declared.
        // A header naming a column twice is refused (ingest/csv-header.ts).
        const read = await guardCsvDoubles(ctx.engine, readers.join(' UNION ALL BY NAME '), `read the CSV files of pipeline ${ctx.pipeline}`, types.map(([c]) => c), (names) =>
          refuseDuplicateCsvHeader(expanded, names, () => dialect, config.header),
        );
        await ctx.engine.run(
          `CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS ${read}`,
          `read the CSV files of pipeline ${ctx.pipeline}`,
          { kind: 'source', context: { pipeline: ctx.pipeline, files: describeFiles(files) } },
        );
      };
      /**
       * Each file is sniffed on its own, and a column with no value in a file's sample (all
       * empty) is text to its sniffer: the union by name then made the column text for every
       * file, and the table got `string` for numbers or dates the other files hold. The column
       * types DuckDB's multi-file reader (union_by_name, as `floe load` reads) gives instead are
       * forced on each file's reader where the union found only text; a value one file holds
       * that does not fit is then a conversion error with its line (a reject under `rejects:`).
       * Only looked at when two files with records give a text column; any failure leaves the
       * read as it was.
       */
      async function unifiedTypes(): Promise<(readonly [string, string])[]> {
        const withRows = expanded.filter((f) => !standIns.has(f));
        if (withRows.length < 2) return [];
        const declared = new Set(types.map(([c]) => c.toLowerCase()));
        const purpose = `read the CSV files of pipeline ${ctx.pipeline}`;
        const perFile = await ctx.engine.columns(withRows.map((f) => readerOf(f, [])).join(' UNION ALL BY NAME '), purpose, { kind: 'source' }).catch(() => undefined);
        const text = (perFile ?? []).filter((c) => c.type.toString() === 'VARCHAR' && c.name !== SOURCE_FILE_COLUMN && !declared.has(c.name.toLowerCase()));
        if (text.length === 0) return [];
        const multi = await ctx.engine
          .columns(`SELECT * FROM read_csv([${withRows.map(quoteLiteral).join(', ')}], ${[...dialectOptions, MAX_LINE_OPTION, 'union_by_name = true', ...typesOption(types)].join(', ')})`, purpose, { kind: 'source' })
          .catch(() => undefined);
        if (!multi) return [];
        return text.flatMap((c) => {
          const t = multi.find((m) => m.name.toLowerCase() === c.name.toLowerCase())?.type.toString();
          return t !== undefined && t !== 'VARCHAR' ? [[c.name, t] as const] : [];
        });
      }
      /**
       * Each file's columns its sniffer typed BIGINT from the first 20,480 rows, where the file
       * may hold more (ingest/csv-integers.ts lateIntegerColumns). Columns the pipeline types or
       * reads as text are read as they say.
       */
      async function lateIntegers(): Promise<Map<string, string[]>> {
        const out = new Map<string, string[]>();
        const purpose = `read the CSV files of pipeline ${ctx.pipeline}`;
        for (const f of expanded) {
          if (standIns.has(f) || !(await outgrowsSniff(f))) continue;
          const sampler = `SELECT * FROM read_csv(${quoteLiteral(f)}, ${[...dialectOptions, maxLineOptionFor(f), ...typesOption([...types, ...unified])].join(', ')})`;
          const cols = await lateIntegerColumns(ctx.engine, sampler, types.map(([c]) => c), purpose);
          if (cols.length > 0) out.set(f, cols);
        }
        return out;
      }
      async function headerOnlyStandIns(): Promise<Map<string, string | undefined>> {
        const out = new Map<string, string | undefined>();
        if (!config.header) return out;
        const empty = new Set<string>();
        for (const f of expanded) if (await isHeaderOnlyCsv(f, dialect).catch(() => false)) empty.add(f);
        if (empty.size === 0 || empty.size === expanded.length) return out;
        // The other files' columns; when they cannot be bound, the read fails below as before.
        const others = expanded.filter((f) => !empty.has(f)).map((f) => readerOf(f, []));
        const bound = await ctx.engine.columns(others.join(' UNION ALL BY NAME '), `read the CSV files of pipeline ${ctx.pipeline}`, { kind: 'source' }).catch(() => undefined);
        if (!bound) return out;
        for (const f of empty) {
          const standIn = await headerOnlyStandIn(f, dialect, bound.map((c) => c.name), types).catch(() => 'keep' as const);
          if (standIn !== 'keep') out.set(f, standIn);
        }
        return out;
      }
      try {
        await createRelation(readersOf(new Map()));
      } catch (e) {
        // A malformed record inside the sniffer's sample fails the sniff: under `rejects:`
        // such files are typed from their records that parse and read without sniffing, so the
        // record becomes a reject with its line like any other (ingest/csv-malformed-sample.ts).
        let retried = false;
        // So does a record too long for the reader there.
        if (ctx.quarantine && (isSniffFailure(e) || isLineTooLong(e))) {
          const unsniffed = await typeUnsniffableFiles(ctx.engine, expanded, (f) => readerOf(f, unified), dialect, config.header, types).catch(() => new Map<string, string[]>());
          retried = unsniffed.size > 0 && (await createRelation(readersOf(unsniffed)).then(() => true, () => false));
        }
        if (!retried) {
          // Else the files are read again without sniffing, for the line the failure is at.
          const explained = await explainReadFailure(e, expanded, 'csv', () => dialect);
          // DuckDB's CSV error told in floe's terms: file:line, no option dump (ingest/csv-errors.ts).
          const told = await floeCsvError(explained, { pipeline: ctx.pipeline, file: expanded.length === 1 ? expanded[0] : undefined, quote: config.quote, escape: config.escape });
          if (told !== explained) throw told;
          throw explained instanceof FloeError && explained !== e
            ? new FloeError(explained.kind, `pipeline ${ctx.pipeline}: ${explained.message}`, { cause: e, context: { pipeline: ctx.pipeline, ...explained.context }, files: explained.files })
            : e;
        }
      }
      const rejects = ctx.engine.uniqueName('csv_rejects');
      // Where each record starts (csv-lines.ts): views, read only when a reject needs a line.
      const fileIndex = `(VALUES ${expanded.map((f, i) => `(${quoteLiteral(f)}, ${i})`).join(', ')}) AS fi(file_path, file_index)`;
      let lines: CsvLineViews | undefined;
      // DuckDB creates the reject tables when the scan runs, so the views over them are made
      // after the runner has scanned the source.
      const afterScan = async () => {
        const present = await ctx.engine.all(
          `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name IN (${quoteLiteral(errors)}, ${quoteLiteral(scans)})`,
          'look for the CSV reject tables',
        );
        const hasTables = Number(present[0]?.n) === 2;
        const parseRejects = hasTables
          ? Number((await ctx.engine.all(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(errors)}`, 'count the CSV parse rejects'))[0]?.n ?? 0) > 0
          : false;
        // The records DuckDB rejected, as (file_index, unit): its reject table's `line` is its unit.
        const rejected = `SELECT DISTINCT fi.file_index, e.line AS unit FROM ${quoteIdent(errors)} e JOIN ${quoteIdent(scans)} s USING (scan_id, file_id) JOIN ${fileIndex} USING (file_path)`;
        // Parse rejects are written with their lines, so the one pass over the files is made
        // now, once, instead of by each query over the views.
        let summary: string | undefined;
        let mapped = true;
        if (parseRejects) {
          summary = ctx.engine.uniqueName('csv_line_summary');
          // A line longer than the map's reader takes (a record quarantined for its length)
          // leaves the map out: the rejects keep DuckDB's record numbers as their lines.
          const map = (encoding?: string) => ctx.engine.run(`CREATE TEMP TABLE ${quoteIdent(summary!)} AS ${csvLineSummarySql(expanded, dialect, encoding)}`, 'map the lines of the CSV files');
          const fallback = fallbackLineEncoding(dialect);
          mapped = await map().then(
            () => true,
            async (e: unknown) => {
              if (isLineTooLong(e)) return false;
              // A line that is not UTF-8 (the rows DuckDB quarantined as such): map the lines as Latin-1.
              if (fallback === undefined || !/unicode|encod/i.test(String((e as Error)?.message))) throw e;
              return map(fallback).then(
                () => true,
                (e2: unknown) => {
                  if (!isLineTooLong(e2)) throw e2;
                  return false;
                },
              );
            },
          );
        }
        if (mapped) {
          lines = csvLineViews(expanded, dialect, config.header, (prefix) => ctx.engine.uniqueName(prefix), parseRejects ? rejected : undefined, summary);
          for (const [name, sql] of lines.views) await ctx.engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(name)} AS ${sql}`, 'prepare the CSV line map');
        }
        // A parse reject's line is its record's physical first line (DuckDB's counts a record
        // holding quoted newlines once). Only looked up when there are parse rejects.
        const line = parseRejects && lines ? `coalesce(${lines.lineOfUnit('fi.file_index', 'e.line')}, e.line)` : 'e.line';
        const body = hasTables
          ? // One row per bad line: DuckDB reports a short line once per missing column.
            `SELECT s.file_path AS source, ${line}::BIGINT AS line, trim(any_value(e.csv_line), chr(13) || chr(10)) AS raw,
               string_agg(DISTINCT e.error_type || coalesce(' in column ' || e.column_name, '') || ': ' || CASE WHEN e.error_type IN ('INVALID ENCODING', 'INVALID UNICODE') THEN ${quoteLiteral(UNICODE_REASON)} ELSE e.error_message END, '; ') AS reason
             FROM ${quoteIdent(errors)} e JOIN ${quoteIdent(scans)} s USING (scan_id, file_id) JOIN ${fileIndex} USING (file_path)
             GROUP BY s.file_path, fi.file_index, e.line`
          : 'SELECT NULL::VARCHAR AS source, NULL::BIGINT AS line, NULL::VARCHAR AS raw, NULL::VARCHAR AS reason WHERE false';
        await ctx.engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(rejects)} AS ${body}`, 'prepare the CSV rejects view');
      };
      // A row's line: the runner's typed table is filled from `relation` in one statement, in
      // scan order (files in order, records in file order), so its position finds its record.
      // The runner asks only after afterScan.
      const lineOf = (ordinal: string) => (lines ? lines.lineOfRecord(ordinal) : 'CAST(NULL AS BIGINT)');
      /**
       * A late fraction (wholeIntegers) stops the write: the error is told with the file and the
       * line of the first such value, found by one more read of that file, as text on one thread.
       */
      const explainFailure = async (e: unknown): Promise<unknown> => {
        const late = lateIntegerFailure(e);
        if (!late || !expanded.includes(late.file)) return e;
        const line = await lateIntegerLine(late).catch(() => undefined);
        const what = `CSV column ${JSON.stringify(late.column)} holds ${late.value}, which is ${lateWhat(late.whole)}`;
        return sourceError(`${late.file}${line !== undefined ? `:${line}` : ''}: ${what}; the column was typed long from the file's first ${SNIFFED_ROWS.toLocaleString('en-US')} rows`, {
          cause: e,
          context: { pipeline: ctx.pipeline, file: late.file, ...(line !== undefined ? { line } : {}), column: late.column },
          files: [late.file],
          hint: lateIntegerHint(late.column, late.whole),
        });
      };
      async function lateIntegerLine(late: { file: string; column: string; value: string }): Promise<number | undefined> {
        const engine = await openEngine({ threads: 1 });
        try {
          const read = `SELECT * FROM read_csv(${quoteLiteral(late.file)}, ${[...dialectOptions, maxLineOptionFor(late.file), 'all_varchar = true'].join(', ')})`;
          const value = `TRY_CAST(${quoteLiteral(late.value)} AS DOUBLE)`;
          const rows = await engine.all(
            `SELECT k FROM (SELECT row_number() OVER () - 1 AS k, TRY_CAST(${quoteIdent(late.column)} AS DOUBLE) AS v FROM (${read})) WHERE v = ${value} OR (isnan(v) AND isnan(${value})) ORDER BY k LIMIT 1`,
            `find the line of ${late.file} holding ${late.value}`,
          );
          if (rows.length === 0) return undefined;
          return await csvLineOf(engine, late.file, dialect, (views) => views.lineOfRecord(String(rows[0]!.k)), `find the line of ${late.file} holding ${late.value}`, config.header);
        } finally {
          engine.close();
        }
      }
      return { relation, rejects, afterScan, lineOf, explainFailure, describe: describeFiles(files) };
    },
  };
}
