/**
 * The DuckDB session: one in-memory DuckDBInstance with one connection.
 *
 * - `@duckdb/node-api` is loaded lazily so that commands which never touch data
 *   (`floe --help`, `floe validate`) do not pay for loading the native binding. It is
 *   loaded with require() (`duckdbApi`), never `import`: importing this CommonJS package
 *   from ESM makes Node scan every file it re-exports for export names, which cost about
 *   200 ms more than the require itself (measured on 2 cores: ~400 ms against ~170 ms).
 * - Extension autoinstall/autoload are off: otherwise reading an `s3://` path or a stray
 *   `LOAD` tries to download an extension, which hangs or fails obscurely offline. floe moves
 *   bytes itself, so any such attempt should fail at once (TECH-NOTES, DuckDB).
 * - The session TimeZone is UTC: TIMESTAMPTZ text (stats min/max, casts from VARCHAR) follows
 *   it, and Iceberg timestamptz values are UTC instants.
 * - Rows come back as typed DuckDBValues (bigint for BIGINT, micros for timestamps), never
 *   through JSON, which turns longs into strings.
 * - A failing statement becomes a FloeError naming what floe was trying to do; the raw stack
 *   stays in `cause`.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { atForcedExit, cancelledError, onCancel, stopRequested, throwIfCancelled } from '../cancel.js';
import { type ErrorKind, FloeError, internalError, unsupportedError } from '../errors.js';

/**
 * DuckDB's memory for one pipeline run unless FLOE_MEMORY_LIMIT says otherwise. Staged source
 * rows, the normalised copy and sorts beyond it spill to a private temp folder (`spill`), so
 * a run's memory does not grow with the rows it reads.
 */
export const DEFAULT_RUN_MEMORY_LIMIT = '512MB';

/** The memory limit of a pipeline run: FLOE_MEMORY_LIMIT (DuckDB syntax, e.g. `2GB`), else the default. */
export function runMemoryLimit(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.FLOE_MEMORY_LIMIT?.trim();
  return v ? v : DEFAULT_RUN_MEMORY_LIMIT;
}

export interface EngineOptions {
  /** Worker threads; DuckDB's default is the number of cores. */
  threads?: number;
  /** DuckDB memory_limit, e.g. '2GB'. */
  memoryLimit?: string;
  /** Where DuckDB spills when a sort or join exceeds memory. */
  tempDir?: string;
  /**
   * Spill to a fresh folder under the OS temp folder (created by DuckDB when first needed),
   * removed by close(). Ignored when `tempDir` is given.
   */
  spill?: boolean;
  /**
   * Keep row order through scans and COPY. DuckDB's default (true) costs memory on large
   * unordered loads; floe keeps it unless told otherwise because sorted writes rely on it.
   */
  preserveInsertionOrder?: boolean;
}

export type Row = Record<string, DuckDBValue>;

export interface ColumnInfo {
  name: string;
  type: DuckDBType;
}

export interface QueryOptions {
  /** Error kind when the statement fails; by default derived from DuckDB's error class. */
  kind?: ErrorKind;
  /** Positional parameters ($1, $2, ...). */
  params?: DuckDBValue[];
  /** Safe-to-print facts added to the error (table, file, ...). */
  context?: Record<string, unknown>;
  /**
   * SQL a user wrote, which the statement holds verbatim (`COPY (<query>) TO ...`): an error's
   * line and column are given in it rather than in the statement.
   */
  userSql?: string;
}

export interface Engine {
  /** The raw connection, for appenders and registering functions (src/engine/udf.ts). */
  readonly connection: DuckDBConnection;
  /** Runs a statement and discards its result. `purpose` completes "DuckDB could not ...". */
  run(sql: string, purpose: string, options?: QueryOptions): Promise<void>;
  /** Runs a query and returns all rows with typed values. */
  all(sql: string, purpose: string, options?: QueryOptions): Promise<Row[]>;
  /** The output columns of a query, from preparing it (the query is not executed). */
  columns(sql: string, purpose: string, options?: QueryOptions): Promise<ColumnInfo[]>;
  /** A fresh name for a temp table or scratch file, unique within this session. */
  uniqueName(stem: string): string;
  close(): void;
}

type DuckDBApi = typeof import('@duckdb/node-api');
let api: DuckDBApi | undefined;

/**
 * `@duckdb/node-api`, loaded on first use; every module takes its values from here (see the header).
 * The CLI (bin/floe.js) names a one-file bundle of it (scripts/bundle.mjs), which loads in half
 * the time of the package's own 120-odd modules; a library user gets the package.
 */
export function duckdbApi(): DuckDBApi {
  const bundled = (globalThis as { __floeDuckDBApi?: string }).__floeDuckDBApi;
  return (api ??= createRequire(import.meta.url)(bundled ?? '@duckdb/node-api') as DuckDBApi);
}
const loadDuckDB = async () => duckdbApi();

export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  const { DuckDBInstance } = await loadDuckDB();
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (options.threads !== undefined) config.threads = String(options.threads);
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
  const spillDir = options.tempDir === undefined && options.spill ? join(tmpdir(), `floe-spill-${process.pid}-${randomUUID().slice(0, 8)}`) : undefined;
  const tempDir = options.tempDir ?? spillDir;
  if (tempDir !== undefined) config.temp_directory = tempDir;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', config);
  } catch (e) {
    throw wrapDuckDBError(e, 'start the embedded engine', { kind: 'config', context: options.memoryLimit ? { memoryLimit: options.memoryLimit } : undefined });
  }
  const connection = await instance.connect();
  const engine = new Session(instance, connection, spillDir, tempDir);
  try {
    await engine.run(`SET TimeZone = 'UTC'`, 'set the session time zone to UTC');
    if (options.preserveInsertionOrder === false) {
      await engine.run('SET preserve_insertion_order = false', 'configure the session');
    }
  } catch (e) {
    // A signal that arrived while DuckDB started (src/cancel.ts): the caller never gets the session to close.
    engine.close();
    throw e;
  }
  return engine;
}

class Session implements Engine {
  private counter = 0;
  private closed = false;
  /** Undo the registrations with src/cancel.ts. */
  private readonly unregister: (() => void)[];

  constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    /** A spill folder this session owns and removes on close. */
    private readonly spillDir?: string,
    /** Where DuckDB spills, removed before a forced exit (src/cancel.ts) as the process ends mid-statement. */
    tempDir?: string,
  ) {
    // A signal interrupts the running statement (src/cancel.ts); every statement is a safe point.
    this.unregister = [onCancel(() => connection.interrupt())];
    if (tempDir !== undefined) this.unregister.push(atForcedExit(() => rmSync(tempDir, { recursive: true, force: true })));
  }

  async run(sql: string, purpose: string, options: QueryOptions = {}): Promise<void> {
    this.assertOpen();
    try {
      await this.connection.run(sql, options.params);
    } catch (e) {
      throw wrapDuckDBError(e, purpose, options, sql);
    }
  }

  async all(sql: string, purpose: string, options: QueryOptions = {}): Promise<Row[]> {
    this.assertOpen();
    try {
      const reader = await this.connection.runAndReadAll(sql, options.params);
      return reader.getRowObjects();
    } catch (e) {
      throw wrapDuckDBError(e, purpose, options, sql);
    }
  }

  async columns(sql: string, purpose: string, options: QueryOptions = {}): Promise<ColumnInfo[]> {
    this.assertOpen();
    try {
      const prepared = await this.connection.prepare(sql);
      try {
        const out: ColumnInfo[] = [];
        for (let i = 0; i < prepared.columnCount; i++) {
          out.push({ name: prepared.columnName(i), type: prepared.columnType(i) });
        }
        return out;
      } finally {
        prepared.destroySync();
      }
    } catch (e) {
      throw wrapDuckDBError(e, purpose, options, sql);
    }
  }

  uniqueName(stem: string): string {
    return `__floe_${stem}_${process.pid}_${++this.counter}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unregister) u();
    try {
      this.connection.closeSync();
      this.instance.closeSync();
    } finally {
      if (this.spillDir) rmSync(this.spillDir, { recursive: true, force: true });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw internalError('the DuckDB session was used after close()');
    throwIfCancelled();
  }
}

/** DuckDB's error class ("IO Error: ...") decides the default kind. */
function kindOf(message: string): ErrorKind {
  if (/^IO Error/.test(message)) return 'io';
  if (/^(Conversion|Invalid Input|Out of Range) Error/.test(message)) return 'source';
  // Syntax and name errors in SQL a user wrote (floe query, sql pipelines, checks).
  if (/^(Parser|Binder|Catalog) Error/.test(message)) return 'usage';
  if (/^Invalid Error/.test(message)) return 'corrupt';
  return 'internal';
}

export function wrapDuckDBError(e: unknown, purpose: string, options: QueryOptions = {}, sql?: string): FloeError {
  if (e instanceof FloeError) return e;
  // A statement a signal interrupted (or that failed meanwhile) is the command's cancellation.
  if (stopRequested()) return cancelledError();
  const raw = e instanceof Error ? e.message : String(e);
  // DuckDB appends "LINE 1: <sql excerpt>" with a caret; the excerpt can be long and may
  // quote literals, so the message keeps only the error itself and where it is (errorAt).
  // The CSV sniffer's message goes on with its search space and a list of generic fixes.
  const detail = raw.split(/\n\s*\nLINE \d+:/)[0]!.split(/\nThe search space used was:|\nPossible fixes:/)[0]!.trim();
  const lz4 = LZ4_FILE.exec(detail);
  if (lz4) return lz4Unsupported(e, purpose, lz4[1]!, options);
  const kind = options.kind ?? kindOf(detail);
  // Where the error is, for SQL a user wrote (in floe's own statements a position means nothing to the user).
  const at = options.userSql !== undefined && kindOf(detail) === 'usage' ? inUserSql(errorAt(raw, sql ?? options.userSql), sql, options.userSql) : undefined;
  const where = at === undefined ? '' : at.col === undefined ? ` (at line ${at.line})` : ` (at line ${at.line}, column ${at.col})`;
  // After the error's first line: DuckDB's own further lines (candidates, suggestions) follow.
  const nl = detail.indexOf('\n');
  const text = nl < 0 ? `${detail}${where}` : `${detail.slice(0, nl)}${where}${detail.slice(nl)}`;
  return new FloeError(kind, `DuckDB could not ${purpose}: ${text}`, {
    cause: e,
    context: { ...options.context, purpose, ...(at ? { line: at.line, ...(at.col !== undefined ? { col: at.col } : {}) } : {}) },
  });
}

/**
 * Parquet's deprecated LZ4 codec (Hadoop's framing; LZ4_RAW replaced it), which Iceberg Java
 * writes for `write.parquet.compression-codec=lz4` and Spark and PyArrow read. DuckDB reads
 * LZ4_RAW only, so such a file cannot be read here: the error names the file and what to do.
 */
const LZ4_FILE = /Failed to read file "([^"]+)": Unsupported compression codec "LZ4"/;

function lz4Unsupported(e: unknown, purpose: string, file: string, options: QueryOptions): FloeError {
  return unsupportedError(
    `DuckDB could not ${purpose}: Parquet file ${file} is compressed with Parquet's deprecated LZ4 codec ` +
      `(Hadoop's framing, what Iceberg Java writes for write.parquet.compression-codec=lz4), which DuckDB cannot decode`,
    {
      cause: e,
      context: { ...options.context, purpose, file, feature: 'LZ4 Parquet compression' },
      hint:
        'write it again with another codec (zstd, snappy, lz4_raw); for a table, have its writer use one and rewrite its files, ' +
        "e.g. in Spark: ALTER TABLE <table> SET " +
        "TBLPROPERTIES ('write.parquet.compression-codec'='zstd'), then CALL <catalog>.system.rewrite_data_files(" +
        "table => '<table>', options => map('rewrite-all', 'true'))",
    },
  );
}

/** A position in `sql` as one in `user`, which `sql` holds verbatim; undefined when it is outside. */
function inUserSql(at: { line: number; col?: number } | undefined, sql: string | undefined, user: string | undefined): { line: number; col?: number } | undefined {
  if (at === undefined || user === undefined || sql === undefined || sql === user) return at;
  const start = sql.indexOf(user);
  if (start < 0) return undefined;
  const head = Array.from(sql.slice(0, start));
  const startLine = head.join('').split('\n').length;
  const startCol = Array.from(head.join('').slice(head.join('').lastIndexOf('\n') + 1)).length + 1;
  const lines = user.split('\n');
  const line = at.line - startLine + 1;
  if (line < 1 || line > lines.length) return undefined;
  if (at.col === undefined) return { line };
  const col = line === 1 ? at.col - startCol + 1 : at.col;
  if (col < 1 || col > Array.from(lines[line - 1]!).length + 1) return undefined;
  return { line, col };
}

/**
 * Where DuckDB's message points in the statement: its `LINE n:` and the caret under the
 * excerpt of that line, as a 1-based line and column (code points). The excerpt is a window
 * of a long line (`...` at either end): its column then needs the statement's text (`sql`),
 * without which only the line is known.
 *
 * A parser error's offset is in characters but DuckDB draws the caret as if it were bytes,
 * so a line with non-ASCII text before the error has its caret too far left; with `sql` the
 * column is corrected (the caret's bytes in the line are the error's characters).
 */
export function errorAt(message: string, sql?: string): { line: number; col?: number } | undefined {
  const m = /\n\s*\nLINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!m) return undefined;
  const line = Number(m[1]);
  const excerpt = m[2]!;
  const caret = m[3]!.length - `LINE ${m[1]}: `.length;
  const windowed = excerpt.startsWith('...');
  const shown = windowed ? excerpt.slice(3) : excerpt;
  const cps = (t: string) => Array.from(t);
  // Code points before the caret in the excerpt as shown (DuckDB draws one column per character here).
  const before = Math.max(0, caret - (windowed ? 3 : 0));
  const lines = sql?.split('\n');
  const text = lines?.[line - 1];
  if (text === undefined) return windowed ? { line } : { line, col: before + 1 };
  const body = shown.endsWith('...') && !text.endsWith(shown) ? shown.slice(0, -3) : shown;
  const start = windowed ? text.indexOf(body) : 0;
  if (start < 0) return { line };
  const startCp = cps(text.slice(0, start)).length;
  const col = startCp + before;
  if (/^Parser Error/.test(message)) {
    // The caret sits at the first character whose byte offset in the line reaches the error's
    // offset, read as bytes; the error's offset in characters is that byte count.
    const startBytes = Buffer.byteLength(lines!.slice(0, line - 1).join('\n'), 'utf8') + (line > 1 ? 1 : 0);
    const offset = startBytes + Buffer.byteLength(cps(text).slice(0, col).join(''), 'utf8');
    const all = cps(sql!);
    if (offset <= all.length) {
      const head = all.slice(0, offset).join('');
      return { line: head.split('\n').length, col: cps(head.slice(head.lastIndexOf('\n') + 1)).length + 1 };
    }
  }
  return { line, col: col + 1 };
}
