/**
 * A commit whose compare-and-swap failed with the pointer unmoved (the SQLite catalog locked
 * by another writer past the busy timeout, a lost connection read back as not committed)
 * deleted its data files and manifests but left its NNNNN-<uuid>.metadata.json, one version
 * above the table's. `floe table register <folder>` takes the highest version: after a drop,
 * registering the folder failed on that file's deleted manifest list, though the table's real
 * metadata file was there. A multi-table commit already deleted its files in that case.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { FloeError } from '../../src/errors.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { lostSwapCatalog, sqliteWorkspace } from '../helpers/lost-swap.js';

const ws = sqliteWorkspace('floe-catalog-failed-swap-');
const io = new RoutingFileIO();
const id = (name: string) => ({ namespace: ['fs'], name });
const write = (catalog: Catalog, name: string, v: number) =>
  writeTable({ catalog, io, engine: ws.engine, id: id(name), selectSql: `SELECT ${v}::BIGINT AS v`, mode: 'append', warehouse: ws.dir });
const metadataFiles = (name: string) => readdirSync(join(ws.dir, 'fs', name, 'metadata')).filter((f) => f.endsWith('.metadata.json')).sort();

describe('a swap that failed with the pointer unmoved', () => {
  it('leaves no metadata file of the failed attempt: the folder holds only the committed versions', async () => {
    await write(ws.catalog, 'a', 1);
    const before = metadataFiles('a');
    const current = (await ws.catalog.getTable(id('a'))).metadataLocation;
    const e = await write(lostSwapCatalog(ws.catalog, { landed: false, readsFail: false }), 'a', 2).then(() => undefined, (x: unknown) => x as FloeError);
    expect(e?.kind).toBe('io');
    expect((await ws.catalog.getTable(id('a'))).metadataLocation).toBe(current);
    expect(metadataFiles('a')).toEqual(before);
  });

  it('an unknown outcome still keeps the attempt metadata file (the table may point at it)', async () => {
    await write(ws.catalog, 'b', 1);
    const before = metadataFiles('b');
    const e = await write(lostSwapCatalog(ws.catalog, { landed: false, readsFail: true }), 'b', 2).then(() => undefined, (x: unknown) => x as FloeError);
    expect(e?.context.commitState).toBe('unknown');
    expect(metadataFiles('b')).toHaveLength(before.length + 1);
  });
});
