/**
 * Crash safety of `floe load`: killed after each sampled FileIO operation (and at seeded
 * moments by the parent), a load that creates a table leaves it absent or complete, and an
 * append leaves exactly the rows before or after — chained over attempts, so each starts
 * from what the previous kill left. Finally PyIceberg loads the tables, and
 * `floe maintain orphans` removes every leftover file without changing a row. Each command
 * prints its figure (kills, before/after, corrupt/lost/duplicated) to the log.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/floe-process.js';
import { CrashLab, KillTally, kills, talliesLine } from './harness.js';

const lab = new CrashLab('load');
afterAll(() => {
  console.log(talliesLine('test/crash/load.test.ts'));
  lab.remove();
});
/** The tables the create test made (a kill that left one created moves on to the next name). */
const createdTables: string[] = [];

const csv = (from: number, n: number) =>
  'id,name,amount\n' + Array.from({ length: n }, (_, i) => `${from + i},n${from + i},${(from + i) * 1.5}`).join('\n') + '\n';
const row = (id: number) => JSON.stringify({ id, name: `n${id}`, amount: id * 1.5 });
const rowsOf = (ids: number[]) => ids.map(row).sort();

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());
}

describe('floe load, killed at every sampled FileIO operation', () => {
  it('a load that creates the table leaves it absent or complete', async () => {
    assertBuilt('test/crash');
    const file = lab.write('data/first.csv', csv(1, 3));
    const args = (table: string) => ['load', table, file, '--partition-by', 'bucket(2, id)'];
    // Counted on a scratch table of the same shape, so crash.created starts absent.
    const { ops, ms } = await lab.countOps(args('crash.scratch'));
    const tally = new KillTally('load (create)', ops);
    let table = 'crash.created';
    for (const k of kills(ops, ms, 5)) {
      // Once a kill left the table created, the next kill tries a create again on a new name.
      if ((await lab.state(table)).exists) {
        createdTables.push(table);
        table = `crash.created_${createdTables.length}`;
      }
      await lab.checkKill(tally, k, table, 'absent', rowsOf([1, 2, 3]), await lab.killAt(args(table), k));
    }
    console.log(tally.line());
    // Kills landed before the commit (the first one at least: one read, nothing committed) and after it.
    expect(tally.counts.before).toBeGreaterThan(0);
    expect(tally.counts.after).toBeGreaterThan(0);
    if (!(await lab.state(table)).exists) await lab.ok(args(table));
    createdTables.push(table);
    for (const t of createdTables) expect((await lab.state(t)).rows, t).toEqual(rowsOf([1, 2, 3]));
  }, 900_000);

  it('an append leaves exactly the rows before or after, attempt after attempt', async () => {
    await lab.ok(['load', 'crash.events', lab.write('data/base.csv', csv(1, 5))]);
    let next = 100;
    const ids = [1, 2, 3, 4, 5];
    const { ops, ms } = await lab.countOps(['load', 'crash.events', lab.write('data/ref.csv', csv(next, 3))]);
    ids.push(next, next + 1, next + 2);
    const tally = new KillTally('load (append)', ops);
    for (const k of kills(ops, ms, 42)) {
      next += 10;
      const args = ['load', 'crash.events', lab.write(`data/b${next}.csv`, csv(next, 3))];
      const before = await lab.state('crash.events');
      const added = [next, next + 1, next + 2];
      const { outcome } = await lab.checkKill(tally, k, 'crash.events', before, rowsOf([...ids, ...added]), await lab.killAt(args, k));
      if (outcome === 'after') ids.push(...added);
    }
    console.log(tally.line());
    // The kills really interrupted loads (the last FileIO points may land after the commit).
    expect(tally.counts.before).toBeGreaterThan(0);
    // The table still takes appends after all of that.
    await lab.ok(['load', 'crash.events', lab.write('data/final.csv', csv(9000, 2))]);
    ids.push(9000, 9001);
    expect((await lab.state('crash.events')).rows).toEqual(rowsOf(ids));
  }, 900_000);

  it('PyIceberg loads what the kills left, and maintain orphans removes the leftovers', async () => {
    const floeState = await lab.state('crash.events');
    const py = await lab.pyiceberg(['crash.events', ...createdTables]);
    expect(py['crash.events']!.row_count).toBe(floeState.rows.length);
    expect(py['crash.events']!.rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(floeState.rows.map((r) => JSON.parse(r).id as number).sort((a, b) => a - b));
    expect(py['crash.events']!.files.map((f) => f.replace(/^file:\/\//, '')).sort()).toEqual(floeState.files.map((f) => f.replace(/^file:\/\//, '')).sort());
    expect(createdTables.length).toBeGreaterThan(0);
    for (const t of createdTables) expect(py[t]!.rows.map((r) => Number(r.id)).sort(), t).toEqual([1, 2, 3]);

    const location = join(lab.warehouse, 'crash', 'events');
    const dataBefore = filesUnder(join(location, 'data')).length;
    expect(dataBefore).toBeGreaterThan(floeState.files.length); // killed loads left files behind
    await lab.ok(['maintain', 'orphans', 'crash.events', '--older-than', '0s', '--allow-recent']);
    const after = await lab.state('crash.events');
    expect(after.rows).toEqual(floeState.rows);
    const live = new Set(after.files.map((f) => f.replace(/^file:\/\//, '')));
    const leftover = filesUnder(join(location, 'data')).filter((f) => !live.has(join(location, 'data', f)));
    expect(leftover).toEqual([]);
  }, 900_000);
});
