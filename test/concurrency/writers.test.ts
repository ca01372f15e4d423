/**
 * 8 writer processes × 25 appends each to one table, all started together, on a SQLite
 * catalog and on a Postgres catalog: 200 commits, and every row present exactly once.
 *
 * Writers are separate node processes (append-worker.ts), each opening the real catalog and
 * running writeTable — the path `floe load` takes — 25 times, so the compare-and-swap
 * contention is between OS processes on the real catalog. They are not 200 `floe load`
 * processes because one costs ~1.2 s of CPU just to start (node, commander, DuckDB;
 * measured): 200 of them are ~4 CPU-minutes per catalog, over 2 minutes of wall time on both
 * cores of an idle 2-core machine and several times that on a shared one, and the start-up
 * would spread the commits out so they seldom race. Here the 8 processes start once (before
 * the barrier) and the 200 appends take ~25 s of wall time. appends.test.ts
 * covers concurrent `floe load` processes end to end.
 *
 * Losers of the swap reload, re-apply and retry (src/table/commit.ts); how many retries
 * happened is printed, not asserted (timing). The table gets RETRY_PROPERTIES (writers-lab.ts):
 * with Iceberg's default of 4 retries some of 8 tight-loop writers give up with a conflict.
 */
import { describe, expect, it } from 'vitest';
import { expectRowsEverywhere, inspect, mainAncestry, startWriters, useEventsProjects } from './writers-lab.js';
import { ROWS_PER_APPEND } from './writers-plan.js';

const WRITERS = 8;
const APPENDS = 25;
const TABLE = 'race.events';

const eventsProject = useEventsProjects('writers');

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${WRITERS} writer processes × ${APPENDS} appends, ${kind} catalog`, () => {
    it(`${WRITERS * APPENDS} commits; every row exactly once; PyIceberg reads the same`, async () => {
      const p = await eventsProject(kind, TABLE);

      const spawned = Date.now();
      const writers = await startWriters(p, TABLE, WRITERS, APPENDS);
      const startUpMs = Date.now() - spawned;
      const reports = await writers.done;
      const checked = Date.now();
      const commits = WRITERS * APPENDS;
      const retries = reports.reduce((n, r) => n + r.retries, 0);
      console.log(`${kind} catalog: ${WRITERS} writer processes x ${APPENDS} appends = ${reports.reduce((n, r) => n + r.snapshots.length, 0)} commits, ${retries} commit retries, ${(writers.wallMs() / 1000).toFixed(1)} s wall (process start-up ${(startUpMs / 1000).toFixed(1)} s)`);

      // Every append reported its own snapshot.
      for (const r of reports) expect(r.snapshots, `writer ${r.writer}`).toHaveLength(APPENDS);
      const reported = reports.flatMap((r) => r.snapshots);
      expect(new Set(reported).size).toBe(commits);

      // 200 snapshots, all appends, all in main's ancestry, and every reported one among them.
      const { metadata, dataFiles } = await inspect(p, TABLE);
      expect(metadata.snapshots).toHaveLength(commits);
      const ancestry = mainAncestry(metadata);
      expect(ancestry).toHaveLength(commits);
      expect(new Set(ancestry.map((s) => s.summary.operation))).toEqual(new Set(['append']));
      expect(new Set(ancestry.map((s) => String(s['snapshot-id'])))).toEqual(new Set(reported));
      // Sequence numbers strictly increase along the chain (each commit built on the last).
      const seqs = ancestry.map((s) => Number(s['sequence-number'])).reverse();
      expect(seqs).toEqual(Array.from({ length: commits }, (_, i) => i + 1));

      // One data file per append, none listed twice, the records adding up.
      const files = dataFiles.map((f) => f.file.file_path);
      expect(files).toHaveLength(commits);
      expect(new Set(files).size).toBe(commits);
      expect(dataFiles.reduce((n, f) => n + Number(f.file.record_count), 0)).toBe(commits * ROWS_PER_APPEND);

      // The rows through the built CLI, then through PyIceberg: the same snapshot, files and ids.
      const { want, py } = await expectRowsEverywhere(p, TABLE, WRITERS, APPENDS, metadata, files);
      expect(py.row_count).toBe(want.length);
      console.log(`${kind} catalog: checks (floe scan, floe query, PyIceberg) took ${((Date.now() - checked) / 1000).toFixed(1)} s`);
    }, 900_000);
  });
}
