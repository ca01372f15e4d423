/**
 * The commit side of two runs of one pipeline racing (test/concurrency/pipeline-race.test.ts
 * runs the CLI): the other run's commit lands exactly between this run's plan and its
 * compare-and-swap (CommitEvents.beforeSwap), so this run loses the swap, reloads, and its
 * `validate` (validateNoConcurrentRun) sees the other run's snapshot. It must not re-apply:
 * kind conflict, nothing committed, its files deleted; run again, it lands, and a commit of
 * another pipeline in the same place is re-applied on as before. The same --run-id is told
 * apart (floe run makes it the skipped no-op).
 * Both catalogs.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { mergeTable } from '../../src/run/merge.js';
import { stateSummary } from '../../src/run/state.js';
import type { CommitEvents } from '../../src/table/commit.js';
import { committedByConcurrentRun, validateNoConcurrentRun, type RunRead } from '../../src/table/conflicts.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { raceOnce } from '../helpers/race.js';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';

let engine: Engine;
let pg: TestSchema;
const dirs: string[] = [];
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  pg = await createTestSchema('pipeline_race_commit');
});
afterAll(async () => {
  engine?.close();
  await pg?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const io = new RoutingFileIO();
const values = (rows: [number, number][]) => `SELECT * FROM (VALUES ${rows.map(([id, seq]) => `(${id}::BIGINT, ${seq}::BIGINT)`).join(', ')}) AS t(id, seq)`;
type Id = { namespace: string[]; name: string };

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind} catalog: another run of the pipeline commits between plan and swap`, () => {
    let catalog: Catalog;
    let warehouse: string;
    let n = 0;
    beforeAll(async () => {
      warehouse = mkdtempSync(join(tmpdir(), `floe-pipeline-race-commit-${kind}-`));
      dirs.push(warehouse);
      catalog = await openCatalog({ uri: kind === 'sqlite' ? `sqlite:${join(warehouse, 'catalog.db')}` : pg.url, name: 'floe' }, warehouse);
    });
    afterAll(() => catalog?.close());

    /** A run of `pipeline` as floe run writes it: its state summary keys with the rows. */
    const run = (id: Id, rows: [number, number][], o: { pipeline: string; runId: string; mode?: 'append' | 'merge'; events?: CommitEvents }) => {
      const summary = stateSummary(o.pipeline, o.runId, 'seq', String(Math.max(...rows.map((r) => r[1]))));
      const common = { catalog, io, engine, id, selectSql: values(rows), warehouse, summary, events: o.events };
      return o.mode === 'merge' ? mergeTable({ ...common, key: ['id'] }) : writeTable({ ...common, mode: 'append' });
    };
    /** A table with rows 1..3 committed by pipeline `events`; main's snapshot is where a run reads its state. */
    const fresh = async () => {
      const id = { namespace: ['race'], name: `t${++n}` };
      await run(id, [[1, 1], [2, 2], [3, 3]], { pipeline: 'events', runId: 'first' });
      const startId = (await loadTable(catalog, io, id)).metadata.refs['main']!['snapshot-id'];
      return { id, startId };
    };
    /** The events of a run that read its state at `read.startId`, raced once by `competitor`. */
    const racedBy = (read: RunRead, competitor: () => Promise<unknown>): CommitEvents & { raced: number } => {
      const ev = raceOnce(competitor);
      return Object.assign(ev, { validate: (b: Parameters<typeof validateNoConcurrentRun>[0]) => validateNoConcurrentRun(b, read) });
    };
    const rowsOf = async (id: Id) => {
      const t = await loadTable(catalog, io, id);
      const plan = await planScan({ io, metadata: t.metadata, table: id.name });
      const files = plan.dataFiles.map((f) => f.file.file_path);
      const rows = await engine.all(`SELECT id FROM read_parquet([${files.map((f) => `'${f.replace(/^file:\/\//, '')}'`).join(', ')}]) ORDER BY id`, 'read');
      return { ids: rows.map((r) => Number(r.id)), files, metadata: t.metadata };
    };
    const failure = async (p: Promise<unknown>) => {
      const e = await p.then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(FloeError);
      return e as FloeError;
    };

    for (const mode of ['append', 'merge'] as const) {
      it(`${mode}: the lost swap is not re-applied over the other run's commit of the same cursor`, async () => {
        const { id, startId } = await fresh();
        const dataDir = join(warehouse, 'race', id.name, 'data');
        const read: RunRead = { table: `race.${id.name}`, pipeline: 'events', startId, cursorColumn: 'seq' };
        let theirs: bigint | undefined;
        const ev = racedBy(read, async () => {
          theirs = (await run(id, [[4, 4], [5, 5]], { pipeline: 'events', runId: 'other-host', mode })).snapshotId;
        });
        const e = await failure(run(id, [[4, 4], [5, 5]], { pipeline: 'events', runId: 'this-host', mode, events: ev }));
        expect(ev.raced).toBe(1);
        expect(e.kind).toBe('conflict');
        expect(e.retryable).toBe(false);
        expect(e.message).toContain(`race.${id.name}: another run of pipeline events committed snapshot ${theirs}`);
        expect(e.message).toContain('nothing was committed. Run events again');
        const after = await rowsOf(id);
        expect(after.ids).toEqual([1, 2, 3, 4, 5]);
        expect(after.metadata.snapshots).toHaveLength(2);
        // This run's own data files were deleted: only the table's files remain.
        const onDisk = readdirSync(dataDir).filter((f) => f.endsWith('.parquet'));
        expect(onDisk.sort()).toEqual(after.files.map((f) => f.split('/').pop()!).sort());

        // Run again, from the state the other run committed: a commit of another pipeline in
        // the same place moves no state this run read, and is re-applied on as before.
        const again = after.metadata.refs['main']!['snapshot-id'];
        const ev2 = racedBy({ ...read, startId: again }, () => run(id, [[100, 1]], { pipeline: 'backfill', runId: 'b1' }));
        const r = await run(id, [[6, 6]], { pipeline: 'events', runId: 'this-host-again', mode, events: ev2 });
        expect(ev2.raced).toBe(1);
        expect(r.attempts).toBe(2);
        expect((await rowsOf(id)).ids).toEqual([1, 2, 3, 4, 5, 6, 100]);
      });
    }

    for (const mode of ['append', 'overwrite'] as const) {
      it(`${mode}: the same --run-id committed by the other run is told apart (its snapshot, for the skip), before an overwrite's own check`, async () => {
        const { id, startId } = await fresh();
        let theirs: bigint | undefined;
        const ev = racedBy({ table: `race.${id.name}`, pipeline: 'events', startId, runId: 'nightly-9' }, async () => {
          theirs = (await run(id, [[4, 4]], { pipeline: 'events', runId: 'nightly-9' })).snapshotId;
        });
        const summary = stateSummary('events', 'nightly-9');
        const e = await failure(writeTable({ catalog, io, engine, id, selectSql: values([[4, 4]]), warehouse, summary, mode, events: ev }));
        expect(committedByConcurrentRun(e)).toBe(String(theirs));
        expect((await rowsOf(id)).ids).toEqual([1, 2, 3, 4]);
      });
    }
  });
}
