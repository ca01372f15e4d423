/**
 * Shared set-up for the multi-process writer tests (writers.test.ts,
 * compact-during-appends.test.ts): a floe project on a SQLite or Postgres catalog, writer
 * processes released together at a start barrier, and the read-backs every such test
 * asserts with — floe's own scan, `floe query` through the built CLI, and PyIceberg.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';
import { assertBuilt, childEnv, collect, ROOT, spawnFloe, type RunResult } from '../helpers/floe-process.js';
import { runOracleScript } from '../interop/oracle.js';
import { expectedIds, type WriterReport, type WriterTask } from './writers-plan.js';

const WORKER = join(import.meta.dirname, 'append-worker.ts');

export type CatalogKind = 'sqlite' | 'postgres';

export interface Project {
  kind: CatalogKind;
  dir: string;
  warehouse: string;
  /** catalog.name */
  name: string;
  /** The catalog URI with absolute paths, for processes whose working folder is elsewhere. */
  uri: string;
  /** The same catalog as PyIceberg's SqlCatalog (SQLAlchemy) URI. */
  pyUri: string;
}

/** A fresh project folder whose floe.yaml points at a new SQLite file or at the test schema `pg`. */
export function makeProject(kind: CatalogKind, tag: string, pg: TestSchema | undefined): Project {
  const dir = mkdtempSync(join(tmpdir(), `floe-${tag}-${kind}-`));
  const warehouse = join(dir, 'warehouse');
  mkdirSync(warehouse);
  const name = `${kind}_${tag}`.replace(/[^a-z0-9_]/g, '_');
  let uri: string;
  let pyUri: string;
  if (kind === 'sqlite') {
    uri = `sqlite:${join(warehouse, 'catalog.db')}`;
    pyUri = `sqlite:///${join(warehouse, 'catalog.db')}`;
  } else {
    if (!pg) throw new Error('a Postgres catalog needs the test schema (createTestSchema)');
    uri = pg.url;
    pyUri = `postgresql+psycopg2://${encodeURIComponent(pg.user)}:${encodeURIComponent(pg.password)}@${pg.host}:${pg.port}/${pg.database}?options=-csearch_path%3D${pg.schema}`;
  }
  writeFileSync(join(dir, 'floe.yaml'), `warehouse: ./warehouse\ncatalog:\n  uri: ${uri}\n  name: ${name}\n`);
  return { kind, dir, warehouse, name, uri, pyUri };
}

/**
 * Registers the suite's hooks — the built CLI must be there; a Postgres test schema named
 * `tag` is created before and dropped after, with every project folder — and returns what
 * makes a project of `kind` (makeProject) holding `table` (createEventsTable).
 */
export function useEventsProjects(tag: string): (kind: CatalogKind, table: string) => Promise<Project> {
  let pg: TestSchema;
  const projects: Project[] = [];
  beforeAll(async () => {
    assertBuilt('test/concurrency');
    pg = await createTestSchema(tag);
  });
  afterAll(async () => {
    await pg?.drop();
    for (const p of projects) rmSync(p.dir, { recursive: true, force: true });
  });
  return async (kind, table) => {
    const p = makeProject(kind, tag, pg);
    projects.push(p);
    await createEventsTable(p, table);
    return p;
  };
}

export function floe(p: Project, args: readonly string[]): Promise<RunResult> {
  return collect(spawnFloe(['--project', p.dir, ...args], p.dir));
}

export async function floeOk(p: Project, args: readonly string[]): Promise<RunResult> {
  const r = await floe(p, args);
  expect(r.code, `floe ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

/**
 * Iceberg's default commit.retry.num-retries (4) is too few for several writers appending in
 * a tight loop: some writer loses five swaps in a row and gives up with a conflict, as
 * Iceberg Java's would. Tables under these tests get the retry properties a deployment with
 * this many concurrent writers sets — many short waits, since a commit takes tens of ms.
 */
export const RETRY_PROPERTIES = ['commit.retry.num-retries=100', 'commit.retry.min-wait-ms=10', 'commit.retry.max-wait-ms=1000'];

/** `floe table create <table>` with the columns append-worker.ts writes and RETRY_PROPERTIES. */
export async function createEventsTable(p: Project, table: string): Promise<void> {
  await floeOk(p, ['table', 'create', table, '--column', 'id long required', '--column', 'writer int', '--column', 'append int', ...RETRY_PROPERTIES.flatMap((x) => ['--property', x])]);
}

/**
 * The table's rows checked in one `floe query` (each one reads every manifest): row count,
 * distinct ids, ids present more than once (GROUP BY id HAVING count(*) > 1), rows whose
 * writer/append columns do not match their id, and the ids in order.
 */
export async function rowCheck(p: Project, table: string): Promise<{ n: number; ids: number; twice: number; misplaced: number; idList: number[] }> {
  const [q] = await queryRows<{ n: number; ids: number; twice: number; misplaced: number; id_list: string | null }>(
    p,
    `SELECT (SELECT count(*) FROM ${table}) AS n, (SELECT count(DISTINCT id) FROM ${table}) AS ids, ` +
      `(SELECT count(*) FROM (SELECT id FROM ${table} GROUP BY id HAVING count(*) > 1)) AS twice, ` +
      `(SELECT count(*) FROM ${table} WHERE id <> writer * 100000 + append * 100 + id % 100) AS misplaced, ` +
      `(SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM ${table}) AS id_list`,
  );
  return { n: Number(q!.n), ids: Number(q!.ids), twice: Number(q!.twice), misplaced: Number(q!.misplaced), idList: q!.id_list ? q!.id_list.split(',').map(Number) : [] };
}

/** Rows of a `floe query --format json` (the built CLI). */
export async function queryRows<T = Record<string, unknown>>(p: Project, sql: string): Promise<T[]> {
  const r = await floeOk(p, ['query', sql, '--format', 'json']);
  return JSON.parse(r.stdout) as T[];
}

export interface Writers {
  /** Resolves when every writer finished; rejects (with its stderr) when one failed. */
  done: Promise<WriterReport[]>;
  /** Milliseconds from the release at the barrier to the last writer's exit. */
  wallMs(): number;
}

/**
 * Starts one append-worker.ts process per writer and releases them together once all have
 * opened the catalog and DuckDB. `holdAfter`: each pauses after that many appends until
 * `resume(writers)` is called.
 */
export async function startWriters(p: Project, table: string, writers: number, appends: number, holdAfter?: number): Promise<Writers & { barrier: string }> {
  const barrier = mkdtempSync(join(tmpdir(), 'floe-barrier-'));
  const children = Array.from({ length: writers }, (_, writer) => {
    const task: WriterTask = { uri: p.uri, name: p.name, warehouse: p.warehouse, table, writer, appends, barrier, holdAfter };
    return collect(spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(task)], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
  });
  let exited = 0;
  // A writer that dies before the barrier would otherwise leave this waiting for ever.
  const failedEarly = children.map((c) => c.then((r) => (exited++, r)));
  const ready = () => Array.from({ length: writers }, (_, w) => existsSync(join(barrier, `ready-${w}`))).every(Boolean);
  while (!ready()) {
    if (exited > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  writeFileSync(join(barrier, 'go'), '');
  const released = Date.now();
  let finished = 0;
  const done = Promise.all(failedEarly).then((results) => {
    finished = Date.now();
    return results.map((r, w) => {
      if (r.code !== 0) throw new Error(`writer ${w} exited ${r.code ?? r.signal}\n${r.stderr.slice(-3000)}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as WriterReport;
    });
  });
  return { done, barrier, wallMs: () => (finished || Date.now()) - released };
}

/** Lets writers started with `holdAfter` go on. */
export function resume(w: { barrier: string }): void {
  writeFileSync(join(w.barrier, 'resume'), '');
}

/** The table's metadata and live data files as floe loads and plans them through the catalog. */
export async function inspect(p: Project, table: string) {
  const catalog = await openCatalog({ uri: p.uri, name: p.name }, p.dir);
  try {
    const t = await loadTable(catalog, new RoutingFileIO(), parseTableIdentifier(table));
    return { metadata: t.metadata, dataFiles: (await planScan({ io: t.io, metadata: t.metadata, table })).dataFiles };
  } finally {
    await catalog.close();
  }
}

/** main's snapshots, newest first, following parent-snapshot-id from the branch head. */
export function mainAncestry(m: TableMetadata): TableMetadata['snapshots'] {
  const out: TableMetadata['snapshots'] = [];
  const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s] as const));
  for (let id: bigint | null = m.refs['main']?.['snapshot-id'] ?? m['current-snapshot-id'] ?? null; id != null; ) {
    const s = byId.get(id);
    if (!s) throw new Error(`snapshot ${id} in main's ancestry is not in the metadata`);
    out.push(s);
    id = s['parent-snapshot-id'] ?? null;
  }
  return out;
}

export interface PyIcebergTable {
  row_count: number;
  files: string[];
  rows: Record<string, unknown>[];
  snapshot_id: string | null;
}

/** The table through PyIceberg's SqlCatalog on the same catalog (test/crash/pyiceberg_tables.py). */
export async function pyiceberg(p: Project, table: string): Promise<PyIcebergTable> {
  const doc = await runOracleScript<{ tables: Record<string, PyIcebergTable> }>(
    '../../crash/pyiceberg_tables.py',
    ['--catalog-uri', p.pyUri, '--catalog-name', p.name, '--warehouse', p.warehouse, '--table', table],
    { timeoutMs: 300_000, needSpark: false },
  );
  return doc.tables[table]!;
}

export const stripScheme = (f: string) => f.replace(/^file:\/\//, '');

/**
 * The rows `writers` × `appends` appended (expectedIds), through the built CLI: exact count,
 * no id twice (GROUP BY id HAVING count(*) > 1 is empty), exactly the expected ids, each row
 * where its writer put it. Then PyIceberg opens the same catalog and reads the same snapshot,
 * ids and live files (`files`, floe's scan).
 */
export async function expectRowsEverywhere(p: Project, table: string, writers: number, appends: number, metadata: TableMetadata, files: string[]): Promise<{ want: number[]; py: PyIcebergTable }> {
  const want = expectedIds(writers, appends);
  const { idList, ...counts } = await rowCheck(p, table);
  expect(counts).toEqual({ n: want.length, ids: want.length, twice: 0, misplaced: 0 });
  expect(idList).toEqual(want);
  const py = await pyiceberg(p, table);
  expect(py.snapshot_id).toBe(String(metadata['current-snapshot-id']));
  expect(py.rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(want);
  expect(py.files.map(stripScheme).sort()).toEqual(files.map(stripScheme).sort());
  return { want, py };
}
