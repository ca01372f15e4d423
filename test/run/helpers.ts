/**
 * Helpers for the end-to-end tests of `floe run`: each test builds a small project in a temp
 * folder (floe.yaml, pipelines/, data/), runs the built CLI (bin/floe.js → dist/) as a child
 * process, and looks at exit codes, output, `floe query`, `floe snapshots --json` and the
 * table's live data files.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertBuilt as assertBuiltFor, collect, type RunResult, spawnFloe } from '../helpers/floe-process.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { toJsonValue } from '../../src/engine/values.js';
import { prepareViews } from '../../src/query/query.js';
import type { TableMetadata } from '../../src/iceberg/types.js';

export { ROOT, FLOE_BIN, collect, type RunResult } from '../helpers/floe-process.js';

/** These tests run the built CLI; a missing build is a loud failure, never a skip. */
export function assertBuilt(): void {
  assertBuiltFor('test/run');
}

export function show(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

export function startFloe(args: readonly string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawnFloe(args, tmpdir(), env);
}

/**
 * JSON with every integer of 16 or more digits read as a string, so snapshot ids (longs)
 * survive exactly. Only integers outside string literals are touched.
 */
export function parseJsonExact(text: string): any {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^-?\d{16,}(?![.eE\d])/.exec(text.slice(i, i + 40));
    if (m && !/[\d.]/.test(text[i - 1] ?? '')) {
      out += `"${m[0]}"`;
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return JSON.parse(out);
}

export interface Snapshot {
  'snapshot-id': string;
  'parent-snapshot-id'?: string | null;
  summary: Record<string, string>;
  refs: string[];
}

/** Temp folders removed after the file's tests. */
function tmpDirs(): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'floe-run-'));
    dirs.push(d);
    return d;
  };
}

export const PROJECT_YAML = 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n';

export class Project {
  constructor(readonly dir: string) {}

  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  async write(rel: string, text: string): Promise<string> {
    const p = this.path(rel);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, text);
    return p;
  }

  /** pipelines/<name>.yaml */
  pipeline(name: string, yaml: string): Promise<string> {
    return this.write(`pipelines/${name}.yaml`, yaml);
  }

  floe(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
    return collect(startFloe(['--project', this.dir, ...args], env));
  }

  start(args: readonly string[], env: Record<string, string | undefined> = {}): ChildProcess {
    return startFloe(['--project', this.dir, ...args], env);
  }

  /** `floe run ...`, expecting `code`. */
  async run(args: readonly string[], code = 0, env: Record<string, string | undefined> = {}): Promise<RunResult> {
    const r = await this.floe(['run', ...args], env);
    expect(r.code, show(r)).toBe(code);
    return r;
  }

  /** `floe query --format json` through the CLI: rows as objects (exact longs are numbers, others strings). */
  async queryCli(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.floe(['query', sql, '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>[];
  }

  /**
   * What `floe query --format json` returns, computed in this process by the same code
   * (catalog tables as views, values as JSON values), without a process start per look.
   */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    return this.withCatalog(async (catalog) => {
      const engine = await openEngine({ threads: 1 });
      try {
        await prepareViews(engine, catalog, new RoutingFileIO(), sql, undefined);
        const rows = await engine.all(sql, 'run the query');
        return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toJsonValue(v)])));
      } finally {
        engine.close();
      }
    });
  }

  /** `floe snapshots <table> --json` through the CLI, oldest first, ids as strings. */
  async snapshotsCli(table: string): Promise<Snapshot[]> {
    const r = await this.floe(['snapshots', table, '--json']);
    expect(r.code, show(r)).toBe(0);
    return parseJsonExact(r.stdout) as Snapshot[];
  }

  /**
   * The table's snapshots (oldest first, ids as strings), read in this process from the
   * metadata the catalog points at: the data `floe snapshots --json` prints, without a
   * process start per look.
   */
  async snapshots(table: string): Promise<Snapshot[]> {
    const m = await this.metadata(table);
    const main = m.refs.main?.['snapshot-id'];
    return [...m.snapshots]
      .sort((a, b) => a['timestamp-ms'] - b['timestamp-ms'] || Number(a['sequence-number'] - b['sequence-number']))
      .map((s) => ({
        'snapshot-id': String(s['snapshot-id']),
        'parent-snapshot-id': s['parent-snapshot-id'] === undefined || s['parent-snapshot-id'] === null ? null : String(s['parent-snapshot-id']),
        summary: { ...s.summary } as Record<string, string>,
        refs: s['snapshot-id'] === main ? ['main'] : [],
      }));
  }

  /** The current schema as `name type` strings. */
  async columns(table: string): Promise<string[]> {
    const m = await this.metadata(table);
    const schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;
    return schema.fields.map((f) => `${f.name} ${typeof f.type === 'string' ? f.type : JSON.stringify(f.type)}`);
  }

  private async withCatalog<T>(fn: (catalog: Catalog) => Promise<T>): Promise<T> {
    const catalog = await openCatalog({ uri: `sqlite:${this.path('warehouse/catalog.db')}`, name: 'floe' }, this.dir);
    try {
      return await fn(catalog);
    } finally {
      await catalog.close();
    }
  }

  async metadata(table: string): Promise<TableMetadata> {
    return this.withCatalog(async (catalog) => (await loadTable(catalog, new RoutingFileIO(), parseTableIdentifier(table))).metadata);
  }

  /** Every table in the catalog as ns.table, sorted. */
  async tables(): Promise<string[]> {
    return this.withCatalog(async (catalog) => (await catalog.listTables()).map((t) => `${t.namespace.join('.')}.${t.name}`).sort());
  }

  /** The catalog's metadata pointer of a table (changes with every commit). */
  async pointer(table: string): Promise<string> {
    return this.withCatalog(async (catalog) => (await catalog.getTable(parseTableIdentifier(table))).metadataLocation);
  }

  async exists(table: string): Promise<boolean> {
    return this.withCatalog((catalog) => catalog.tableExists(parseTableIdentifier(table)));
  }

  /** The live data files of the table's current snapshot, by path, read through floe's own scan planning. */
  async dataFiles(table: string): Promise<string[]> {
    return this.withCatalog(async (catalog) => {
      const t = await loadTable(catalog, new RoutingFileIO(), parseTableIdentifier(table));
      const plan = await planScan({ io: t.io, metadata: t.metadata, table });
      return plan.dataFiles.map((f) => f.file.file_path).sort();
    });
  }
}

/** A fresh project folder per call: floe.yaml and an empty pipelines/. */
export function useProjects(): () => Promise<Project> {
  const next = tmpDirs();
  return async () => {
    const p = new Project(await next());
    await p.write('floe.yaml', PROJECT_YAML);
    await mkdir(p.path('pipelines'), { recursive: true });
    return p;
  };
}

/** Runs DuckDB SQL in this process (writing Parquet or large CSV inputs). */
export async function duck(...statements: string[]): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  try {
    for (const s of statements) await c.run(s);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** Rows of a DuckDB query run in this process (e.g. reading a data file directly); BIGINTs as numbers. */
export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  try {
    const rows = (await c.runAndReadAll(sql)).getRowObjectsJS();
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** NDJSON on stdout: every line must parse. */
export function events(stdout: string): Record<string, any>[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return lines.map((l) => {
    try {
      return parseJsonExact(l) as Record<string, any>;
    } catch (e) {
      throw new Error(`a line of --json output is not JSON: ${l}\n(${(e as Error).message})`);
    }
  });
}

/** Rows sorted by a column, for order-free comparisons. */
export function byKey<T extends Record<string, unknown>>(rows: T[], key: string): T[] {
  return [...rows].sort((a, b) => (Number(a[key]) - Number(b[key])) || String(a[key]).localeCompare(String(b[key])));
}

/** Rows of `sales.orders__rejects` by run id (none while the table does not exist). */
export async function rejectsByRun(p: Project): Promise<Record<string, number>> {
  if (!(await p.exists('sales.orders__rejects'))) return {};
  const rows = await p.query('SELECT run_id, count(*) AS n FROM sales.orders__rejects GROUP BY run_id ORDER BY run_id');
  return Object.fromEntries(rows.map((r) => [String(r.run_id), Number(r.n)]));
}
