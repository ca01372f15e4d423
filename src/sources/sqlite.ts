/**
 * `kind: sqlite`, read with better-sqlite3 (already floe's catalog driver): the file opened
 * read-only, the statement iterated row by row with safeIntegers (INTEGER values as bigint,
 * exact past 2^53), every `batch_size` rows appended to the DuckDB staging table
 * (appender.ts). At most one batch is in JS memory.
 *
 * SQLite has no column types, only declared-type affinity; sql-types.ts maps the declared
 * type, and a column that turns out to hold values its type cannot (text in an INTEGER
 * column) becomes VARCHAR, rows already staged included (docs/SOURCE-TYPES.md).
 */
import { existsSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { FloeError, notFound, sourceError } from '../errors.js';
import { createStage, type Stage } from './appender.js';
import { baseQuery, checkCursorType, checkWatermark, cursorColumn, cursorStart, derived, incrementalQuery, quoteSourceIdent, readsWhole, untypedBound, type RelationalConfig } from './incremental.js';
import { duckBlobBytes } from './db-cursor-order.js';
import type { Extracted, Source, SourceContext } from './source.js';
import { parseTimestamp, type SqlitePlan, sqliteColumn, sqliteText } from './sql-types.js';

type SqliteConfig = Extract<RelationalConfig, { kind: 'sqlite' }>;

export function sqliteSource(config: SqliteConfig): Source {
  return {
    kind: 'sqlite',
    async extract(ctx: SourceContext): Promise<Extracted> {
      // The runner may pass the path as written or already resolved (pipeline/load.ts);
      // path.resolve keeps an absolute path as it is.
      const file = path.resolve(ctx.projectDir, config.connection);
      const describe = `sqlite ${file}`;
      if (!existsSync(file)) {
        throw notFound(`pipeline ${ctx.pipeline}: SQLite database ${file} does not exist`, { context: { pipeline: ctx.pipeline, file } });
      }
      // SQLite opens a zero-byte file as an empty database, so the query would fail with
      // "no such table" and hide that the file was never written (a failed copy, a wrong path).
      if (statSync(file).size === 0) {
        throw sourceError(`pipeline ${ctx.pipeline}: SQLite database ${file} is empty (0 bytes)`, {
          context: { pipeline: ctx.pipeline, file },
          hint: 'Check the path in connection: and the job that writes the file.',
        });
      }
      const { default: BetterSqlite3 } = await import('better-sqlite3');
      let db: Database;
      try {
        db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      } catch (e) {
        throw sourceError(`pipeline ${ctx.pipeline}: could not open SQLite database ${file}: ${message(e)}`, { cause: e, context: { pipeline: ctx.pipeline, file } });
      }
      let stage: Stage | undefined;
      try {
        const base = baseQuery('sqlite', config);
        let stmt = prepare(db, base, ctx, describe);
        const declared = stmt.columns();
        const params: unknown[] = [];
        const start = cursorStart(ctx, config);
        if (start) {
          const c = cursorColumn(declared.map((d) => d.name), start.column, ctx, describe);
          const plan = sqliteColumn(declared[c]!.name, declared[c]!.type, undefined);
          // A text column the table holds as a timestamp (the table was made again with TEXT for
          // DATETIME since): refused (incremental.ts checkCursorType).
          checkCursorType(ctx, plan.type === 'VARCHAR', declared[c]!.type?.trim() || 'untyped', describe);
          // A text column the pipeline reads as other values (`type: long`), or another column it reads as text
          // (`type: string`), is read whole (incremental.ts cursorStart).
          const whole = readsWhole(ctx.cursor!, plan.type === 'VARCHAR');
          if (start.after !== null && !whole) {
            const name = declared[c]!.name;
            const col = `q.${quoteSourceIdent('sqlite', name)}`;
            const op = start.inclusive ? '>=' : '>';
            const at = parseTimestamp(start.after);
            let sql: string;
            if (at !== undefined && (plan.type === 'TIMESTAMP' || plan.type === 'DATE' || plan.type === 'VARCHAR')) {
              // A date-time watermark compares as an instant, never as the text it is stored
              // in: `2026-01-05 11:00:00+00` (a timestamptz cursor) is text julianday() cannot
              // read (NULL: no row would ever be read again), and `2026-01-05 09:00:00-05:00`
              // is above it though it sorts below. The watermark is read here (offsets applied)
              // and compared in whole milliseconds since the epoch with what julianday() reads
              // of the column (ISO 8601 text with `T`, `Z` and `±HH:MM` offsets, rounded to the
              // millisecond): rows in the watermark's millisecond are read too when their text
              // has digits below the millisecond (`.1234`, which julianday() rounds away), and
              // the runner drops those not above it, comparing microseconds in the column's
              // final type. A row with no such digits in that millisecond is the watermark's
              // own instant, whatever its text (`… 23:59:59` against the stored `… 23:59:59+00`),
              // and is not read again. Text julianday() cannot read sorts
              // last and is read (it turns the column into VARCHAR, which the target's type then
              // refuses, rather than being skipped without a word). A text column is also read
              // where its bytes are above the watermark's: without a `type:` it is a text
              // cursor, compared as text.
              const ms = Number(at / 1000n - (at % 1000n < 0n ? 1n : 0n));
              const whole = at % 1000n === 0n;
              const k = `round((julianday(${col}) - 2440587.5) * 86400000.0)`;
              const instant = !start.inclusive && whole ? `coalesce(${k}, 9e999) > ? OR (${k} = ? AND ${col} GLOB '*.[0-9][0-9][0-9][0-9]*')` : `coalesce(${k}, 9e999) >= ?`;
              params.push(...(!start.inclusive && whole ? [ms, ms] : [ms]));
              const text = plan.type === 'VARCHAR';
              if (text) params.push(start.after);
              sql = `${derived(base)}\nWHERE (${instant}${text ? ` OR ${col} COLLATE BINARY ${op} ?` : ''} OR ${col} IS NULL)\nORDER BY ${text ? `${col} COLLATE BINARY` : `coalesce(julianday(${col}), 9e999)`}`;
            } else {
              // Typed like the column, so SQLite compares numbers as numbers (its text > any
              // number). Other text compares as BINARY: a column declared COLLATE NOCASE (or
              // RTRIM) would compare unlike DuckDB (incrementalQuery).
              const where = { pipeline: ctx.pipeline, file: ctx.pipelineFile };
              params.push(
                plan.type === 'BIGINT'
                  ? BigInt(checkWatermark(name, start.after, 'integer', where))
                  : plan.type === 'DOUBLE'
                    ? Number(checkWatermark(name, start.after, 'number', where))
                    : !declared[c]!.type?.trim()
                      ? untypedBound(start.after)
                      : // A BLOB cursor's watermark is DuckDB's text of the blob (`A\xFF`): bound as its
                        // bytes, since SQLite puts every blob above every text (each run read all rows).
                        plan.type === 'BLOB'
                        ? (duckBlobBytes(start.after) ?? start.after)
                        : start.after,
              );
              sql = incrementalQuery('sqlite', base, name, '?', (q) => `${q} COLLATE BINARY`, start.inclusive);
            }
            stmt = prepare(db, sql, ctx, describe);
          }
        }
        stmt.raw(true).safeIntegers(true);

        // Columns read as text from the first row: a value met after rows were staged showed
        // that their type cannot hold every value, and converting the staged rows would not
        // give their text back (true for 1, 08:00:00 for 10:00:00+02:00, \xC3\xA9 for é).
        const asText = new Set<number>();
        let plans: SqlitePlan[] | undefined;
        let batch: unknown[][] = [];
        // Columns with a text value holding U+FFFD: maybe the driver's replacement of bytes that are not UTF-8.
        const suspects = new Set<number>();
        const flush = async () => {
          if (!plans) {
            // Columns without a declared type (expressions) take the type of their first value.
            plans = declared.map((d, i) => (asText.has(i) ? sqliteText(d.name, d.type || 'no declared type') : sqliteColumn(d.name, d.type, batch.find((r) => r[i] !== null)?.[i])));
            stage = await createStage(ctx, plans, { stem: 'sqlite', describe });
          }
          for (let i = 0; i < plans.length; i++) {
            const plan = plans[i]!;
            if (batch.some((r) => r[i] !== null && !plan.accepts(r[i]))) {
              // DuckDB's cast of a staged BIGINT is its digits, as SQLite would print them: exact.
              if (stage!.rows > 0 && plan.type !== 'BIGINT') throw new ReadAsText(i);
              plans[i] = sqliteText(plan.name, plan.sourceType);
              await stage!.retype(i, plans[i]!);
            }
            if (!suspects.has(i) && batch.some((r) => typeof r[i] === 'string' && (r[i] as string).includes('\uFFFD'))) suspects.add(i);
          }
          stage!.append(batch);
          ctx.onProgress?.(stage!.rows);
          batch = [];
        };
        for (;;) {
          try {
            for (const row of stmt.iterate(...params) as IterableIterator<unknown[]>) {
              batch.push(row);
              if (batch.length >= config.batch_size) {
                ctx.signal?.throwIfAborted();
                await flush();
              }
            }
            await flush();
            break;
          } catch (e) {
            if (e instanceof ReadAsText) {
              // Read again from the start with that column as text (a local file: cheap next to a wrong value).
              await stage?.abandon();
              stage = undefined;
              plans = undefined;
              batch = [];
              suspects.clear();
              asText.add(e.column);
              continue;
            }
            if (e instanceof FloeError || (e instanceof Error && e.name === 'AbortError')) throw e;
            throw sourceError(`pipeline ${ctx.pipeline}: ${describe} failed while reading rows: ${message(e)}`, { cause: e, context: { pipeline: ctx.pipeline } });
          }
        }
        for (const i of suspects) checkUtf8(db, stmt.source, params, declared[i]!.name, ctx, describe);
        stage!.finish();
        return { relation: stage!.relation, rowsRead: stage!.rows, describe };
      } catch (e) {
        await stage?.abandon();
        throw e;
      } finally {
        db.close();
      }
    },
  };
}

/**
 * SQLite keeps text as the bytes it was given, and better-sqlite3 decodes them as UTF-8,
 * replacing what is not UTF-8 with U+FFFD: a silent change. When a column's text holds U+FFFD
 * (rare), its bytes are read again as blobs and checked; bytes that are not UTF-8 fail the run
 * naming the row and column.
 */
function checkUtf8(db: Database, sql: string, params: unknown[], column: string, ctx: SourceContext, describe: string): void {
  const col = `q.${quoteSourceIdent('sqlite', column)}`;
  const stmt = db.prepare(`SELECT CASE WHEN typeof(${col}) = 'text' THEN CAST(${col} AS BLOB) END FROM (${sql}) AS q`).raw(true).safeIntegers(true);
  let row = 0;
  for (const [bytes] of stmt.iterate(...params) as IterableIterator<[Uint8Array | null]>) {
    row++;
    if (bytes === null || isUtf8(bytes)) continue;
    throw sourceError(
      `pipeline ${ctx.pipeline}: row ${row} from ${describe}, column ${JSON.stringify(column)}: the text is not valid UTF-8 (0x${Buffer.from(bytes.subarray(0, 20)).toString('hex')}…), and would be changed on its way into the table`,
      { hint: 'select hex(x) or CAST(x AS BLOB) in the query, or fix the text in the database', context: { pipeline: ctx.pipeline, column, row } },
    );
  }
}

function prepare(db: Database, sql: string, ctx: SourceContext, describe: string): Statement {
  let stmt: Statement;
  try {
    stmt = db.prepare(sql);
  } catch (e) {
    throw sourceError(`pipeline ${ctx.pipeline}: ${describe} could not run the query: ${message(e)}`, { cause: e, context: { pipeline: ctx.pipeline } });
  }
  if (!stmt.reader) throw sourceError(`pipeline ${ctx.pipeline}: the query on ${describe} returns no rows (it is not a SELECT)`);
  return stmt;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Thrown inside a read: column `column` must be read as text from the first row. */
class ReadAsText extends Error {
  constructor(readonly column: number) {
    super(`column ${column} is read again as text`);
  }
}
