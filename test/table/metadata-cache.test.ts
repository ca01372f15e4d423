import { beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { isFloeError } from '../../src/errors.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { serializeTableMetadata } from '../../src/iceberg/metadata-json.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { commitTable, createTable } from '../../src/table/commit.js';
import { loadTable, readMetadataFile } from '../../src/table/load.js';
import { clearMetadataCache, metadataCacheSize } from '../../src/table/metadata-cache.js';

const id = { namespace: ['ns'], name: 't' };
const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'a', required: false, type: 'long' }] };

async function setup() {
  const catalog = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
  const io = new MemoryFileIO();
  const created = await createTable(catalog, io, id, createTableChange({ location: 'file:///wh/ns/t', schema }));
  return { catalog, io, created };
}

const setProperty = (key: string, value: string) => async () => ({
  requirements: [],
  updates: [{ action: 'set-properties' as const, updates: { [key]: value } }],
});

beforeEach(() => clearMetadataCache());

describe('parsed metadata reused for the same file bytes', () => {
  it('a load after a commit in the same process gets the committed metadata without parsing it again', async () => {
    const { catalog, io } = await setup();
    const r = await commitTable(catalog, io, id, setProperty('owner', 'crm'));
    const loaded = await loadTable(catalog, io, id);
    expect(loaded.metadataLocation).toBe(r.table.metadataLocation);
    expect(loaded.metadata).toBe(r.table.metadata);
    expect(loaded.metadata.properties.owner).toBe('crm');
    // And a second load of the same file shares the first load's parse.
    expect((await loadTable(catalog, io, id)).metadata).toBe(loaded.metadata);
  });

  it('parses again when the bytes at a location differ from the remembered ones', async () => {
    const { catalog, io } = await setup();
    const { metadataLocation, metadata } = await loadTable(catalog, io, id);
    const edited = { ...metadata, properties: { ...metadata.properties, edited: 'by hand' } };
    await io.write(metadataLocation, new TextEncoder().encode(serializeTableMetadata(edited)));
    const again = await loadTable(catalog, io, id);
    expect(again.metadata).not.toBe(metadata);
    expect(again.metadata.properties.edited).toBe('by hand');
  });

  it('still fails on a current metadata file that is gone or corrupt', async () => {
    const { catalog, io } = await setup();
    const { metadataLocation } = await loadTable(catalog, io, id);
    await io.write(metadataLocation, new TextEncoder().encode('{"format-version": 2, "oops"'));
    await expect(loadTable(catalog, io, id)).rejects.toSatisfy((e) => isFloeError(e, 'corrupt') && (e as Error).message.includes(metadataLocation));
    await io.delete(metadataLocation);
    await expect(loadTable(catalog, io, id)).rejects.toSatisfy(
      (e) => isFloeError(e, 'corrupt') && (e as Error).message.includes('current metadata file is missing'),
    );
  });

  it('is not fooled by a caller that changes the buffer it passed in', async () => {
    const io = new MemoryFileIO();
    const { created } = await setup();
    const bytes = new TextEncoder().encode(serializeTableMetadata(created.metadata));
    await io.write('mem://x/00000-a.metadata.json', bytes);
    const first = await readMetadataFile(io, 'mem://x/00000-a.metadata.json');
    bytes.fill(32); // the cache holds its own copy
    expect(await readMetadataFile(io, 'mem://x/00000-a.metadata.json')).toBe(first);
  });

  it('keeps only a few files', async () => {
    const { created } = await setup();
    const io = new MemoryFileIO();
    for (let i = 0; i < 20; i++) {
      const m = { ...created.metadata, properties: { n: String(i) } };
      const location = `mem://x/${String(i).padStart(5, '0')}-a.metadata.json`;
      await io.write(location, new TextEncoder().encode(serializeTableMetadata(m)));
      expect((await readMetadataFile(io, location)).properties.n).toBe(String(i));
    }
    expect(metadataCacheSize()).toBe(8);
  });
});
