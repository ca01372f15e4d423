/**
 * A `kind: postgres` read stopped by a signal (src/cancel.ts, sources/postgres.ts) on the
 * Postgres of scripts/provision-services.sh. The read is signalled once its statement is active
 * on the server (the test sees it in pg_stat_activity), not after a sleep. A function scan over
 * generate_series builds its whole result before the first row, so the server reads nothing from
 * the client for a long while: closing the connection alone does not stop it. The signal ends
 * the read at once (exit status, one line, `cancelled` in floe.audit_log), and the server's
 * statement stops too (pg_cancel_backend on a second connection), on both read paths.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runId, services } from '../sources/helpers.js';
import { readProject, signalDuringRead as signalRead } from '../helpers/signal-read.js';
import { assertBuilt, floeOk, show, useTmpDirs, type RunResult } from './helpers.js';

const newDir = useTmpDirs('floe-signals-pg-read-');
let admin: pg.Client;
const left = new Set<number>();

beforeAll(async () => {
  assertBuilt();
  admin = new pg.Client({ connectionString: services().pg });
  await admin.connect();
});
afterAll(async () => {
  // A backend the code under test failed to stop would run for a long while: stop it here.
  for (const pid of left) await admin?.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  await admin?.end();
});

const GRACE_MS = 30_000;

/** The active backends running a statement that contains `mark` (this test's own excluded), and not the describe (LIMIT 0). */
async function running(mark: string): Promise<number[]> {
  const r = await admin.query(
    `SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE $1 AND query NOT LIKE $2`,
    [`%${mark}%`, '%LIMIT 0'],
  );
  return r.rows.map((row: { pid: number }) => Number(row.pid));
}

/** A project whose pipeline `big` reads `query` (which holds `mark`) from Postgres into raw.big. */
const project = async (query: string) => readProject(await newDir(), 'postgres', 'FLOE_SIGNAL_PG_URL', query);

/** Runs `floe run big`, signals it once its statement is active on the server, and returns the result, the seconds from signal to exit and the backend's pid. */
async function signalDuringRead(dir: string, tmp: string, mark: string, signal: NodeJS.Signals, extra: readonly string[] = []): Promise<{ r: RunResult; seconds: number; pid: number }> {
  const env = { FLOE_SIGNAL_PG_URL: services().pg };
  const { r, seconds, found } = await signalRead({ dir, tmp, env, graceMs: GRACE_MS, signal, extra, where: 'pg_stat_activity' }, () => running(mark));
  left.add(found);
  return { r, seconds, pid: found };
}

/** The newest row of floe.audit_log. */
async function lastAudit(dir: string): Promise<Record<string, unknown>> {
  const r = await floeOk(dir, ['query', 'SELECT command, outcome, exit_code, error_kind, error_message FROM floe.audit_log ORDER BY started_at DESC LIMIT 1', '--format', 'json']);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!;
}

/** What pg_stat_activity says of backend `pid`, for a failure message. */
async function backend(pid: number): Promise<string> {
  const r = await admin.query('SELECT state, wait_event_type, wait_event, backend_xid, query_start, state_change, now() AS now FROM pg_stat_activity WHERE pid = $1', [pid]);
  return `backend ${pid}: ${JSON.stringify(r.rows[0] ?? 'gone')}`;
}

/** Waits (at most 5 s) until no backend runs a statement holding `mark`. */
async function serverStopped(mark: string): Promise<boolean> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    if ((await running(mark)).length === 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('floe run of a postgres pipeline stopped by a signal during the read', () => {
  it('SIGTERM during the COPY of a huge generate_series: exit 143 at once, one line, audit row cancelled, the COPY ends on the server', async () => {
    const mark = `floe_sig_copy_${runId}`;
    const { dir, tmp } = await project(`SELECT g AS id, '${mark}' AS mark FROM generate_series(1, 1000000000) AS g`);
    const { r, seconds, pid } = await signalDuringRead(dir, tmp, mark, 'SIGTERM');
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.big\n');
    expect(seconds, show(r)).toBeLessThan(10);
    expect(await serverStopped(mark), await backend(pid)).toBe(true);
    expect(tree(tmp), show(r)).toEqual([]);
    expect(tree(path.join(dir, 'warehouse', '.floe-locks')), show(r)).toEqual([]);
    expect(await lastAudit(dir)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 143, error_kind: 'cancelled', error_message: 'big: interrupted by SIGTERM' });
  });

  it('SIGINT during the cursor read (an array column) of a huge generate_series, --json: exit 130 at once, the query ends on the server', async () => {
    const mark = `floe_sig_cursor_${runId}`;
    const { dir, tmp } = await project(`SELECT g AS id, ARRAY[g] AS a, '${mark}' AS mark FROM generate_series(1, 1000000000) AS g`);
    const { r, seconds, pid } = await signalDuringRead(dir, tmp, mark, 'SIGINT', ['--json']);
    expect(r.code, show(r)).toBe(130);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGINT; nothing was committed to raw.big\n');
    expect(seconds, show(r)).toBeLessThan(10);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1), show(r)).toMatchObject({ event: 'end', status: 'cancelled', signal: 'SIGINT', ok: 0 });
    expect(await serverStopped(mark), await backend(pid)).toBe(true);
    expect(tree(tmp), show(r)).toEqual([]);
    expect(await lastAudit(dir)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 130, error_kind: 'cancelled', error_message: 'big: interrupted by SIGINT' });
  });

  it('SIGHUP while the server sleeps before its first row: exit 129 at once, and the server stops the statement', async () => {
    const mark = `floe_sig_sleep_${runId}`;
    const { dir, tmp } = await project(`SELECT g AS id, '${mark}' AS mark FROM generate_series(1, 3) AS g WHERE pg_sleep(300) IS NOT NULL`);
    const { r, seconds, pid } = await signalDuringRead(dir, tmp, mark, 'SIGHUP');
    expect(r.code, show(r)).toBe(129);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGHUP; nothing was committed to raw.big\n');
    expect(seconds, show(r)).toBeLessThan(10);
    expect(await serverStopped(mark), await backend(pid)).toBe(true);
    expect(await lastAudit(dir)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 129, error_kind: 'cancelled', error_message: 'big: interrupted by SIGHUP' });
  });

  it('no signal: both read paths run to their end as before, commit every row, say nothing on stderr', async () => {
    for (const [query, n] of [
      [`SELECT g AS id, 'floe_sig_none_${runId}' AS mark FROM generate_series(1, 25000) AS g`, 25000],
      [`SELECT g AS id, ARRAY[g] AS a FROM generate_series(1, 3000) AS g`, 3000],
    ] as const) {
      const { dir } = await project(query);
      const r = await floeOk(dir, ['run', 'big'], { env: { FLOE_SIGNAL_PG_URL: services().pg } });
      expect(r.stderr, show(r)).toBe('');
      const q = await floeOk(dir, ['query', 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM raw.big', '--format', 'csv']);
      expect(q.stdout).toBe(`n,d\n${n},${n}\n`);
      expect(await lastAudit(dir)).toMatchObject({ command: 'run', outcome: 'ok', exit_code: 0 });
    }
  });
});
