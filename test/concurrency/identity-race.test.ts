/**
 * Two runs of one identity pipeline on two hosts (two projects, each with its own
 * `.floe-locks/`, one catalog and one S3 warehouse, as in pipeline-race.test.ts), made
 * deterministic without timing: run B is held at one point of its run while run A runs from
 * start to commit, then B goes on.
 *
 * - held after resolving (B read the previous identity map and computed its ids; its outputs
 *   are not planned yet): A's commit is already the tables' state when B plans, so no compare-
 *   and-swap fails, and only the identity run's own check can tell;
 * - held at its catalog transaction (B planned on the old state): B's transaction is stale and
 *   its retry rebuilds on A's commit.
 *
 * Either way B resolved against a map that is no longer the previous one: committing it would
 * record its merges and splits against the wrong map and undo A's ids. It must fail with
 * `conflict` naming the pipeline and A's run, committing nothing; with the same --run-id it is
 * the skipped no-op. The same for first runs (B found no map, A created the outputs, before
 * B planned or under B's creates); a --full-refresh run reads no map and is not refused. Both
 * catalogs (SQLite file, Postgres).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { createTableView } from '../../src/engine/read.js';
import { FloeError } from '../../src/errors.js';
import { writeTable } from '../../src/ingest/write-table.js';
import type { FileIO } from '../../src/io/fileio.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadProject } from '../../src/pipeline/load.js';
import { runIdentityPipeline } from '../../src/run/identity-run.js';
import type { PipelineRunResult, RunContext } from '../../src/run/run-pipeline.js';
import { loadTable } from '../../src/table/load.js';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';
import { S3_ENV } from '../cli/s3-project.js';
import { createTestBucket, s3Endpoint } from '../helpers/s3.js';

type Kind = 'sqlite' | 'postgres';

const PIPELINE = `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email, phone: phone }
    attributes: { name: name }
outputs:
  identity_map: c360.map
  profiles: c360.people
`;
const OUTPUTS = ['c360.people', 'c360.map', 'c360.identity_changes'] as const;

let bucket: string;
let pgSchema: TestSchema;
let engine: Engine;
const dirs: string[] = [];
const opened: Catalog[] = [];

beforeAll(async () => {
  bucket = await createTestBucket('floe-identity-race');
  pgSchema = await createTestSchema('identity_race');
  engine = await openEngine({ threads: 1 });
}, 120_000);

afterAll(async () => {
  for (const c of opened) await c.close().catch(() => undefined);
  engine?.close();
  await pgSchema?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One machine: its own project folder (so its own `.floe-locks/`), the shared catalog and warehouse. */
interface Host {
  catalog: Catalog;
  io: FileIO;
  warehouse: string;
  /** One identity run of `people`; `catalog` replaces the host's (to hold the run at a point). */
  run(o?: { runId?: string; fullRefresh?: boolean; catalog?: Catalog; onEvent?: RunContext['onEvent'] }): Promise<PipelineRunResult>;
}

async function hosts(kind: Kind, tag: string): Promise<[Host, Host]> {
  const root = mkdtempSync(join(tmpdir(), `floe-identity-race-${tag}-`));
  dirs.push(root);
  const uri = kind === 'sqlite' ? `sqlite:${join(root, 'catalog.db')}` : pgSchema.url;
  const make = async (i: number): Promise<Host> => {
    const dir = join(root, `host-${i}`);
    mkdirSync(join(dir, 'pipelines'), { recursive: true });
    writeFileSync(
      join(dir, 'floe.yaml'),
      [
        `warehouse: s3://${bucket}/${kind}-${tag}`,
        'catalog:',
        `  uri: ${uri}`,
        `  name: identity_race_${tag}`,
        'pipelines: pipelines/',
        'storage:',
        '  s3:',
        `    endpoint: ${s3Endpoint()}`,
        '    path_style: true',
        '    access_key_id: ${S3_TEST_KEY}',
        '    secret_access_key: ${S3_TEST_SECRET}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'pipelines', 'people.yaml'), PIPELINE);
    const load = await loadProject(dir, { cwd: dir, env: { ...process.env, ...S3_ENV } });
    const project = load.project;
    const lp = load.pipelines.find((x) => x.name === 'people');
    if (!project || !lp) throw new Error(`the test project does not load: ${JSON.stringify(load.diagnostics)}`);
    const catalog = await openCatalog(project.catalog, project.dir);
    opened.push(catalog);
    const io = RoutingFileIO.forStorage(project.storage);
    return {
      catalog,
      io,
      warehouse: project.paths.warehouse,
      run: (o = {}) =>
        runIdentityPipeline(
          { project, catalog: o.catalog ?? catalog, io, redact: load.redact, lockTimeoutMs: 5_000, ...(o.runId ? { runId: o.runId } : {}), ...(o.fullRefresh ? { fullRefresh: true } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) },
          lp,
        ),
    };
  };
  return [await make(0), await make(1)];
}

/** raw.crm as `rows` (id, email, phone, name), written by host `h`. */
async function crm(h: Host, rows: readonly [number, string, string | null, string][], mode: 'append' | 'overwrite'): Promise<void> {
  const values = rows.map(([id, email, phone, name]) => `(${id}::BIGINT, '${email}', ${phone === null ? 'NULL' : `'${phone}'`}::VARCHAR, '${name}')`).join(', ');
  await writeTable({ catalog: h.catalog, io: h.io, engine, id: parseTableIdentifier('raw.crm'), selectSql: `SELECT * FROM (VALUES ${values}) AS t(id, email, phone, name)`, mode, warehouse: h.warehouse });
}

/**
 * The host's catalog, except that the first call of `method` after `armed()` is true (any
 * method when `method` is undefined) first waits for `competitor`: the run is held there while
 * the other host runs. `held` says whether it happened.
 */
function holding(catalog: Catalog, armed: () => boolean, method: keyof Catalog | undefined, competitor: () => Promise<unknown>): { catalog: Catalog; held: () => boolean } {
  let held = false;
  const wrapped = new Proxy(catalog, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (!held && armed() && (method === undefined || prop === method)) {
          held = true;
          await competitor();
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { catalog: wrapped, held: () => held };
}

/** Each output's snapshots on main (oldest first) as `run-id`. */
async function runsOf(h: Host): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of OUTPUTS) {
    const m = (await loadTable(h.catalog, h.io, parseTableIdentifier(t))).metadata;
    const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s]));
    const chain: string[] = [];
    for (let id = m.refs['main']?.['snapshot-id']; id !== undefined; ) {
      const s = byId.get(id);
      if (!s) break;
      chain.unshift(s.summary['floe.run-id'] ?? '?');
      id = s['parent-snapshot-id'];
    }
    out[t] = chain;
  }
  return out;
}

/** The identity map's customers as lists of source ids. */
async function customers(h: Host): Promise<string[]> {
  const t = await loadTable(h.catalog, h.io, parseTableIdentifier('c360.map'));
  await createTableView(engine, '__race_map', { io: h.io, metadata: t.metadata, table: 'c360.map' });
  const rows = await engine.all(`SELECT string_agg(source_id, ',' ORDER BY source_id) AS g FROM __race_map GROUP BY customer_id ORDER BY g`, 'read the map');
  return rows.map((r) => String(r.g));
}

/** identity_changes as `run_id change customer_id previous_customer_id`. */
async function changes(h: Host): Promise<string[]> {
  const t = await loadTable(h.catalog, h.io, parseTableIdentifier('c360.identity_changes'));
  await createTableView(engine, '__race_changes', { io: h.io, metadata: t.metadata, table: 'c360.identity_changes' });
  const rows = await engine.all(`SELECT run_id, change, customer_id, previous_customer_id FROM __race_changes ORDER BY ALL`, 'read the changes');
  return rows.map((r) => `${String(r.run_id)} ${String(r.change)} ${String(r.customer_id)} ${String(r.previous_customer_id)}`);
}

async function failure(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(
    (r) => new Error(`the run did not fail: ${JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}

/** Where run B is held while run A runs: right after it resolved (before planning its outputs), or at its catalog transaction. */
const HOLDS = [
  { name: 'after resolving, before planning its outputs', method: undefined, afterResolve: true },
  { name: 'at its catalog transaction', method: 'commitTables' as const, afterResolve: false },
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`two hosts run one identity pipeline at once, ${kind} catalog`, () => {
    for (const [i, hold] of HOLDS.entries()) {
      it(`held ${hold.name}: the second fails with conflict naming the pipeline and the other run, and commits nothing`, async () => {
        const [a, b] = await hosts(kind, `conflict-${i}`);
        await crm(a, [[1, 'ann@x.com', null, 'Ann'], [2, 'bob@y.com', '+14155552671', 'Bob']], 'overwrite');
        expect((await a.run({ runId: 'base' })).status).toBe('ok');
        expect(await customers(a)).toEqual(['1', '2']);
        // The first run had no previous map: no merge or split, so identity_changes has no snapshot yet.

        // B reads raw.crm and the map as they are; while it is held, a record linking Ann and
        // Bob arrives and A merges them.
        let resolved = false;
        let theirs: PipelineRunResult | undefined;
        const held = holding(b.catalog, () => resolved || !hold.afterResolve, hold.method, async () => {
          await crm(a, [[3, 'ann@x.com', '+14155552671', 'Ann']], 'append');
          theirs = await a.run({ runId: 'run-a' });
        });
        const e = await failure(b.run({ runId: 'run-b', catalog: held.catalog, onEvent: (type) => void (type === 'identity' && (resolved = true)) }));
        expect(held.held()).toBe(true);
        expect(theirs?.status).toBe('ok');
        expect(e.kind).toBe('conflict');
        expect(e.retryable).toBe(false);
        // The map is what B read: the error names A's snapshot of it and A's run.
        const mapSnapshot = (await loadTable(a.catalog, a.io, parseTableIdentifier('c360.map'))).metadata.refs['main']!['snapshot-id'];
        expect(e.message).toContain(`c360.map: another run of pipeline people committed snapshot ${mapSnapshot} (run run-a) after this run read its identity map from snapshot`);
        expect(e.message).toContain('nothing was committed. Run people again');

        // A's commit stands, on all three outputs; nothing of B's is there.
        expect(await customers(a)).toEqual(['1,2,3']);
        expect(await runsOf(a)).toEqual({ 'c360.people': ['base', 'run-a'], 'c360.map': ['base', 'run-a'], 'c360.identity_changes': ['run-a'] });
        expect((await changes(a)).filter((c) => c.startsWith('run-a ')).map((c) => c.split(' ')[1])).toContain('merge');
        expect((await changes(a)).some((c) => c.startsWith('run-b '))).toBe(false);

        // Run again, B resolves on from A's map: the customer is kept, no change is recorded.
        expect((await b.run({ runId: 'run-b-again' })).status).toBe('ok');
        expect(await customers(a)).toEqual(['1,2,3']);
        expect((await changes(a)).some((c) => c.startsWith('run-b-again '))).toBe(false);
      }, 300_000);

      it(`held ${hold.name}, the same --run-id: the second is the skipped no-op`, async () => {
        const [a, b] = await hosts(kind, `same-${i}`);
        await crm(a, [[1, 'ann@x.com', null, 'Ann'], [2, 'bob@y.com', null, 'Bob']], 'overwrite');
        expect((await a.run({ runId: 'base' })).status).toBe('ok');
        let resolved = false;
        let theirs: PipelineRunResult | undefined;
        const held = holding(b.catalog, () => resolved || !hold.afterResolve, hold.method, async () => {
          theirs = await a.run({ runId: 'nightly-1' });
        });
        const r = await b.run({ runId: 'nightly-1', catalog: held.catalog, onEvent: (type) => void (type === 'identity' && (resolved = true)) });
        expect(held.held()).toBe(true);
        expect(theirs?.status).toBe('ok');
        expect(r.status).toBe('skipped');
        expect(r.note).toContain('nightly-1 already committed');
        expect(r.snapshotId).toBe(theirs!.snapshotId);
        expect(await runsOf(a)).toEqual({ 'c360.people': ['base', 'nightly-1'], 'c360.map': ['base', 'nightly-1'], 'c360.identity_changes': [] });
      }, 300_000);
    }

    it('a --full-refresh run, which reads no previous map, is not refused for a run that committed while it resolved', async () => {
      const [a, b] = await hosts(kind, 'full-refresh');
      await crm(a, [[1, 'ann@x.com', null, 'Ann'], [2, 'bob@y.com', null, 'Bob']], 'overwrite');
      expect((await a.run({ runId: 'base' })).status).toBe('ok');
      let resolved = false;
      const held = holding(b.catalog, () => resolved, undefined, async () => {
        expect((await a.run({ runId: 'run-a' })).status).toBe('ok');
      });
      const r = await b.run({ runId: 'refresh-b', fullRefresh: true, catalog: held.catalog, onEvent: (type) => void (type === 'identity' && (resolved = true)) });
      expect(held.held()).toBe(true);
      expect(r.status).toBe('ok');
      expect((await runsOf(a))['c360.map']).toEqual(['base', 'run-a', 'refresh-b']);
    }, 300_000);

    for (const [i, hold] of HOLDS.entries()) for (const runIds of [['run-a', 'run-b'], ['first-1', 'first-1']] as const) {
      it(`first runs (no output yet), held ${hold.name}, ${runIds[0] === runIds[1] ? 'the same --run-id: the second is the skipped no-op' : 'the second fails with conflict'}`, async () => {
        const [a, b] = await hosts(kind, `first-${i}-${runIds[1]}`);
        await crm(a, [[1, 'ann@x.com', null, 'Ann'], [2, 'bob@y.com', null, 'Bob']], 'overwrite');
        // B found no map (and no profiles); A creates all three while B is held. At the
        // transaction, B's creates find the tables there: its retry sees A's snapshots.
        let resolved = false;
        let theirs: PipelineRunResult | undefined;
        const held = holding(b.catalog, () => resolved || !hold.afterResolve, hold.method, async () => {
          theirs = await a.run({ runId: runIds[0] });
        });
        const ours = b.run({ runId: runIds[1], catalog: held.catalog, onEvent: (type) => void (type === 'identity' && (resolved = true)) });
        if (runIds[0] === runIds[1]) {
          const r = await ours;
          expect(r.status).toBe('skipped');
          expect(r.snapshotId).toBe(theirs!.snapshotId);
        } else {
          const e = await failure(ours);
          const mapSnapshot = (await loadTable(a.catalog, a.io, parseTableIdentifier('c360.map'))).metadata.refs['main']!['snapshot-id'];
          expect(e.kind).toBe('conflict');
          expect(e.message).toContain(`c360.map: another run of pipeline people committed snapshot ${mapSnapshot} (run run-a) after this run read its identity map before the table had a snapshot`);
        }
        expect(held.held()).toBe(true);
        expect(await runsOf(a)).toEqual({ 'c360.people': [runIds[0]], 'c360.map': [runIds[0]], 'c360.identity_changes': [] });
      }, 300_000);
    }
  });
}
