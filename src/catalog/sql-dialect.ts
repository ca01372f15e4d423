/**
 * The seam between the SQL catalog (sql.ts) and a database driver.
 *
 * sql.ts writes every statement once, with `?` placeholders and SQL that SQLite and
 * Postgres both accept (`INSERT … ON CONFLICT (…) DO UPDATE/NOTHING`, `LIKE … ESCAPE`).
 * A dialect only covers what really differs between them: placeholder syntax, how to
 * start a write transaction, how to look at the schema, and how errors are classified.
 * Two connections implement it: sqlite.ts (better-sqlite3) and postgres.ts (pg).
 */

import type { FloeError } from '../errors.js';

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
  /**
   * When creating the catalog tables failed because of the database's set-up (a missing
   * schema, no CREATE privilege), the configuration error that says what to change.
   */
  setupError?(e: unknown): FloeError | undefined;
  /**
   * For a read-only open that found no catalog tables: throws the configuration error when the
   * place they would be in does not exist (a Postgres schema), which is a mistake in floe.yaml
   * rather than a catalog not created yet.
   */
  requireSchema?(): Promise<void>;
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
  /** A statement named a table that does not exist. */
  isMissingTable(e: unknown): boolean;
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

/** The driver's error code: SQLITE_* for better-sqlite3, the SQLSTATE (or a Node errno code) for pg. */
export function driverCode(e: unknown): string {
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
  isUniqueViolation: (e) => /^SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)$/.test(driverCode(e)),
  isBusy: (e) => /^SQLITE_(BUSY|LOCKED)/.test(driverCode(e)),
  isReadOnly: (e) => driverCode(e).startsWith('SQLITE_READONLY') || driverCode(e) === 'SQLITE_CANTOPEN',
  isMissingTable: (e) => /no such table/.test(String((e as Error | null)?.message)),
};

/** Rewrites `?` into `$1`, `$2`, … outside quoted literals and identifiers. */
function numberedPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | null = null;
  let out = '';
  for (const c of sql) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '?') {
      out += '$' + ++n;
      continue;
    }
    out += c;
  }
  return out;
}

// SQLSTATE codes (Postgres "Appendix A. PostgreSQL Error Codes").
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  placeholders: numberedPlaceholders,
  beginWrite: 'BEGIN',
  // current_schema(): where CREATE TABLE puts them (the first schema of the search_path).
  tableExistsSql: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`,
  columnsSql: `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`,
  // unique_violation
  isUniqueViolation: (e) => driverCode(e) === '23505',
  // serialization_failure, deadlock_detected, lock_not_available
  isBusy: (e) => /^(40001|40P01|55P03)$/.test(driverCode(e)),
  // read_only_sql_transaction, insufficient_privilege
  isReadOnly: (e) => /^(25006|42501)$/.test(driverCode(e)),
  // undefined_table
  isMissingTable: (e) => driverCode(e) === '42P01',
};
