/**
 * Crash safety of `floe run` (an ingest pipeline in merge mode), `floe compact` and
 * `floe maintain expire`: each killed after every sampled FileIO operation (and at seeded
 * moments by the parent) leaves the table loadable with exactly the rows before or after,
 * no data file twice, and able to take the next command. Then PyIceberg loads all three
 * tables in one process, and `floe maintain orphans` leaves the rows as they were. Each
 * command prints its figure (kills, before/after, corrupt/lost/duplicated) to the log.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/floe-process.js';
import { CrashLab, killLabel, KillTally, kills, talliesLine } from './harness.js';

const lab = new CrashLab('maint');
afterAll(() => {
  console.log(talliesLine('test/crash/maintenance.test.ts'));
  lab.remove();
});

describe('floe run (merge pipeline), killed at every sampled FileIO operation', () => {
  it('leaves exactly the rows before or after the merge', async () => {
    assertBuilt('test/crash');
    lab.write('pipelines/contacts.yaml', 'name: contacts\nsource: { kind: csv, path: data/contacts.csv }\ntarget: { table: crash.contacts, mode: merge, key: [id] }\n');
    const table = new Map<number, string>();
    const rows = () => [...table].map(([id, email]) => JSON.stringify({ id, email })).sort();
    const batch = (i: number) => {
      // Updates two existing keys and adds two new ones.
      const input = new Map<number, string>([[1, `u${i}@x.io`], [2 + (i % 5), `v${i}@x.io`], [100 + 2 * i, `n${i}@x.io`], [101 + 2 * i, `m${i}@x.io`]]);
      lab.write('data/contacts.csv', 'id,email\n' + [...input].map(([k, v]) => `${k},${v}`).join('\n') + '\n');
      return input;
    };
    for (const [k, v] of batch(0)) table.set(k, v);
    await lab.ok(['run', 'contacts']);
    for (let i = 2; i <= 7; i++) table.set(i, `seed${i}@x.io`);
    lab.write('data/contacts.csv', 'id,email\n' + [2, 3, 4, 5, 6, 7].map((i) => `${i},seed${i}@x.io`).join('\n') + '\n');
    await lab.ok(['run', 'contacts']);
    expect((await lab.state('crash.contacts')).rows).toEqual(rows());

    const ref = batch(1);
    const { ops, ms } = await lab.countOps(['run', 'contacts']);
    for (const [k, v] of ref) table.set(k, v);
    const tally = new KillTally('run (merge)', ops);
    let i = 2;
    for (const k of kills(ops, ms, 7)) {
      const input = batch(i++);
      const before = await lab.state('crash.contacts');
      const expected = new Map(table);
      for (const [key, v] of input) expected.set(key, v);
      const afterRows = [...expected].map(([id, email]) => JSON.stringify({ id, email })).sort();
      const { outcome } = await lab.checkKill(tally, k, 'crash.contacts', before, afterRows, await lab.killAt(['run', 'contacts'], k));
      if (outcome === 'after') for (const [key, v] of input) table.set(key, v);
    }
    console.log(tally.line());
    expect(tally.counts.before).toBeGreaterThan(0);
    // The next run takes over the dead run's lock and merges.
    const last = batch(i);
    await lab.ok(['run', 'contacts']);
    for (const [k, v] of last) table.set(k, v);
    expect((await lab.state('crash.contacts')).rows).toEqual(rows());
  }, 900_000);
});

describe('floe compact, killed at every sampled FileIO operation', () => {
  it('leaves the same rows, in the old files or the compacted ones', async () => {
    const smallFiles = async (from: number) => {
      for (let j = 0; j < 5; j++) await lab.append('crash.compacted', `SELECT ${from + j}::BIGINT AS id, 'r${from + j}' AS name`);
    };
    await smallFiles(0);
    const args = ['compact', 'crash.compacted', '--min-input-files', '2'];
    const { ops, ms } = await lab.countOps(args);
    const after = await lab.state('crash.compacted');
    expect(after.files).toHaveLength(1);
    let from = 10;
    // The rows do not change: "after" is a committed rewrite (a new metadata file).
    const tally = new KillTally('compact', ops);
    let replaced = true;
    for (const k of kills(ops, ms, 11)) {
      // New small files only after a compaction: the work (and the FileIO count) stays that
      // of the counted run, so the kill points cover it from start to end.
      if (replaced) await smallFiles(from);
      from += 10;
      const before = await lab.state('crash.compacted');
      const { state, outcome } = await lab.checkKill(tally, k, 'crash.compacted', before, before.rows, await lab.killAt(args, k), (s) => s.metadataLocation !== before.metadataLocation);
      // Either nothing changed, or the files were replaced (fewer of them, same rows).
      replaced = outcome === 'after';
      if (replaced) expect(state.files.length).toBeLessThan(before.files.length);
      else expect(state.files).toEqual(before.files);
    }
    console.log(tally.line());
    expect(tally.counts.before).toBeGreaterThan(0);
    await lab.ok(args);
    expect((await lab.state('crash.compacted')).files).toHaveLength(1);
  }, 900_000);
});

describe('floe maintain expire, killed at every sampled FileIO operation', () => {
  it('leaves the rows unchanged and the snapshots as before or expired', async () => {
    const appendTwo = async (from: number) => {
      await lab.append('crash.expiring', `SELECT ${from}::BIGINT AS id`);
      await lab.append('crash.expiring', `SELECT ${from + 1}::BIGINT AS id`);
    };
    await appendTwo(0);
    const args = ['maintain', 'expire', 'crash.expiring', '--older-than', '0s', '--retain-last', '1'];
    const { ops, ms } = await lab.countOps(args);
    expect((await lab.state('crash.expiring')).snapshots).toBe(1);
    let from = 10;
    // The rows do not change: "after" is the snapshots expired.
    const tally = new KillTally('maintain expire', ops);
    let expired = true;
    for (const k of kills(ops, ms, 13)) {
      if (expired) await appendTwo(from);
      from += 10;
      const before = await lab.state('crash.expiring');
      const { state, outcome } = await lab.checkKill(tally, k, 'crash.expiring', before, before.rows, await lab.killAt(args, k), (s) => s.snapshots === 1);
      expect([before.snapshots, 1], killLabel('maintain expire', k, ops)).toContain(state.snapshots);
      expired = outcome === 'after';
    }
    console.log(tally.line());
    expect(tally.counts.before).toBeGreaterThan(0);
  }, 900_000);
});

describe('after the kills', () => {
  it('PyIceberg loads every table with the rows floe sees; maintain orphans keeps them', async () => {
    const tables = ['crash.contacts', 'crash.compacted', 'crash.expiring'];
    const floe = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await lab.state(t)] as const)));
    const py = await lab.pyiceberg(tables);
    for (const t of tables) {
      expect(py[t]!.row_count, t).toBe(floe[t]!.rows.length);
      const ids = (rows: unknown[]) => rows.map((r) => Number((r as { id: unknown }).id)).sort((a, b) => a - b);
      expect(ids(py[t]!.rows), t).toEqual(ids(floe[t]!.rows.map((r) => JSON.parse(r))));
      expect(py[t]!.files.map((f) => f.replace(/^file:\/\//, '')).sort(), t).toEqual(floe[t]!.files.map((f) => f.replace(/^file:\/\//, '')).sort());
    }
    for (const t of tables) {
      await lab.ok(['maintain', 'orphans', t, '--older-than', '0s', '--allow-recent']);
      expect((await lab.state(t)).rows, t).toEqual(floe[t]!.rows);
    }
  }, 900_000);
});
