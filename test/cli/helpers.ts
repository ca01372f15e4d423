/**
 * Helpers for end-to-end CLI tests: the built CLI (bin/floe.js → dist/) runs as a child
 * process, exactly as a user or a scheduler runs it. Assertions look at the exit code,
 * stdout, stderr and the catalog database, never at floe's internals.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertBuilt as assertBuiltFor, collect, ROOT, type RunResult, spawnFloe } from '../helpers/floe-process.js';
import Database from 'better-sqlite3';
import { afterAll, expect } from 'vitest';

export { ROOT, FLOE_BIN, collect, type RunResult } from '../helpers/floe-process.js';

/** The suite tests the built CLI; a missing build is a loud failure, not a skip. */
export function assertBuilt(): void {
  assertBuiltFor('the CLI tests');
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Starts `node bin/floe.js ...args` with piped stdio. */
export function startFloe(args: readonly string[], o: RunOptions = {}): ChildProcess {
  return spawnFloe(args, o.cwd ?? ROOT, o.env);
}

/** Runs floe to completion. */
export function floe(args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  return collect(startFloe(args, o));
}

/** Runs floe against a project folder. */
export function floeIn(project: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  return floe(['--project', project, ...args], o);
}

/** A line of a JS stack trace, as Node prints them. */
export const STACK_LINE = /^ {4}at /m;

export function show(r: RunResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/**
 * The bad-input contract: exit `code`, every `mentions` on stderr, no stack trace, nothing
 * on stdout that looks like a result.
 */
export function expectFailure(r: RunResult, code: number, mentions: readonly (string | RegExp)[] = []): void {
  expect(r.code, show(r)).toBe(code);
  expect(r.stderr.trim().length, show(r)).toBeGreaterThan(0);
  for (const m of mentions) {
    if (typeof m === 'string') expect(r.stderr, show(r)).toContain(m);
    else expect(r.stderr, show(r)).toMatch(m);
  }
  expect(r.stderr, `a stack trace without --debug:\n${show(r)}`).not.toMatch(STACK_LINE);
}

/** The same command with --debug prints the stack trace and keeps the exit code. */
export async function expectStackWithDebug(project: string | undefined, args: readonly string[], code: number, o: RunOptions = {}): Promise<void> {
  const r = await floe([...(project ? ['--project', project] : []), '--debug', ...args], o);
  expect(r.code, show(r)).toBe(code);
  expect(r.stderr, `no stack trace with --debug:\n${show(r)}`).toMatch(STACK_LINE);
}

/** Temp folders removed after the file's tests. */
export function useTmpDirs(prefix = 'floe-cli-'): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await mkdtemp(path.join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

/** A project like `floe init` writes, without running floe. */
export async function writeProject(dir: string): Promise<string> {
  await writeFile(
    path.join(dir, 'floe.yaml'),
    'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\n',
  );
  return dir;
}

/** The catalog's pointer for a table, read from iceberg_tables (null when absent). */
export function catalogPointer(project: string, table: string): string | null {
  const dbPath = path.join(project, 'warehouse', 'catalog.db');
  if (!existsSync(dbPath)) return null;
  const dot = table.lastIndexOf('.');
  // Read-write open: after a crash the WAL may need recovery, which a read-only handle cannot do.
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    const row = db
      .prepare('SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?')
      .get('floe', table.slice(0, dot), table.slice(dot + 1)) as { metadata_location: string } | undefined;
    return row?.metadata_location ?? null;
  } finally {
    db.close();
  }
}

/** All table names in the catalog. */
export function catalogTables(project: string): string[] {
  const dbPath = path.join(project, 'warehouse', 'catalog.db');
  if (!existsSync(dbPath)) return [];
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    const rows = db.prepare('SELECT table_namespace, table_name FROM iceberg_tables ORDER BY 1, 2').all() as {
      table_namespace: string;
      table_name: string;
    }[];
    return rows.map((r) => `${r.table_namespace}.${r.table_name}`);
  } finally {
    db.close();
  }
}

/** Test clean-up without the CLI: forget a table in the catalog (its files stay). */
export function removeFromCatalog(project: string, table: string): void {
  const dot = table.lastIndexOf('.');
  const db = new Database(path.join(project, 'warehouse', 'catalog.db'), { fileMustExist: true });
  try {
    db.prepare('DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?').run(
      'floe',
      table.slice(0, dot),
      table.slice(dot + 1),
    );
  } finally {
    db.close();
  }
}

/** `floe query "SELECT count(*) ..."` as a bigint; fails the test when the query fails. */
export async function countRows(project: string, table: string): Promise<bigint> {
  const r = await floeIn(project, ['query', `SELECT count(*) AS n FROM ${table}`, '--format', 'csv']);
  expect(r.code, show(r)).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe('n');
  return BigInt(lines[1]!);
}

export interface TableState {
  pointer: string | null;
  rows: bigint;
  /** `floe snapshots --json`, verbatim (exact longs). */
  snapshots: string;
}

export async function tableState(project: string, table: string): Promise<TableState> {
  const snaps = await floeIn(project, ['snapshots', table, '--json']);
  expect(snaps.code, show(snaps)).toBe(0);
  return { pointer: catalogPointer(project, table), rows: await countRows(project, table), snapshots: snaps.stdout };
}

/** The table's current metadata file exists and is a JSON object of format v2. */
export async function expectPointerParses(project: string, table: string): Promise<string> {
  const pointer = catalogPointer(project, table);
  expect(pointer, `${table} is in the catalog`).not.toBeNull();
  const text = await readFile(pointer!.replace(/^file:(\/\/)?/, ''), 'utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  expect(parsed['format-version']).toBe(2);
  return pointer!;
}

/** A small CSV in the shape every test table uses: id long, name string, amount double. */
export function smallCsv(rows: number, start = 0): string {
  let s = 'id,name,amount\n';
  for (let i = start; i < start + rows; i++) s += `${i},name-${i},${(i * 1.5).toFixed(2)}\n`;
  return s;
}

/** Runs floe in `project` and expects exit 0 (showing its output otherwise). */
export async function floeOk(project: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const r = await floeIn(project, args, o);
  expect(r.code, show(r)).toBe(0);
  return r;
}

/** The table's snapshot ids, as `floe snapshots --json` lists them, kept as strings (they exceed 2^53). */
export async function snapshotIds(project: string, table: string): Promise<string[]> {
  const r = await floeOk(project, ['snapshots', table, '--json']);
  const snaps = JSON.parse(r.stdout.replace(/("snapshot-id":\s*)(\d+)/g, '$1"$2"')) as { 'snapshot-id': string }[];
  return snaps.map((s) => s['snapshot-id']);
}

/** A minimal identity pipeline (pipelines/people.yaml): raw.crm (id, email) into c360.map and c360.people. */
export const IDENTITY_PIPELINE = `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email }
outputs:
  identity_map: c360.map
  profiles: c360.people
`;
