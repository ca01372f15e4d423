import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { FloeError } from '../../src/errors.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { backoffMs, commitLanded, commitTable, createTable, nextMetadataLocation, retryPolicy } from '../../src/table/commit.js';

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
    const m = { location: '/t', 'metadata-log': [] } as never;
    expect(nextMetadataLocation(null, m)).toMatch(/^\/t\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);
    expect(nextMetadataLocation('/t/metadata/00041-x.metadata.json', m)).toMatch(/\/00042-/);
    expect(nextMetadataLocation('/t/metadata/v7.metadata.json', m)).toMatch(/\/00008-/);
  });

  it("goes to the table's write.metadata.path when it has one", () => {
    const m = { location: '/t', properties: { 'write.metadata.path': '/meta/t/' }, 'metadata-log': [] } as never;
    expect(nextMetadataLocation('/t/metadata/00003-x.metadata.json', m)).toMatch(/^\/meta\/t\/00004-[0-9a-f-]{36}\.metadata\.json$/);
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

describe('commitLanded', () => {
  const meta = (log: string[], snapshotIds: bigint[]) =>
    ({ 'metadata-log': log.map((f, i) => ({ 'metadata-file': f, 'timestamp-ms': i })), snapshots: snapshotIds.map((s) => ({ 'snapshot-id': s })) }) as unknown as TableMetadata;
  const ours = { location: 'm/ours', snapshotIds: [42n] };

  it('is true for our pointer, our file in the log, or our snapshot id', () => {
    expect(commitLanded('m/ours', meta([], []), 'm/base', ours)).toBe(true);
    expect(commitLanded('m/later', meta(['m/base', 'm/ours'], []), 'm/base', ours)).toBe(true);
    // The log was trimmed past ours; its snapshot is still there.
    expect(commitLanded('m/later2', meta(['m/later'], [1n, 42n, 7n]), 'm/base', ours)).toBe(true);
  });

  it('is false when the log shows another file replaced our base', () => {
    expect(commitLanded('m/other', meta(['m/base'], [1n, 7n]), 'm/base', ours)).toBe(false);
    expect(commitLanded('m/later', meta(['m/base', 'm/other'], [1n]), 'm/base', ours)).toBe(false);
  });

  it('cannot tell when the log no longer reaches back to the base and no snapshot of ours is there', () => {
    expect(commitLanded('m/later', meta(['m/other'], [1n]), 'm/base', ours)).toBeUndefined();
    expect(commitLanded('m/later', meta(['m/other'], [1n]), 'm/base', { location: 'm/ours', snapshotIds: [] })).toBeUndefined();
  });
});

describe('createTable when the catalog insert gets no answer', () => {
  async function attempt(insert: 'landed' | 'lost', readBack: 'ok' | 'fails') {
    const real = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
    const io = new MemoryFileIO();
    const catalog = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'createTable') {
          return async (tid: typeof id, location: string) => {
            if (insert === 'landed') await target.createTable(tid, location);
            throw new FloeError('io', 'connection terminated unexpectedly');
          };
        }
        if (prop === 'getTable' && readBack === 'fails') return async () => Promise.reject(new FloeError('io', 'server unreachable'));
        return Reflect.get(target, prop, receiver);
      },
    }) as Catalog;
    const files = async () => {
      const out: string[] = [];
      for await (const f of io.list('file:///wh/ns/t/metadata/')) out.push(f.location);
      return out;
    };
    const result = await createTable(catalog, io, id, createTableChange({ location: 'file:///wh/ns/t', schema })).then(
      (t) => ({ table: t, error: undefined }),
      (e: unknown) => ({ table: undefined, error: e as FloeError }),
    );
    return { real, io, files, ...result };
  }

  it('the insert landed: reading the entry back makes it a success', async () => {
    const r = await attempt('landed', 'ok');
    expect(r.error).toBeUndefined();
    expect((await r.real.getTable(id)).metadataLocation).toBe(r.table!.metadataLocation);
    expect(await r.files()).toEqual([r.table!.metadataLocation]);
  });

  it('the insert did not land: the error, and its metadata file removed', async () => {
    const r = await attempt('lost', 'ok');
    expect(r.error?.kind).toBe('io');
    expect(await r.real.tableExists(id)).toBe(false);
    expect(await r.files()).toEqual([]);
  });

  it('the entry cannot be read back: unknown, and the metadata file kept', async () => {
    const r = await attempt('landed', 'fails');
    expect(r.error?.kind).toBe('io');
    expect(r.error?.context.commitState).toBe('unknown');
    expect(r.error?.message).toMatch(/ns\.t: the commit of .* may or may not have happened/);
    const files = await r.files();
    expect(files).toHaveLength(1);
    expect((await r.real.getTable(id)).metadataLocation).toBe(files[0]);
  });
});
