import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { FloeError } from '../../src/errors.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { backoffMs, commitTable, createTable, nextMetadataLocation, retryPolicy } from '../../src/table/commit.js';

const id = { namespace: ['ns'], name: 't' };
const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'a', required: false, type: 'long' }] };

async function setup(properties: Record<string, string> = {}) {
  const catalog = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
  const io = new MemoryFileIO();
  await createTable(catalog, io, id, createTableChange({ location: 'file:///wh/ns/t', schema, properties }));
  return { catalog, io };
}

describe('commit loop', () => {
  it('uses Iceberg default retry settings and honours table properties', () => {
    expect(retryPolicy({})).toEqual({ numRetries: 4, minWaitMs: 100, maxWaitMs: 60_000, totalTimeoutMs: 1_800_000 });
    expect(retryPolicy({ 'commit.retry.num-retries': '9', 'commit.retry.min-wait-ms': 'x' }).numRetries).toBe(9);
    const p = retryPolicy({});
    expect(backoffMs(0, p, () => 0)).toBe(100);
    expect(backoffMs(3, p, () => 1)).toBe(800);
    expect(backoffMs(30, p, () => 1)).toBe(60_000);
  });

  it('numbers metadata files after the previous one', () => {
    const m = { 'metadata-log': [] } as never;
    expect(nextMetadataLocation('/t', null, m)).toMatch(/^\/t\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);
    expect(nextMetadataLocation('/t', '/t/metadata/00041-x.metadata.json', m)).toMatch(/\/00042-/);
    expect(nextMetadataLocation('/t', '/t/metadata/v7.metadata.json', m)).toMatch(/\/00008-/);
  });

  it('commits a change and moves the catalog pointer', async () => {
    const { catalog, io } = await setup();
    const before = await catalog.getTable(id);
    const r = await commitTable(catalog, io, id, async () => ({
      requirements: [],
      updates: [{ action: 'set-properties', updates: { owner: 'crm-team' } }],
    }));
    expect(r.attempts).toBe(1);
    const after = await catalog.getTable(id);
    expect(after.metadataLocation).not.toBe(before.metadataLocation);
    expect(after.previousMetadataLocation).toBe(before.metadataLocation);
    expect(r.table.metadata.properties.owner).toBe('crm-team');
    expect(r.table.metadata['metadata-log'].map((e) => e['metadata-file'])).toEqual([before.metadataLocation]);
  });

  it('rebuilds on a lost compare-and-swap and gives up cleanly after the retries', async () => {
    const { catalog, io } = await setup({ 'commit.retry.num-retries': '2', 'commit.retry.min-wait-ms': '1', 'commit.retry.max-wait-ms': '2' });
    let builds = 0;
    // Another writer moves the pointer every time this one builds: it can never win.
    const racing = async () => {
      builds++;
      await commitTable(catalog, io, id, async () => ({ requirements: [], updates: [{ action: 'set-properties', updates: { n: String(builds) } }] }));
      return { requirements: [], updates: [{ action: 'set-properties' as const, updates: { loser: 'yes' } }] };
    };
    const err = await commitTable(catalog, io, id, racing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('conflict');
    expect((err as FloeError).message).toMatch(/ns\.t: commit failed after 3 attempts/);
    expect(builds).toBe(3);
    const final = await commitTable(catalog, io, id, async () => ({ requirements: [], updates: [] }));
    expect(final.table.metadata.properties.loser).toBeUndefined();
    expect(final.table.metadata.properties.n).toBe('3');
  });

  it('does not retry a change whose requirement can never hold', async () => {
    const { catalog, io } = await setup();
    let builds = 0;
    const err = await commitTable(catalog, io, id, async () => {
      builds++;
      return { requirements: [{ type: 'assert-table-uuid', uuid: 'not-this-table' }], updates: [] };
    }).catch((e: unknown) => e);
    expect((err as FloeError).kind).toBe('conflict');
    expect(builds).toBe(1);
  });
});
