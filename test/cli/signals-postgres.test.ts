/**
 * A command ended at once while its catalog swap is in flight (src/cancel.ts): on a Postgres
 * catalog the swap is an UPDATE that a lock held by this test keeps waiting, so the process
 * cannot know whether it will land. After the grace period it waits a moment more for the
 * swap, then exits saying that the commit may or may not have happened, and removes its lock.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';
import { services } from '../sources/helpers.js';
import { assertBuilt, collect, floeOk, show, smallCsv, startFloe, useTmpDirs } from './helpers.js';

const newDir = useTmpDirs('floe-signals-pg-');
let schema: TestSchema;

beforeAll(async () => {
  assertBuilt();
  schema = await createTestSchema('signals');
});
afterAll(() => schema?.drop());

it('SIGTERM while the swap waits on a row lock: ended after the grace period, the line says the commit may or may not have happened', async () => {
  const dir = await newDir();
  await writeFile(path.join(dir, 'floe.yaml'), `warehouse: ./warehouse\ncatalog:\n  uri: "${schema.url}"\n  name: floe\npipelines: pipelines/\n`);
  await mkdir(path.join(dir, 'pipelines'));
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'tmp'));
  await writeFile(path.join(dir, 'data', 'first.csv'), smallCsv(3));
  await writeFile(path.join(dir, 'data', 'more.csv'), smallCsv(2, 100));
  await writeFile(path.join(dir, 'pipelines', 'orders.yaml'), 'name: orders\nsource:\n  kind: csv\n  path: data/more.csv\ntarget:\n  table: raw.orders\n  mode: append\n');
  await floeOk(dir, ['load', 'raw.orders', path.join(dir, 'data', 'first.csv')]);

  // The table's catalog row, locked: floe's compare-and-swap UPDATE waits for it.
  const locker = new pg.Client({ connectionString: services().pg });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM ${schema.schema}.iceberg_tables WHERE table_namespace = 'raw' AND table_name = 'orders' FOR UPDATE`);
    const lockerPid = Number((await locker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);

    const child = startFloe(['--project', dir, 'run', 'orders', '--json'], { cwd: dir, env: { TMPDIR: path.join(dir, 'tmp'), FLOE_CANCEL_GRACE_MS: '300', FLOE_AUDIT_LOG: 'off' } });
    const done = collect(child);
    let ended = false;
    void done.then(() => (ended = true));
    // Signalled once its UPDATE is blocked by the lock (pg_blocking_pids), not after a sleep.
    for (const deadline = Date.now() + 60_000; ; ) {
      const waiting = await schema.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [lockerPid]);
      if (waiting.length > 0) break;
      if (ended) throw new Error(`floe ended before its swap waited:\n${show(await done)}`);
      if (Date.now() > deadline) throw new Error('the swap never waited on the lock');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, show(r)).toBe(143);
    expect(r.stderr, show(r)).toBe(
      'floe: interrupted by SIGTERM (stopped at once: no safe point within 0.3 s); the commit to raw.orders was in flight and may or may not have happened (check with floe snapshots raw.orders); files it wrote may be left behind (floe maintain orphans removes them)\n',
    );
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!), show(r)).toMatchObject({ event: 'end', status: 'cancelled', signal: 'SIGTERM', forced: 'grace-expired' });
    const locks = path.join(dir, 'warehouse', '.floe-locks');
    expect(existsSync(locks) ? readdirSync(locks) : [], show(r)).toEqual([]);
    // The waiting UPDATE may still land: the files it would reference are kept.
    const dataFiles = readdirSync(path.join(dir, 'warehouse', 'raw', 'orders', 'data')).filter((f) => f.endsWith('.parquet'));
    expect(dataFiles.length, show(r)).toBe(2);
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  }
  // Whichever way the orphaned UPDATE went, the table reads: 3 rows, or 5.
  const q = await floeOk(dir, ['query', 'SELECT count(*) AS n FROM raw.orders', '--format', 'csv']);
  expect(['n\n3\n', 'n\n5\n']).toContain(q.stdout);
});
