/**
 * A private Postgres schema per test file, on the server scripts/provision-services.sh
 * starts (FLOE_TEST_PG_URL in .cache/services.env). The test login may not create
 * databases, so isolation is by schema: the catalog URL selects it with `currentSchema=`.
 * A missing env file or a server that does not answer fails the tests loudly: they never
 * skip for want of a server.
 */
import pg from 'pg';
import { PROVISION, services } from '../sources/helpers.js';

/** The distinctive part of the test password, which no message may contain. */
export { PASSWORD_MARK } from '../sources/helpers.js';

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
  const admin = services().pg;
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
