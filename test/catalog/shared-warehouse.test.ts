/**
 * Two catalog names in one catalog database default their tables to the same folders
 * (`<warehouse>/<namespace>/<table>`). The orphan sweep and `table drop --purge` of one
 * catalog only know that catalog's tables, so a second catalog's table in the same folder
 * lost its files to them. The catalog now refuses to create a table whose folder is, holds
 * or lies in the folder of another catalog name's table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { normalizeLocation, rootsOverlap, tableRoot } from '../../src/catalog/table-root.js';
import { FloeError } from '../../src/errors.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-sharedwh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const id = (ns: string, name: string) => ({ namespace: ns.split('.'), name });

describe('table roots', () => {
  it('are the folder above metadata/, one spelling per location', () => {
    expect(tableRoot('/wh/raw/orders/metadata/00000-a.metadata.json')).toBe('/wh/raw/orders/');
    expect(tableRoot('file:///wh/raw/orders/metadata/00001-b.metadata.json')).toBe('/wh/raw/orders/');
    expect(tableRoot('file:/wh/raw//orders/metadata/x.json')).toBe('/wh/raw/orders/');
    expect(tableRoot('s3a://lake/wh/t/metadata/v1.metadata.json')).toBe('s3://lake/wh/t/');
    expect(tableRoot('/wh/raw/orders/v1.metadata.json')).toBeUndefined();
    expect(normalizeLocation('s3://lake//wh/t')).toBe('s3://lake/wh/t');
  });

  it('overlap when one holds the other, not when they only share a name prefix', () => {
    expect(rootsOverlap('/wh/raw/orders/', '/wh/raw/orders/')).toBe(true);
    expect(rootsOverlap('/wh/a/', '/wh/a/b/')).toBe(true);
    expect(rootsOverlap('/wh/a/b/', '/wh/a/')).toBe(true);
    expect(rootsOverlap('/wh/raw/orders/', '/wh/raw/orders2/')).toBe(false);
  });
});

describe('two catalog names in one database', () => {
  let floe: Catalog;
  let other: Catalog;
  beforeAll(async () => {
    const uri = `sqlite:${join(dir, 'catalog.db')}`;
    floe = await openCatalog({ uri, name: 'floe' }, dir);
    other = await openCatalog({ uri, name: 'other' }, dir);
    await floe.createTable(id('raw', 'orders'), '/wh/raw/orders/metadata/00000-a.metadata.json');
  });
  afterAll(async () => {
    await floe?.close();
    await other?.close();
  });

  const refusal = async (c: Catalog, table: string, location: string): Promise<FloeError> => {
    const [ns, name] = [table.slice(0, table.lastIndexOf('.')), table.slice(table.lastIndexOf('.') + 1)];
    const e = await c.createTable(id(ns, name), location).then(
      () => new Error(`created ${table} at ${location}`),
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FloeError);
    return e as FloeError;
  };

  it('refuses a table in the folder of another catalog name\'s table, naming both', async () => {
    const e = await refusal(other, 'raw.orders', 'file:///wh/raw/orders/metadata/00000-b.metadata.json');
    expect(e.kind).toBe('config');
    expect(e.message).toContain('raw.orders of catalog "floe"');
    expect(e.message).toContain('/wh/raw/orders/');
    expect(e.hint).toContain('warehouse');
    expect(await other.tableExists(id('raw', 'orders'))).toBe(false);
  });

  it('refuses folders that hold it or lie in it, and allows a sibling folder', async () => {
    expect((await refusal(other, 'raw.orders.x', '/wh/raw/orders/x/metadata/00000-c.metadata.json')).kind).toBe('config');
    expect((await refusal(other, 'x.raw', '/wh/raw/metadata/00000-d.metadata.json')).kind).toBe('config');
    await other.createTable(id('raw', 'orders2'), '/wh/raw/orders2/metadata/00000-e.metadata.json');
    expect(await other.tableExists(id('raw', 'orders2'))).toBe(true);
  });

  it('still lets one catalog hold two entries for one folder (table register of the same table)', async () => {
    await floe.createTable(id('raw', 'orders_again'), '/wh/raw/orders/metadata/00000-a.metadata.json');
    expect(await floe.tableExists(id('raw', 'orders_again'))).toBe(true);
  });
});

describe('floe load into a second catalog name on the same warehouse', () => {
  it('exits 2 and leaves the first catalog\'s table whole (a purge of the refused table would have deleted it)', async () => {
    assertBuilt('test/catalog/shared-warehouse.test.ts');
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'orders.csv'), 'id,amount\n1,2.5\n2,4.0\n');
    const floeCli = (name: string, args: string[]) => {
      writeFileSync(join(project, 'floe.yaml'), `catalog: { name: ${name} }\n`);
      return collect(spawnFloe(args, project, { FLOE_AUDIT_LOG: 'off' }));
    };
    expect((await floeCli('floe', ['load', 'raw.orders', 'orders.csv'])).code).toBe(0);
    const refused = await floeCli('other', ['load', 'raw.orders', 'orders.csv']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('raw.orders of catalog "floe"');
    expect((await floeCli('other', ['tables'])).stdout).not.toContain('raw.orders');
    const rows = await floeCli('floe', ['query', 'SELECT count(*) AS n, sum(amount) AS s FROM raw.orders', '--format', 'json']);
    expect(rows.code, rows.stderr).toBe(0);
    expect(JSON.parse(rows.stdout)).toEqual([{ n: 2, s: 6.5 }]);
    // Nothing of the refused load is left beside the table's own files: the sweep finds no orphan.
    const sweep = await floeCli('floe', ['maintain', 'orphans', 'raw.orders', '--older-than', '0s', '--allow-recent', '--dry-run']);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stdout).toContain('would delete 0 orphan files');
  }, 120_000);
});
