/**
 * Two hosts sharing one warehouse (src/run/rejects-pending.ts): the recovery one run starts
 * with never deletes the rejects another host's run staged and has yet to commit (or committed
 * after this run read the table), and when both write the same owed rows — one host's
 * recovery, the other's own finish — they reach the rejects table once. On a local warehouse
 * and on S3 (the moto test server): the rule uses only names, listings and file ages.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import type { FileIO } from '../../src/io/fileio.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { finishRejects, PENDING_DIR, recoverPendingRejects, type RejectsTarget, STALE_STAGED_MS, stageRejects, type StagedRejects, withPending } from '../../src/run/rejects-pending.js';
import { stateSummary } from '../../src/run/state.js';
import { loadTable } from '../../src/table/load.js';
import type { TableChange } from '../../src/table/updates.js';
import { createTestBucket, testSettings } from '../helpers/s3.js';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

const newRunProject = useProjects();

let engine: Engine;
let catalog: Catalog;
let dir: string;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'floe-rejects-shared-'));
  catalog = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
});
afterAll(async () => {
  await catalog?.close();
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const rejectsSql = (pipeline: string, runId: string, lines: number[]) =>
  `SELECT * FROM (VALUES ${lines.map((l) => `('${pipeline}', '${runId}', now()::TIMESTAMPTZ, 'in.csv', ${l}::BIGINT, 'raw ${l}', 'bad', false)`).join(', ')}) AS t(pipeline, run_id, rejected_at, source, line, raw, reason, kept)`;

for (const storage of ['local', 's3'] as const) {
  describe(`two hosts, one ${storage} warehouse`, () => {
    let io: FileIO;
    let warehouse: string;
    beforeAll(async () => {
      if (storage === 'local') {
        io = new RoutingFileIO();
        warehouse = join(dir, 'warehouse');
      } else {
        io = new RoutingFileIO({ s3: testSettings() });
        warehouse = `s3://${await createTestBucket('floe-rejects-shared')}/wh`;
      }
    });

    /** A fresh target table (one committed row) and a run of `pipeline` on it. */
    async function setUp() {
      const table = `sales.t${++n}_${storage}`;
      const id = parseTableIdentifier(table);
      await writeTable({ catalog, io, engine, id, selectSql: 'SELECT 1::BIGINT AS id', mode: 'append', warehouse });
      const target = (pipeline: string, runId: string | undefined, base: TableMetadata | undefined): RejectsTarget => ({ catalog, io, engine, warehouse, table, run: { pipeline, runId, base } });
      const metadata = async () => (await loadTable(catalog, io, id)).metadata;
      /** Host B: stages its rejects (not committed yet). */
      const stage = async (pipeline: string, runId: string, lines: number[]) =>
        stageRejects({ ...target(pipeline, runId, await metadata()), runId, selectSql: rejectsSql(pipeline, runId, lines), pii: [] });
      /** Host B: its target commit, naming the staged rows. */
      const commit = async (pipeline: string, runId: string, staged: StagedRejects) =>
        writeTable({
          catalog, io, engine, id, warehouse, mode: 'append', selectSql: 'SELECT 2::BIGINT AS id', summary: stateSummary(pipeline, runId),
          amendChange: (b: TableMetadata, c: TableChange) => withPending(b, c, pipeline, staged.entry),
        });
      const staged = async () => {
        const out: string[] = [];
        for await (const f of io.list(`${warehouse}/${PENDING_DIR}/${table}/`)) out.push(f.location);
        return out;
      };
      const rejects = async () => {
        const rid = parseTableIdentifier(`${table}__rejects`);
        if (!(await catalog.tableExists(rid))) return {};
        const t = await loadTable(catalog, io, rid);
        const { tableScanSql } = await import('../../src/engine/read.js');
        const scan = await tableScanSql({ engine, io: t.io, metadata: t.metadata, table: `${table}__rejects` });
        const rows = await engine.all(`SELECT run_id, count(*)::BIGINT AS n FROM (${scan.sql}) GROUP BY run_id ORDER BY run_id`, 'count');
        return Object.fromEntries(rows.map((r) => [String(r.run_id), Number(r.n)]));
      };
      return { table, target, metadata, stage, commit, staged, rejects };
    }

    it('a run on host A leaves the rejects host B staged before its commit; they are deleted only once stale', async () => {
      const t = await setUp();
      const b = await t.stage('orders', 'b1', [3, 5]);
      expect(await t.staged()).toEqual([b.entry.file]);
      // Host A: another pipeline, and the same pipeline with another run id.
      for (const [pipeline, runId] of [['other', 'a1'], ['orders', 'a2'], ['orders', undefined]] as const) {
        expect(await recoverPendingRejects(t.target(pipeline, runId, await t.metadata()), await t.metadata())).toEqual([]);
        expect(await t.staged(), `${pipeline} ${runId}`).toEqual([b.entry.file]);
      }
      // Host B commits and finishes: its rows are written once.
      const written = await t.commit('orders', 'b1', b);
      await finishRejects(t.target('orders', 'b1', undefined), 'orders', b, written.snapshotId);
      expect(await t.rejects()).toEqual({ b1: 2 });
      expect(await t.staged()).toEqual([]);
      // A staged file no entry names, older than the safe age, is a leftover: deleted.
      const left = await t.stage('orders', 'b2', [7]);
      await recoverPendingRejects(t.target('other', 'a3', undefined), await t.metadata(), Date.now() + STALE_STAGED_MS + 60_000);
      expect(await t.staged()).not.toContain(left.entry.file);
    });

    it('host A read the table before host B committed: B\'s named rows are left for B', async () => {
      const t = await setUp();
      const before = await t.metadata();
      const b = await t.stage('orders', 'b1', [3]);
      const written = await t.commit('orders', 'b1', b);
      // Host A's recovery, from the table as it read it before B's commit.
      await recoverPendingRejects(t.target('orders', 'a1', before), before);
      expect(await t.staged()).toEqual([b.entry.file]);
      await finishRejects(t.target('orders', 'b1', undefined), 'orders', b, written.snapshotId);
      expect(await t.rejects()).toEqual({ b1: 1 });
    });

    it('host A recovers B\'s committed rows while B is about to write them: they are written once', async () => {
      const t = await setUp();
      const b = await t.stage('orders', 'b1', [3, 4, 5]);
      const written = await t.commit('orders', 'b1', b);
      const recovered = await recoverPendingRejects(t.target('orders', 'a1', await t.metadata()), await t.metadata());
      expect(recovered).toEqual([{ pipeline: 'orders', runId: 'b1', rows: 3 }]);
      expect(await t.staged()).toEqual([]);
      // Host B goes on: its finish finds its attempt written.
      await finishRejects(t.target('orders', 'b1', undefined), 'orders', b, written.snapshotId);
      expect(await t.rejects()).toEqual({ b1: 3 });
      const snaps = (await loadTable(catalog, io, parseTableIdentifier(`${t.table}__rejects`))).metadata.snapshots;
      expect(snaps.map((s) => s.summary['floe.rejects.attempt'])).toEqual([b.entry.attempt]);
    });

    it('a rerun of the same run id on the same host clears what its killed attempt staged, whatever its age', async () => {
      const t = await setUp();
      const killed = await t.stage('orders', 'r1', [3]);
      const other = await t.stage('orders', 'r2', [4]);
      await recoverPendingRejects(t.target('orders', 'r1', await t.metadata()), await t.metadata());
      expect(await t.staged()).toEqual([other.entry.file]);
      expect(killed.entry.file).not.toBe(other.entry.file);
    });
  });
}

describe('end to end: a run killed between staging and commit stands for a run in flight on another host', () => {
  const ORDERS = ['id,item,qty', '1,apple,10', '2,pear,20,surplus', '3,plum,many', '4,fig,40', ''].join('\n');
  beforeAll(assertBuilt);

  async function project(): Promise<Project> {
    const p = await newRunProject();
    await p.write('data/orders.csv', ORDERS);
    await p.write('data/other.csv', 'id,item,qty\n9,lime,1\n');
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ncolumns:\n  qty: { type: long }\ntarget: { table: sales.orders, mode: append }\nrejects: { max_ratio: 0.5 }\n');
    await p.pipeline('other', 'source: { kind: csv, path: data/other.csv }\ncolumns:\n  qty: { type: long }\ntarget: { table: sales.orders, mode: append }\n');
    return p;
  }
  const pending = (p: Project) => {
    try {
      return readdirSync(p.path('warehouse/.floe-pending-rejects/sales.orders'));
    } catch {
      return [];
    }
  };

  it('another pipeline\'s run leaves its staged rejects; its own rerun adds them once', async () => {
    const scratch = await project();
    const log = scratch.path('io.log');
    expect((await scratch.floe(['run', 'orders', '--run-id', 'r1'], { FLOE_FAULT_IO_LOG: log })).code).toBe(0);
    const ops = readFileSync(log, 'utf8').trim().split('\n');
    const k = ops.findIndex((l) => /^\d+ putLocalFile .*\.floe-pending-rejects\//.test(l)) + 1;
    expect(k, ops.join('\n')).toBeGreaterThan(0);

    const p = await project();
    const killed = await p.floe(['run', 'orders', '--run-id', 'r1'], { FLOE_FAULT_KILL_AFTER_IO: String(k) });
    expect(killed.signal, show(killed)).toBe('SIGKILL');
    const staged = pending(p);
    expect(staged).toHaveLength(1);
    const other = await p.floe(['run', 'other', '--run-id', 'x1']);
    expect(other.code, show(other)).toBe(0);
    expect(pending(p)).toEqual(staged);
    const rerun = await p.floe(['run', 'orders', '--run-id', 'r1']);
    expect(rerun.code, show(rerun)).toBe(0);
    expect(pending(p)).toEqual([]);
    expect(await p.query('SELECT run_id, count(*) AS n FROM sales.orders__rejects GROUP BY run_id')).toEqual([{ run_id: 'r1', n: 2 }]);
    expect(Number((await p.query('SELECT count(*) AS n FROM sales.orders'))[0]!.n)).toBe(1 + 2);
  });
});
