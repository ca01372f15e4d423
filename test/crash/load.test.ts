/**
 * Crash safety of `floe load`: killed after each sampled FileIO operation (and twice at a
 * seeded random moment), a load that creates a table leaves it absent or complete, and an
 * append leaves exactly the rows before or after — chained over attempts, so each starts
 * from what the previous kill left. Finally PyIceberg loads the tables, and
 * `floe maintain orphans` removes every leftover file without changing a row.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/floe-process.js';
import { assertBeforeOrAfter, CrashLab, killLabel, killPoints, kills, MAX_IO_KILLS, type AttemptLog } from './harness.js';

const lab = new CrashLab('load');
afterAll(() => lab.remove());

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
    const args = ['load', 'crash.created', file, '--partition-by', 'bucket(2, id)'];
    // Counted on a scratch table of the same shape, so crash.created starts absent.
    const { ops } = await lab.countOps(['load', 'crash.scratch', file, '--partition-by', 'bucket(2, id)']);
    const points = killPoints(ops, MAX_IO_KILLS);
    const log: AttemptLog[] = [];
    for (const n of points) {
      const before = await lab.state('crash.created');
      if (before.exists) break; // created: the append test below covers the rest
      const r = await lab.killAfterIo(args, n);
      const outcome = assertBeforeOrAfter(`load (create) killed after FileIO op ${n}/${ops}`, await lab.state('crash.created'), 'absent', rowsOf([1, 2, 3]), r);
      log.push({ kill: `io ${n}`, outcome, exit: String(r.code ?? r.signal) });
    }
    console.log(`load (create): ${ops} FileIO ops uninterrupted; ${log.length} kills until created: ${log.map((l) => `${l.kill}=${l.outcome}`).join(', ')}`);
    // Some kill landed before the commit: the first attempt at least (one read, nothing committed).
    expect(log[0]).toMatchObject({ outcome: 'before', exit: 'SIGKILL' });
    if ((await lab.state('crash.created')).exists === false) await lab.ok(args);
    expect((await lab.state('crash.created')).rows).toEqual(rowsOf([1, 2, 3]));
  }, 900_000);

  it('an append leaves exactly the rows before or after, attempt after attempt', async () => {
    await lab.ok(['load', 'crash.events', lab.write('data/base.csv', csv(1, 5))]);
    let next = 100;
    const ids = [1, 2, 3, 4, 5];
    const { ops, ms } = await lab.countOps(['load', 'crash.events', lab.write('data/ref.csv', csv(next, 3))]);
    ids.push(next, next + 1, next + 2);
    const points = kills(ops, ms, 42);
    const outcomes: string[] = [];
    for (const k of points) {
      next += 10;
      const args = ['load', 'crash.events', lab.write(`data/b${next}.csv`, csv(next, 3))];
      const before = await lab.state('crash.events');
      const added = [next, next + 1, next + 2];
      const r = await lab.killAt(args, k);
      const outcome = assertBeforeOrAfter(killLabel('append', k, ops), await lab.state('crash.events'), before, rowsOf([...ids, ...added]), r);
      if (outcome === 'after') ids.push(...added);
      outcomes.push(outcome);
    }
    console.log(`load (append): ${ops} FileIO ops uninterrupted; ${points.length} kills -> ${outcomes.filter((o) => o === 'before').length} before, ${outcomes.filter((o) => o === 'after').length} after`);
    // The kills really interrupted loads (the last FileIO points may land after the commit).
    expect(outcomes.filter((o) => o === 'before').length).toBeGreaterThan(0);
    // The table still takes appends after all of that.
    await lab.ok(['load', 'crash.events', lab.write('data/final.csv', csv(9000, 2))]);
    ids.push(9000, 9001);
    expect((await lab.state('crash.events')).rows).toEqual(rowsOf(ids));
  }, 900_000);

  it('PyIceberg loads what the kills left, and maintain orphans removes the leftovers', async () => {
    const floeState = await lab.state('crash.events');
    const py = await lab.pyiceberg(['crash.events', 'crash.created']);
    expect(py['crash.events']!.row_count).toBe(floeState.rows.length);
    expect(py['crash.events']!.rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(floeState.rows.map((r) => JSON.parse(r).id as number).sort((a, b) => a - b));
    expect(py['crash.events']!.files.map((f) => f.replace(/^file:\/\//, '')).sort()).toEqual(floeState.files.map((f) => f.replace(/^file:\/\//, '')).sort());
    expect(py['crash.created']!.row_count).toBe(3);

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
