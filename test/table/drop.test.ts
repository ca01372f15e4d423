/**
 * `floe table drop [--purge]`: a damaged table can still be dropped (and registered again),
 * purge needs readable metadata, and purge deletes only the table's own files — never those
 * of a table in a nested namespace under its folder or of a sibling whose name extends it.
 */
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { FloeError } from '../../src/errors.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import type { MemoryFileIO } from '../../src/io/memory.js';
import { createTable } from '../../src/table/commit.js';
import { dropTable } from '../../src/table/drop.js';
import { loadTable } from '../../src/table/load.js';
import { append, load, memTable } from './reachable-helpers.js';

const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'id', required: false, type: 'long' }] };

async function tableAt(catalog: Catalog, io: MemoryFileIO, id: TableIdentifier, location: string): Promise<void> {
  await createTable(catalog, io, id, createTableChange({ location, schema, partitionBy: [] }));
}

async function listAll(io: MemoryFileIO, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const f of io.list(prefix)) out.push(f.location);
  return out.sort();
}

describe('dropTable', () => {
  it('purge leaves the files of a nested-namespace table and of a sibling folder alone', async () => {
    const t = await memTable();
    await append(t, ['a']);
    const child = { namespace: ['ns', 't'], name: 'x' };
    const sibling = { namespace: ['ns'], name: 't2' };
    await tableAt(t.catalog, t.io, child, 'file:///wh/ns/t/x');
    await tableAt(t.catalog, t.io, sibling, 'file:///wh/ns/t2');
    const childFiles = await listAll(t.io, 'file:///wh/ns/t/x/');
    const siblingFiles = await listAll(t.io, 'file:///wh/ns/t2/');
    expect(childFiles.length).toBeGreaterThan(0);
    const own = (await listAll(t.io, 'file:///wh/ns/t/')).filter((l) => !l.startsWith('file:///wh/ns/t/x/'));

    const r = await dropTable(t.catalog, t.io, t.id, { purge: true });
    expect(r.deleted).toEqual(own);
    expect(r.keptForOtherTables).toEqual(['/wh/ns/t/x/']);
    expect(await listAll(t.io, 'file:///wh/ns/t/')).toEqual(childFiles);
    expect(await listAll(t.io, 'file:///wh/ns/t2/')).toEqual(siblingFiles);
    expect(await t.catalog.tableExists(t.id)).toBe(false);
    // The nested table still reads.
    expect((await loadTable(t.catalog, t.io, child)).metadata.location).toBe('file:///wh/ns/t/x');
  });

  it('drops a table whose metadata file does not decode, keeping every file', async () => {
    const t = await memTable();
    await append(t, ['a']);
    const { metadataLocation } = await load(t);
    await t.io.write(metadataLocation, new TextEncoder().encode('{"truncated'));
    const files = await listAll(t.io);
    const r = await dropTable(t.catalog, t.io, t.id);
    expect(r.unreadable?.message).toContain('table ns.t: ');
    expect(r.purged).toBe(false);
    expect(await t.catalog.tableExists(t.id)).toBe(false);
    expect(await listAll(t.io)).toEqual(files);
  });

  it('refuses to purge a table whose metadata cannot be read, changing nothing', async () => {
    const t = await memTable();
    await append(t, ['a']);
    const { metadataLocation } = await load(t);
    await t.io.delete(metadataLocation);
    const files = await listAll(t.io);
    let err: unknown;
    await dropTable(t.catalog, t.io, t.id, { purge: true }).catch((e: unknown) => (err = e));
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).message).toMatch(/^table ns\.t: its current metadata file is missing: .*; not purging table ns\.t/);
    expect(await t.catalog.tableExists(t.id)).toBe(true);
    expect(await listAll(t.io)).toEqual(files);
  });

  it('an unknown table is not-found, as before', async () => {
    const t = await memTable();
    await expect(dropTable(t.catalog, t.io, { namespace: ['ns'], name: 'nope' })).rejects.toThrow(/table ns\.nope does not exist/);
  });
});
