/**
 * A new table's place (src/table/new-table.ts):
 * - a table dropped without --purge leaves its files for `floe table register`; a new table
 *   of the same name takes a fresh folder beside them, so that its orphan scan never deletes
 *   them (before, it took the same folder and `floe maintain orphans` deleted the old files);
 * - a name that differs from an existing table's only in case is refused: SQL folds case, so
 *   neither table could be queried again.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-new-table-');

function metadataLocation(project: string, table: string): string {
  const [ns, name] = table.split('.');
  const db = new Database(path.join(project, 'warehouse', 'catalog.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT metadata_location FROM iceberg_tables WHERE table_namespace = ? AND table_name = ?').get(ns, name) as { metadata_location: string } | undefined;
    return row!.metadata_location;
  } finally {
    db.close();
  }
}

async function floeOk(project: string, args: string[]) {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r;
}

describe('a table created where a dropped table left its files', () => {
  beforeAll(assertBuilt);

  it('takes a fresh folder; orphans of the new table leave the old files, which register again', async () => {
    const project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n2,b\n');
    await writeFile(path.join(project, 'b.csv'), 'id,v\n9,z\n');
    await floeOk(project, ['load', 'raw.lat', path.join(project, 'a.csv')]);
    await floeOk(project, ['load', 'raw.lat', path.join(project, 'a.csv')]);
    const old = metadataLocation(project, 'raw.lat');
    const oldFolder = path.join(project, 'warehouse', 'raw', 'lat');
    expect(old).toContain('/warehouse/raw/lat/metadata/');
    const before = (await readdir(path.join(oldFolder, 'data'))).sort();
    await floeOk(project, ['table', 'drop', 'raw.lat']);

    await floeOk(project, ['load', 'raw.lat', path.join(project, 'b.csv')]);
    const fresh = metadataLocation(project, 'raw.lat');
    expect(fresh).toMatch(/\/warehouse\/raw\/lat-[0-9a-f]{8}\/metadata\//);
    const orphans = await floeOk(project, ['maintain', 'orphans', 'raw.lat', '--older-than', '0s', '--allow-recent']);
    expect(orphans.stdout, show(orphans)).not.toMatch(/deleted [1-9]/);
    expect((await readdir(path.join(oldFolder, 'data'))).sort()).toEqual(before);

    // The README's way back: register the dropped table's metadata under a name.
    await floeOk(project, ['table', 'register', 'raw.lat_before', old]);
    const q = await floeOk(project, ['query', 'SELECT (SELECT count(*) FROM raw.lat_before) AS old_rows, (SELECT count(*) FROM raw.lat) AS new_rows', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ old_rows: 4, new_rows: 1 }]);
  });

  it('floe table create does the same; a folder without metadata is used as it is', async () => {
    const project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n');
    await floeOk(project, ['load', 'raw.t', path.join(project, 'a.csv')]);
    await floeOk(project, ['table', 'drop', 'raw.t']);
    await floeOk(project, ['table', 'create', 'raw.t', '--column', 'id long']);
    expect(metadataLocation(project, 'raw.t')).toMatch(/\/warehouse\/raw\/t-[0-9a-f]{8}\/metadata\//);
    await floeOk(project, ['table', 'create', 'raw.u', '--column', 'id long']);
    expect(metadataLocation(project, 'raw.u')).toContain('/warehouse/raw/u/metadata/');
  });
});

describe('a table name that differs from an existing one only in case', () => {
  beforeAll(assertBuilt);

  it('is refused by load, table create, register and a pipeline run, naming both tables', async () => {
    const project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n');
    await floeOk(project, ['load', 'raw.Orders', path.join(project, 'a.csv')]);
    const load = await floeIn(project, ['load', 'raw.orders', path.join(project, 'a.csv')]);
    expect(load.code, show(load)).toBe(2);
    expect(load.stderr).toContain('table raw.orders differs only in case from raw.Orders, which exists');
    const create = await floeIn(project, ['table', 'create', 'RAW.ORDERS', '--column', 'id long']);
    expect(create.code, show(create)).toBe(2);
    expect(create.stderr).toContain('differs only in case from raw.Orders');
    const register = await floeIn(project, ['table', 'register', 'raw.ORDERS', metadataLocation(project, 'raw.Orders')]);
    expect(register.code, show(register)).not.toBe(0);
    await mkdir(path.join(project, 'pipelines'));
    await writeFile(path.join(project, 'pipelines', 'p.yaml'), `name: p\nsource: { kind: csv, path: ${path.join(project, 'a.csv')} }\ntarget: { table: raw.orders }\n`);
    const run = await floeIn(project, ['run', 'p']);
    expect(run.code, show(run)).toBe(2);
    expect(run.stderr).toContain('differs only in case from raw.Orders');
    // The existing table is still readable by its name.
    const q = await floeOk(project, ['query', 'SELECT count(*) AS n FROM raw.Orders', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 1 }]);
  });
});
