/**
 * Shared set-up for the relational source tests. They run against real servers, which
 * scripts/provision-services.sh starts and describes in .cache/services.env; a missing file
 * or a server that does not answer fails the tests (they never skip, and never mock drivers).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { quoteIdent } from '../../src/engine/sql.js';
import { sourceSchema, type Source as SourceConfig } from '../../src/pipeline/schema-source.js';
import type { CursorState, SourceContext } from '../../src/sources/source.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENV_FILE = path.join(ROOT, '.cache/services.env');
export const PROVISION = 'run scripts/provision-services.sh';

/** The distinctive part of the test password, which no message may contain. */
export const PASSWORD_MARK = 'floe_s3cret_pw';

export function services(): { pg: string; mysql: string } {
  if (!existsSync(ENV_FILE)) throw new Error(`${ENV_FILE} is missing: ${PROVISION}`);
  const env = Object.fromEntries(
    readFileSync(ENV_FILE, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
  const pg = env.FLOE_TEST_PG_URL;
  const mysql = env.FLOE_TEST_MYSQL_URL;
  if (!pg || !mysql) throw new Error(`${ENV_FILE} lacks FLOE_TEST_PG_URL or FLOE_TEST_MYSQL_URL: ${PROVISION}`);
  return { pg, mysql };
}

/** One engine for the whole file (2 threads: the CI machine has 2 cores). */
export function useEngine(): () => Engine {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await openEngine({ threads: 2 });
  });
  afterAll(() => engine?.close());
  return () => engine!;
}

/**
 * A source context. `redact` is the identity on purpose: the sources must keep passwords out
 * of messages on their own, so a test that greps for the password proves it.
 */
export function context(engine: Engine, extra: Partial<SourceContext> & { cursor?: CursorState } = {}): SourceContext {
  return { engine, projectDir: ROOT, pipeline: 'test_pipeline', redact: (t) => t, ...extra };
}

/** A source config validated (and defaulted) by the pipeline schema, as the runner gets it. */
export function config<K extends 'postgres' | 'mysql' | 'sqlite'>(source: { kind: K } & Record<string, unknown>): Extract<SourceConfig, { kind: K }> {
  return sourceSchema.parse(source) as Extract<SourceConfig, { kind: K }>;
}

/** Every row of a relation with each column as DuckDB's text (exact, comparable), ordered by a column's value. */
export async function textRows(engine: Engine, relation: string, orderBy: string): Promise<Record<string, string | null>[]> {
  const cols = await engine.columns(`SELECT * FROM ${quoteIdent(relation)}`, 'list columns');
  const select = cols.map((c) => `${quoteIdent(c.name)}::VARCHAR AS ${quoteIdent(c.name)}`).join(', ');
  // Qualified, so the order is the column's own, not its text's.
  const rows = await engine.all(`SELECT ${select} FROM ${quoteIdent(relation)} AS r ORDER BY r.${quoteIdent(orderBy)}`, 'read staged rows');
  return rows as Record<string, string | null>[];
}

/** Column name → DuckDB type text of a relation. */
export async function columnTypes(engine: Engine, relation: string): Promise<Record<string, string>> {
  const cols = await engine.columns(`SELECT * FROM ${quoteIdent(relation)}`, 'list columns');
  return Object.fromEntries(cols.map((c) => [c.name, c.type.toString()]));
}

/** A name unique to this test run, so concurrent runs sharing the servers never collide. */
export const runId = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/**
 * A file's set-up whose failure fails every test of the file. A throwing beforeAll makes
 * vitest report the tests as skipped; these tests never skip for want of a server, so the
 * error is kept and re-thrown by each test's beforeEach (as test/interop/helpers/setup.ts).
 */
export function setupOnce(fn: () => Promise<void>): void {
  let error: unknown;
  let failed = false;
  beforeAll(async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      error = e;
    }
  });
  beforeEach(() => {
    if (failed) throw error instanceof Error ? error : new Error(`set-up failed: ${String(error)}`);
  });
}

/** A test file's own schema on the test Postgres server (usePgSchema). */
export interface PgSchema {
  /** The server's URL (FLOE_TEST_PG_URL); set once the set-up ran. */
  url: string;
  /** The set-up's connection (schema on its search_path), for more set-up and for assertions. */
  admin: pg.Client;
  schema: string;
  /** `schema.name` */
  table(name: string): string;
}

/**
 * Creates schema `<prefix>_<runId>` and runs `ddl` in it before the file's tests (through
 * setupOnce: a server that does not answer fails every test), and drops it after them.
 */
export function usePgSchema(prefix: string, ddl: string): PgSchema {
  const db: PgSchema = { url: '', admin: undefined as unknown as pg.Client, schema: `${prefix}_${runId}`, table: (name) => `${db.schema}.${name}` };
  setupOnce(async () => {
    db.url = services().pg;
    db.admin = new pg.Client({ connectionString: db.url });
    try {
      await db.admin.connect();
    } catch (e) {
      throw new Error(`PostgreSQL at ${new URL(db.url).host} does not answer (${(e as Error).message}): ${PROVISION}`);
    }
    await db.admin.query(`
    CREATE SCHEMA ${db.schema};
    SET search_path TO ${db.schema};${ddl}`);
  });
  afterAll(async () => {
    await db.admin?.query(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE`).catch(() => undefined);
    await db.admin?.end();
  });
  return db;
}

/** The URL with every character of its password percent-encoded: the drivers must decode it. */
export function encodedPassword(u: string): string {
  const url = new URL(u);
  url.password = [...decodeURIComponent(url.password)].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return url.toString();
}
