/**
 * Read-only commands in a project that has no catalog yet (and no warehouse folder) create
 * nothing: no warehouse folder, no catalog.db, no Postgres catalog tables. Each either works
 * with an empty catalog (`tables` lists none, `plan` plans new tables) or fails with a
 * message naming the catalog that does not exist yet, with the exit code of its kind.
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';
import { assertBuilt, floeIn, IDENTITY_PIPELINE, show, useTmpDirs } from './helpers.js';

beforeAll(assertBuilt);
const tmp = useTmpDirs('floe-readonly-');

const PIPELINE = `name: example
source: { kind: csv, path: data/a.csv }
target: { table: raw.example, mode: append }
checks:
  - row_count: { min: 1 }
`;

/** A project as `floe init` leaves it plus one CSV: floe.yaml, pipelines/, data/; no warehouse. */
async function freshProject(catalogUri = 'sqlite:./warehouse/catalog.db'): Promise<string> {
  const dir = await tmp();
  await writeFile(path.join(dir, 'floe.yaml'), `warehouse: ./warehouse\ncatalog:\n  uri: ${catalogUri}\n  name: floe\npipelines: pipelines/\n`);
  await mkdir(path.join(dir, 'pipelines'));
  await mkdir(path.join(dir, 'data'));
  await writeFile(path.join(dir, 'pipelines', 'example.yaml'), PIPELINE);
  await writeFile(path.join(dir, 'pipelines', 'people.yaml'), IDENTITY_PIPELINE);
  await writeFile(path.join(dir, 'data', 'a.csv'), 'id,name\n1,a\n2,b\n');
  return dir;
}

/** Every path under dir, relative and sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

const BEFORE = ['data', 'data/a.csv', 'floe.yaml', 'pipelines', 'pipelines/example.yaml', 'pipelines/people.yaml'];

describe('read-only commands in a project without a catalog (SQLite)', () => {
  let dir: string;
  let catalogFile: string;
  // A new project for each test, so that a failure names the command that created something.
  beforeEach(async () => {
    dir = await freshProject();
    catalogFile = path.join(dir, 'warehouse', 'catalog.db');
    expect(tree(dir)).toEqual(BEFORE);
  });

  /** Runs the command, checks its exit code and that the project folder is unchanged. */
  const run = async (args: string[], code: number) => {
    const r = await floeIn(dir, args);
    expect(r.code, show(r)).toBe(code);
    expect(tree(dir), `floe ${args.join(' ')} changed the project folder\n${show(r)}`).toEqual(BEFORE);
    return r;
  };
  const noCatalog = () => `there is no SQLite catalog ${catalogFile} yet`;

  it('plan plans every table as new', async () => {
    const r = await run(['plan', 'example'], 0);
    expect(r.stdout).toContain('→ raw.example (append, new table)');
    const j = await run(['plan', 'example', '--json'], 0);
    expect(JSON.parse(j.stdout)).toMatchObject([{ pipeline: 'example', target: 'raw.example', tableExists: false }]);
  });

  // These never opened the catalog; they are here so that none starts to.
  it('validate, schema and --help', async () => {
    expect((await run(['validate'], 0)).stdout).toContain('2 pipelines valid');
    expect(JSON.parse((await run(['schema'], 0)).stdout)).toHaveProperty('$schema');
    expect((await run(['--help'], 0)).stdout).toContain('Usage: floe');
  });

  it('tables lists no tables; a namespace it cannot have is not found', async () => {
    const r = await run(['tables'], 0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no tables yet');
    expect(JSON.parse((await run(['tables', '--json'], 0)).stdout)).toEqual([]);
    const ns = await run(['tables', 'raw'], 1);
    expect(ns.stderr).toContain('namespace raw does not exist');
    expect(ns.stderr).toContain(noCatalog());
  });

  it('describe, snapshots and a query of a table fail naming the missing catalog (exit 1)', async () => {
    for (const args of [['describe', 'raw.example'], ['snapshots', 'raw.example'], ['query', 'SELECT * FROM raw.example']]) {
      const r = await run(args, 1);
      expect(r.stderr, show(r)).toContain(`table raw.example does not exist: ${noCatalog()}`);
      expect(r.stdout).toBe('');
    }
  });

  it('a query of no table works', async () => {
    expect((await run(['query', 'SELECT 41 + 1 AS x', '--format', 'csv'], 0)).stdout).toBe('x\n42\n');
  });

  it('check reports every check as not evaluated (exit 1) and records nothing', async () => {
    const t = await run(['check', '--all'], 1);
    expect(t.stdout).toContain(`could not be evaluated: table raw.example does not exist: ${noCatalog()}`);
    const j = await run(['check', 'raw.example', '--row-count-min', '1', '--format', 'json'], 1);
    expect(JSON.parse(j.stdout)).toMatchObject({ status: 'error', summary: { errored: 1 } });
    // A usage error is not recorded either: there is no catalog to record it in.
    await run(['check'], 2);
  });

  it('identity explain says the pipeline has not run', async () => {
    const r = await run(['identity', 'explain', 'c-1'], 1);
    expect(r.stderr).toContain('pipeline people has not run yet');
  });
});

describe('read-only commands with a Postgres catalog whose schema has no catalog tables', () => {
  let db: TestSchema;
  let dir: string;
  beforeAll(async () => {
    db = await createTestSchema('readonly');
    dir = await freshProject(db.url);
  });
  afterAll(async () => db?.drop());

  const catalogTables = async () =>
    (await db.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [db.schema])).map((r) => r.table_name);

  it('plan, tables, describe, query and check create no table in the schema and no folder', async () => {
    const runs: [string[], number][] = [
      [['plan', 'example'], 0],
      [['tables'], 0],
      [['describe', 'raw.example'], 1],
      [['snapshots', 'raw.example'], 1],
      [['query', 'SELECT * FROM raw.example'], 1],
      [['check', '--all'], 1],
      [['identity', 'explain', 'c-1'], 1],
    ];
    for (const [args, code] of runs) {
      const r = await floeIn(dir, args);
      expect(r.code, show(r)).toBe(code);
      expect(await catalogTables(), `floe ${args.join(' ')} created catalog tables`).toEqual([]);
      expect(tree(dir), `floe ${args.join(' ')} changed the project folder`).toEqual(BEFORE);
    }
    const d = await floeIn(dir, ['describe', 'raw.example']);
    expect(d.stderr).toContain(`table raw.example does not exist: there is no Postgres catalog ${db.host}:${db.port}/${db.database}?currentSchema=${db.schema} yet`);
    expect(d.stderr).not.toContain(db.password);
  });

  it('a command that writes still creates the catalog tables', async () => {
    const r = await floeIn(dir, ['table', 'create', 'raw.t', '--column', 'id long']);
    expect(r.code, show(r)).toBe(0);
    expect((await catalogTables()).sort()).toEqual(expect.arrayContaining(['iceberg_namespace_properties', 'iceberg_tables']));
    expect((await floeIn(dir, ['tables'])).stdout.split('\n')).toContain('raw.t');
  });
});
