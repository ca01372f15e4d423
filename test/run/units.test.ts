/**
 * Unit tests of the pure parts of the runner: the column rules as SQL (normalize.ts, also
 * evaluated in an in-process DuckDB with the normaliser functions registered), state in
 * snapshot summaries (state.ts), merge file pruning by key bounds (merge.ts mayContain) and
 * the per-table lock (lock.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { toBinary } from '../../src/iceberg/conversions.js';
import { DataFileContent, type DataFile, type Snapshot, type TableMetadata } from '../../src/iceberg/types.js';
import { acquireTableLock } from '../../src/run/lock.js';
import { mayContain } from '../../src/run/merge.js';
import { planNormalize } from '../../src/run/normalize.js';
import { ancestry, readState, stateSummary, SUMMARY } from '../../src/run/state.js';
import { registerNormalizers } from '../../src/run/udf-normalize.js';
import type { ColumnRule } from '../../src/pipeline/schema-pipeline.js';

describe('planNormalize', () => {
  it('maps each source column to its target name, renamed where a rule says so', () => {
    const plan = planNormalize(['id', 'mail', 'note'], { id: { rename: 'contact_id', type: 'long' }, mail: { rename: 'email', normalize: 'email' } }, 'p');
    expect([...plan.targetNames]).toEqual([
      ['id', 'contact_id'],
      ['mail', 'email'],
      ['note', 'note'],
    ]);
    expect(plan.select).toContain('AS "contact_id"');
    expect(plan.select).toContain('floe_norm_email(CAST("mail" AS VARCHAR))');
    expect(plan.select).toContain('"note" AS "note"');
  });

  it('without typed columns nothing can be rejected', () => {
    const plan = planNormalize(['a', 'b'], { a: { normalize: 'country' } }, 'p');
    expect(plan.rejectReason).toBe('CAST(NULL AS VARCHAR)');
  });

  it('phone numbers default to region US and take the rule region otherwise', () => {
    expect(planNormalize(['p'], { p: { normalize: 'phone' } }, 'x').select).toContain(`floe_norm_phone(CAST("p" AS VARCHAR), 'US')`);
    expect(planNormalize(['p'], { p: { normalize: 'phone', region: 'GB' } }, 'x').select).toContain(`floe_norm_phone(CAST("p" AS VARCHAR), 'GB')`);
  });

  it('a rule for a column the source lacks is a config error naming it and the source columns', () => {
    let err: unknown;
    try {
      planNormalize(['id', 'name'], { emial: { normalize: 'email' } }, 'contacts');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('config');
    expect((err as FloeError).message).toContain('"emial"');
    expect((err as FloeError).message).toContain('"id", "name"');
    expect((err as FloeError).message).toContain('contacts');
  });

  it('two columns renamed to one name is a config error', () => {
    expect(() => planNormalize(['a', 'b'], { a: { rename: 'b' } }, 'p')).toThrow(/two columns would both be named "b"/);
  });

  it('quotes odd column names', () => {
    const plan = planNormalize(['we"ird', "it's"], { "it's": { type: 'long' } }, 'p');
    expect(plan.select).toContain('"we""ird" AS "we""ird"');
    expect(plan.rejectReason).toContain("column it''s: cannot convert");
  });
});

describe('planNormalize evaluated by DuckDB', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine({ threads: 1 });
    registerNormalizers(engine.connection);
  });
  afterAll(() => engine?.close());

  async function apply(values: string, columns: string[], rules: Record<string, ColumnRule>) {
    const plan = planNormalize(columns, rules, 'p');
    const rows = await engine.all(
      `SELECT ${plan.select}, ${plan.rejectReason} AS __reason FROM (VALUES ${values}) AS __src(${columns.map((c) => `"${c}"`).join(', ')})`,
      'apply the plan',
    );
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v === null ? null : String(v)])));
  }

  it('normalises email, phone and country values', async () => {
    const rows = await apply(
      `('  John.Doe@Example.COM ', '(415) 555-2671', 'United Kingdom'), ('not-an-email', '020 7946 0958', 'germany'), (NULL, NULL, 'USA')`,
      ['email', 'phone', 'country'],
      { email: { normalize: 'email' }, phone: { normalize: 'phone', region: 'US' }, country: { normalize: 'country' } },
    );
    expect(rows).toEqual([
      { email: 'john.doe@example.com', phone: '+14155552671', country: 'GB', __reason: null },
      { email: null, phone: null, country: 'DE', __reason: null },
      { email: null, phone: null, country: 'US', __reason: null },
    ]);
  });

  it('a phone rule with region GB reads national GB numbers', async () => {
    const rows = await apply(`('020 7946 0958'), ('+1 415 555 2671')`, ['phone'], { phone: { normalize: 'phone', region: 'GB' } });
    expect(rows.map((r) => r.phone)).toEqual(['+442079460958', '+14155552671']);
  });

  it('a value that cannot convert to the declared type gets a reason naming the column, value and type', async () => {
    const rows = await apply(`('1', '10'), ('2', 'xx'), ('3', NULL), ('y', '7')`, ['id', 'qty'], { id: { type: 'long' }, qty: { type: 'long', rename: 'quantity' } });
    expect(rows).toEqual([
      { id: 1, quantity: 10, __reason: null },
      { id: 2, quantity: null, __reason: 'column qty: cannot convert xx to long' },
      { id: 3, quantity: null, __reason: null },
      { id: null, quantity: 7, __reason: 'column id: cannot convert y to long' },
    ]);
  });

  it('reasons of several bad columns in one row are joined', async () => {
    const rows = await apply(`('a', 'b')`, ['x', 'y'], { x: { type: 'int' }, y: { type: 'date' } });
    expect(rows[0]!.__reason).toBe('column x: cannot convert a to int; column y: cannot convert b to date');
  });

  it('a format converts dates written another way; a value not in that format is rejected', async () => {
    const rows = await apply(`('31/12/2024'), ('2024-12-31')`, ['d'], { d: { type: 'date', format: '%d/%m/%Y' } });
    expect(rows[0]).toEqual({ d: '2024-12-31', __reason: null });
    expect(rows[1]!.__reason).toBe('column d: cannot convert 2024-12-31 to date');
  });
});

function snapshot(id: bigint, parent: bigint | null, summary: Record<string, string>): Snapshot {
  return {
    'snapshot-id': id,
    ...(parent === null ? {} : { 'parent-snapshot-id': parent }),
    'sequence-number': id,
    'timestamp-ms': Number(id),
    'manifest-list': `s${id}.avro`,
    summary: { operation: 'append', ...summary },
    'schema-id': 0,
  } as Snapshot;
}

function metadata(snapshots: Snapshot[], current: bigint | null): TableMetadata {
  return { snapshots, 'current-snapshot-id': current } as unknown as TableMetadata;
}

describe('state in snapshot summaries', () => {
  const s = (id: number, parent: number | null, pipeline: string, runId: string, cursor?: [string, string]) =>
    snapshot(BigInt(id), parent === null ? null : BigInt(parent), {
      [SUMMARY.pipeline]: pipeline,
      [SUMMARY.runId]: runId,
      ...(cursor ? { [SUMMARY.cursorColumn]: cursor[0], [SUMMARY.cursorValue]: cursor[1] } : {}),
    });

  it('stateSummary carries the pipeline and run id, and the cursor only when there is a value', () => {
    expect(stateSummary('p', 'r1')).toEqual({ 'floe.pipeline': 'p', 'floe.run-id': 'r1' });
    expect(stateSummary('p', 'r1', 'updated_at', null)).toEqual({ 'floe.pipeline': 'p', 'floe.run-id': 'r1' });
    expect(stateSummary('p', 'r1', 'updated_at', '2024-01-02 03:04:05')).toEqual({
      'floe.pipeline': 'p',
      'floe.run-id': 'r1',
      'floe.cursor.column': 'updated_at',
      'floe.cursor.value': '2024-01-02 03:04:05',
    });
  });

  it('ancestry walks main from the current snapshot, newest first, ignoring snapshots off main', () => {
    const m = metadata([s(1, null, 'p', 'a'), s(2, 1, 'p', 'b'), s(3, 2, 'p', 'c'), s(9, 1, 'p', 'branch')], 3n);
    expect(ancestry(m).map((x) => x['snapshot-id'])).toEqual([3n, 2n, 1n]);
    expect(ancestry(m, 9n).map((x) => x['snapshot-id'])).toEqual([9n, 1n]);
  });

  it('ancestry stops where history was expired, and never loops', () => {
    expect(ancestry(metadata([s(3, 2, 'p', 'c')], 3n)).map((x) => x['snapshot-id'])).toEqual([3n]);
    const loop = metadata([s(1, 2, 'p', 'a'), s(2, 1, 'p', 'b')], 2n);
    expect(ancestry(loop).map((x) => x['snapshot-id'])).toEqual([2n, 1n]);
  });

  it('an absent table has no cursor and no run', () => {
    const st = readState(undefined, 'p', 'updated_at');
    expect(st.cursor).toBeNull();
    expect(st.hasRun('x')).toBe(false);
  });

  it('the cursor is the newest value of this pipeline for this column', () => {
    const m = metadata(
      [
        s(1, null, 'p', 'r1', ['updated_at', '10']),
        s(2, 1, 'p', 'r2', ['updated_at', '20']),
        s(3, 2, 'other', 'r3', ['updated_at', '99']),
        s(4, 3, 'p', 'r4'),
        s(5, 4, 'p', 'r5', ['id', '500']),
      ],
      5n,
    );
    expect(readState(m, 'p', 'updated_at').cursor).toBe('20');
    expect(readState(m, 'p', 'id').cursor).toBe('500');
    expect(readState(m, 'other', 'updated_at').cursor).toBe('99');
    expect(readState(m, 'p', undefined).cursor).toBeNull();
  });

  it('run ids are those of this pipeline on main only', () => {
    const m = metadata([s(1, null, 'p', 'r1'), s(2, 1, 'q', 'r2'), s(3, 2, 'p', 'r3'), s(4, 1, 'p', 'off-main')], 3n);
    const st = readState(m, 'p', undefined);
    expect(st.hasRun('r1')).toBe(true);
    expect(st.hasRun('r3')).toBe(true);
    expect(st.hasRun('r2')).toBe(false);
    expect(st.hasRun('off-main')).toBe(false);
  });
});

describe('mayContain (merge pruning by key bounds)', () => {
  const file = (type: string, lower: unknown, upper: unknown, fieldId = 1): DataFile => ({
    content: DataFileContent.DATA,
    file_path: 'f.parquet',
    file_format: 'PARQUET',
    partition: [],
    record_count: 1n,
    file_size_in_bytes: 1n,
    lower_bounds: lower === undefined ? null : new Map([[fieldId, toBinary(type, lower as never)]]),
    upper_bounds: upper === undefined ? null : new Map([[fieldId, toBinary(type, upper as never)]]),
  });
  const range = (type: string, min: unknown, max: unknown) => ({ fieldId: 1, type, min: min as never, max: max as never });

  it('long keys: overlapping ranges may match, disjoint ones do not', () => {
    const f = file('long', 200n, 218n);
    expect(mayContain(f, range('long', 204n, 211n))).toBe(true);
    expect(mayContain(f, range('long', 100n, 200n))).toBe(true);
    expect(mayContain(f, range('long', 218n, 300n))).toBe(true);
    expect(mayContain(f, range('long', 100n, 199n))).toBe(false);
    expect(mayContain(f, range('long', 219n, 300n))).toBe(false);
  });

  it('a file whose bounds were written as int before a promotion to long is still pruned', () => {
    const f = file('int', 10, 20);
    expect(mayContain(f, range('long', 21n, 30n))).toBe(false);
    expect(mayContain(f, range('long', 15n, 30n))).toBe(true);
  });

  it('string keys compare as strings', () => {
    const f = file('string', 'c-100', 'c-199');
    expect(mayContain(f, range('string', 'c-150', 'c-160'))).toBe(true);
    expect(mayContain(f, range('string', 'c-200', 'c-300'))).toBe(false);
    expect(mayContain(f, range('string', 'a', 'b'))).toBe(false);
  });

  it('missing or unreadable bounds prune nothing', () => {
    expect(mayContain(file('long', undefined, undefined), range('long', 1n, 2n))).toBe(true);
    expect(mayContain(file('long', 5n, undefined), range('long', 10n, 20n))).toBe(true);
    expect(mayContain(file('long', undefined, 5n), range('long', 1n, 2n))).toBe(true);
    const broken: DataFile = { ...file('long', 1n, 2n), lower_bounds: new Map([[1, Uint8Array.of(1)]]), upper_bounds: new Map([[1, Uint8Array.of(1)]]) };
    expect(mayContain(broken, range('long', 100n, 200n))).toBe(true);
  });

  it('bounds of another column are not used', () => {
    expect(mayContain(file('long', 1n, 2n, 7), range('long', 100n, 200n))).toBe(true);
  });
});

describe('acquireTableLock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'floe-lock-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('holds a lock file with the owner, and removes it on release', async () => {
    const lock = await acquireTableLock(dir, 'crm.a', 0);
    const file = path.join(dir, 'crm.a.lock');
    const owner = JSON.parse(await readFile(file, 'utf8')) as { pid: number; host: string; since: string };
    expect(owner.pid).toBe(process.pid);
    expect(owner.host).toBe(hostname());
    expect(Number.isNaN(Date.parse(owner.since))).toBe(false);
    await lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('a second holder times out with a conflict naming the table and the owner', async () => {
    const lock = await acquireTableLock(dir, 'crm.b', 0);
    try {
      let err: unknown;
      try {
        await acquireTableLock(dir, 'crm.b', 300, 50);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FloeError);
      expect((err as FloeError).kind).toBe('conflict');
      expect((err as FloeError).message).toContain('table crm.b is locked by another floe run');
      expect((err as FloeError).message).toContain(`pid ${process.pid}`);
    } finally {
      await lock.release();
    }
  });

  it('a waiter gets the lock once the holder releases it', async () => {
    const first = await acquireTableLock(dir, 'crm.c', 0);
    const second = acquireTableLock(dir, 'crm.c', 10_000, 20);
    setTimeout(() => void first.release(), 100);
    const lock = await second;
    await lock.release();
  });

  it('locks are per table', async () => {
    const a = await acquireTableLock(dir, 'crm.d', 0);
    const b = await acquireTableLock(dir, 'crm.e', 0);
    await a.release();
    await b.release();
  });

  it('a lock left by a process that died on this host is taken over', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    await writeFile(path.join(dir, 'crm.f.lock'), JSON.stringify({ pid: dead, host: hostname(), since: new Date().toISOString() }));
    const lock = await acquireTableLock(dir, 'crm.f', 0);
    const owner = JSON.parse(await readFile(path.join(dir, 'crm.f.lock'), 'utf8')) as { pid: number };
    expect(owner.pid).toBe(process.pid);
    await lock.release();
  });

  it('a lock of a live process on another host is respected', async () => {
    await writeFile(path.join(dir, 'crm.g.lock'), JSON.stringify({ pid: 1, host: `not-${hostname()}`, since: new Date().toISOString() }));
    await expect(acquireTableLock(dir, 'crm.g', 0)).rejects.toThrow(/locked by another floe run \(pid 1 on not-/);
  });
});
