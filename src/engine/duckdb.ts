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
import { type ErrorKind, FloeError, internalError } from '../errors.js';

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
      throw wrapDuckDBError(e, purpose, options);
    }
  }

  async all(sql: string, purpose: string, options: QueryOptions = {}): Promise<Row[]> {
    this.assertOpen();
    try {
      const reader = await this.connection.runAndReadAll(sql, options.params);
      return reader.getRowObjects();
    } catch (e) {
      throw wrapDuckDBError(e, purpose, options);
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
      throw wrapDuckDBError(e, purpose, options);
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

export function wrapDuckDBError(e: unknown, purpose: string, options: QueryOptions = {}): FloeError {
  if (e instanceof FloeError) return e;
  // A statement a signal interrupted (or that failed meanwhile) is the command's cancellation.
  if (stopRequested()) return cancelledError();
  const raw = e instanceof Error ? e.message : String(e);
  // DuckDB appends "LINE 1: <sql excerpt>" with a caret; the excerpt can be long and may
  // quote literals, so the message keeps only the error itself.
  // The CSV sniffer's message goes on with its search space and a list of generic fixes.
  const detail = raw.split(/\n\s*\nLINE \d+:/)[0]!.split(/\nThe search space used was:|\nPossible fixes:/)[0]!.trim();
  return new FloeError(options.kind ?? kindOf(detail), `DuckDB could not ${purpose}: ${detail}`, {
    cause: e,
    context: { ...options.context, purpose },
  });
}
