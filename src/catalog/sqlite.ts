/**
 * SqlConnection over better-sqlite3, the embedded default catalog database.
 *
 * better-sqlite3 is synchronous and is imported lazily (it is a native addon; `floe --help`
 * must not pay for loading it). Several floe processes share one catalog file, so we use
 * WAL mode (readers never block the writer) and a busy timeout (a writer waits for the
 * lock instead of failing at once).
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { configError, FloeError, ioError } from '../errors.js';
import { sqliteDialect, type SqlConnection, type SqlExecutor, type SqlRow, type SqlValue } from './sql-dialect.js';

/** How long a writer waits for another process's lock before giving up. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export interface SqliteOptions {
  /** Fail instead of creating the file (and its folder) when it is missing. */
  mustExist?: boolean;
  /**
   * A read-only command: the journal mode is left as found (a catalog another engine made is
   * in rollback mode, and switching it to WAL is a change to the file).
   */
  readOnly?: boolean;
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) a SQLite database file; `:memory:` gives a private in-memory one. */
export async function openSqlite(path: string, options: SqliteOptions = {}): Promise<SqliteConnection> {
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import('better-sqlite3')).default;
  } catch (e) {
    throw new FloeError('internal', `cannot load better-sqlite3 (the SQLite catalog driver): ${(e as Error).message}`, {
      cause: e,
      hint: 'Reinstall dependencies with `npm ci`; better-sqlite3 builds a native addon during install.',
    });
  }
  const memory = path === ':memory:';
  if (!memory) refuseNonFile(path);
  try {
    if (!memory && !options.mustExist) mkdirSync(dirname(path), { recursive: true });
    const timeout = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
    const db = new Database(path, { fileMustExist: options.mustExist ?? false, timeout });
    if (!memory && !options.readOnly) {
      // Switching a rollback-mode catalog (PyIceberg's and Java's are) to WAL needs the file
      // to itself: tried once, without waiting. Another process merely reading it held the
      // switch off for the whole busy timeout and failed the command ("database is locked");
      // now the catalog is used in its mode, and the next command switches it.
      db.pragma('busy_timeout = 0');
      try {
        db.pragma('journal_mode = WAL');
      } catch (e) {
        // A read-only file (or folder) still serves reads in its current journal mode.
        if (!sqliteDialect.isReadOnly(e) && !sqliteDialect.isBusy(e)) throw e;
      } finally {
        db.pragma(`busy_timeout = ${timeout}`);
      }
    }
    if (!memory) {
      // Read once here, so that a file SQLite cannot read fails naming it: a WAL-mode
      // database needs its -shm file even to be read, and a folder the user may not write
      // (or a read-only mount) failed the first catalog query with "attempt to write a
      // readonly database" as an internal error naming no file, also for `floe tables`.
      try {
        db.prepare('SELECT count(*) FROM sqlite_master').get();
      } catch (e) {
        db.close();
        throw e;
      }
    }
    return new SqliteConnection(db, path);
  } catch (e) {
    if (e instanceof FloeError) throw e;
    const code = (e as { code?: string }).code ?? 'unknown';
    throw ioError(`cannot open the SQLite catalog ${path}: ${(e as Error).message} (${code})`, {
      cause: e,
      context: { file: path, code },
      ...(sqliteDialect.isReadOnly(e) && { hint: readOnlyHint(path) }),
    });
  }
}

/**
 * SQLite cannot read a WAL-mode database (floe's catalogs are) without creating or writing
 * its -shm and -wal files beside it (sqlite.org/wal.html, "Read-Only Databases"): reads need
 * write access too.
 */
function readOnlyHint(path: string): string {
  return (
    `The SQLite catalog is in WAL mode: to read or write it, the user running floe needs write access ` +
    `to ${path}, its ${basename(path)}-wal and ${basename(path)}-shm files and the folder ${dirname(path)} ` +
    '(not a read-only mount).'
  );
}

/**
 * A catalog path that is a folder, or lies under a file, is a mistake in catalog.uri: say so
 * (SQLite's own words are "unable to open database file" and mkdir's EEXIST).
 */
function refuseNonFile(path: string): void {
  const hint = 'catalog.uri names the SQLite catalog file, for example `uri: sqlite:./warehouse/catalog.db`.';
  const stat = (p: string) => {
    try {
      return statSync(p);
    } catch {
      return undefined; // missing, or under a file (ENOTDIR): the loop below tells which
    }
  };
  if (stat(path)?.isDirectory()) {
    throw configError(`the SQLite catalog ${path} is a folder, not a database file`, { context: { file: path, field: 'catalog.uri' }, hint });
  }
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const st = stat(dir);
    if (st !== undefined) {
      if (!st.isDirectory()) {
        throw configError(`cannot open the SQLite catalog ${path}: ${dir} is a file, not a folder`, { context: { file: path, field: 'catalog.uri' }, hint });
      }
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

export class SqliteConnection implements SqlConnection {
  readonly dialect = sqliteDialect;
  readonly description: string;
  /** Every statement goes through this chain, so nothing slips into another caller's transaction. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private readonly direct: SqlExecutor;

  constructor(
    private readonly db: BetterSqlite3.Database,
    readonly path: string,
  ) {
    this.description = `SQLite catalog ${path}`;
    this.direct = {
      query: async <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) => this.all<T>(sql, params),
      execute: async (sql: string, params: readonly SqlValue[] = []) => this.run(sql, params),
    };
  }

  query<T extends SqlRow = SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.serial(() => this.all<T>(sql, params));
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.serial(() => this.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec(this.dialect.beginWrite);
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    await this.serial(() => {
      if (this.db.open) this.db.close();
    });
  }

  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private all<T>(sql: string, params: readonly SqlValue[]): T[] {
    return this.prepare(sql).all(...params) as T[];
  }

  private run(sql: string, params: readonly SqlValue[]): number {
    return this.prepare(sql).run(...params).changes;
  }
}
