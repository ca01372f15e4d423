/**
 * A view of another engine in the catalog (Iceberg Java's V1 row with iceberg_type VIEW, as
 * Spark or Trino write it) has a name floe's tables cannot take. `floe load ns.v` into that
 * name said "ns.v was created by another writer while this one wrote; nothing was committed"
 * with the hint "Run again: it will append to the new table" (exit 1), which every run
 * repeated; `floe describe ns.v` and `floe table drop ns.v` said it does not exist, without
 * saying why. Now the load is a config error naming the view (exit 2) and the others say it
 * is a view.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { assertBuilt, catalogTables, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-catalog-views-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  writeFileSync(path.join(project, 'a.csv'), 'id,name\n1,a\n2,b\n');
  await floeOk(project, ['load', 'raw.t', path.join(project, 'a.csv')]);
  const db = new Database(path.join(project, 'warehouse', 'catalog.db'));
  try {
    db.prepare(`INSERT INTO iceberg_tables VALUES ('floe', 'db', 'v', ?, NULL, 'VIEW')`).run(path.join(project, 'views', 'v', 'metadata', '00000-x.metadata.json'));
  } finally {
    db.close();
  }
});

describe('a view row of another engine where floe wants a table', () => {
  it('floe load into its name is a config error naming the view, not a race to run again; nothing is written', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await floeIn(project, ['load', 'db.v', path.join(project, 'a.csv')]);
      expectFailure(r, 2, ['db.v is a view']);
      expect(r.stderr).not.toContain('another writer');
    }
    expect(catalogTables(project)).toEqual(['db.v', 'floe.audit_log', 'raw.t']);
  });

  it('floe table create into its name is refused naming the view', async () => {
    const r = await floeIn(project, ['table', 'create', 'db.v', '--column', 'id long']);
    expectFailure(r, 2, ['db.v is a view']);
  });

  it('floe describe and floe table drop say it is a view (not found, exit 1); the view row stays', async () => {
    expectFailure(await floeIn(project, ['describe', 'db.v']), 1, ['db.v is a view']);
    expectFailure(await floeIn(project, ['table', 'drop', 'db.v']), 1, ['db.v is a view']);
    expect(catalogTables(project)).toContain('db.v');
  });

  it('the catalog API: a multi-table create into the name is the same config error', async () => {
    const catalog = await openCatalog({ uri: `sqlite:${path.join(project, 'warehouse', 'catalog.db')}`, name: 'floe' }, project);
    try {
      const e = await catalog.commitTables([{ id: { namespace: ['db'], name: 'v' }, expected: null, newLocation: path.join(project, 'x.metadata.json') }]).then(
        () => undefined,
        (x: unknown) => x as { kind: string; message: string },
      );
      expect(e?.kind).toBe('config');
      expect(e?.message).toContain('db.v is a view');
    } finally {
      await catalog.close();
    }
  });
});
