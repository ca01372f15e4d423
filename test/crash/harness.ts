/**
 * The crash-safety harness (docs/CONCURRENCY.md, "Crash guarantees").
 *
 * A command runs as the built CLI in a child process that SIGKILLs itself right after its
 * Nth FileIO operation (FLOE_FAULT_KILL_AFTER_IO, src/io/fault.ts), or that the parent kills
 * after some milliseconds. After every kill the table must load in floe, hold exactly the
 * rows it held before the command or exactly the rows the command would have produced (a
 * content checksum over every row), list no data file twice, and still be a table the next
 * command can change. Kill points are sampled deterministically from the number of FileIO
 * operations an uninterrupted run of the same command performs.
 *
 * Attempts chain: each one starts from the state the previous one left (stale locks,
 * orphans and half-written staging folders included), which is what a real crash leaves
 * for the next cron run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { toJsonValue } from '../../src/engine/values.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { prepareViews } from '../../src/query/query.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { collect, spawnFloe, type RunResult } from '../helpers/floe-process.js';
import { seeded } from '../helpers/random.js';
import { runOracleScript } from '../interop/oracle.js';

/**
 * Kills per command: FLOE_CRASH_KILLS (default 21, 3 to 80). Five commands are killed (load
 * creating a table, load appending, run merging, compact, maintain expire), so a default
 * run of test/crash makes 105 kill injections. Each command gets up to KILLS - TIMED_KILLS
 * FileIO kill points (all of its operations when it performs fewer) and timed kills for the
 * rest of its budget.
 */
export const KILLS_PER_COMMAND = Math.min(80, Math.max(3, Number(process.env.FLOE_CRASH_KILLS ?? 21)));
/** At least this many of a command's kills are timed (the parent's SIGKILL at a seeded moment). */
export const TIMED_KILLS = 2;

export interface TableState {
  exists: boolean;
  /** Every row as JSON (longs exact), sorted: the table's content. */
  rows: string[];
  /** sha256 over `rows`, for messages. */
  checksum: string;
  files: string[];
  snapshots: number;
  metadataLocation: string | null;
}

export const ABSENT: TableState = { exists: false, rows: [], checksum: checksum([]), files: [], snapshots: 0, metadataLocation: null };

export function checksum(rows: readonly string[]): string {
  return createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16);
}

/** Up to `max` kill points in 1..total: evenly spread, always the first and the last few (the commit). */
export function killPoints(total: number, max: number): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i + 1);
  const tail = Math.min(4, max - 1);
  const points = new Set<number>(Array.from({ length: tail }, (_, i) => total - i));
  const spread = max - tail;
  for (let i = 0; i < spread; i++) points.add(1 + Math.floor((i * (total - tail - 1)) / Math.max(1, spread - 1)));
  return [...points].sort((a, b) => a - b);
}

/** Where a command is killed: right after its nth FileIO operation, or after `ms` milliseconds. */
export type Kill = { io: number } | { ms: number };

/**
 * A command's `total` kills: its FileIO kill points (killPoints: all of them when it does
 * fewer than total - TIMED_KILLS operations), then timed kills filling the budget, one in
 * each equal slice of the uninterrupted run's `ms` at a seeded offset (stratified, so they
 * do not bunch up in start-up).
 */
export function kills(ops: number, ms: number, seed: number, total = KILLS_PER_COMMAND): Kill[] {
  const random = seeded(seed);
  const io = killPoints(ops, Math.max(1, total - TIMED_KILLS)).map((n): Kill => ({ io: n }));
  const timed = total - io.length;
  return [...io, ...Array.from({ length: timed }, (_, i): Kill => ({ ms: Math.floor(((i + random()) * ms) / timed) }))];
}

/** `<what> killed after FileIO op n/ops` or `<what> killed by the parent after ms ms`, for assertion messages. */
export function killLabel(what: string, k: Kill, ops: number): string {
  return 'io' in k ? `${what} killed after FileIO op ${k.io}/${ops}` : `${what} killed by the parent after ${k.ms} ms`;
}

export class CrashLab {
  readonly dir: string;
  readonly warehouse: string;
  readonly catalogDb: string;
  private engine: Engine | undefined;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), `floe-crash-${prefix}-`));
    this.warehouse = join(this.dir, 'warehouse');
    this.catalogDb = join(this.warehouse, 'catalog.db');
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    mkdirSync(join(this.dir, 'pipelines'), { recursive: true });
    writeFileSync(join(this.dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  write(rel: string, text: string): string {
    const p = this.path(rel);
    writeFileSync(p, text);
    return p;
  }

  floe(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
    return collect(spawnFloe(['--project', this.dir, ...args], this.dir, env));
  }

  async ok(args: readonly string[]): Promise<RunResult> {
    const r = await this.floe(args);
    expect(r.code, `floe ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r;
  }

  /** Runs the command to completion, counting its FileIO operations. */
  async countOps(args: readonly string[]): Promise<{ ops: number; result: RunResult; ms: number }> {
    const log = this.path(`io-${Date.now()}.log`);
    const started = Date.now();
    const result = await this.floe(args, { FLOE_FAULT_IO_LOG: log });
    const ms = Date.now() - started;
    expect(result.code, `floe ${args.join(' ')}\n${result.stderr}`).toBe(0);
    const ops = readFileSync(log, 'utf8').trim().split('\n').length;
    rmSync(log);
    return { ops, result, ms };
  }

  /** The command, SIGKILLed by itself right after its nth FileIO operation. */
  killAfterIo(args: readonly string[], n: number): Promise<RunResult> {
    return this.floe(args, { FLOE_FAULT_KILL_AFTER_IO: String(n) });
  }

  /** The command, killed at `k`. */
  killAt(args: readonly string[], k: Kill): Promise<RunResult> {
    return 'io' in k ? this.killAfterIo(args, k.io) : this.killAfterMs(args, k.ms);
  }

  /** The command, SIGKILLed by the parent after `ms` milliseconds (if still running). */
  killAfterMs(args: readonly string[], ms: number): Promise<RunResult> {
    const child = spawnFloe(['--project', this.dir, ...args], this.dir);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    return collect(child).finally(() => clearTimeout(timer));
  }

  private async withCatalog<T>(fn: (c: Catalog) => Promise<T>): Promise<T> {
    const c = await openCatalog({ uri: `sqlite:${this.catalogDb}`, name: 'floe' }, this.dir);
    try {
      return await fn(c);
    } finally {
      await c.close();
    }
  }

  async openEngine(): Promise<Engine> {
    return (this.engine ??= await openEngine({ threads: 1 }));
  }

  close(): void {
    this.engine?.close();
    this.engine = undefined;
  }

  /** What floe sees of the table now: rows, live data files, snapshots. */
  async state(table: string): Promise<TableState> {
    const id = parseTableIdentifier(table);
    return this.withCatalog(async (catalog) => {
      if (!(await catalog.tableExists(id))) return ABSENT;
      const io = new RoutingFileIO();
      const t = await loadTable(catalog, io, id);
      const plan = await planScan({ io: t.io, metadata: t.metadata, table });
      const engine = await this.openEngine();
      const sql = `SELECT * FROM ${table}`;
      await prepareViews(engine, catalog, io, sql, undefined);
      const rows = (await engine.all(sql, 'read the table')).map((r) =>
        JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toJsonValue(v)]))),
      );
      rows.sort();
      return {
        exists: true,
        rows,
        checksum: checksum(rows),
        files: plan.dataFiles.map((f) => f.file.file_path).sort(),
        snapshots: t.metadata.snapshots.length,
        metadataLocation: t.metadataLocation,
      };
    });
  }

  /**
   * The state a kill at `k` left in `table`, checked (assertBeforeOrAfter) and recorded in
   * `tally`; a table that no longer loads in floe is recorded as corrupt and fails.
   */
  async checkKill(
    tally: KillTally,
    k: Kill,
    table: string,
    before: TableState | 'absent',
    afterRows: readonly string[],
    r: RunResult,
    /** For commands that keep the rows (compact, expire): whether `state` is the committed one. */
    committed?: (state: TableState) => boolean,
  ): Promise<{ outcome: 'before' | 'after'; state: TableState }> {
    const label = killLabel(tally.command, k, tally.ops);
    let state: TableState;
    try {
      state = await this.state(table);
    } catch (e) {
      tally.record(k, 'corrupt');
      throw new Error(`${label}: corrupt: ${table} does not load: ${(e as Error).message}\nexit ${r.code ?? r.signal}\n${r.stderr.slice(-2000)}`);
    }
    let verdict = classify(state, before, afterRows);
    if (committed && (verdict === 'before' || verdict === 'after')) verdict = committed(state) ? 'after' : 'before';
    tally.record(k, verdict);
    return { outcome: assertVerdict(label, verdict, state, before, afterRows, r), state };
  }

  /** An append committed in this process (set-up between attempts, not under test). */
  async append(table: string, selectSql: string): Promise<void> {
    const engine = await this.openEngine();
    await this.withCatalog((catalog) =>
      writeTable({ catalog, io: new RoutingFileIO(), engine, id: parseTableIdentifier(table), selectSql, mode: 'append', warehouse: this.warehouse }),
    );
  }

  /** Every table through PyIceberg's SqlCatalog, in one Python process. */
  async pyiceberg(tables: string[]): Promise<Record<string, { row_count: number; files: string[]; rows: Record<string, unknown>[]; metadata_location: string }>> {
    const args = ['--catalog-uri', `sqlite:///${this.catalogDb}`, '--catalog-name', 'floe', '--warehouse', this.warehouse];
    for (const t of tables) args.push('--table', t);
    const doc = await runOracleScript<{ tables: Record<string, { row_count: number; files: string[]; rows: Record<string, unknown>[]; metadata_location: string }> }>(
      '../../crash/pyiceberg_tables.py',
      args,
      { timeoutMs: 180_000, needSpark: false },
    );
    return doc.tables;
  }

  remove(): void {
    this.close();
    if (!process.env.FLOE_CRASH_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a kill left: the rows before, the rows after, or a broken guarantee. */
export type Verdict = 'before' | 'after' | 'corrupt' | 'lost' | 'duplicated';

/**
 * Classifies a loadable table state against the rows before and after the command:
 * `duplicated` when a data file is listed twice or a row occurs more often than in both
 * `before` and `after`; `lost` when it is neither (rows missing or changed); a state that
 * does not load at all is `corrupt` (CrashLab.checkKill).
 */
export function classify(state: TableState, before: TableState | 'absent', afterRows: readonly string[]): Verdict {
  if (new Set(state.files).size !== state.files.length) return 'duplicated';
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (state.exists && same(state.rows, afterRows)) return 'after';
  if (before === 'absent' ? !state.exists : state.exists && same(state.rows, before.rows)) return 'before';
  const counts = (rows: readonly string[]) => rows.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map<string, number>());
  const b = counts(before === 'absent' ? [] : before.rows);
  const a = counts(afterRows);
  for (const [row, n] of counts(state.rows)) if (n > 1 && n > Math.max(b.get(row) ?? 0, a.get(row) ?? 0)) return 'duplicated';
  return 'lost';
}

/** The kills of one command and what each left; its line() is the figure the CI log shows. */
export class KillTally {
  readonly counts: Record<Verdict, number> = { before: 0, after: 0, corrupt: 0, lost: 0, duplicated: 0 };
  io = 0;
  timed = 0;

  constructor(
    readonly command: string,
    /** FileIO operations of an uninterrupted run. */
    readonly ops: number,
  ) {
    TALLIES.push(this);
  }

  get kills(): number {
    return this.io + this.timed;
  }

  record(k: Kill, v: Verdict): void {
    if ('io' in k) this.io++;
    else this.timed++;
    this.counts[v]++;
  }

  line(): string {
    const c = this.counts;
    return `crash figures: ${this.command}: ${this.kills} kills (${this.io} after FileIO ops of ${this.ops}, ${this.timed} timed) -> ${c.before} before, ${c.after} after; corrupt ${c.corrupt}, lost ${c.lost}, duplicated ${c.duplicated}`;
  }
}

/** Every KillTally of this test file, in creation order. */
export const TALLIES: KillTally[] = [];

/** One line over TALLIES: the file's total, for the CI log. */
export function talliesLine(file: string): string {
  const sum = (f: (t: KillTally) => number) => TALLIES.reduce((n, t) => n + f(t), 0);
  return `crash figures: ${file} total: ${sum((t) => t.kills)} kills over ${TALLIES.length} commands -> ${sum((t) => t.counts.before)} before, ${sum((t) => t.counts.after)} after; corrupt ${sum((t) => t.counts.corrupt)}, lost ${sum((t) => t.counts.lost)}, duplicated ${sum((t) => t.counts.duplicated)}`;
}

/**
 * Checks a table state left by a killed (or finished) command: loadable, no data file twice,
 * rows exactly `before`'s or exactly `after`'s; a command that exited 0 must have committed.
 * Returns which one it is.
 */
export function assertBeforeOrAfter(label: string, state: TableState, before: TableState | 'absent', afterRows: readonly string[], r: RunResult): 'before' | 'after' {
  return assertVerdict(label, classify(state, before, afterRows), state, before, afterRows, r);
}

/** Throws unless `verdict` is before or after; a command that exited 0 must be after. */
export function assertVerdict(label: string, verdict: Verdict, state: TableState, before: TableState | 'absent', afterRows: readonly string[], r: RunResult): 'before' | 'after' {
  if (verdict !== 'before' && verdict !== 'after') {
    const beforeRows = before === 'absent' ? null : before.rows;
    throw new Error(
      `${label}: ${verdict}: the table holds neither the rows before (${beforeRows ? checksum(beforeRows) : 'absent'}) nor after (${checksum(afterRows)}) the command: ` +
        `${state.exists ? `${state.rows.length} rows, ${state.files.length} data files, checksum ${state.checksum}` : 'absent'}\nexit ${r.code ?? r.signal}\n${r.stderr.slice(-2000)}`,
    );
  }
  // A command that exited 0 committed: its rows must be there.
  if (r.code === 0) expect(verdict, `${label}: exited 0 but the table does not hold the rows after`).toBe('after');
  return verdict;
}
