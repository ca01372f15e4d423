/**
 * Crash safety of `floe run` (an ingest pipeline in merge mode), `floe compact` and
 * `floe maintain expire`: each killed after every sampled FileIO operation (and twice at a
 * seeded random moment) leaves the table loadable with exactly the rows before or after,
 * no data file twice, and able to take the next command. Then PyIceberg loads all three
 * tables in one process, and `floe maintain orphans` leaves the rows as they were.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/floe-process.js';
import { assertBeforeOrAfter, CrashLab, killLabel, kills } from './harness.js';

const lab = new CrashLab('maint');
afterAll(() => lab.remove());

const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;

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
    const outcomes: string[] = [];
    let i = 2;
    for (const k of kills(ops, ms, 7)) {
      const input = batch(i++);
      const before = await lab.state('crash.contacts');
      const expected = new Map(table);
      for (const [key, v] of input) expected.set(key, v);
      const afterRows = [...expected].map(([id, email]) => JSON.stringify({ id, email })).sort();
      const r = await lab.killAt(['run', 'contacts'], k);
      const outcome = assertBeforeOrAfter(killLabel('merge run', k, ops), await lab.state('crash.contacts'), before, afterRows, r);
      if (outcome === 'after') for (const [key, v] of input) table.set(key, v);
      outcomes.push(outcome);
    }
    console.log(`run (merge): ${ops} FileIO ops uninterrupted; ${outcomes.length} kills -> ${count(outcomes, 'before')} before, ${count(outcomes, 'after')} after`);
    expect(outcomes).toContain('before');
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
    const outcomes: string[] = [];
    for (const k of kills(ops, ms, 11)) {
      // New small files only after a compaction: the work (and the FileIO count) stays that
      // of the counted run, so the kill points cover it from start to end.
      if (outcomes.length === 0 || outcomes.at(-1) === 'after') await smallFiles(from);
      from += 10;
      const before = await lab.state('crash.compacted');
      const r = await lab.killAt(args, k);
      const state = await lab.state('crash.compacted');
      assertBeforeOrAfter(killLabel('compact', k, ops), state, before, before.rows, r);
      // Either nothing changed, or the files were replaced (fewer of them, same rows).
      const replaced = state.metadataLocation !== before.metadataLocation;
      if (replaced) expect(state.files.length).toBeLessThan(before.files.length);
      else expect(state.files).toEqual(before.files);
      outcomes.push(replaced ? 'after' : 'before');
    }
    console.log(`compact: ${ops} FileIO ops uninterrupted; ${outcomes.length} kills -> ${count(outcomes, 'before')} before, ${count(outcomes, 'after')} after`);
    expect(outcomes).toContain('before');
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
    const outcomes: string[] = [];
    for (const k of kills(ops, ms, 13)) {
      if (outcomes.length === 0 || outcomes.at(-1) === 'after') await appendTwo(from);
      from += 10;
      const before = await lab.state('crash.expiring');
      const r = await lab.killAt(args, k);
      const state = await lab.state('crash.expiring');
      assertBeforeOrAfter(killLabel('expire', k, ops), state, before, before.rows, r);
      expect([before.snapshots, 1], killLabel('expire', k, ops)).toContain(state.snapshots);
      outcomes.push(state.snapshots === 1 ? 'after' : 'before');
    }
    console.log(`maintain expire: ${ops} FileIO ops uninterrupted; ${outcomes.length} kills -> ${count(outcomes, 'before')} before, ${count(outcomes, 'after')} after`);
    expect(outcomes).toContain('before');
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
