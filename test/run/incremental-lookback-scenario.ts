/**
 * The late-row scenario of `incremental.lookback`, run against any source kind: two rows, a
 * first run (watermark 12:00), then a late update below the watermark alone (the watermark
 * stays), then rows committed late — an update of an existing key and a
 * new key inside the 2h lookback, a new key outside it, a new key tied with the watermark —
 * and the runs after. The source is described by callbacks that write its rows.
 */
import { expect } from 'vitest';
import { events, type Project } from './helpers.js';

export interface SourceRows {
  /** Replaces or adds rows (by id) in the source: id, v, updated_at as 'YYYY-MM-DD HH:MM:SS' UTC. */
  put(rows: readonly [number, string, string][]): Promise<void>;
}

const day = '2024-01-05';
const at = (hm: string) => `${day} ${hm}:00`;

/** The rows of the target table: id → v, with every id once. */
async function tableRows(p: Project, table: string): Promise<Record<number, string>> {
  const rows = await p.query(`SELECT id, v FROM ${table} ORDER BY id`);
  const out: Record<number, string> = {};
  for (const r of rows) {
    const id = Number(r.id);
    expect(out[id], `id ${id} is in ${table} once`).toBeUndefined();
    out[id] = String(r.v);
  }
  return out;
}

export function eventOf(stdout: string, name: string): Record<string, any> {
  const e = events(stdout).find((x) => x.event === name);
  expect(e, `a ${name} event in\n${stdout}`).toBeDefined();
  return e!;
}

/**
 * `pipeline` (mode: merge, key [id], incremental: { cursor: updated_at, lookback: 2h })
 * writes `table`. `watermark` matches the stored form of a cursor value 'HH:MM' of the day.
 */
export async function lateRowScenario(
  p: Project,
  o: {
    pipeline: string;
    table: string;
    source: SourceRows;
    env?: Record<string, string>;
    watermark: (hm: string) => RegExp;
    /** The source filters on the bound itself (databases): the rows below it are not even read. */
    pushedDown: boolean;
  },
): Promise<void> {
  const run = async (args: string[] = []) => p.run([o.pipeline, '--json', ...args], 0, o.env ?? {});
  await o.source.put([
    [1, 'a', at('10:00')],
    [2, 'b', at('12:00')],
  ]);
  await run();
  const cursorValue = async () => (await p.snapshots(o.table)).at(-1)!.summary['floe.cursor.value'];
  expect(await cursorValue()).toMatch(o.watermark('12:00'));

  // Only a row below the watermark changes: it is the only row the run writes (the rows read
  // again unchanged are left out), so its cursor is the greatest written; the stored
  // watermark must stay at 12:00 and not fall back to 11:30.
  await o.source.put([[1, 'a-early', at('11:30')]]);
  const below = await run();
  expect(eventOf(below.stdout, 'extract').cursor.lower_bound).toMatch(o.watermark('10:00'));
  expect(await tableRows(p, o.table)).toEqual({ 1: 'a-early', 2: 'b' });
  expect(await cursorValue()).toMatch(o.watermark('12:00'));

  // Committed after the first run, with cursors at or below its watermark.
  await o.source.put([
    [1, 'a-late', at('11:30')], // an update of an existing key, inside the lookback
    [3, 'c-late', at('11:00')], // a new key inside the lookback
    [4, 'd-old', at('09:59')], // a new key below watermark - lookback
    [5, 'e-tie', at('12:00')], // tied with the watermark
  ]);
  const before = (await p.snapshots(o.table)).length;
  const second = await run();
  const extract = eventOf(second.stdout, 'extract');
  expect(eventOf(second.stdout, 'commit').rows_read).toBe(o.pushedDown ? 4 : 5);
  expect(extract.cursor).toMatchObject({ column: 'updated_at', inclusive: true, lookback: '2h' });
  expect(extract.cursor.watermark).toMatch(o.watermark('12:00'));
  expect(extract.cursor.lower_bound).toMatch(o.watermark('10:00'));
  // Upserted once each; the row outside the lookback is not read.
  expect(await tableRows(p, o.table)).toEqual({ 1: 'a-late', 2: 'b', 3: 'c-late', 5: 'e-tie' });
  expect(await p.snapshots(o.table)).toHaveLength(before + 1);
  // Every row read again lies at or below the old watermark: it stays.
  expect(await cursorValue()).toMatch(o.watermark('12:00'));

  // Nothing new: the rows read again are in the table unchanged, so nothing is written.
  const third = await run();
  expect(eventOf(third.stdout, 'commit').rows_written).toBe(0);
  expect(await p.snapshots(o.table)).toHaveLength(before + 1);
  expect(await tableRows(p, o.table)).toEqual({ 1: 'a-late', 2: 'b', 3: 'c-late', 5: 'e-tie' });

  // A new row above the watermark moves it on; the bound follows.
  await o.source.put([[6, 'f', at('13:15')]]);
  await run();
  expect(await cursorValue()).toMatch(o.watermark('13:15'));
  expect(await tableRows(p, o.table)).toEqual({ 1: 'a-late', 2: 'b', 3: 'c-late', 5: 'e-tie', 6: 'f' });
  const plan = await p.floe(['plan', o.pipeline], o.env ?? {});
  expect(plan.stdout).toMatch(/incremental: updated_at >= 2024-01-05[ T]11:15:00\S* \(last committed 2024-01-05[ T]13:15:00\S* less lookback 2h\)/);
}
