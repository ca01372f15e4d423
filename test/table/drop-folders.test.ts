/**
 * `floe table drop --purge` on a local disk removes the folders it empties (data/, its
 * partition folders, metadata/ and the table folder), and only those: never a folder above
 * the table location, never one that still holds something, never anything on a FileIO that
 * is not the local disk.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { LocalFileIO } from '../../src/io/local.js';
import { MappedFileIO } from '../../src/io/mapped.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { createTable } from '../../src/table/commit.js';
import { emptiedFolders, removeEmptyFolders } from '../../src/table/drop-folders.js';
import { dropTable } from '../../src/table/drop.js';
import { useTmpDirs } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-drop-folders-');

describe('emptiedFolders (pure)', () => {
  it('lists every folder that held a deleted file, up to the location, deepest first', () => {
    const loc = 'file:///wh/ns/t';
    const got = emptiedFolders(loc, [
      `${loc}/metadata/00000-a.metadata.json`,
      `${loc}/data/ts_day=2024-01-01/a.parquet`,
      `${loc}/data/ts_day=2024-01-02/b.parquet`,
      `${loc}/data/ts_day=2024-01-02/c.parquet`,
    ]);
    expect(got).toEqual([`${loc}/data/ts_day=2024-01-01`, `${loc}/data/ts_day=2024-01-02`, `${loc}/data`, `${loc}/metadata`, loc]);
  });

  it('never goes above the location, and ignores files outside it (a sibling t2/)', () => {
    expect(emptiedFolders('/wh/ns/t/', ['/wh/ns/t2/data/a.parquet', '/wh/ns/x.json', '/wh/ns/t/v1.metadata.json'])).toEqual(['/wh/ns/t']);
    expect(emptiedFolders('/wh/ns/t', [])).toEqual([]);
  });

  it('returns nothing for a location that is a bare root', () => {
    expect(emptiedFolders('/', ['/a/b.parquet'])).toEqual([]);
    expect(emptiedFolders('file:///', ['file:///a/b.parquet'])).toEqual([]);
  });
});

describe('removeEmptyFolders', () => {
  it('removes empty folders and keeps one that still holds a file', async () => {
    const root = await tmp();
    await mkdir(path.join(root, 't', 'data', 'p=1'), { recursive: true });
    await mkdir(path.join(root, 't', 'metadata'), { recursive: true });
    await writeFile(path.join(root, 't', 'metadata', 'notes.txt'), 'kept');
    const loc = `file://${root}/t`;
    const r = await removeEmptyFolders(new LocalFileIO(), [`${loc}/data/p=1`, `${loc}/data`, `${loc}/metadata`, loc]);
    expect(r).toEqual({ removed: [`${loc}/data/p=1`, `${loc}/data`], failed: [] });
    expect(await readdir(path.join(root, 't'))).toEqual(['metadata']);
  });

  it('touches nothing through a FileIO that is not the local disk, even for a path that exists here', async () => {
    const root = await tmp();
    await mkdir(path.join(root, 't', 'data'), { recursive: true });
    const r = await removeEmptyFolders(new MemoryFileIO(), [`file://${root}/t/data`, `file://${root}/t`]);
    expect(r.removed).toEqual([]);
    expect(existsSync(path.join(root, 't', 'data'))).toBe(true);
  });

  it('follows a location mapping to the folder on disk', async () => {
    const root = await tmp();
    await mkdir(path.join(root, 't', 'data'), { recursive: true });
    const io = new MappedFileIO(new LocalFileIO(), [{ from: 's3a://old/t', to: `${root}/t` }]);
    const r = await removeEmptyFolders(io, ['s3a://old/t/data', 's3a://old/t']);
    expect(r.removed).toEqual(['s3a://old/t/data', 's3a://old/t']);
    expect(existsSync(path.join(root, 't'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });
});

describe('dropTable --purge on a local disk', () => {
  async function table(root: string) {
    const catalog = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
    const io = new LocalFileIO();
    const id = { namespace: ['ns'], name: 't' };
    const location = `${root}/ns/t`;
    const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'id', required: false, type: 'long' }] };
    await createTable(catalog, io, id, createTableChange({ location, schema, partitionBy: [] }));
    await io.write(`${location}/data/p=1/a.parquet`, new Uint8Array([1]));
    await io.write(`${location}/data/p=2/b.parquet`, new Uint8Array([2]));
    return { catalog, io, id, location };
  }

  it('removes the table folder and everything under it, and nothing above', async () => {
    const root = await tmp();
    const t = await table(root);
    const r = await dropTable(t.catalog, t.io, t.id, { purge: true });
    expect(r.deleted).toHaveLength(3);
    expect(r.removedFolders).toEqual([`${t.location}/data/p=1`, `${t.location}/data/p=2`, `${t.location}/data`, `${t.location}/metadata`, t.location]);
    expect(existsSync(t.location)).toBe(false);
    // The namespace folder is not the table's: it stays, even empty.
    expect(await readdir(path.join(root, 'ns'))).toEqual([]);
    await t.catalog.close();
  });

  it('keeps a folder that holds something the purge did not delete (an empty folder of its own)', async () => {
    const root = await tmp();
    const t = await table(root);
    await mkdir(path.join(t.location, 'data', 'p=2', 'scratch'));
    const r = await dropTable(t.catalog, t.io, t.id, { purge: true });
    expect(r.failedDeletes).toEqual([]);
    expect(r.removedFolders).toEqual([`${t.location}/data/p=1`, `${t.location}/metadata`]);
    expect(await readdir(t.location)).toEqual(['data']);
    expect(await readdir(path.join(t.location, 'data'))).toEqual(['p=2']);
    await t.catalog.close();
  });
});
