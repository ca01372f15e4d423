/**
 * `floe compact` running again and again while writer processes append to the same table,
 * on a SQLite and on a Postgres catalog: compaction loses nothing. Every appended row is
 * there exactly once when both are done, every append's snapshot is in main's history, and
 * the compactions that committed sit between appends in that history.
 *
 * test/table/compact/compact.test.ts races one append into a compaction deterministically
 * (its beforeCommit hook); this is the same property between real processes on the real
 * catalog. Without timing dependence: each writer pauses after HOLD_AFTER appends until a
 * compaction has committed, so at least one compaction lands with appends before and after
 * it; the writers append before the pause while the first compactions run, and compactions
 * keep running until the last writer is done.
 */
import { describe, expect, it } from 'vitest';
import { expectRowsEverywhere, floe, inspect, mainAncestry, resume, startWriters, useEventsProjects } from './writers-lab.js';
import { ROWS_PER_APPEND } from './writers-plan.js';

const WRITERS = 4;
const APPENDS = 16;
const HOLD_AFTER = 4;
/** Compaction runs without a commit after which the writers are let go anyway (the test then fails, instead of hanging). */
const GIVE_UP_AFTER = 20;
const TABLE = 'race.events';

const eventsProject = useEventsProjects('compact_appends');

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`floe compact while ${WRITERS} writer processes append, ${kind} catalog`, () => {
    it('every appended row exactly once; compactions committed between the appends', async () => {
      const p = await eventsProject(kind, TABLE);

      const writers = await startWriters(p, TABLE, WRITERS, APPENDS, HOLD_AFTER);
      let writing = true;
      const settled = writers.done.then(() => void (writing = false), () => void (writing = false));
      const compactions: string[] = [];
      let runs = 0;
      let conflicts = 0;
      let compactRetries = 0;
      try {
        while (writing) {
          const r = await floe(p, ['compact', TABLE, '--min-input-files', '2', '--json']);
          runs++;
          compactRetries += r.stdout.split('\n').filter((l) => /"event":\s*"retry"/.test(l)).length;
          if (r.code === 0) {
            // Snapshot ids are longs: read them from the text, not through a JS number.
            for (const line of r.stdout.split('\n')) if (/"event":\s*"commit"/.test(line)) compactions.push(/"snapshot_id":\s*"?(\d+)/.exec(line)![1]!);
            if (compactions.length > 0) resume(writers);
          } else if (r.code === 1 && /conflict|another writer/i.test(r.stderr)) {
            conflicts++; // a compaction may lose to the appends; losing rows is what must not happen
          } else {
            throw new Error(`floe compact exited ${r.code ?? r.signal}\n${r.stderr}`);
          }
          if (runs >= GIVE_UP_AFTER) resume(writers);
        }
      } finally {
        resume(writers); // never leave writers waiting
        await settled;
      }
      const reports = await writers.done;
      const appended = reports.flatMap((r) => r.snapshots);
      const retries = reports.reduce((n, r) => n + r.retries, 0);
      console.log(
        `${kind} catalog: ${appended.length} appends by ${WRITERS} writer processes (${retries} retries) and ${runs} floe compact runs alongside ` +
          `(${compactions.length} committed, ${compactRetries} compaction retries, ${conflicts} lost to a conflict), ${(writers.wallMs() / 1000).toFixed(1)} s`,
      );
      expect(compactions.length, 'a compaction committed while the writers appended').toBeGreaterThan(0);

      // main's history: every append once, every committed compaction, nothing else.
      const { metadata, dataFiles } = await inspect(p, TABLE);
      const ancestry = mainAncestry(metadata).reverse();
      const ids = (op: string) => ancestry.filter((s) => s.summary.operation === op).map((s) => String(s['snapshot-id']));
      expect(ids('append').sort()).toEqual([...appended].sort());
      expect(new Set(appended).size).toBe(WRITERS * APPENDS);
      expect(ids('replace').sort()).toEqual([...compactions].sort());
      expect(ancestry).toHaveLength(WRITERS * APPENDS + compactions.length);
      // The first compaction has appends before it and after it.
      const first = ancestry.findIndex((s) => s.summary.operation === 'replace');
      expect(first).toBeGreaterThan(0);
      expect(ancestry.slice(first + 1).filter((s) => s.summary.operation === 'append').length).toBeGreaterThanOrEqual(WRITERS * (APPENDS - HOLD_AFTER));
      // Each compaction rewrote files and kept the record count.
      for (const s of ancestry.filter((x) => x.summary.operation === 'replace')) {
        expect(Number(s.summary['deleted-data-files']), `compaction ${s['snapshot-id']}`).toBeGreaterThan(1);
        expect(s.summary['added-records'], `compaction ${s['snapshot-id']}`).toBe(s.summary['deleted-records']);
      }

      // Fewer live files than appends, none twice, records adding up.
      const files = dataFiles.map((f) => f.file.file_path);
      expect(new Set(files).size).toBe(files.length);
      expect(files.length).toBeLessThan(WRITERS * APPENDS);
      expect(dataFiles.reduce((n, f) => n + Number(f.file.record_count), 0)).toBe(WRITERS * APPENDS * ROWS_PER_APPEND);

      // Every appended row exactly once, through the built CLI and through PyIceberg.
      await expectRowsEverywhere(p, TABLE, WRITERS, APPENDS, metadata, files);
    }, 900_000);
  });
}
