/**
 * Prepared writes committed together (prepareWrite + commitPreparedWrites, over
 * Catalog.commitTables and table/commit-many.ts): all tables land or none; a stale pointer
 * rebuilds every change on fresh metadata, an overwrite that cannot be re-applied fails the
 * group cleanly; a transaction without an answer is decided by reading the tables back
 * (landed, not landed, unknown); a gate write whose re-audit fails commits alone, staged.
 * The last case drops a Postgres connection right after its COMMIT left.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { commitPreparedWrites, prepareWrite, writeTable, type PreparedWrite, type WriteTableOptions } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { cuttingProxy, type CuttingProxy } from '../helpers/cutting-proxy.js';
import { rejection } from '../helpers/rejection.js';
import { createTestSchema, type TestSchema } from './postgres-db.js';

let engine: Engine;
let catalog: Catalog;
let dir: string;
const io = new RoutingFileIO();
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'floe-multi-commit-'));
  catalog = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
});
afterAll(async () => {
  await catalog?.close();
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const values = (ids: number[]) => `SELECT * FROM (VALUES ${ids.map((i) => `(${i}::BIGINT)`).join(', ')}) AS t(id)`;
let n = 0;
const ids = () => {
  n++;
  return { a: { namespace: ['g'], name: `a${n}` }, b: { namespace: ['g'], name: `b${n}` }, c: { namespace: ['g'], name: `c${n}` } };
};
type Id = ReturnType<typeof ids>['a'];

async function rows(c: Catalog, id: Id): Promise<number[]> {
  if (!(await c.tableExists(id))) return [];
  const name = `${id.namespace.join('.')}.${id.name}`;
  const { prepareViews } = await import('../../src/query/query.js');
  await prepareViews(engine, c, io, `SELECT * FROM ${name}`, undefined);
  return (await engine.all(`SELECT id FROM ${name} ORDER BY id`, 'read')).map((r) => Number(r.id));
}
function parquetUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet')).map((f) => join(root, f)).sort();
}
const pointer = async (c: Catalog, id: Id) => ((await c.tableExists(id)) ? (await c.getTable(id)).metadataLocation : 'absent');

/** a (overwrite, holds 1), b (append, holds 10) exist; c is created by the group. */
async function group(c: Catalog, t: ReturnType<typeof ids>, extra: Partial<Record<'a' | 'b' | 'c', Partial<WriteTableOptions>>> = {}): Promise<PreparedWrite[]> {
  const common = { catalog: c, io, engine, warehouse: dir };
  await writeTable({ ...common, id: t.a, selectSql: values([1]), mode: 'append' });
  await writeTable({ ...common, id: t.b, selectSql: values([10]), mode: 'append' });
  return [
    await prepareWrite({ ...common, id: t.a, selectSql: values([2]), mode: 'overwrite', ...extra.a }),
    await prepareWrite({ ...common, id: t.b, selectSql: values([11]), mode: 'append', ...extra.b }),
    await prepareWrite({ ...common, id: t.c, selectSql: values([20]), mode: 'append', ...extra.c }),
  ];
}

/** `real`, whose next commitTables throws an io error without an answer, after (or without) committing. */
function lostAnswer(real: Catalog, o: { landed: boolean; readsFail?: boolean }): Catalog {
  let once = true;
  let readsFail = false;
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'commitTables') {
        return async (swaps: Parameters<Catalog['commitTables']>[0]) => {
          if (!once) return target.commitTables(swaps);
          once = false;
          if (o.landed) expect(await target.commitTables(swaps)).toEqual({ committed: true });
          readsFail = o.readsFail ?? false;
          throw new FloeError('io', 'connection terminated unexpectedly', { retryable: true });
        };
      }
      if (prop === 'getTable' && readsFail) return async () => Promise.reject(new FloeError('io', 'server unreachable'));
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe('prepared writes committed in one catalog transaction', () => {
  it('nothing is visible after preparing; the commit moves all three tables', async () => {
    const t = ids();
    const writes = await group(catalog, t);
    const before = { a: await pointer(catalog, t.a), b: await pointer(catalog, t.b) };
    expect(await rows(catalog, t.a)).toEqual([1]);
    expect(await catalog.tableExists(t.c)).toBe(false);
    const results = await commitPreparedWrites(catalog, io, writes);
    expect(results.map((r) => [r.table, r.attempts, r.created])).toEqual([[`g.a${n}`, 1, false], [`g.b${n}`, 1, false], [`g.c${n}`, 1, true]]);
    expect(await rows(catalog, t.a)).toEqual([2]);
    expect(await rows(catalog, t.b)).toEqual([10, 11]);
    expect(await rows(catalog, t.c)).toEqual([20]);
    expect((await loadTable(catalog, io, t.a)).metadata['current-snapshot-id']).toBe(results[0]!.snapshotId);
    expect(results[1]!.committed?.metadataLocation).toBe(await pointer(catalog, t.b));
    expect(await pointer(catalog, t.a)).not.toBe(before.a);
  });

  it('a concurrent append to one table: every change is rebuilt on fresh metadata and all land', async () => {
    const t = ids();
    const writes = await group(catalog, t);
    let raced = 0;
    const retried: string[] = [];
    const results = await commitPreparedWrites(catalog, io, writes, {
      events: {
        onRetry: ({ table }) => void retried.push(table),
        beforeSwap: async ({ attempt }) => {
          if (attempt !== 1) return;
          raced++;
          await writeTable({ catalog, io, engine, id: t.b, selectSql: values([12]), mode: 'append', warehouse: dir });
        },
      },
    });
    expect(raced).toBe(1);
    expect(results.map((r) => r.attempts)).toEqual([2, 2, 2]);
    expect(retried).toEqual([`g.a${n}`, `g.b${n}`, `g.c${n}`]);
    expect(await rows(catalog, t.a)).toEqual([2]);
    expect(await rows(catalog, t.b)).toEqual([10, 11, 12]);
    expect(await rows(catalog, t.c)).toEqual([20]);
  });

  it('a concurrent append to the overwritten table fails the group cleanly: nothing lands, the files are removed', async () => {
    const t = ids();
    const writes = await group(catalog, t);
    const b = await pointer(catalog, t.b);
    const e = await rejection(
      commitPreparedWrites(catalog, io, writes, {
        events: { beforeSwap: async ({ attempt }) => void (attempt === 1 && (await writeTable({ catalog, io, engine, id: t.a, selectSql: values([3]), mode: 'append', warehouse: dir }))) },
      }),
    );
    expect(e.kind).toBe('conflict');
    expect(e.retryable).toBe(false);
    expect(await rows(catalog, t.a)).toEqual([1, 3]);
    expect(await pointer(catalog, t.b)).toBe(b);
    expect(await catalog.tableExists(t.c)).toBe(false);
    // The prepared files of every write were deleted with it: c has no file at all, b only its own.
    const under = (id: Id) => join(dir, ...id.namespace, id.name);
    expect(parquetUnder(under(t.c))).toEqual([]);
    const live = (await loadTable(catalog, io, t.b)).metadata;
    const { planScan } = await import('../../src/table/scan.js');
    const referenced = (await planScan({ io, metadata: live, table: 'b' })).dataFiles.map((f) => f.file.file_path.replace(/^file:\/\//, ''));
    expect(parquetUnder(under(t.b))).toEqual(referenced.sort());
  });

  it('a transaction whose answer was lost after it committed: read back, it succeeds once', async () => {
    const t = ids();
    const writes = await group(catalog, t);
    const results = await commitPreparedWrites(lostAnswer(catalog, { landed: true }), io, writes);
    expect(results.map((r) => r.attempts)).toEqual([1, 1, 1]);
    expect(await rows(catalog, t.a)).toEqual([2]);
    expect(await rows(catalog, t.b)).toEqual([10, 11]);
    expect(await rows(catalog, t.c)).toEqual([20]);
  });

  it('a transaction that failed without an answer and did not commit: the original error, nothing lands', async () => {
    const t = ids();
    const writes = await group(catalog, t);
    const a = await pointer(catalog, t.a);
    const e = await rejection(commitPreparedWrites(lostAnswer(catalog, { landed: false }), io, writes));
    expect(e.kind).toBe('io');
    expect(e.message).toContain('connection terminated');
    expect(e.context.commitState).toBeUndefined();
    expect(await pointer(catalog, t.a)).toBe(a);
    expect(await rows(catalog, t.b)).toEqual([10]);
    expect(await catalog.tableExists(t.c)).toBe(false);
  });

  it('a transaction whose tables cannot be read back: unknown outcome, the files are kept', async () => {
    const t = ids();
    const writes = await group(catalog, t);
    const e = await rejection(commitPreparedWrites(lostAnswer(catalog, { landed: true, readsFail: true }), io, writes));
    expect(e.kind).toBe('io');
    expect(e.context.commitState).toBe('unknown');
    expect(e.message).toContain('may or may not have happened');
    // It did land, and every file it references is still there.
    expect(await rows(catalog, t.a)).toEqual([2]);
    expect(await rows(catalog, t.c)).toEqual([20]);
  });

  it('a gate whose re-audit fails after a concurrent commit: only it commits, staged; the others are discarded', async () => {
    const t = ids();
    const audit: NonNullable<WriteTableOptions['audit']> = async (snapshotSql) => {
      const [r] = await engine.all(`SELECT count(*) AS n FROM (${snapshotSql}) WHERE id = 99`, 'audit');
      return { summary: {}, publish: Number(r!.n) === 0 };
    };
    // a appends (so a concurrent append re-applies and is re-audited); the competitor writes the id the check forbids.
    const common = { catalog, io, engine, warehouse: dir };
    await writeTable({ ...common, id: t.a, selectSql: values([1]), mode: 'append' });
    await writeTable({ ...common, id: t.b, selectSql: values([10]), mode: 'append' });
    const gate = await prepareWrite({ ...common, id: t.a, selectSql: values([2]), mode: 'append', audit });
    expect(gate.published).toBe(true);
    const others = [await prepareWrite({ ...common, id: t.b, selectSql: values([11]), mode: 'overwrite' }), await prepareWrite({ ...common, id: t.c, selectSql: values([20]), mode: 'append' })];
    const b = await pointer(catalog, t.b);
    let raced = 0;
    const results = await commitPreparedWrites(catalog, io, [gate, ...others], {
      gate,
      events: { beforeSwap: async () => void (raced++ === 0 && (await writeTable({ ...common, id: t.a, selectSql: values([99]), mode: 'append' }))) },
    });
    expect(results[0]!.published).toBe(false);
    expect(results[0]!.committed).toBeDefined();
    expect(results.slice(1).map((r) => r.committed)).toEqual([undefined, undefined]);
    const a = (await loadTable(catalog, io, t.a)).metadata;
    expect(a.snapshots.some((s) => s['snapshot-id'] === results[0]!.snapshotId)).toBe(true);
    expect(a['current-snapshot-id']).not.toBe(results[0]!.snapshotId);
    expect(await rows(catalog, t.a)).toEqual([1, 99]);
    expect(await pointer(catalog, t.b)).toBe(b);
    expect(await catalog.tableExists(t.c)).toBe(false);
  });
});

describe('prepared writes on a Postgres catalog whose connection drops right after COMMIT was sent', () => {
  let db: TestSchema;
  let proxy: CuttingProxy;
  let pg: Catalog;
  beforeAll(async () => {
    db = await createTestSchema('multicommit');
    proxy = await cuttingProxy(db.host, db.port);
    const url = new URL(db.url);
    url.port = String(proxy.port);
    pg = await openCatalog({ uri: url.toString(), name: 'floe' }, dir);
  });
  afterAll(async () => {
    await pg?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('a connection cut in the middle of the transaction: rolled back, the original error, nothing lands', async () => {
    const t = { a: { namespace: ['pgmid'], name: 'a' }, b: { namespace: ['pgmid'], name: 'b' }, c: { namespace: ['pgmid'], name: 'c' } };
    const writes = await group(pg, t);
    const a = await pointer(pg, t.a);
    const b = await pointer(pg, t.b);
    // The first guarded UPDATE reaches the server; the connection is gone before COMMIT.
    proxy.arm('UPDATE iceberg_tables');
    const e = await rejection(commitPreparedWrites(pg, io, writes));
    expect(proxy.cuts).toBe(1);
    expect(e.kind).toBe('io');
    expect(e.message).toContain('lost the connection');
    expect(e.context.commitState).toBeUndefined();
    expect(await pointer(pg, t.a)).toBe(a);
    expect(await pointer(pg, t.b)).toBe(b);
    expect(await pg.tableExists(t.c)).toBe(false);
    expect(parquetUnder(join(dir, 'pgmid', 'c'))).toEqual([]);
  });

  it('reads the tables back, finds the transaction committed, and succeeds once', async () => {
    const t = { a: { namespace: ['pg'], name: 'a' }, b: { namespace: ['pg'], name: 'b' }, c: { namespace: ['pg'], name: 'c' } };
    const writes = await group(pg, t);
    proxy.arm('COMMIT');
    const cutsBefore = proxy.cuts;
    const results = await commitPreparedWrites(pg, io, writes);
    expect(proxy.cuts).toBe(cutsBefore + 1);
    expect(results.map((r) => r.attempts)).toEqual([1, 1, 1]);
    expect(await rows(pg, t.a)).toEqual([2]);
    expect(await rows(pg, t.b)).toEqual([10, 11]);
    expect(await rows(pg, t.c)).toEqual([20]);
    const stored = await db.query<{ table_name: string; metadata_location: string }>(`SELECT table_name, metadata_location FROM iceberg_tables WHERE table_namespace = 'pg' ORDER BY table_name`);
    expect(stored.map((r) => r.metadata_location)).toEqual(results.map((r) => r.committed!.metadataLocation));
  });
});
