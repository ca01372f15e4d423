/**
 * A `kind: mysql` read stopped by a signal (src/cancel.ts, sources/mysql.ts) on the MariaDB of
 * scripts/provision-services.sh. The read is signalled once its SELECT runs on the server (the
 * test sees it in the process list), not after a sleep. The signal ends the read at once: the
 * command exits with the signal's status and its one ordinary line well before the grace period
 * (30 s here) runs out, records `cancelled` in floe.audit_log, and the server stops the query.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runId, services } from '../sources/helpers.js';
import { readProject, signalDuringRead as signalRead } from '../helpers/signal-read.js';
import { assertBuilt, floeOk, show, useTmpDirs, type RunResult } from './helpers.js';

const newDir = useTmpDirs('floe-signals-mysql-');
let admin: mysql.Connection;

beforeAll(async () => {
  assertBuilt();
  admin = await mysql.createConnection({ uri: services().mysql });
});
afterAll(() => admin?.end());
// A case that failed with its query still running on the server (a billion rows, a 300 s
// sleep) would load the shared MariaDB for minutes and slow every later case and file: its
// queries are killed here, after its assertions have spoken.
afterEach(async () => {
  for (const t of await running(`floe_sig_%${runId}`)) await admin.query(`KILL QUERY ${Number(t.id)}`).catch(() => undefined);
});

const GRACE_MS = 30_000;

/** The server's threads running a statement that contains `mark` (this test's own excluded), and not the describe (LIMIT 0). */
async function running(mark: string): Promise<{ id: number; info: string }[]> {
  const [rows] = await admin.query(
    'SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE ? AND INFO NOT LIKE ?',
    [`%${mark}%`, '%LIMIT 0'],
  );
  return rows as { id: number; info: string }[];
}

/** A project whose pipeline `big` reads `query` (which holds `mark`) from MariaDB into raw.big. */
const project = async (query: string) => readProject(await newDir(), 'mysql', 'FLOE_SIGNAL_MYSQL_URL', query);

/** Runs `floe run big`, signals it once its SELECT is under way on the server, and returns the result and the seconds from signal to exit. */
async function signalDuringRead(dir: string, tmp: string, mark: string, signal: NodeJS.Signals, extra: readonly string[] = []): Promise<{ r: RunResult; seconds: number; threadId: number }> {
  const env = { FLOE_SIGNAL_MYSQL_URL: services().mysql };
  const { r, seconds, found } = await signalRead({ dir, tmp, env, graceMs: GRACE_MS, signal, extra, where: 'the process list' }, () => running(mark));
  return { r, seconds, threadId: found.id };
}

/** The newest row of floe.audit_log. */
async function lastAudit(dir: string): Promise<Record<string, unknown>> {
  const r = await floeOk(dir, ['query', 'SELECT command, outcome, exit_code, error_kind, error_message FROM floe.audit_log ORDER BY started_at DESC LIMIT 1', '--format', 'json']);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!;
}

/** Waits (at most 10 s) until no server thread runs a statement holding `mark`. */
async function serverStopped(mark: string): Promise<boolean> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if ((await running(mark)).length === 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('floe run of a mysql pipeline stopped by a signal during the read', () => {
  it('SIGTERM while the server produces rows slowly: exit 143 at once, one line, audit row cancelled, the query ends on the server', async () => {
    const mark = `floe_sig_slow_${runId}`;
    // About a row a millisecond for hours: the client mostly waits for the next packet.
    const { dir, tmp } = await project(`SELECT seq AS id, '${mark}' AS mark FROM seq_1_to_100000000 WHERE SLEEP(0.001) = 0`);
    const { r, seconds, threadId } = await signalDuringRead(dir, tmp, mark, 'SIGTERM');
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGTERM; nothing was committed to raw.big\n');
    expect(seconds, show(r)).toBeLessThan(10);
    expect(await serverStopped(mark), `thread ${threadId} still runs the query`).toBe(true);
    expect(tree(tmp), show(r)).toEqual([]);
    expect(tree(path.join(dir, 'warehouse', '.floe-locks')), show(r)).toEqual([]);
    expect(await lastAudit(dir)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 143, error_kind: 'cancelled', error_message: 'big: interrupted by SIGTERM' });
  });

  it('SIGINT while rows stream in as fast as they come, --json: exit 130 at once, the stream ends with status cancelled', async () => {
    const mark = `floe_sig_fast_${runId}`;
    const { dir, tmp } = await project(`SELECT seq AS id, '${mark}' AS mark FROM seq_1_to_1000000000`);
    const { r, seconds } = await signalDuringRead(dir, tmp, mark, 'SIGINT', ['--json']);
    expect(r.code, show(r)).toBe(130);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGINT; nothing was committed to raw.big\n');
    expect(seconds, show(r)).toBeLessThan(10);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1), show(r)).toMatchObject({ event: 'end', status: 'cancelled', signal: 'SIGINT', ok: 0 });
    expect(await serverStopped(mark)).toBe(true);
    expect(tree(tmp), show(r)).toEqual([]);
    expect(await lastAudit(dir)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 130, error_kind: 'cancelled', error_message: 'big: interrupted by SIGINT' });
  });

  it('SIGHUP while the server works before its first row: exit 129 at once, and the server stops the query (KILL QUERY)', async () => {
    const mark = `floe_sig_busy_${runId}`;
    // The server sends nothing for 5 minutes: no write of its own would tell it that the client is gone.
    const { dir, tmp } = await project(`SELECT seq AS id, '${mark}' AS mark FROM seq_1_to_3 WHERE SLEEP(300) = 0`);
    const { r, seconds, threadId } = await signalDuringRead(dir, tmp, mark, 'SIGHUP');
    expect(r.code, show(r)).toBe(129);
    expect(r.stderr, show(r)).toBe('floe: interrupted by SIGHUP; nothing was committed to raw.big\n');
    expect(seconds, show(r)).toBeLessThan(10);
    expect(await serverStopped(mark), `thread ${threadId} still runs the query`).toBe(true);
    expect(tree(tmp), show(r)).toEqual([]);
    expect(await lastAudit(dir)).toEqual({ command: 'run', outcome: 'cancelled', exit_code: 129, error_kind: 'cancelled', error_message: 'big: interrupted by SIGHUP' });
  });

  it('no signal: the read runs to its end as before, commits every row, says nothing on stderr', async () => {
    const mark = `floe_sig_none_${runId}`;
    const { dir } = await project(`SELECT seq AS id, '${mark}' AS mark FROM seq_1_to_25000`);
    const r = await floeOk(dir, ['run', 'big'], { env: { FLOE_SIGNAL_MYSQL_URL: services().mysql } });
    expect(r.stderr, show(r)).toBe('');
    const q = await floeOk(dir, ['query', 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM raw.big', '--format', 'csv']);
    expect(q.stdout).toBe('n,d\n25000,25000\n');
    expect(await lastAudit(dir)).toMatchObject({ command: 'run', outcome: 'ok', exit_code: 0 });
  });
});
