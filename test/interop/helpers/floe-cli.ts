/**
 * The built floe CLI as the interop tests drive it: a throw-away project folder with a
 * floe.yaml and a SQLite catalog, and `node bin/floe.js --project <dir> ...` run as a child
 * process. The tests exercise dist/ exactly as a user runs it (the test runner builds first).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IcebergType, NestedField, PartitionField } from '../../../src/iceberg/types.js';
import { nodeReportArgs, watchChild } from '../../helpers/hang-watch.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', '..', '..');
export const FLOE_BIN = join(REPO_ROOT, 'bin', 'floe.js');
export const DIST_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/**
 * floe runs in a zone that is not UTC on purpose: floe pins DuckDB's session zone to UTC, so
 * nothing it writes may depend on the machine's zone (+05:30 also breaks any hour arithmetic
 * that assumes whole-hour offsets).
 */
export const FLOE_TZ = 'Asia/Kolkata';

/** Throws unless the CLI has been built: these tests run dist/, never src/. */
export function assertBuilt(): void {
  if (!existsSync(DIST_MAIN)) {
    throw new Error(
      `floe is not built: ${DIST_MAIN} is missing. Run \`npm run build\` first ` +
        '(npm test / scripts/test.sh build before running the tests).',
    );
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class FloeCliError extends Error {
  constructor(
    readonly args: string[],
    readonly result: RunResult,
  ) {
    super(
      `floe ${args.join(' ').slice(0, 400)} exited ${result.code}\n--- stderr ---\n${result.stderr.trimEnd()}` +
        (result.stdout.trim() ? `\n--- stdout (head) ---\n${result.stdout.slice(0, 2000)}` : ''),
    );
  }
}

/** A temp project: <dir>/floe.yaml, <dir>/warehouse, <dir>/warehouse/catalog.db, <dir>/inputs. */
export class FloeProject {
  readonly dir: string;
  readonly warehouse: string;
  readonly catalogDb: string;
  readonly inputs: string;
  readonly catalogName = 'floe';

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), `floe-interop-${prefix}-`));
    this.warehouse = join(this.dir, 'warehouse');
    this.catalogDb = join(this.warehouse, 'catalog.db');
    this.inputs = join(this.dir, 'inputs');
    mkdirSync(this.warehouse, { recursive: true });
    mkdirSync(this.inputs, { recursive: true });
    writeFileSync(
      join(this.dir, 'floe.yaml'),
      `warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: ${this.catalogName}\n`,
    );
  }

  /** What the oracle functions take. */
  get catalog(): { catalogDb: string; warehouse: string; catalogName: string } {
    return { catalogDb: this.catalogDb, warehouse: this.warehouse, catalogName: this.catalogName };
  }

  remove(): void {
    if (process.env.FLOE_INTEROP_KEEP) {
      process.stderr.write(`interop: keeping ${this.dir} (FLOE_INTEROP_KEEP is set)\n`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs floe with --project; resolves with the exit code and output, never rejects on exit != 0. */
  run(args: string[], timeoutMs = 300_000): Promise<RunResult> {
    assertBuilt();
    const argv = [FLOE_BIN, '--project', this.dir, ...args];
    return new Promise((resolvePromise, reject) => {
      const report = nodeReportArgs();
      const child = spawn(process.execPath, [...report.args, ...argv], {
        cwd: this.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TZ: FLOE_TZ, NO_COLOR: '1' },
      });
      watchChild(child, { label: `floe ${args.join(' ')}`, kind: 'node', reportFile: report.reportFile });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8') + (signal ? `\n(killed by ${signal} after ${timeoutMs} ms)` : '');
        resolvePromise({ code: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr });
      });
    });
  }

  /** Runs floe and throws FloeCliError (with stderr) unless it exits 0. */
  async ok(args: string[]): Promise<RunResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new FloeCliError(args, r);
    return r;
  }

  /** `floe load <table> <files...> [--mode M] [--partition-by E...]`. */
  async load(table: string, files: string[], opts: { mode?: 'append' | 'overwrite'; partitionBy?: string[] } = {}): Promise<RunResult> {
    const args = ['load', table, ...files];
    if (opts.mode) args.push('--mode', opts.mode);
    // --partition-by is variadic: keep it last so the files are not swallowed.
    if (opts.partitionBy?.length) args.push('--partition-by', ...opts.partitionBy);
    return this.ok(args);
  }

  /** `floe query "<sql>" --format json [--snapshot ID]`: an array of row objects. */
  async query(sql: string, opts: { snapshot?: string } = {}): Promise<Record<string, unknown>[]> {
    const args = ['query', sql, '--format', 'json'];
    if (opts.snapshot) args.push('--snapshot', opts.snapshot);
    const r = await this.ok(args);
    try {
      return JSON.parse(r.stdout) as Record<string, unknown>[];
    } catch (e) {
      throw new Error(`floe query --format json printed no JSON array: ${(e as Error).message}\n${r.stdout.slice(0, 1000)}`);
    }
  }

  async describe(table: string): Promise<Described> {
    const r = await this.ok(['describe', table, '--json']);
    return parseJsonLossless(r.stdout) as Described;
  }

  async snapshots(table: string): Promise<SnapshotInfo[]> {
    const r = await this.ok(['snapshots', table, '--json']);
    // parseJsonLossless gives a number for an id below 2^53 (about 1 in 1,000 random ids): text, as the type says.
    return (parseJsonLossless(r.stdout) as SnapshotInfo[]).map((s) => ({
      ...s,
      'snapshot-id': String(s['snapshot-id']),
      ...(s['parent-snapshot-id'] !== undefined ? { 'parent-snapshot-id': String(s['parent-snapshot-id']) } : {}),
    }));
  }
}

export interface Described {
  table: string;
  'metadata-location': string;
  metadata: {
    'format-version': number;
    'current-schema-id': number;
    /** A decimal string (see parseJsonLossless). */
    'current-snapshot-id'?: string | number | null;
    schemas: { 'schema-id': number; fields: NestedField[] }[];
    'default-spec-id': number;
    'partition-specs': { 'spec-id': number; fields: PartitionField[] }[];
    properties: Record<string, string>;
  };
}

export interface SnapshotInfo {
  /** Decimal strings: snapshot ids do not fit a JS number. */
  'snapshot-id': string;
  'parent-snapshot-id'?: string;
  'sequence-number': number | string;
  summary: Record<string, string>;
  refs: string[];
}

/** The current schema's fields of a described table. */
export function currentFields(d: Described): NestedField[] {
  const s = d.metadata.schemas.find((x) => x['schema-id'] === d.metadata['current-schema-id']);
  if (!s) throw new Error(`${d.table}: describe --json has no schema ${d.metadata['current-schema-id']}`);
  return s.fields;
}

/** The default partition spec's fields, each with its source column's name and type. */
export function partitionFields(d: Described): (PartitionField & { sourceName: string; sourceType: IcebergType })[] {
  const spec = d.metadata['partition-specs'].find((s) => s['spec-id'] === d.metadata['default-spec-id']);
  const byId = new Map<number, { name: string; type: IcebergType }>();
  const walk = (fields: NestedField[], prefix: string) => {
    for (const f of fields) {
      byId.set(f.id, { name: prefix + f.name, type: f.type });
      if (typeof f.type === 'object' && f.type.type === 'struct') walk(f.type.fields, `${prefix}${f.name}.`);
    }
  };
  walk(currentFields(d), '');
  return (spec?.fields ?? []).map((f) => {
    const src = byId.get(f['source-id']);
    if (!src) throw new Error(`${d.table}: partition field ${f.name} has unknown source id ${f['source-id']}`);
    return { ...f, sourceName: src.name, sourceType: src.type };
  });
}

/**
 * JSON.parse that keeps integers of 16 or more digits exact, as decimal strings (floe prints
 * snapshot ids as bare JSON numbers, which JSON.parse would round to a double). Only numbers
 * in value position are touched, never text inside strings.
 */
export function parseJsonLossless(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))!;
      const tok = m[0];
      out += /^-?\d{16,}$/.test(tok) ? `"${tok}"` : tok;
      i += tok.length;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A promise that is started now and awaited later by several tests. Its rejection is
 * observed at once (no unhandled-rejection noise) and re-thrown to every awaiting test.
 */
export function deferred<T>(start: () => Promise<T>): () => Promise<T> {
  const p = start();
  p.catch(() => undefined);
  return () => p;
}
