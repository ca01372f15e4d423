/**
 * A command stopped by SIGINT, SIGTERM or SIGHUP (src/cancel.ts, cli/signals.ts): real
 * processes of the built CLI, signalled at exact points. The test hook FLOE_TEST_PAUSE_AT makes
 * the command stop at a named point and say so on stderr; the test signals it then, never
 * after a sleep. Each case checks the exit status (130 SIGINT, 143 SIGTERM, 129 SIGHUP), the one
 * line on stderr, that no lock is left, that no file the command wrote is left in the table
 * folder (nor floe-* folders in TMPDIR), that the table is unchanged (or holds the commit the
 * line reports), and the command's row in floe.audit_log.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createServer, type ServerResponse } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal } from '../helpers/local-http.js';
import { assertBuilt, catalogPointer, collect, floeOk, IDENTITY_PIPELINE, show, smallCsv, startFloe, tableState, useTmpDirs, writeProject, type RunResult } from './helpers.js';

const newDir = useTmpDirs('floe-signals-');

beforeAll(() => assertBuilt());

interface Scratch {
  project: string;
  /** The TMPDIR of the signalled process. */
  tmp: string;
}

/** A project with raw.orders (3 rows, one snapshot) and an append pipeline `orders` of 2 more rows into it. */
async function project(): Promise<Scratch> {
  const dir = await writeProject(await newDir());
  await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  await mkdir(path.join(dir, 'pipelines'));
  await mkdir(path.join(dir, 'data'));
  await writeFile(path.join(dir, 'data', 'first.csv'), smallCsv(3));
  await writeFile(path.join(dir, 'data', 'more.csv'), smallCsv(2, 100));
  await writeFile(path.join(dir, 'pipelines', 'orders.yaml'), 'name: orders\nsource:\n  kind: csv\n  path: data/more.csv\ntarget:\n  table: raw.orders\n  mode: append\n');
  await floeOk(dir, ['load', 'raw.orders', path.join(dir, 'data', 'first.csv')]);
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  return { project: dir, tmp };
}

/** Every file and folder under `dir`, dot-named ones included, relative to it. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

const tableDir = (s: Scratch, table = 'raw.orders') => path.join(s.project, 'warehouse', ...table.split('.'));
const locks = (s: Scratch) => tree(path.join(s.project, 'warehouse', '.floe-locks'));

interface Signalled {
  result: RunResult;
  /** stderr without the test hook's own lines. */
  stderr: string;
}

/**
 * Starts floe with the test hook pausing at `point`, sends `signal` once it is there (and, with
 * `second`, the same signal again once the first was received), and collects the result.
 */
async function signalAt(
  s: Scratch,
  args: readonly string[],
  point: string,
  signal: NodeJS.Signals,
  o: { hold?: boolean; second?: boolean; env?: Record<string, string>; atPause?: () => void } = {},
): Promise<Signalled> {
  const child = startFloe(['--project', s.project, ...args], {
    cwd: s.project,
    env: { TMPDIR: s.tmp, FLOE_TEST_PAUSE_AT: point, ...(o.hold ? { FLOE_TEST_PAUSE_HOLD: '1' } : {}), ...o.env },
  });
  const done = collect(child);
  await waitForLine(child, done, `floe-test: paused at ${point}`);
  try {
    o.atPause?.();
  } catch (e) {
    child.kill('SIGKILL');
    await done;
    throw e;
  }
  child.kill(signal);
  if (o.second) {
    await waitForLine(child, done, 'floe-test: signal received');
    child.kill(signal);
  }
  const result = await done;
  return { result, stderr: result.stderr.replace(/^floe-test: .*\n/gm, '') };
}

/** Resolves when the child's stderr holds `line`; fails the test if it exits first or takes a minute. */
function waitForLine(child: ChildProcess, done: Promise<RunResult>, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${line}" within 60 s; stderr so far:\n${seen}`)), 60_000);
    const onData = (d: Buffer | string) => {
      seen += String(d);
      if (seen.includes(line)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    void done.then((r) => {
      clearTimeout(timer);
      reject(new Error(`floe ended before "${line}":\n${show(r)}`));
    });
  });
}

/** The newest row of floe.audit_log. */
async function lastAudit(s: Scratch): Promise<Record<string, unknown>> {
  const r = await floeOk(s.project, ['query', 'SELECT command, outcome, exit_code, error_kind, error_message FROM floe.audit_log ORDER BY started_at DESC LIMIT 1', '--format', 'json']);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!;
}

/** Nothing this process left under its TMPDIR (spill, stage, http page folders). */
function expectCleanTmp(s: Scratch, r: RunResult): void {
  expect(tree(s.tmp), show(r)).toEqual([]);
}

describe('floe run stopped by a signal', () => {
  it('SIGTERM before the commit: exit 143, one line, nothing committed, no lock, no file left, audit row cancelled', async () => {
    const s = await project();
    const before = await tableState(s.project, 'raw.orders');
    const files = tree(tableDir(s));
    // At the pause the run's new data file is in the table folder, not yet committed.
    const atPause = () => expect(tree(tableDir(s)).filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(files.filter((f) => f.endsWith('.parquet')).length);
    const { result: r, stderr } = await signalAt(s, ['run', 'orders'], 'commit:raw.orders', 'SIGTERM', { atPause });
    expect(r.code, show(r)).toBe(143);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.orders\n');
    expect(r.stdout, show(r)).toBe('');
    expect(locks(s), show(r)).toEqual([]);
    expect(tree(tableDir(s)), show(r)).toEqual(files);
    expectCleanTmp(s, r);
    expect(await tableState(s.project, 'raw.orders')).toEqual(before);
    expect(await lastAudit(s)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 143, error_kind: 'cancelled', error_message: 'orders: interrupted by SIGTERM' });
  });

  it('SIGINT while holding the table lock, --json: exit 130, the stream ends with an end event of status cancelled', async () => {
    const s = await project();
    const before = await tableState(s.project, 'raw.orders');
    const { result: r, stderr } = await signalAt(s, ['run', 'orders', '--json'], 'locked:raw.orders', 'SIGINT');
    expect(r.code, show(r)).toBe(130);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGINT; nothing was committed to raw.orders\n');
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1), show(r)).toMatchObject({ event: 'end', status: 'cancelled', signal: 'SIGINT', ok: 0 });
    expect(events.find((e) => e.event === 'error'), show(r)).toMatchObject({ kind: 'cancelled', pipeline: 'orders' });
    expect(locks(s), show(r)).toEqual([]);
    expect(await tableState(s.project, 'raw.orders')).toEqual(before);
    // The next run does not wait for a lock: it runs and commits.
    const next = await floeOk(s.project, ['run', 'orders', '--lock-timeout', '0s']);
    expect(next.stderr, show(next)).toBe('');
    expect((await tableState(s.project, 'raw.orders')).rows).toBe(5n);
  });

  it('SIGTERM while waiting for another run\'s lock: stops waiting at once and leaves that lock alone', async () => {
    const s = await project();
    const lockDir = path.join(s.project, 'warehouse', '.floe-locks');
    await mkdir(lockDir, { recursive: true });
    // Held by a live process on this host (this test's): never stale.
    const theirs = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    await writeFile(path.join(lockDir, 'raw.orders.lock'), theirs);
    const child = startFloe(['--project', s.project, 'run', 'orders', '--json', '--lock-timeout', '10m'], { cwd: s.project, env: { TMPDIR: s.tmp, FLOE_CANCEL_GRACE_MS: '600000' } });
    const done = collect(child);
    let out = '';
    child.stdout?.on('data', (d) => (out += String(d)));
    await until(() => out.includes('"event":"start"'), done);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.orders\n');
    expect(await readFile(path.join(lockDir, 'raw.orders.lock'), 'utf8')).toBe(theirs);
    expect(locks(s)).toEqual(['raw.orders.lock']);
  });

  it('SIGHUP after the commit landed: exit 129, the line says the commit happened, and it did', async () => {
    const s = await project();
    const before = catalogPointer(s.project, 'raw.orders');
    const { result: r, stderr } = await signalAt(s, ['run', 'orders'], 'committed:raw.orders', 'SIGHUP');
    expect(r.code, show(r)).toBe(129);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGHUP after committing to raw.orders\n');
    expect(locks(s), show(r)).toEqual([]);
    expect(catalogPointer(s.project, 'raw.orders')).not.toBe(before);
    expect((await tableState(s.project, 'raw.orders')).rows).toBe(5n);
    expect(await lastAudit(s)).toMatchObject({ command: 'run', outcome: 'cancelled', exit_code: 129 });
  });

  it('SIGTERM before the commit of a run with quarantined rows: its staged rejects are deleted too', async () => {
    const s = await project();
    await writeFile(path.join(s.project, 'data', 'bad.csv'), 'id,name,amount\n1,a,1.5\n2,b,2.5,extra\n3,c,3.5\n');
    await writeFile(path.join(s.project, 'pipelines', 'bad.yaml'), 'name: bad\nsource:\n  kind: csv\n  path: data/bad.csv\ntarget:\n  table: raw.orders\n  mode: append\nrejects: { max_ratio: 0.5 }\n');
    const before = await tableState(s.project, 'raw.orders');
    const staged = () => tree(path.join(s.project, 'warehouse', '.floe-pending-rejects')).filter((f) => f.endsWith('.parquet'));
    // At the pause the quarantined row is staged (rejects-pending.ts), for the commit to name.
    const { result: r, stderr } = await signalAt(s, ['run', 'bad'], 'commit:raw.orders', 'SIGTERM', { atPause: () => expect(staged().length).toBe(1) });
    expect(r.code, show(r)).toBe(143);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.orders\n');
    expect(staged(), show(r)).toEqual([]);
    expect(locks(s), show(r)).toEqual([]);
    expect(await tableState(s.project, 'raw.orders')).toEqual(before);
    expect(existsSync(path.join(s.project, 'warehouse', 'raw', 'orders__rejects')), show(r)).toBe(false);
  });

  it('a run of two pipelines stopped after the first committed says which table has the commit and which has none', async () => {
    const s = await project();
    await writeFile(path.join(s.project, 'pipelines', 'zz_later.yaml'), 'name: zz_later\nsource:\n  kind: csv\n  path: data/more.csv\ntarget:\n  table: raw.later\n  mode: append\n');
    const { result: r, stderr } = await signalAt(s, ['run', '--all', '--concurrency', '1', '--json'], 'committed:raw.orders', 'SIGTERM');
    expect(r.code, show(r)).toBe(143);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGTERM after committing to raw.orders; nothing was committed to raw.later\n');
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1), show(r)).toMatchObject({ event: 'end', status: 'cancelled', signal: 'SIGTERM', pipelines: 2, ok: 1 });
    expect((await tableState(s.project, 'raw.orders')).rows).toBe(5n);
    expect(catalogPointer(s.project, 'raw.later')).toBeNull();
    expect(locks(s), show(r)).toEqual([]);
  });

  it('an identity run stopped before its outputs commit leaves them, their folders and its spill folder as they were', async () => {
    const s = await project();
    await writeFile(path.join(s.project, 'data', 'crm.csv'), 'id,email\n1,a@x.com\n2,b@x.com\n3,a@x.com\n');
    await writeFile(path.join(s.project, 'data', 'crm2.csv'), 'id,email\n4,c@x.com\n');
    await writeFile(path.join(s.project, 'pipelines', 'people.yaml'), IDENTITY_PIPELINE);
    await floeOk(s.project, ['load', 'raw.crm', path.join(s.project, 'data', 'crm.csv')]);
    await floeOk(s.project, ['run', 'people']);
    await floeOk(s.project, ['load', 'raw.crm', path.join(s.project, 'data', 'crm2.csv')]);
    const before = [await tableState(s.project, 'c360.people'), await tableState(s.project, 'c360.map')];
    const files = tree(path.join(s.project, 'warehouse', 'c360'));
    const parquet = (list: string[]) => list.filter((f) => f.endsWith('.parquet')).length;
    // At the pause the outputs' new data files are written, not yet committed.
    const atPause = () => expect(parquet(tree(path.join(s.project, 'warehouse', 'c360')))).toBeGreaterThan(parquet(files));
    const { result: r, stderr } = await signalAt(s, ['run', 'people'], 'commit:c360.people', 'SIGTERM', { atPause });
    expect(r.code, show(r)).toBe(143);
    expect(stderr, show(r)).toMatch(/^floe: interrupted by SIGTERM; nothing was committed to c360\.(map, c360\.people|people, c360\.map)\n$/);
    expect(tree(path.join(s.project, 'warehouse', 'c360')), show(r)).toEqual(files);
    expect([await tableState(s.project, 'c360.people'), await tableState(s.project, 'c360.map')]).toEqual(before);
    expect(locks(s), show(r)).toEqual([]);
    expectCleanTmp(s, r);
  });

  it('SIGTERM while DuckDB writes an endless query: the statement is interrupted, its staged files removed', async () => {
    const s = await project();
    await writeFile(
      path.join(s.project, 'pipelines', 'endless.yaml'),
      'name: endless\nsource:\n  kind: sql\n  query: "SELECT i AS id, md5(CAST(i AS VARCHAR)) AS h FROM range(100000000000) t(i)"\ntarget:\n  table: raw.endless\n  mode: append\n',
    );
    const child = startFloe(['--project', s.project, 'run', 'endless', '--json'], { cwd: s.project, env: { TMPDIR: s.tmp, FLOE_CANCEL_GRACE_MS: '60000' } });
    const done = collect(child);
    // The write has started once its staging folder exists: the query never ends by itself.
    await until(() => tree(tableDir(s, 'raw.endless')).some((f) => f.includes('.staging-')), done);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.endless\n');
    expect(tree(tableDir(s, 'raw.endless')).filter((f) => f !== 'data'), show(r)).toEqual([]);
    expect(locks(s), show(r)).toEqual([]);
    expectCleanTmp(s, r);
    expect(catalogPointer(s.project, 'raw.endless')).toBeNull();
  });

  describe('an HTTP source that stops answering', () => {
    let origin = '';
    const held: ServerResponse[] = [];
    let pageTwo: () => void = () => undefined;
    const server = createServer((req, res) => {
      const page = Number(new URL(req.url!, 'http://x').searchParams.get('page') ?? 1);
      if (page >= 2) {
        held.push(res); // never answered: the run waits on it until it is stopped
        pageTwo();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ id: 1, name: 'a', amount: 1.5 }] }));
    });
    beforeAll(async () => {
      origin = await listenLocal(server);
    });
    afterAll(async () => {
      for (const res of held) res.destroy();
      await closeLocal(server);
    });

    it('SIGTERM while extracting: the request is aborted, the page folder removed, nothing committed', async () => {
      const s = await project();
      await writeFile(
        path.join(s.project, 'pipelines', 'api.yaml'),
        `name: api\nsource:\n  kind: http\n  url: ${origin}/orders\n  records_path: data\n  timeout: 300s\n  pagination: { kind: page, param: page, start: 1 }\ntarget:\n  table: raw.orders\n  mode: append\n`,
      );
      const before = await tableState(s.project, 'raw.orders');
      const asked = new Promise<void>((resolve) => (pageTwo = resolve));
      const child = startFloe(['--project', s.project, 'run', 'api'], { cwd: s.project, env: { TMPDIR: s.tmp, FLOE_CANCEL_GRACE_MS: '60000' } });
      const done = collect(child);
      await Promise.race([asked, done.then((r) => Promise.reject(new Error(`floe ended before asking for page 2:\n${show(r)}`)))]);
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code, show(r)).toBe(143);
      expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.orders\n');
      expect(locks(s), show(r)).toEqual([]);
      expectCleanTmp(s, r);
      expect(await tableState(s.project, 'raw.orders')).toEqual(before);
    });
  });
});

describe('a command that reaches no safe point', () => {
  it('is ended at once when the grace period runs out: exit 143, the lock and the uncommitted files removed, --json ends', async () => {
    const s = await project();
    const files = tree(tableDir(s));
    // At the pause the run's new data file and manifest are in the table folder, not yet committed.
    const atPause = () => expect(tree(tableDir(s)).length).toBeGreaterThan(files.length);
    const { result: r, stderr } = await signalAt(s, ['run', 'orders', '--json'], 'commit:raw.orders', 'SIGTERM', { hold: true, atPause, env: { FLOE_CANCEL_GRACE_MS: '300' } });
    expect(r.code, show(r)).toBe(143);
    expect(stderr, show(r)).toBe(
      'floe: interrupted by SIGTERM (stopped at once: no safe point within 0.3 s); nothing was committed to raw.orders; files it wrote may be left behind (floe maintain orphans removes them)\n',
    );
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!), show(r)).toMatchObject({ event: 'end', status: 'cancelled', signal: 'SIGTERM', forced: 'grace-expired' });
    expect(locks(s), show(r)).toEqual([]);
    expect(tree(tableDir(s)), show(r)).toEqual(files);
    expectCleanTmp(s, r);
  });

  it('is ended at once by a second signal', async () => {
    const s = await project();
    const before = catalogPointer(s.project, 'raw.orders');
    const files = tree(tableDir(s));
    const { result: r, stderr } = await signalAt(s, ['run', 'orders'], 'commit:raw.orders', 'SIGINT', { hold: true, second: true, env: { FLOE_CANCEL_GRACE_MS: '600000' } });
    expect(r.code, show(r)).toBe(130);
    expect(stderr, show(r)).toMatch(/^floe: interrupted by SIGINT \(stopped at once: a second signal\); nothing was committed to raw\.orders; files it wrote may be left behind/);
    expect(locks(s), show(r)).toEqual([]);
    expect(tree(tableDir(s)), show(r)).toEqual(files);
    expect(catalogPointer(s.project, 'raw.orders')).toBe(before);
  });
});

describe('other commands stopped by a signal', () => {
  it('floe load: SIGTERM before the commit leaves the table and its folder as they were', async () => {
    const s = await project();
    const before = await tableState(s.project, 'raw.orders');
    const files = tree(tableDir(s));
    const { result: r, stderr } = await signalAt(s, ['load', 'raw.orders', path.join(s.project, 'data', 'more.csv'), '--json'], 'commit:raw.orders', 'SIGTERM');
    expect(r.code, show(r)).toBe(143);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.orders\n');
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!), show(r)).toMatchObject({ event: 'end', status: 'cancelled', signal: 'SIGTERM' });
    expect(tree(tableDir(s)), show(r)).toEqual(files);
    expectCleanTmp(s, r);
    expect(await tableState(s.project, 'raw.orders')).toEqual(before);
    expect(await lastAudit(s)).toEqual({ command: 'load', outcome: 'cancelled', exit_code: 143, error_kind: 'cancelled', error_message: 'interrupted by SIGTERM' });
  });

  it('floe compact: SIGINT before the commit deletes the rewritten files', async () => {
    const s = await project();
    for (let i = 0; i < 3; i++) await floeOk(s.project, ['load', 'raw.orders', path.join(s.project, 'data', 'more.csv')]);
    const before = await tableState(s.project, 'raw.orders');
    const files = tree(tableDir(s));
    const { result: r, stderr } = await signalAt(s, ['compact', 'raw.orders', '--min-input-files', '2'], 'commit:raw.orders', 'SIGINT');
    expect(r.code, show(r)).toBe(130);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGINT; nothing was committed to raw.orders\n');
    expect(tree(tableDir(s)), show(r)).toEqual(files);
    expect(await tableState(s.project, 'raw.orders')).toEqual(before);
    expect(await lastAudit(s)).toMatchObject({ command: 'compact', outcome: 'cancelled', exit_code: 130 });
  });

  it('floe maintain expire: SIGTERM before the commit expires nothing', async () => {
    const s = await project();
    await floeOk(s.project, ['load', 'raw.orders', path.join(s.project, 'data', 'more.csv')]);
    const before = await tableState(s.project, 'raw.orders');
    const files = tree(tableDir(s));
    const { result: r, stderr } = await signalAt(s, ['maintain', 'expire', 'raw.orders', '--older-than', '0s', '--retain-last', '1'], 'commit:raw.orders', 'SIGTERM');
    expect(r.code, show(r)).toBe(143);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.orders\n');
    expect(tree(tableDir(s)), show(r)).toEqual(files);
    expect(await tableState(s.project, 'raw.orders')).toEqual(before);
    expect(await lastAudit(s)).toMatchObject({ command: 'maintain expire', outcome: 'cancelled', exit_code: 143 });
  });

  it('floe check --format json: SIGHUP before the checks run reports the cancellation as valid JSON and records no result', async () => {
    const s = await project();
    const { result: r, stderr } = await signalAt(s, ['check', 'raw.orders', '--unique', 'id', '--format', 'json'], 'check:raw.orders', 'SIGHUP');
    expect(r.code, show(r)).toBe(129);
    expect(stderr, show(r)).toBe('floe: interrupted by SIGHUP; nothing was committed\n');
    const report = JSON.parse(r.stdout) as { results: unknown[]; problems: { kind: string; message: string }[] };
    expect(report.results, show(r)).toEqual([]);
    expect(report.problems, show(r)).toEqual([expect.objectContaining({ kind: 'cancelled', message: 'interrupted by SIGHUP' })]);
    expect(existsSync(path.join(s.project, 'warehouse', 'floe', 'check_results')), show(r)).toBe(false);
    expect(await lastAudit(s)).toEqual({ command: 'check', outcome: 'cancelled', exit_code: 129, error_kind: 'cancelled', error_message: 'interrupted by SIGHUP' });
  });
});

/** Polls `ready` (a file system condition) until true; fails if floe exits first or after a minute. */
async function until(ready: () => boolean, done: Promise<RunResult>): Promise<void> {
  let ended: RunResult | undefined;
  void done.then((r) => (ended = r));
  const deadline = Date.now() + 60_000;
  while (!ready()) {
    if (ended) throw new Error(`floe ended first:\n${show(ended)}`);
    if (Date.now() > deadline) throw new Error('not ready within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
