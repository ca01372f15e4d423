/**
 * SqlConnection over node-postgres (`pg`): the shared catalog database that lets many floe
 * processes on many machines — and Spark, Trino and PyIceberg — commit to the same tables.
 *
 * The catalog tables and every statement are sql.ts's, unchanged; this file only connects,
 * runs statements, and classifies errors (SQLSTATE codes). Concurrency:
 * - commits are one guarded `UPDATE … WHERE metadata_location = ?` (sql.ts), which Postgres
 *   serialises with a row lock: exactly one of two racing writers updates the row;
 * - write transactions (creating the catalog tables, a namespace, a table) first take a
 *   transaction-scoped advisory lock, so two processes creating the catalog tables at once
 *   do not both run CREATE TABLE (Postgres would fail the second with a duplicate-key error
 *   on its system catalog instead of waiting).
 *
 * The password is never part of a message: errors name `host:port/database` only.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { configError, FloeError, ioError } from '../errors.js';
import { PG_SSL_MODES, pgSslFallsBackToPlain } from '../sources/db-pg-url.js';
import { driverCode, postgresDialect, type SqlConnection, type SqlExecutor, type SqlRow, type SqlValue } from './sql-dialect.js';

/** How long connecting may take before the catalog is reported unreachable. */
const PG_CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long a statement may go unanswered before its connection is taken as lost (a server or
 * network gone silent mid-command would otherwise hang floe for good): JDBC's `socketTimeout=`
 * (seconds) in catalog.uri, else this. Catalog statements are tiny; waits for locks end
 * sooner, at the lock timeout.
 */
const PG_QUERY_TIMEOUT_MS = 60_000;
/**
 * How long a statement waits for a lock (a commit's row, the write lock of write transactions)
 * before it fails as busy, like the SQLite catalog's busy timeout; unless catalog.uri's
 * `options=-c lock_timeout=…` says otherwise.
 */
const PG_LOCK_TIMEOUT_MS = 10_000;
/** How long to wait for the server session of a dropped connection to end (settleOrphan). */
const ORPHAN_SETTLE_MS = 10_000;
/** Arbitrary constant key of the advisory lock that serialises floe's catalog write transactions. */
const WRITE_LOCK_KEY = 0x666c6f65; // "floe"

/** Where a postgresql:// catalog URI points, without its password. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string | undefined;
  password: string | undefined;
  /** Query parameters other than user/password (sslmode, …). */
  params: Record<string, string>;
  /** The schema of the catalog tables, from `currentSchema=` or `options=-c search_path=…`; else the login's default. */
  schema: string | undefined;
  /** `host:port/database` (with `?currentSchema=…` when one is set), safe to print. */
  display: string;
}

const SCHEMES = /^(postgres|postgresql)(\+[a-z0-9]+)?:\/\//i;

/**
 * Parses `postgresql://user:pass@host:port/db?sslmode=…` and the same URL as PyIceberg
 * (`postgresql+psycopg2://…`) and JDBC (`jdbc:postgresql://host:port/db?user=…&password=…`)
 * users write it. Missing parts default as libpq does (localhost, 5432, PGUSER/PGPASSWORD).
 */
export function parsePostgresUri(uri: string): PostgresTarget {
  const raw = uri.trim().replace(/^jdbc:/i, '');
  if (!SCHEMES.test(raw)) {
    throw configError('catalog.uri: expected postgresql://[user[:password]@]host[:port]/database', { context: { field: 'catalog.uri' } });
  }
  let url: URL;
  try {
    url = new URL(raw.replace(SCHEMES, 'postgresql://'));
  } catch {
    // Never echo the URI: it may hold a password.
    throw configError('catalog.uri: not a valid postgresql:// URL', {
      context: { field: 'catalog.uri' },
      hint: 'Percent-encode special characters of the user name and password (e.g. @ as %40).',
    });
  }
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw configError('catalog.uri: bad percent-encoding in the user name or password', { context: { field: 'catalog.uri' } });
    }
  };
  const user = url.username ? decode(url.username) : params.user;
  const password = url.password ? decode(url.password) : params.password;
  delete params.user;
  delete params.password;
  const host = decode(url.hostname).replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = url.port ? Number(url.port) : 5432;
  const database = decode(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw configError('catalog.uri: the postgresql:// URL names no database (…/DATABASE)', { context: { field: 'catalog.uri' } });
  }
  const schema = params.currentSchema ?? /search_path\s*=\s*([^\s,]+)/.exec(params.options ?? '')?.[1];
  const display = `${host}:${port}/${database}${schema ? `?currentSchema=${schema}` : ''}`;
  return { host, port, database, user, password, params, schema, display };
}

/** Connects (checking the server answers) and returns the catalog connection. */
export async function openPostgres(uri: string): Promise<PostgresConnection> {
  const target = parsePostgresUri(uri);
  let pg: (typeof import('pg'))['default'];
  try {
    pg = (await import('pg')).default;
  } catch (e) {
    throw new FloeError('internal', `cannot load pg (the Postgres catalog driver): ${(e as Error).message}`, {
      cause: e,
      hint: 'Reinstall dependencies with `npm ci`.',
    });
  }
  const config: PoolConfig = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    max: 4,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    query_timeout: queryTimeoutMs(target),
    keepAlive: true,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: 'floe',
  };
  // The schema the catalog tables live in: JDBC's `currentSchema=` or libpq's `options=-c search_path=…`.
  const options = [target.params.options, target.params.currentSchema ? `-c search_path=${searchPathOption(target.params.currentSchema)}` : undefined].filter(Boolean);
  if (options.length) config.options = options.join(' ');
  if (!/lock_timeout/.test(target.params.options ?? '')) config.lock_timeout = PG_LOCK_TIMEOUT_MS;
  const ssl = sslOptions(target.params);
  if (ssl) config.ssl = ssl;
  const connect = async (config: PoolConfig): Promise<Pool> => {
    const pool = new pg.Pool(config);
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      return pool;
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
  };
  try {
    try {
      return new PostgresConnection(await connect(config), target);
    } catch (e) {
      // sslmode=prefer or allow on a server without TLS: a plain connection, as libpq makes.
      if (!pgSslFallsBackToPlain(target.params.sslmode, e)) throw e;
      return new PostgresConnection(await connect({ ...config, ssl: false }), target);
    }
  } catch (e) {
    throw connectError(target, e);
  }
}

/**
 * TLS as libpq reads catalog.uri's `sslmode`, `sslrootcert`, `sslcert` and `sslkey` (as a
 * postgres source does, sources/db-pg-url.ts): `require` encrypts without checking the
 * certificate, unless `sslrootcert` names a file (then as `verify-ca`); `verify-ca` checks it
 * against `sslrootcert`; `verify-full` also checks the host name (against `sslrootcert`, or
 * the system's CAs); `prefer`/`allow` encrypt unchecked and fall back to a plain connection
 * (openPostgres). Undefined: no TLS (no sslmode, or `disable`). An unknown sslmode, or a
 * certificate file that cannot be read where it is needed, is a config error, as in psql.
 */
export function sslOptions(params: Record<string, string>): ConnectionOptions | undefined {
  const mode = params.sslmode;
  if (mode === undefined || mode === 'disable') return undefined;
  if (!(PG_SSL_MODES as readonly string[]).includes(mode)) {
    throw configError(`catalog.uri: invalid sslmode value "${mode}"`, {
      context: { field: 'catalog.uri' },
      hint: `sslmode is one of ${PG_SSL_MODES.join(', ')}.`,
    });
  }
  const verify = mode === 'verify-ca' || mode === 'verify-full';
  const file = (key: 'sslrootcert' | 'sslcert' | 'sslkey', required: boolean): string | undefined => {
    const path = params[key];
    if (path === undefined || (key === 'sslrootcert' && path === 'system')) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      // libpq skips a root certificate it cannot find unless the mode verifies with it.
      if (!required) return undefined;
      throw configError(`catalog.uri: cannot read ${key}=${path}: ${(e as Error).message}`, { cause: e, context: { field: 'catalog.uri', file: path } });
    }
  };
  const ssl: ConnectionOptions = {};
  const ca = file('sslrootcert', verify);
  const cert = file('sslcert', true);
  const key = file('sslkey', true);
  if (cert !== undefined) ssl.cert = cert;
  if (key !== undefined) ssl.key = key;
  if (ca !== undefined) ssl.ca = ca;
  if (mode === 'verify-ca' && ca === undefined) {
    throw configError('catalog.uri: sslmode=verify-ca needs sslrootcert=FILE, the CA certificate to check the server against', {
      context: { field: 'catalog.uri' },
      hint: 'Add sslrootcert=/path/to/ca.pem, or use sslmode=verify-full (checks the host name against the system CAs too).',
    });
  }
  if (mode === 'verify-full') ssl.rejectUnauthorized = true;
  else if (ca !== undefined && (mode === 'verify-ca' || mode === 'require')) {
    ssl.rejectUnauthorized = true;
    ssl.checkServerIdentity = () => undefined; // the certificate, not the host name
  } else ssl.rejectUnauthorized = false;
  return ssl;
}

export class PostgresConnection implements SqlConnection {
  readonly dialect = postgresDialect;
  readonly description: string;

  constructor(
    private readonly pool: Pool,
    private readonly target: PostgresTarget,
  ) {
    this.description = `Postgres catalog ${target.display}`;
  }

  async query<T extends SqlRow = SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params as SqlValue[])).rows as T[];
    } catch (e) {
      throw this.scrub(e);
    }
  }

  /**
   * A write on a client of its own, so that when its connection drops mid-statement the
   * server session that may still be running it is known (settleOrphan).
   */
  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const { client, release } = await this.checkout();
    let result: number;
    try {
      result = (await client.query(sql, params as SqlValue[])).rowCount ?? 0;
    } catch (e) {
      if (!isConnectionFailure(e)) {
        release(false);
        throw this.scrub(e);
      }
      // Handed back (and discarded) first: settling needs a connection of the pool.
      release(true);
      throw await this.settleOrphan(client, e);
    }
    release(false);
    return result;
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const { client, release } = await this.checkout();
    const tx: SqlExecutor = {
      query: async <R extends SqlRow>(sql: string, params: readonly SqlValue[] = []) => (await client.query(sql, params as SqlValue[])).rows as R[],
      execute: async (sql: string, params: readonly SqlValue[] = []) => (await client.query(sql, params as SqlValue[])).rowCount ?? 0,
    };
    let broken = false;
    try {
      await client.query(this.dialect.beginWrite);
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK_KEY]);
      const result = await fn(tx);
      await client.query('COMMIT');
      release(false);
      return result;
    } catch (e) {
      if (isConnectionFailure(e)) {
        // The COMMIT may have reached the server: settle that session before answering
        // (the broken client is handed back first: settling needs a connection of the pool).
        release(true);
        throw await this.settleOrphan(client, e);
      }
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself failed: do not hand it out again
      }
      release(broken);
      throw this.scrub(e);
    }
  }

  /**
   * A client of the pool for a statement or transaction of our own. While it is checked out
   * the pool does not listen to its errors: a connection that drops mid-statement rejects the
   * statement and also emits 'error', which must not become an uncaught exception.
   * `release(true)` discards a broken client instead of handing it out again.
   */
  private async checkout(): Promise<{ client: PoolClient; release: (broken: boolean) => void }> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.scrub(e);
    }
    const ignore = () => undefined;
    client.on('error', ignore);
    return {
      client,
      release: (broken) => {
        if (!broken) client.off('error', ignore);
        client.release(broken);
      },
    };
  }

  /**
   * The connection of `client` failed while a statement may still run on the server: a
   * server finishes (and commits) a statement whose client has gone, for instance one that
   * waits for a row lock. Until that session has ended, reading the catalog again cannot tell
   * whether the write happened — the commit loop (table/commit.ts) would read "not yet", call
   * the write failed, delete its files, and the pointer could move to them a moment later.
   * So the session is ended here (pg_terminate_backend: a statement still running is rolled
   * back) and awaited, over a new connection. When that cannot be done or confirmed, the
   * error says the outcome is unknown (`commitState: 'unknown'`), and the files are kept.
   */
  private async settleOrphan(client: PoolClient, e: unknown): Promise<FloeError> {
    const error = connectError(this.target, e);
    const pid = (client as PoolClient & { processID?: number | null }).processID;
    if (typeof pid !== 'number') return unknownOutcome(error);
    const deadline = Date.now() + ORPHAN_SETTLE_MS;
    try {
      for (;;) {
        // Only a session of this login that is still inside a statement or transaction.
        const rows = (
          await this.pool.query(
            `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE pid = $1 AND usename = current_user AND state IS DISTINCT FROM 'idle'`,
            [pid],
          )
        ).rows as { ended: boolean }[];
        if (rows.length === 0) return error;
        if (Date.now() > deadline) return unknownOutcome(error);
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch {
      return unknownOutcome(error);
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  async requireSchema(): Promise<void> {
    // current_schema() is NULL when no schema of the search_path (currentSchema=) exists.
    const [row] = await this.query<{ s: string | null }>('SELECT current_schema() AS s');
    if (row?.s == null) throw missingSchemaError(this.target, 'read', '3F000');
  }

  setupError(e: unknown): FloeError | undefined {
    return setupError(this.target, e);
  }

  /** Driver errors keep their SQLSTATE code (the dialect classifies them) but lose any password. */
  private scrub(e: unknown): unknown {
    if (e instanceof FloeError) return e;
    if (isConnectionFailure(e)) return connectError(this.target, e);
    if (e instanceof Error) e.message = hidePassword(this.target, e.message);
    return e;
  }
}

/** A connection error after which the statement's effect could not be settled. */
function unknownOutcome(error: FloeError): FloeError {
  return new FloeError(error.kind, `${error.message}; whether its last statement took effect is unknown`, {
    cause: error.cause,
    retryable: false,
    context: { ...error.context, commitState: 'unknown' },
    hint: error.hint,
  });
}

/** JDBC's `socketTimeout=` (seconds, 0 for none) in catalog.uri, else PG_QUERY_TIMEOUT_MS; undefined for none. */
function queryTimeoutMs(target: Pick<PostgresTarget, 'params'>): number | undefined {
  const given = target.params.socketTimeout;
  if (given === undefined) return PG_QUERY_TIMEOUT_MS;
  const seconds = Number(given);
  if (!/^\d+(\.\d+)?$/.test(given.trim()) || !Number.isFinite(seconds)) {
    throw configError(`catalog.uri: socketTimeout=${given} is not a number of seconds`, { context: { field: 'catalog.uri' } });
  }
  return seconds === 0 ? undefined : Math.max(1, Math.round(seconds * 1000));
}

/** `text` with every occurrence of the target's password masked. */
function hidePassword(target: PostgresTarget, text: string): string {
  return target.password ? text.split(target.password).join('***') : text;
}

/** Network failures (no SQLSTATE) and server-side connection exceptions (class 08, 57P0x). */
function isConnectionFailure(e: unknown): boolean {
  const code = driverCode(e);
  if (/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code)) return true;
  if (/^08|^57P0[1-3]$/.test(code)) return true;
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|timeout expired|connection timeout|Query read timeout/i.test(msg);
}

/**
 * `currentSchema=` as the value of `-c search_path=` in the connection's startup options,
 * where white space separates arguments and a backslash escapes the next character. A name
 * with white space (`my schema`) is quoted as an identifier, so the server reads one schema
 * of that exact name (else it refused the options: "invalid command-line argument for server
 * process"); other values, such as `a,b` or `MySchema` (folded to lower case by the server,
 * as JDBC's currentSchema is), are passed as written.
 */
export function searchPathOption(currentSchema: string): string {
  const value = /\s/.test(currentSchema) && !currentSchema.includes('"') ? `"${currentSchema}"` : currentSchema;
  return value.replace(/[\\\s]/g, (c) => `\\${c}`);
}

/** An identifier as SQL would need it in a hint: quoted when it holds white space. */
const sqlName = (name: string): string => (/\s/.test(name) && !name.includes('"') ? `"${name}"` : name);

/** The schema of the catalog tables does not exist: floe creates the tables, never the schema. */
function missingSchemaError(target: PostgresTarget, verb: 'create' | 'read', code: string, cause?: unknown): FloeError {
  const what = target.schema ? `schema ${target.schema} does not exist` : 'no schema of the login\'s search_path exists';
  return configError(`cannot ${verb} the catalog tables in the Postgres catalog ${target.display}: ${what} (${code})`, {
    ...(cause === undefined ? {} : { cause }),
    context: { catalog: target.display, code },
    hint: target.schema
      ? `Create it first (CREATE SCHEMA ${sqlName(target.schema)}), or correct currentSchema in catalog.uri; floe creates the catalog tables, not the schema.`
      : 'Name an existing schema with ?currentSchema=NAME in catalog.uri; floe creates the catalog tables, not the schema.',
  });
}

/**
 * The catalog tables could not be created because of how the database is set up: the schema
 * that `currentSchema=` / the search_path names does not exist (3F000, "no schema has been
 * selected to create in"), or the login may not create tables in it (42501). Like a missing
 * database these are `config` errors: retrying cannot help, floe.yaml or the database must
 * change. Undefined for any other error.
 */
export function setupError(target: PostgresTarget, e: unknown): FloeError | undefined {
  const code = driverCode(e);
  const where = `the Postgres catalog ${target.display}`;
  const context = { catalog: target.display, code };
  if (code === '3F000') return missingSchemaError(target, 'create', code, e);
  if (code === '42501') {
    const schema = target.schema ?? 'public';
    return configError(`cannot create the catalog tables in ${where}: the login${target.user ? ` ${target.user}` : ''} may not create the catalog tables in schema ${schema} (${code})`, {
      cause: e,
      context,
      hint: `GRANT CREATE ON SCHEMA ${sqlName(schema)} TO ${target.user ?? '<user>'}, or create the tables beforehand with the DDL in docs/CATALOG.md.`,
    });
  }
  return undefined;
}

/** Node's codes for a server certificate that does not verify (sslmode=verify-ca/verify-full, or require with sslrootcert). */
const TLS_CERT_CODES = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * An unreachable server is an `io` error (retrying later may work); a refused login, a
 * missing database or a bad TLS setting is `config` (floe.yaml must change).
 */
export function connectError(target: PostgresTarget, e: unknown): FloeError {
  const message = e instanceof Error ? e.message : String(e);
  // node-postgres gives its own timeout and lost-connection errors no code.
  const timedOut = /timeout expired|connection timeout/i.test(message);
  const unanswered = /Query read timeout/i.test(message);
  const lost = unanswered || /Connection terminated unexpectedly/i.test(message) || /^(ECONNRESET|EPIPE)$/.test(driverCode(e)) || /^57P0[1-3]$/.test(driverCode(e));
  const code = driverCode(e) || (timedOut || unanswered ? 'timeout' : lost ? 'connection lost' : 'unknown');
  const detail = timedOut
    ? `no answer within ${PG_CONNECT_TIMEOUT_MS / 1000} s`
    : unanswered
      ? `no answer to a statement within ${(queryTimeoutMs(target) ?? 0) / 1000} s`
      : hidePassword(target, message);
  const where = `the Postgres catalog ${target.display}`;
  const context = { catalog: target.display, code };
  if (code === '28P01' || code === '28000') {
    return configError(`cannot log in to ${where}${target.user ? ` as ${target.user}` : ''}: ${detail} (${code})`, {
      cause: e,
      context,
      hint: 'Check the user and password in catalog.uri (or PGPASSWORD).',
    });
  }
  if (TLS_CERT_CODES.test(code)) {
    return configError(`cannot connect to ${where}: the server's TLS certificate was refused: ${detail} (${code})`, {
      cause: e,
      context,
      hint: 'Name the CA that signed it with sslrootcert=FILE in catalog.uri, or use sslmode=require to encrypt without checking it.',
    });
  }
  if (code === '3D000') {
    return configError(`${where} does not exist: ${detail} (${code})`, {
      cause: e,
      context,
      hint: `Create it first (CREATE DATABASE ${target.database}); floe creates the catalog tables, not the database.`,
    });
  }
  return ioError(`${lost ? 'lost the connection to' : 'cannot connect to'} ${where}: ${detail} (${code})`, {
    cause: e,
    retryable: true,
    context,
    hint: 'Check that the server is running and reachable from this machine.',
  });
}
