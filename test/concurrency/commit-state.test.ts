/**
 * A compare-and-swap that fails without an answer (the connection drops while the UPDATE is
 * in flight): floe reads the pointer again and treats the commit as done when it is there,
 * retries when another writer's pointer is there, and — when even that read fails — reports
 * an unknown outcome and keeps every file the write made (they may be live). And a load
 * that finds its new table created by another writer meanwhile appends to it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { FloeError } from '../../src/errors.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { commitTable } from '../../src/table/commit.js';
import { loadTable } from '../../src/table/load.js';
import { lostSwapCatalog, sqliteWorkspace } from '../helpers/lost-swap.js';

const ws = sqliteWorkspace('floe-commit-state-');

const io = new RoutingFileIO();
const id = (name: string) => ({ namespace: ['cs'], name });
const write = (catalog: Catalog, name: string, v: number) =>
  writeTable({ catalog, io, engine: ws.engine, id: id(name), selectSql: `SELECT ${v}::BIGINT AS v`, mode: 'append', warehouse: ws.dir });

/** The real catalog, whose swap (once) and reads (when `readsFail`) misbehave. */
const MODES = {
  'lost-answer': { landed: true, readsFail: false },
  'lost-update': { landed: false, readsFail: false },
  unknown: { landed: false, readsFail: true },
} as const;
const flaky = (mode: keyof typeof MODES): Catalog => lostSwapCatalog(ws.catalog, MODES[mode]);

describe('a swap that fails without an answer', () => {
  it('committed after all: the write succeeds once, no duplicate snapshot', async () => {
    await write(ws.catalog, 'a', 1);
    const r = await write(flaky('lost-answer'), 'a', 2);
    expect(r.attempts).toBe(1);
    const t = await loadTable(ws.catalog, io, id('a'));
    expect(t.metadata.snapshots).toHaveLength(2);
    expect(t.metadata['current-snapshot-id']).toBe(r.snapshotId);
  });

  it('not committed: the error is the io error and the table is unchanged', async () => {
    await write(ws.catalog, 'b', 1);
    const before = (await ws.catalog.getTable(id('b'))).metadataLocation;
    const e = await write(flaky('lost-update'), 'b', 2).then(() => undefined, (x: unknown) => x as FloeError);
    expect(e?.kind).toBe('io');
    expect((await ws.catalog.getTable(id('b'))).metadataLocation).toBe(before);
    // Its data file was deleted: only the first write's file remains.
    expect(readdirSync(join(ws.dir, 'cs', 'b', 'data')).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
  });

  it('unknown: says so, and keeps the files it wrote', async () => {
    await write(ws.catalog, 'c', 1);
    const e = await write(flaky('unknown'), 'c', 2).then(() => undefined, (x: unknown) => x as FloeError);
    expect(e?.kind).toBe('io');
    expect(e?.message).toMatch(/may or may not have happened/);
    expect(e?.context.commitState).toBe('unknown');
    expect(readdirSync(join(ws.dir, 'cs', 'c', 'data')).filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
  });
});

/** The real catalog whose first swap runs `around` and then throws (the answer is lost). */
function lostAnswer(around: (swap: () => Promise<boolean>) => Promise<void>, overrides: Partial<Record<keyof Catalog, unknown>> = {}): Catalog {
  let once = true;
  return new Proxy(ws.catalog, {
    get(target, prop, receiver) {
      if (prop === 'swapMetadataLocation') {
        return async (tid: { namespace: string[]; name: string }, expected: string, next: string) => {
          if (!once) return target.swapMetadataLocation(tid, expected, next);
          once = false;
          await around(() => target.swapMetadataLocation(tid, expected, next));
          throw new FloeError('io', 'connection terminated unexpectedly');
        };
      }
      if (prop in overrides) return overrides[prop as keyof Catalog];
      return Reflect.get(target, prop, receiver);
    },
  });
}

const rowsOf = async (name: string) =>
  (await ws.engine.all(`SELECT v FROM read_parquet('${join(ws.dir, 'cs', name, 'data')}/*.parquet') ORDER BY v`, 'read')).map((r) => Number(r.v));

describe('verifying a swap whose answer was lost, after other writers moved on', () => {
  it('landed, then two more commits trimmed the metadata log: found by its snapshot id, not committed twice', async () => {
    await write(ws.catalog, 'f', 1);
    await commitTable(ws.catalog, io, id('f'), async () => ({
      requirements: [],
      updates: [{ action: 'set-properties', updates: { 'write.metadata.previous-versions-max': '1' } }],
    }));
    const r = await write(
      lostAnswer(async (swap) => {
        expect(await swap()).toBe(true);
        await write(ws.catalog, 'f', 10);
        await write(ws.catalog, 'f', 11);
      }),
      'f',
      2,
    );
    expect(r.attempts).toBe(1);
    const t = await loadTable(ws.catalog, io, id('f'));
    expect(t.metadata['metadata-log']).toHaveLength(1);
    expect(t.metadata.snapshots.map((s) => s['snapshot-id'])).toContain(r.snapshotId);
    expect(t.metadata.snapshots).toHaveLength(4);
    expect(await rowsOf('f')).toEqual([1, 2, 10, 11]);
  });

  it('landed, then another commit; the new metadata cannot be read: unknown, nothing deleted or retried', async () => {
    await write(ws.catalog, 'g', 1);
    let reads = 0;
    let swapped = false;
    const catalog = lostAnswer(
      async (swap) => {
        expect(await swap()).toBe(true);
        await write(ws.catalog, 'g', 3);
        swapped = true;
      },
      {
        // The pointer read answers; the table load that follows does not.
        getTable: async (tid: { namespace: string[]; name: string }) => {
          if (swapped && reads++ >= 1) throw new FloeError('io', 'server unreachable');
          return ws.catalog.getTable(tid);
        },
      },
    );
    const e = await write(catalog, 'g', 2).then(() => undefined, (x: unknown) => x as FloeError);
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBe('unknown');
    expect(e?.message).toMatch(/cs\.g: the commit of .* may or may not have happened/);
    // The commit stands and everything it references is still there.
    const t = await loadTable(ws.catalog, io, id('g'));
    expect(t.metadata.snapshots).toHaveLength(3);
    expect(await rowsOf('g')).toEqual([1, 2, 3]);
  });

  it('did not land and another writer moved the pointer: a conflict, retried once', async () => {
    await write(ws.catalog, 'h', 1);
    const r = await write(
      lostAnswer(async () => {
        await write(ws.catalog, 'h', 5);
      }),
      'h',
      2,
    );
    expect(r.attempts).toBe(2);
    const t = await loadTable(ws.catalog, io, id('h'));
    expect(t.metadata.snapshots).toHaveLength(3);
    expect(t.metadata['current-snapshot-id']).toBe(r.snapshotId);
    expect(await rowsOf('h')).toEqual([1, 2, 5]);
    // The losing attempt's metadata file was removed: one file per commit.
    expect(readdirSync(join(ws.dir, 'cs', 'h', 'metadata')).filter((f) => f.endsWith('.metadata.json'))).toHaveLength(3);
  });
});

/**
 * The real catalog, telling the writer once that the table does not exist yet (it looked
 * before the other writer created it). With `entryLate`, it also finds no entry once when it
 * asks who owns the metadata in the table's default folder (its entry, then any entry in that
 * folder): it saw the other writer's
 * metadata file before that writer's catalog entry (table/new-table.ts).
 */
const tableLooksNew = (o: { entryLate?: boolean } = {}): Catalog => {
  let exists = false;
  let entry = !o.entryLate;
  return new Proxy(ws.catalog, {
    get(target, prop, receiver) {
      if (prop === 'tableExists' && !exists) {
        exists = true;
        return async () => false;
      }
      if (prop === 'getTable' && !entry) {
        return async (t: { namespace: string[]; name: string }) => Promise.reject(new FloeError('not-found', `table ${t.namespace.join('.')}.${t.name} does not exist`));
      }
      if (prop === 'isTableFolder' && !entry) {
        entry = true;
        return async () => false;
      }
      return Reflect.get(target, prop, receiver);
    },
  });
};

describe('two appends creating the same new table', () => {
  it('the one that finds the table created meanwhile appends to it', async () => {
    const first = await write(ws.catalog, 'd', 1);
    expect(first.created).toBe(true);
    // The second writer checked for the table before the first created it.
    const late = tableLooksNew();
    const second = await write(late, 'd', 2);
    expect(second.created).toBe(false);
    expect(second.attempts).toBe(2);
    const t = await loadTable(ws.catalog, io, id('d'));
    expect(t.metadata.snapshots).toHaveLength(2);
    expect(t.metadata['current-snapshot-id']).toBe(second.snapshotId);
    const rows = await ws.engine.all(`SELECT v FROM read_parquet('${join(ws.dir, 'cs', 'd', 'data')}/*.parquet') ORDER BY v`, 'read');
    expect(rows.map((r) => Number(r.v))).toEqual([1, 2]);
    // Its unused first manifest list was removed; only the two committed ones remain.
    expect(readdirSync(join(ws.dir, 'cs', 'd', 'metadata')).filter((f) => f.startsWith('snap-'))).toHaveLength(2);
  });

  it('a different layout is not joined: the loser writes again to the created table, as if it had started after it', async () => {
    await write(ws.catalog, 'e', 1);
    const late = tableLooksNew();
    // Its column is not in the created table: the error a later write gets, and nothing is left.
    const e = await writeTable({ catalog: late, io, engine: ws.engine, id: id('e'), selectSql: `SELECT 'x' AS other`, mode: 'append', warehouse: ws.dir }).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('schema');
    expect(e?.message).toMatch(/cs\.e.*"other"/);
    expect((await loadTable(ws.catalog, io, id('e'))).metadata.snapshots).toHaveLength(1);
    expect(readdirSync(join(ws.dir, 'cs', 'e', 'data')).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
  });

  it('one that saw the metadata file before the catalog entry wrote to another folder: it writes again to the created table', async () => {
    await write(ws.catalog, 'k', 1);
    const second = await write(tableLooksNew({ entryLate: true }), 'k', 2);
    expect(second.created).toBe(false);
    const t = await loadTable(ws.catalog, io, id('k'));
    expect(t.metadata.location).toBe(join(ws.dir, 'cs', 'k'));
    expect(t.metadata.snapshots).toHaveLength(2);
    expect(t.metadata['current-snapshot-id']).toBe(second.snapshotId);
    const rows = await ws.engine.all(`SELECT v FROM read_parquet('${join(ws.dir, 'cs', 'k', 'data')}/*.parquet') ORDER BY v`, 'read');
    expect(rows.map((r) => Number(r.v))).toEqual([1, 2]);
    // The files it wrote to the fresh folder beside the table were deleted.
    const beside = readdirSync(join(ws.dir, 'cs')).filter((d) => d.startsWith('k-'));
    const left = beside.flatMap((d) => readdirSync(join(ws.dir, 'cs', d), { recursive: true, encoding: 'utf8' })).filter((f) => /\.(parquet|avro|json)$/.test(f));
    expect(left).toEqual([]);
  });
});
