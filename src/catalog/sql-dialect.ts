/**
 * The seam between the SQL catalog (sql.ts) and a database driver.
 *
 * sql.ts writes every statement once, with `?` placeholders and SQL that SQLite and
 * Postgres both accept (`INSERT … ON CONFLICT (…) DO UPDATE/NOTHING`, `LIKE … ESCAPE`).
 * A dialect only covers what really differs between them: placeholder syntax, how to
 * start a write transaction, how to look at the schema, and how errors are classified.
 * Postgres (pg) is meant to plug in here later as a second SqlConnection; it is not
 * implemented yet.
 */

export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  query<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs one statement and returns how many rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlConnection extends SqlExecutor {
  readonly dialect: SqlDialect;
  /** A description safe to print (a file path or a host/db, never a password). */
  readonly description: string;
  /**
   * Runs `fn` inside one write transaction, committed when `fn` resolves and rolled back
   * when it throws. Statements on `tx` are the only ones that run until it settles.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Rewrites `?` placeholders into the driver's own syntax (`$1`, … for pg). */
  placeholders(sql: string): string;
  /** The statement that opens a write transaction. */
  readonly beginWrite: string;
  /** A query with one `?` (the table name) returning rows when the table exists. */
  readonly tableExistsSql: string;
  /** A query with one `?` (the table name) returning one row per column, column `name`. */
  readonly columnsSql: string;
  /** A primary-key / unique constraint violation. */
  isUniqueViolation(e: unknown): boolean;
  /** The database stayed locked longer than the lock timeout; retrying may succeed. */
  isBusy(e: unknown): boolean;
  /** The database file or server refuses writes. */
  isReadOnly(e: unknown): boolean;
}

/** `INSERT … ON CONFLICT (keys) DO UPDATE SET other = excluded.other`: SQLite ≥ 3.24 and Postgres ≥ 9.5. */
export function upsertSql(table: string, columns: readonly string[], keys: readonly string[]): string {
  const others = columns.filter((c) => !keys.includes(c));
  const set = others.map((c) => `${c} = excluded.${c}`).join(', ');
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (${keys.join(', ')}) ` +
    (others.length > 0 ? `DO UPDATE SET ${set}` : 'DO NOTHING')
  );
}

/** `INSERT … ON CONFLICT (keys) DO NOTHING`. */
export function insertIgnoreSql(table: string, columns: readonly string[], keys: readonly string[]): string {
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (${keys.join(', ')}) DO NOTHING`
  );
}

/**
 * Escapes a value for `LIKE ? ESCAPE '!'`, as JdbcCatalog does, so a namespace named
 * `a_b` does not match `axb`.
 */
export function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => '!' + c);
}

function sqliteCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  placeholders: (sql) => sql,
  // IMMEDIATE takes the write lock up front. A deferred transaction that reads first and
  // writes later cannot wait for the lock in WAL mode (SQLITE_BUSY at once, busy_timeout or not).
  beginWrite: 'BEGIN IMMEDIATE',
  tableExistsSql: `SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`,
  columnsSql: `SELECT name FROM pragma_table_info(?)`,
  isUniqueViolation: (e) => /^SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)$/.test(sqliteCode(e)),
  isBusy: (e) => /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(e)),
  isReadOnly: (e) => sqliteCode(e).startsWith('SQLITE_READONLY') || sqliteCode(e) === 'SQLITE_CANTOPEN',
};
