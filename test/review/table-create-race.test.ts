/**
 * `floe table create --if-not-exists` run by two jobs at once (two Airflow tasks bootstrapping
 * the same table): the one whose catalog insert loses must succeed like the one that found
 * the table, not fail with "already exists" — and without --if-not-exists it still fails.
 * Its metadata file is removed; the winner's table is untouched.
 */
import { describe, expect, it } from 'vitest';
import { createUnlessRaced, schemaFromColumns } from '../../src/cli/commands/table-create.js';
import { openCatalog } from '../../src/catalog/open.js';
import { FloeError } from '../../src/errors.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { loadTable } from '../../src/table/load.js';

async function setup() {
  const catalog = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
  const io = new MemoryFileIO();
  const id = { namespace: ['ns'], name: 't' };
  const change = (col: string) => createTableChange({ location: 'file:///wh/ns/t', schema: schemaFromColumns([`${col} long`]), partitionBy: [], sortBy: [], properties: {} });
  return { catalog, io, id, change };
}

async function files(io: MemoryFileIO): Promise<string[]> {
  const out: string[] = [];
  for await (const f of io.list('file:///wh/ns/t/')) out.push(f.location);
  return out;
}

describe('table create --if-not-exists losing the race', () => {
  it('returns null (no error) and keeps the winner\'s table and files', async () => {
    const { catalog, io, id, change } = await setup();
    // The other job's create lands after this one checked tableExists.
    const winner = await createUnlessRaced(catalog, io, id, change('winner'), true);
    expect(winner).not.toBeNull();
    const before = await files(io);
    expect(await createUnlessRaced(catalog, io, id, change('loser'), true)).toBeNull();
    expect(await files(io)).toEqual(before);
    const t = await loadTable(catalog, io, id);
    expect(t.metadataLocation).toBe(winner!.metadataLocation);
    expect(t.metadata.schemas[0]!.fields.map((f) => f.name)).toEqual(['winner']);
  });

  it('without --if-not-exists the loser fails with already-exists', async () => {
    const { catalog, io, id, change } = await setup();
    await createUnlessRaced(catalog, io, id, change('winner'), false);
    const e = await createUnlessRaced(catalog, io, id, change('loser'), false).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('already-exists');
  });
});
