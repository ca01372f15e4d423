/**
 * A private Postgres schema per test file, on the server scripts/provision-services.sh
 * starts (FLOE_TEST_PG_URL in .cache/services.env). The test login may not create
 * databases, so isolation is by schema: the catalog URL selects it with `currentSchema=`.
 * A missing env file or a server that does not answer fails the tests loudly: they never
 * skip for want of a server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';

const ROOT = resolve(import.meta.dirname, '../..');
const ENV_FILE = join(ROOT, '.cache/services.env');
const PROVISION = 'run scripts/provision-services.sh';

/** The distinctive part of the test password, which no message may contain. */
export const PASSWORD_MARK = 'floe_s3cret_pw';

export function testPgUrl(): string {
  if (!existsSync(ENV_FILE)) throw new Error(`${ENV_FILE} is missing: ${PROVISION}`);
  const line = readFileSync(ENV_FILE, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('FLOE_TEST_PG_URL='));
  if (!line) throw new Error(`${ENV_FILE} lacks FLOE_TEST_PG_URL: ${PROVISION}`);
  return line.slice('FLOE_TEST_PG_URL='.length).trim();
}

export interface TestSchema {
  /** postgresql://…?currentSchema=<schema>, with the test password: floe's catalog.uri. */
  url: string;
  schema: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Runs SQL with the schema first on the search_path (assertions on the catalog tables). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Creates schema `floe_<tag>_<pid>_<random>`; `drop()` removes it with everything in it. */
export async function createTestSchema(tag: string): Promise<TestSchema> {
  const admin = testPgUrl();
  const schema = `floe_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const client = new pg.Client({ connectionString: admin });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`the test Postgres server (${new URL(admin).host}) does not answer: ${PROVISION} (${(e as Error).message})`);
  }
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  const u = new URL(admin);
  u.searchParams.set('currentSchema', schema);
  return {
    url: u.toString(),
    schema,
    host: u.hostname,
    port: Number(u.port || 5432),
    database: u.pathname.slice(1),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      return (await client.query(sql, params)).rows as T[];
    },
    async drop() {
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
