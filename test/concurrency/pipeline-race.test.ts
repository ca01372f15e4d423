/**
 * Two runs of one pipeline on two hosts: two `floe run` processes whose per-table locks are in
 * different folders (each project's `.floe-locks/`, as with an S3 warehouse on two machines),
 * against one catalog (a shared SQLite file, and a shared Postgres schema) and one warehouse.
 *
 * The race is made deterministic without timing: the source is a Postgres table the test holds
 * an ACCESS EXCLUSIVE lock on. A run reads its state from the table (cursor, run ids) before it
 * touches the source, so once both runs wait on that lock (pg_locks shows two waiters) both have
 * read the same state; releasing the lock lets both read the same rows and commit. Whichever
 * commits second must not add them again (src/table/conflicts.ts, validateNoConcurrentRun).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, spawnFloe, type RunResult } from '../helpers/floe-process.js';
import { createTestBucket, s3Endpoint } from '../helpers/s3.js';
import { S3_ENV } from '../cli/s3-project.js';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';
import { services } from '../sources/helpers.js';

type Kind = 'sqlite' | 'postgres';

let bucket: string;
let catalogSchema: TestSchema;
let source: pg.Client;
const dirs: string[] = [];
const sourceTables: string[] = [];
const env = () => ({ ...S3_ENV, RACE_PG_URL: services().pg });

beforeAll(async () => {
  assertBuilt('test/concurrency');
  bucket = await createTestBucket('floe-pipeline-race');
  catalogSchema = await createTestSchema('pipeline_race');
  source = new pg.Client({ connectionString: services().pg });
  await source.connect();
}, 120_000);

afterAll(async () => {
  for (const t of sourceTables) await source?.query(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  await source?.end();
  await catalogSchema?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A source table `(id int8, note text, seq int8)` with these rows; `seq` is the incremental cursor. */
async function sourceTable(name: string, rows: readonly [number, string, number][]): Promise<string> {
  const t = `floe_race_${process.pid}_${name}`;
  sourceTables.push(t);
  await source.query(`DROP TABLE IF EXISTS ${t}`);
  await source.query(`CREATE TABLE ${t} (id int8, note text, seq int8)`);
  await insert(t, rows);
  return t;
}

async function insert(t: string, rows: readonly [number, string, number][]): Promise<void> {
  for (const [id, note, seq] of rows) await source.query(`INSERT INTO ${t} VALUES ($1, $2, $3)`, [id, note, seq]);
}

function pipelineYaml(o: { table: string; target: string; mode: 'append' | 'merge'; incremental: boolean }): string {
  return [
    'source:',
    '  kind: postgres',
    '  connection: "${RACE_PG_URL}"',
    `  table: ${o.table}`,
    ...(o.incremental ? ['  incremental: { cursor: seq }'] : []),
    `target: { table: ${o.target}, mode: ${o.mode}${o.mode === 'merge' ? ', key: [id]' : ''} }`,
    '',
  ].join('\n');
}

/** One machine: a project folder of its own (so its own `.floe-locks/`), the shared catalog and warehouse. */
interface Host {
  dir: string;
  floe(args: readonly string[]): Promise<RunResult>;
}

function hosts(kind: Kind, tag: string, pipelines: readonly Record<string, string>[]): Host[] {
  const root = mkdtempSync(join(tmpdir(), `floe-pipeline-race-${tag}-`));
  dirs.push(root);
  const uri = kind === 'sqlite' ? `sqlite:${join(root, 'catalog.db')}` : catalogSchema.url;
  return pipelines.map((files, i) => {
    const dir = join(root, `host-${i}`);
    mkdirSync(join(dir, 'pipelines'), { recursive: true });
    writeFileSync(
      join(dir, 'floe.yaml'),
      [
        `warehouse: s3://${bucket}/${kind}-${tag}`,
        'catalog:',
        `  uri: ${uri}`,
        '  name: race',
        'pipelines: pipelines/',
        'storage:',
        '  s3:',
        `    endpoint: ${s3Endpoint()}`,
        '    path_style: true',
        '    access_key_id: ${S3_TEST_KEY}',
        '    secret_access_key: ${S3_TEST_SECRET}',
        '',
      ].join('\n'),
    );
    for (const [name, yaml] of Object.entries(files)) writeFileSync(join(dir, 'pipelines', `${name}.yaml`), yaml);
    return { dir, floe: (args) => collect(spawnFloe(['--project', dir, ...args], dir, env())) };
  });
}

const show = (r: RunResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

async function ok(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  expect(r.code, show(r)).toBe(0);
  return r;
}

/** The `--json` events of a run. */
function events(r: RunResult): Record<string, unknown>[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l.replace(/"snapshot_id":\s*(\d+)/g, '"snapshot_id":"$1"')) as Record<string, unknown>);
}

async function queryRows(h: Host, sql: string): Promise<Record<string, unknown>[]> {
  return JSON.parse((await ok(h.floe(['query', sql, '--format', 'json']))).stdout) as Record<string, unknown>[];
}

interface Snap {
  'snapshot-id': string;
  summary: Record<string, string>;
  refs: string[];
}

async function snapshots(h: Host, table: string): Promise<Snap[]> {
  const r = await ok(h.floe(['snapshots', table, '--json']));
  return JSON.parse(r.stdout.replace(/"(snapshot-id|parent-snapshot-id)":\s*(\d+)/g, '"$1":"$2"')) as Snap[];
}

/**
 * Holds the source table locked while `start` launches the runs, waits until `waiters` of them
 * wait on the lock (each has read its state from the target by then), runs `meanwhile`, then
 * releases the lock and gives every run's result.
 */
async function race(table: string, waiters: number, start: () => Promise<RunResult>[], meanwhile?: () => Promise<void>): Promise<RunResult[]> {
  const locker = new pg.Client({ connectionString: services().pg });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const runs = start();
    const ended: (RunResult | undefined)[] = runs.map(() => undefined);
    runs.forEach((r, i) => void r.then((x) => (ended[i] = x)));
    const deadline = Date.now() + 240_000;
    for (;;) {
      const n = Number((await locker.query(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = $1::regclass AND NOT granted`, [table])).rows[0].n);
      if (n >= waiters) break;
      const early = ended.find((x) => x !== undefined);
      if (early) throw new Error(`a run ended before it read the source:\n${show(early)}`);
      if (Date.now() > deadline) throw new Error(`only ${n} of ${waiters} runs reached the source in 240 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await meanwhile?.();
    await locker.query('COMMIT');
    return await Promise.all(runs);
  } finally {
    await locker.end().catch(() => undefined);
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`two hosts run one pipeline at once, ${kind} catalog`, () => {
    it('incremental append: one commits, the other fails with conflict and adds nothing; another pipeline and a floe load still land', async () => {
      const target = `race.events_${kind}`;
      const src = await sourceTable(`events_${kind}`, [[1, 'a', 1], [2, 'b', 2], [3, 'c', 3]]);
      const other = await sourceTable(`other_${kind}`, [[501, 'x', 1], [502, 'y', 2]]);
      const events_ = pipelineYaml({ table: src, target, mode: 'append', incremental: true });
      const [a, b, c] = hosts(kind, 'append', [{ events: events_ }, { events: events_ }, { backfill: pipelineYaml({ table: other, target, mode: 'append', incremental: true }) }]);
      await ok(a!.floe(['run', 'events']));
      await insert(src, [[4, 'd', 4], [5, 'e', 5], [6, 'f', 6]]);
      const csv = join(c!.dir, 'loaded.csv');
      writeFileSync(csv, 'id,note,seq\n901,loaded,901\n902,loaded,902\n');

      const [ra, rb] = await race(src, 2, () => [a!.floe(['run', 'events', '--json']), b!.floe(['run', 'events', '--json'])], async () => {
        // Committed after both runs read their state: commits that are not this pipeline's.
        await ok(c!.floe(['load', target, csv]));
        await ok(c!.floe(['run', 'backfill']));
      });
      const results = [ra!, rb!];
      // Rows first: the figure that shows what a second commit of the same rows did.
      const counted = await queryRows(a!, `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${target}`);
      expect(counted).toEqual([{ n: 3 + 3 + 2 + 2, ids: 3 + 3 + 2 + 2 }]);
      const won = results.filter((r) => r.code === 0);
      const lost = results.filter((r) => r.code !== 0);
      expect(won.length, results.map(show).join('\n---\n')).toBe(1);
      expect(lost[0]!.code, show(lost[0]!)).toBe(1);
      const commit = events(won[0]!).find((e) => e.event === 'commit')!;
      expect(commit.rows_written).toBe(3);
      const error = events(lost[0]!).find((e) => e.event === 'error')!;
      expect(error.kind).toBe('conflict');
      const message = String(error.message);
      expect(message).toContain(target);
      expect(message).toContain('pipeline events');
      expect(message).toContain(`snapshot ${String(commit.snapshot_id)}`);
      expect(message).toMatch(/nothing was committed\. Run events again/);

      const snaps = await snapshots(a!, target);
      expect(snaps.filter((s) => s.summary['floe.pipeline'] === 'events')).toHaveLength(2);

      // The next run reads on from the committed cursor: only the new row, once.
      await insert(src, [[7, 'g', 7]]);
      await ok(b!.floe(['run', 'events']));
      expect(await queryRows(a!, `SELECT count(*) AS n, count(DISTINCT id) AS ids, max(id) FILTER (WHERE id < 100) AS top FROM ${target}`)).toEqual([{ n: 11, ids: 11, top: 7 }]);
    }, 600_000);

    for (const mode of ['append', 'merge'] as const) {
      it(`the same --run-id on both hosts, ${mode} creating the table: one commits, the other is the skipped no-op`, async () => {
        const target = `race.nightly_${mode}_${kind}`;
        const src = await sourceTable(`nightly_${mode}_${kind}`, [[1, 'a', 1], [2, 'b', 2], [3, 'c', 3]]);
        const yaml = pipelineYaml({ table: src, target, mode, incremental: false });
        const [a, b] = hosts(kind, `nightly-${mode}`, [{ nightly: yaml }, { nightly: yaml }]);
        const results = await race(src, 2, () => [a!.floe(['run', 'nightly', '--run-id', 'run-7', '--json']), b!.floe(['run', 'nightly', '--run-id', 'run-7', '--json'])]);
        expect(await queryRows(a!, `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${target}`)).toEqual([{ n: 3, ids: 3 }]);
        for (const r of results) expect(r.code, show(r)).toBe(0);
        const kinds = results.map((r) => events(r).find((e) => e.event === 'commit' || e.event === 'skip')?.event).sort();
        expect(kinds, results.map(show).join('\n---\n')).toEqual(['commit', 'skip']);
        const skip = results.map((r) => events(r).find((e) => e.event === 'skip')).find((e) => e !== undefined)!;
        expect(String(skip.note)).toContain('run-7 already committed');
        const snaps = await snapshots(a!, target);
        expect(snaps.map((s) => s.summary['floe.run-id'])).toEqual(['run-7']);
      }, 600_000);
    }

    it('incremental merge: a run that read an older source cannot move the cursor back', async () => {
      const target = `race.customers_${kind}`;
      // One source at two moments: host b read it while row 10 was there; row 10 was then
      // deleted and row 20 added, which host a read.
      const before = await sourceTable(`customers_then_${kind}`, [[1, 'a', 1], [2, 'b', 2], [3, 'c', 3], [10, 'j', 10]]);
      const after = await sourceTable(`customers_now_${kind}`, [[1, 'a', 1], [2, 'b', 2], [3, 'c', 3]]);
      const [a, b] = hosts(kind, 'merge', [
        { customers: pipelineYaml({ table: after, target, mode: 'merge', incremental: true }) },
        { customers: pipelineYaml({ table: before, target, mode: 'merge', incremental: true }) },
      ]);
      await ok(a!.floe(['run', 'customers']));
      await insert(after, [[20, 't', 20]]);
      // b has read the cursor (3) and waits on its source; a reads and commits meanwhile.
      let first: RunResult | undefined;
      const [rb] = await race(before, 1, () => [b!.floe(['run', 'customers', '--json'])], async () => {
        first = await ok(a!.floe(['run', 'customers', '--json']));
      });
      expect(events(first!).find((e) => e.event === 'commit')?.rows_written).toBe(1);
      const main = (await snapshots(a!, target)).filter((s) => s.summary['floe.pipeline'] === 'customers');
      expect(main.at(-1)!.summary['floe.cursor.value'], show(rb!)).toBe('20');
      expect(rb!.code, show(rb!)).toBe(1);
      const error = events(rb!).find((e) => e.event === 'error')!;
      expect(error.kind).toBe('conflict');
      expect(String(error.message)).toContain('pipeline customers');
      expect(String(error.message)).toContain(`snapshot ${String(events(first!).find((e) => e.event === 'commit')?.snapshot_id)}`);
      expect(await queryRows(a!, `SELECT list(id ORDER BY id) AS ids FROM ${target}`)).toEqual([{ ids: [1, 2, 3, 20] }]);
    }, 600_000);
  });
}
