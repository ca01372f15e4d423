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

    const second = await floeOk(project, ['load', 'raw.lat', path.join(project, 'b.csv')]);
    const fresh = metadataLocation(project, 'raw.lat');
    // Said, with the way back: the old table's rows are not in the new one.
    expect(second.stderr).toContain(`floe: warning: ${oldFolder} holds the files of a table the catalog does not have (dropped without --purge, or lost from the catalog), so raw.lat was created in ${path.dirname(path.dirname(fresh))}`);
    expect(second.stderr).toContain(`floe table drop raw.lat --purge, then floe table register raw.lat ${oldFolder}`);
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
    const created = await floeOk(project, ['table', 'create', 'raw.t', '--column', 'id long', '--json']);
    expect(metadataLocation(project, 'raw.t')).toMatch(/\/warehouse\/raw\/t-[0-9a-f]{8}\/metadata\//);
    const events = created.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.event === 'warning')).toMatchObject({ table: 'raw.t', message: expect.stringContaining(`${path.join(project, 'warehouse', 'raw', 't')} holds the files of a table`) });
    const plain = await floeOk(project, ['table', 'create', 'raw.u', '--column', 'id long']);
    expect(metadataLocation(project, 'raw.u')).toContain('/warehouse/raw/u/metadata/');
    expect(plain.stderr).not.toContain('warning');
  });

  it('a pipeline run after the catalog lost its tables says where the old table is', async () => {
    const project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,v\n1,a\n2,b\n');
    await mkdir(path.join(project, 'pipelines'), { recursive: true });
    await writeFile(path.join(project, 'pipelines', 'p.yaml'), `source: { kind: csv, path: ${path.join(project, 'a.csv')} }\ntarget: { table: raw.p }\n`);
    const first = await floeOk(project, ['run', 'p']);
    expect(first.stderr).not.toContain('warning');
    // An emptied catalog file (a restore gone wrong) reads as a catalog without tables.
    await writeFile(path.join(project, 'warehouse', 'catalog.db'), '');
    const again = await floeOk(project, ['run', 'p', '--json']);
    const warning = again.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'warning');
    expect(warning, show(again)).toMatchObject({ pipeline: 'p', table: 'raw.p', message: expect.stringContaining(`${path.join(project, 'warehouse', 'raw', 'p')} holds the files of a table the catalog does not have`) });
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
