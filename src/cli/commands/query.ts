/**
 * `floe query "<sql>" [--snapshot ID | --as-of TIME] [--format table|csv|json|parquet] [--out FILE] [--explain] [--mask]`
 * csv and parquet are written by DuckDB's COPY (streamed, never held in JS); table and json
 * collect the rows. --mask reads PII-tagged columns through their policies (governance/views.ts).
 */
import { createReadStream } from 'node:fs';
import { open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { FloeError, usageError } from '../../errors.js';
import { openEngine, wrapDuckDBError } from '../../engine/duckdb.js';
import { quoteLiteral } from '../../engine/sql.js';
import { cellText, type JsonValue, toJsonValue } from '../../engine/values.js';
import { float32Narrower } from '../../query/float32.js';
import { explainJson, explainQueryError, explainText, findDamagedFile, prepareViews } from '../../query/query.js';
import { readMasker } from '../../governance/views.js';
import { parseAsOf, parseSnapshotSelector, type SnapshotSelector } from '../../table/snapshot-select.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, oneLine, reportingS3Retries } from '../output.js';
import { displayWidth } from '../../text-table.js';
import { checkOutTarget, formatForOut, type QueryFormat, writeReplacing } from './query-out.js';
import { isStdoutWriteError } from '../exit.js';
import { scratchDir } from '../../io/scratch-dir.js';
import { readChunks } from '../../engine/read-chunks.js';

interface QueryOptions {
  snapshot?: string;
  asOf?: string;
  format: QueryFormat;
  out?: string;
  explain?: boolean;
  /** Read PII-tagged columns through their policies (docs/GOVERNANCE.md). */
  mask?: boolean;
}

export default async function query(sql: string, given: QueryOptions, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Without --format, --out FILE's extension (.csv, .json, .parquet) picks it.
  const implied = given.out && cmd.getOptionValueSource('format') !== 'cli' ? formatForOut(given.out) : undefined;
  const opts: QueryOptions = implied ? { ...given, format: implied } : given;
  // An empty value is given too (`--as-of "$T"` with T unset): it is refused below, never read as no option.
  if (opts.snapshot !== undefined && opts.asOf !== undefined) throw usageError('give --snapshot or --as-of, not both');
  // --explain prints a plan, not rows: it goes to --out FILE too, as text or JSON.
  if (opts.explain && (opts.format === 'csv' || opts.format === 'parquet')) {
    throw usageError(`--explain prints the scan plan as text (--format table) or JSON (--format json), not ${opts.format}`);
  }
  if (opts.format === 'parquet' && !opts.out) throw usageError('--format parquet needs --out FILE');
  if (sql.trim().replace(/;\s*$/, '').trim() === '') throw usageError('the SQL text is empty: give one statement, e.g. floe query "SELECT count(*) FROM ns.t"');
  const outTarget = opts.out ? await checkOutTarget(opts.out) : undefined;
  const selector: SnapshotSelector | undefined = opts.snapshot !== undefined
    ? parseSnapshotSelector(opts.snapshot)
    : opts.asOf !== undefined
      ? { kind: 'as-of', timestampMs: parseAsOf(opts.asOf) }
      : undefined;
  const body = sql.trim().replace(/;\s*$/, '');
  // The engine classifies failures: errors in the user's SQL (syntax, unknown names) exit 2,
  // errors reading data (a damaged file, a failed conversion) exit 1.
  // Retried S3 requests: one summary line on stderr at the end (stdout holds the result).
  await reportingS3Retries(out, () => withProject(globalsOf(cmd), async ({ catalog, io }) => {
    const engine = await openEngine();
    try {
      const masking = opts.mask ? { mask: readMasker() } : {};
      if (opts.explain) {
        const planned = await prepareViews(engine, catalog, io, body, selector, { planOnly: true, ...masking });
        const text = opts.format === 'json' ? JSON.stringify(explainJson(planned), null, 2) : explainText(planned);
        if (outTarget) {
          await writeReplacing(outTarget, (tmp) => writeFile(tmp, text + '\n'));
          out.err(`wrote ${outTarget}`);
        } else out.out(text);
        return;
      }
      const views = await prepareViews(engine, catalog, io, body, selector, masking);
      // Under --mask the query may read only the masked views (governance/masked-query.ts).
      if (opts.mask) await (await import('../../governance/masked-query.js')).checkMaskedQuery(engine, body, views.map((v) => v.table));
      try {
        await runQuery();
      } catch (e) {
        if (e instanceof FloeError && (e.kind === 'corrupt' || e.kind === 'io') && !e.message.includes('.parquet')) throw await findDamagedFile(engine, views, e);
        if (e instanceof FloeError) throw await explainQueryError(engine, catalog, body, e);
        throw e;
      }
    } finally {
      engine.close();
    }
    async function runQuery(): Promise<void> {
      if (opts.format === 'csv' || opts.format === 'parquet') {
        // The closing parenthesis on a line of its own: a query ending in a `-- comment` would
        // comment it out. DuckDB opens its target with truncation, so stdout goes through a temp file:
        // COPY to /dev/stdout would clobber a log file that stdout is redirected to.
        const format = opts.format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd';
        const copy = (target: string) => engine.run(`COPY (${body}\n) TO ${quoteLiteral(target)} (${format})`, 'run the query', { userSql: body });
        if (outTarget) {
          await writeReplacing(outTarget, copy);
          out.err(`wrote ${outTarget}`);
          return;
        }
        const tmp = await scratchDir('floe-query-');
        try {
          const target = join(tmp, 'out.csv');
          await copy(target);
          await pipeline(createReadStream(target), process.stdout, { end: false }).catch((e: NodeJS.ErrnoException) => {
            // The reader closed the pipe (`| head`): the rest has nowhere to go; not a failure.
            // Another write error of stdout (a full disk) is told by cli/main.ts, with exit 1.
            if (!isStdoutWriteError(e)) throw e;
          });
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
        return;
      }
      // json and table: streamed chunk by chunk into files, so memory stays flat however many
      // rows there are (collected, 2M rows took 1.2 GB as json and 1.4 GB as a table); stdout
      // gets the result once the query has succeeded, so a failure part-way prints nothing.
      const write = opts.format === 'json' ? writeJsonResult : writeTableResult;
      const scratch = await scratchDir('floe-query-');
      try {
        if (outTarget) {
          await writeReplacing(outTarget, (target) => write(target, scratch));
          out.err(`wrote ${outTarget}`);
          return;
        }
        const target = join(scratch, 'out');
        await write(target, scratch);
        await pipeline(createReadStream(target), process.stdout, { end: false }).catch((e: NodeJS.ErrnoException) => {
          if (!isStdoutWriteError(e)) throw e;
        });
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }

    /**
     * Runs the query and gives its rows to `onRows` a chunk (2048 rows) at a time, as JSON
     * values: float (32-bit) columns with their own shortest digits, not the widened double's.
     * Rows by position, not by name: a result may name two columns alike (`SELECT 1 a, 2 a`, a
     * join's `a.id, b.id`). Prepared first: several statements fail there (explainQueryError
     * makes that a usage error).
     */
    async function streamRows(onColumns: (names: string[]) => Promise<void>, onRows: (rows: JsonValue[][]) => Promise<void>): Promise<void> {
      // Run to its end before a row is given: a stream that failed part-way looked finished (engine/read-chunks.ts).
      await readChunks(engine, body, 'run the query', async (r) => {
        const width = r.names.length;
        const narrow = r.types.map((t) => float32Narrower(t) ?? ((v: JsonValue) => v));
        await onColumns(r.names);
        for (let chunk = await r.next(); chunk; chunk = await r.next()) {
          const rows = chunk.getRows().map((row) => {
            const out: JsonValue[] = new Array<JsonValue>(width);
            for (let i = 0; i < width; i++) out[i] = narrow[i]!(toJsonValue(row[i] ?? null));
            return out;
          });
          await onRows(rows);
        }
      }, { userSql: body });
    }

    /** The result as one JSON array of row objects (one line, then a newline). */
    async function writeJsonResult(target: string): Promise<void> {
      const file = await open(target, 'w');
      try {
        let keys: string[] = [];
        let first = true;
        await file.write('[');
        await streamRows(
          async (names) => {
            // JSON keys must differ: a repeated name gets _1, _2, ... as in the csv header DuckDB writes.
            keys = uniqueKeys(names);
          },
          async (rows) => {
            const parts = rows.map((r) => {
              // No prototype: a column named __proto__ is a key like any other.
              const row = Object.create(null) as Record<string, JsonValue>;
              for (let i = 0; i < keys.length; i++) row[keys[i]!] = r[i]!;
              return jsonRows(row);
            });
            await file.write((first ? '' : ',') + parts.join(','));
            first = false;
          },
        );
        await file.write(']\n');
      } finally {
        await file.close();
      }
    }

    /**
     * The result as an aligned text table (text-table.ts) and a row count. Two passes: the
     * cells go to a scratch file as JSON lines while the column widths are measured, then
     * each line is padded to them.
     */
    async function writeTableResult(target: string, scratch: string): Promise<void> {
      const cellsPath = join(scratch, 'cells.jsonl');
      const cells = await open(cellsPath, 'w');
      let header: string[] = [];
      let widths: number[] = [];
      let count = 0;
      try {
        await streamRows(
          async (names) => {
            header = names.map(oneLine);
            widths = header.map(displayWidth);
          },
          async (rows) => {
            const lines = rows.map((r) => {
              const text = r.map((v) => oneLine(cellText(v)));
              for (let i = 0; i < text.length; i++) widths[i] = Math.max(widths[i]!, displayWidth(text[i]!));
              return JSON.stringify(text);
            });
            count += rows.length;
            await cells.write(lines.join('\n') + '\n');
          },
        );
      } finally {
        await cells.close();
      }
      const line = (row: string[]) => row.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(c)))).join('  ').trimEnd();
      const file = await open(target, 'w');
      try {
        let buffer = `${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`;
        for await (const text of createInterface({ input: createReadStream(cellsPath), crlfDelay: Infinity })) {
          buffer += line(JSON.parse(text) as string[]) + '\n';
          if (buffer.length >= 1 << 16) {
            await file.write(buffer);
            buffer = '';
          }
        }
        await file.write(`${buffer}(${count} row${count === 1 ? '' : 's'})\n`);
      } finally {
        await file.close();
      }
    }
    // Read-only: without a catalog yet, a query of a table fails naming the missing catalog.
  }, { create: false }));
  return 0;
}

/** Column names made unique the way DuckDB's csv header does it: the second `a` is `a_1`. */
function uniqueKeys(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((n) => {
    if (!seen.has(n)) {
      seen.add(n);
      return n;
    }
    let i = 1;
    while (taken.has(`${n}_${i}`)) i++;
    const key = `${n}_${i}`;
    taken.add(key);
    return key;
  });
}

/** JSON.stringify, except that -0 stays -0 (a float value Iceberg bounds tell apart from 0). */
function jsonRows(value: unknown): string {
  const marker = '\u0000neg0';
  return JSON.stringify(value, (_k, v) => (Object.is(v, -0) ? marker : v)).replace(/"\\u0000neg0"/g, '-0');
}
