/**
 * A Postgres catalog whose tables cannot be created because of how the database is set up:
 * the schema named by `currentSchema=` does not exist, or the login may not create tables in
 * it. Both are configuration errors (exit 2) whose message names the catalog and whose hint
 * says what to change, like a missing database; retrying would not help, so they are not
 * `io` errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { FloeError } from '../../src/errors.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';
import { createTestSchema, PASSWORD_MARK, type TestSchema } from './postgres-db.js';

let db: TestSchema;
let dir: string;
beforeAll(async () => {
  assertBuilt('test/catalog/postgres-setup.test.ts');
  db = await createTestSchema('setup');
  dir = mkdtempSync(join(tmpdir(), 'floe-pgsetup-'));
});
afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The test schema's URL with `currentSchema` replaced. */
function urlWithSchema(schema: string): string {
  const u = new URL(db.url);
  u.searchParams.set('currentSchema', schema);
  return u.toString();
}

async function openError(uri: string): Promise<FloeError> {
  const e = await openCatalog({ uri, name: 'floe' }, dir).then(
    async (c) => {
      await c.close();
      throw new Error('openCatalog succeeded');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

describe('Postgres catalog set-up errors', () => {
  it('a currentSchema that does not exist is a config error naming the schema, with a CREATE SCHEMA hint', async () => {
    const missing = `${db.schema}_missing`;
    const e = await openError(urlWithSchema(missing));
    expect(e.kind).toBe('config');
    expect(e.message).toContain(`${db.host}:${db.port}/${db.database}?currentSchema=${missing}`);
    expect(e.message).toContain(`schema ${missing} does not exist`);
    expect(e.hint).toContain(`CREATE SCHEMA ${missing}`);
    expect(`${e.message} ${e.hint}`).not.toContain(PASSWORD_MARK);
  });

  it('a schema the login may not create tables in is a config error pointing at the grant and the DDL', async () => {
    const locked = `${db.schema}_nocreate`;
    await db.query(`CREATE SCHEMA ${locked}`);
    await db.query(`REVOKE CREATE ON SCHEMA ${locked} FROM CURRENT_USER`);
    try {
      const e = await openError(urlWithSchema(locked));
      expect(e.kind).toBe('config');
      expect(e.message).toContain(`?currentSchema=${locked}`);
      expect(e.message).toContain('may not create the catalog tables');
      expect(e.hint).toContain(`GRANT CREATE ON SCHEMA ${locked} TO ${db.user}`);
      expect(e.hint).toContain('docs/CATALOG.md');
      // Nothing was created: the schema is still empty.
      expect(await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [locked])).toEqual([]);
    } finally {
      await db.query(`DROP SCHEMA ${locked} CASCADE`);
    }
  });

  it('a currentSchema with a space in its name holds the catalog tables (it was refused as a server argument)', async () => {
    const spaced = `${db.schema} two`;
    await db.query(`CREATE SCHEMA "${spaced}"`);
    try {
      const catalog = await openCatalog({ uri: urlWithSchema(spaced), name: 'floe' }, dir);
      try {
        await catalog.createNamespace(['raw']);
        expect(await catalog.listTables(['raw'])).toEqual([]);
      } finally {
        await catalog.close();
      }
      const made = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [spaced]);
      expect(made.map((r) => (r as { table_name: string }).table_name)).toContain('iceberg_tables');
      // A missing one is named, with a hint SQL can run as written.
      const e = await openError(urlWithSchema(`${db.schema} gone`));
      expect(e.message).toContain(`schema ${db.schema} gone does not exist`);
      expect(e.hint).toContain(`CREATE SCHEMA "${db.schema} gone"`);
    } finally {
      await db.query(`DROP SCHEMA "${spaced}" CASCADE`);
    }
  });

  it('floe exits 2 on a missing schema, naming it, never the password', async () => {
    writeFileSync(join(dir, 'floe.yaml'), `warehouse: ./warehouse\ncatalog:\n  uri: "${urlWithSchema(`${db.schema}_gone`)}"\n`);
    const r = await collect(spawnFloe(['tables'], dir));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`schema ${db.schema}_gone does not exist`);
    expect(r.stderr).toContain(`CREATE SCHEMA ${db.schema}_gone`);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD_MARK);
  }, 120_000);
});
