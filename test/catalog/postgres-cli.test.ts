/**
 * The built CLI with a Postgres catalog (catalog.uri: postgresql://…): load, run (merge),
 * query, tables and snapshots end to end, plus the exit code and message of a wrong password.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, spawnFloe, type RunResult } from '../helpers/floe-process.js';
import { createTestSchema, PASSWORD_MARK, type TestSchema } from './postgres-db.js';

let db: TestSchema;
let dir: string;
beforeAll(async () => {
  assertBuilt('test/catalog/postgres-cli.test.ts');
  db = await createTestSchema('cli');
  dir = mkdtempSync(join(tmpdir(), 'floe-pgcli-'));
  // The password comes from the environment, as a project would keep it out of floe.yaml.
  writeFileSync(
    join(dir, 'floe.yaml'),
    `warehouse: ./warehouse\ncatalog:\n  uri: postgresql://${db.user}:\${CATALOG_PASSWORD}@${db.host}:${db.port}/${db.database}?currentSchema=${db.schema}\n  name: floe\npipelines: pipelines/\n`,
  );
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'pipelines'));
});
afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const floe = (args: string[], password = db.password): Promise<RunResult> =>
  collect(spawnFloe(['--project', dir, ...args], dir, { CATALOG_PASSWORD: password }));
const ok = async (args: string[]): Promise<RunResult> => {
  const r = await floe(args);
  expect(r.code, `floe ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
};
const query = async (sql: string) => JSON.parse((await ok(['query', sql, '--format', 'json'])).stdout) as Record<string, unknown>[];

describe('floe with a Postgres catalog', () => {
  it('loads, appends, lists and queries; the pointer lives in Postgres', async () => {
    writeFileSync(join(dir, 'data/a.csv'), 'id,name\n1,ann\n2,bob\n');
    writeFileSync(join(dir, 'data/b.csv'), 'id,name\n3,cyd\n');
    await ok(['load', 'raw.people', join(dir, 'data/a.csv')]);
    await ok(['load', 'raw.people', join(dir, 'data/b.csv')]);
    expect(await query('SELECT id, name FROM raw.people ORDER BY id')).toEqual([
      { id: 1, name: 'ann' },
      { id: 2, name: 'bob' },
      { id: 3, name: 'cyd' },
    ]);
    expect((await ok(['tables', '--json'])).stdout).toContain('raw.people');
    const snaps = JSON.parse((await ok(['snapshots', 'raw.people', '--json'])).stdout) as unknown[];
    expect(snaps).toHaveLength(2);
    const rows = await db.query<{ metadata_location: string; iceberg_type: string }>(
      `SELECT metadata_location, iceberg_type FROM iceberg_tables WHERE catalog_name = 'floe' AND table_namespace = 'raw' AND table_name = 'people'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.metadata_location).toMatch(/^.*\/warehouse\/raw\/people\/metadata\/00001-[0-9a-f-]+\.metadata\.json$/);
    expect(rows[0]!.iceberg_type).toBe('TABLE');
  }, 300_000);

  it('runs a merge pipeline twice: updated rows replace old ones, no key twice', async () => {
    writeFileSync(join(dir, 'pipelines/contacts.yaml'), 'name: contacts\nsource: { kind: csv, path: data/contacts.csv }\ntarget: { table: crm.contacts, mode: merge, key: [id] }\n');
    writeFileSync(join(dir, 'data/contacts.csv'), 'id,email\n1,a@x.io\n2,b@x.io\n');
    await ok(['run', 'contacts']);
    writeFileSync(join(dir, 'data/contacts.csv'), 'id,email\n2,b2@x.io\n3,c@x.io\n');
    await ok(['run', 'contacts']);
    expect(await query('SELECT id, email FROM crm.contacts ORDER BY id')).toEqual([
      { id: 1, email: 'a@x.io' },
      { id: 2, email: 'b2@x.io' },
      { id: 3, email: 'c@x.io' },
    ]);
  }, 300_000);

  it('a wrong password exits 2 naming host:port/db, never the password', async () => {
    const r = await floe(['tables'], 'not_the_' + PASSWORD_MARK);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${db.host}:${db.port}/${db.database}`);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD_MARK);
  }, 300_000);
});
