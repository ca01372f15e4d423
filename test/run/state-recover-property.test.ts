/**
 * An incremental pipeline's watermark outlives the expiry of the snapshot that carried it: the
 * run's commit also writes it to the table property `floe.watermark.<pipeline>` (run-ids.ts).
 * Two pipelines appending to one table used to resume, after an expiry, from the greatest
 * cursor in the whole table — the other pipeline's — and never read their own rows below it.
 * Tables written before the record still fall back to that greatest value, with a warning
 * saying what it may skip.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/iceberg/types.js';
import { runIdUpdates } from '../../src/run/run-ids.js';
import { readState } from '../../src/run/state.js';
import { assertBuilt, events, show, useProjects, type Project } from './helpers.js';
import { commitOf, snap, table } from './run-id-fixtures.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (name: string) =>
  `source: { kind: json, path: data/${name}.jsonl, incremental: { cursor: ts } }\ncolumns: { ts: { type: long } }\ntarget: { table: raw.ev }\n`;
const rows = (...rs: [number, number][]) => rs.map(([id, ts]) => JSON.stringify({ id, ts }) + '\n').join('');

/** a commits ts 1 and 3, b commits ts 10; a compaction and an expiry leave no snapshot with a's cursor. */
async function twoWritersExpired(): Promise<Project> {
  const p = await newProject();
  await p.pipeline('a', pipeline('a'));
  await p.pipeline('b', pipeline('b'));
  await p.write('data/a.jsonl', rows([1, 1], [2, 3]));
  await p.write('data/b.jsonl', rows([100, 10]));
  await p.run(['a']);
  await p.run(['b']);
  const c = await p.floe(['compact', 'raw.ev', '--min-input-files', '2']);
  expect(c.code, show(c)).toBe(0);
  const x = await p.floe(['maintain', 'expire', 'raw.ev', '--older-than', '0s', '--retain-last', '1']);
  expect(x.code, show(x)).toBe(0);
  expect((await p.snapshots('raw.ev')).map((s) => s.summary.operation)).toEqual(['replace']);
  // a's source gets a row above a's own watermark (3), below b's (10).
  await p.write('data/a.jsonl', rows([1, 1], [2, 3], [3, 5]));
  return p;
}

describe("an incremental pipeline's watermark after its snapshot was expired", () => {
  it("resumes from the pipeline's own watermark, kept in a table property, not another writer's greater cursor", async () => {
    const p = await twoWritersExpired();
    const props = (await p.metadata('raw.ev')).properties;

    const r = await p.run(['a', '--json']);
    const evs = events(r.stdout);
    expect(await p.query('SELECT id, count(*) AS n FROM raw.ev GROUP BY id ORDER BY id')).toEqual([1, 2, 3, 100].map((id) => ({ id, n: 1 })));
    expect(evs.filter((e) => e.event === 'warning'), r.stdout).toEqual([]);
    expect(evs.find((e) => e.event === 'commit'), r.stdout).toMatchObject({ rows_written: 1 });
    // The records the compaction and the expiry carried over, one per pipeline.
    expect(JSON.parse(props['floe.watermark.a'] ?? 'null')).toMatchObject({ column: 'ts', value: '3' });
    expect(JSON.parse(props['floe.watermark.b'] ?? 'null')).toMatchObject({ column: 'ts', value: '10' });
    expect(JSON.parse((await p.metadata('raw.ev')).properties['floe.watermark.a']!)).toMatchObject({ value: '5' });
    // Nothing new: nothing read again.
    await p.run(['a']);
    expect(await p.query('SELECT count(*) AS n FROM raw.ev')).toEqual([{ n: 4 }]);
  });

  it('on a table without the record, falls back to the greatest cursor in the table and warns that it may skip rows', async () => {
    const p = await twoWritersExpired();
    const e = await p.floe(['table', 'evolve', 'raw.ev', '--remove-property', 'floe.watermark.a']);
    expect(e.code, show(e)).toBe(0);
    const r = await p.run(['a', '--json']);
    const warning = events(r.stdout).find((x) => x.event === 'warning');
    expect(warning?.message, r.stdout).toContain('reading rows with ts above 10, the greatest value in raw.ev');
    expect(warning?.message, r.stdout).toContain('another writer');
  });
});

/** A snapshot of `pipeline` carrying its cursor on column ts. */
function withCursor(s: Snapshot, value: string): Snapshot {
  return { ...s, summary: { ...s.summary, 'floe.cursor.column': 'ts', 'floe.cursor.value': value } };
}

const record = (value: string, id: number, column = 'ts') => JSON.stringify({ column, value, 'snapshot-id': String(id), 'timestamp-ms': id * 1000 });

describe('the watermark record, pure', () => {
  it('is written by a commit that moves main to a snapshot of the pipeline with a cursor, and only then', () => {
    const base = table([snap(1, null, 'p', 'r1')], 1, { 'floe.run-ids': 'complete', 'floe.run-ids.p': '[]' });
    expect(runIdUpdates(base, commitOf(withCursor(snap(2, 1, 'p', 'r2'), '7')), 'p', undefined)).toEqual([
      { action: 'set-properties', updates: { 'floe.watermark.p': record('7', 2) } },
    ]);
    // Staged (checks failed): main did not move, the watermark did not either.
    expect(runIdUpdates(base, commitOf(withCursor(snap(2, 1, 'p', 'r2'), '7'), false), 'p', undefined)).toEqual([]);
    // No cursor (not incremental), or another pipeline's snapshot: nothing.
    expect(runIdUpdates(base, commitOf(snap(2, 1, 'p', 'r2')), 'p', undefined)).toEqual([]);
    expect(runIdUpdates(base, commitOf(withCursor(snap(2, 1, 'q', 'r2'), '7')), 'p', undefined)).toEqual([]);
  });

  it('is read only when no ancestor carries the cursor and its snapshot was expired, not rolled back', () => {
    // Snapshots 1–2 expired; main's history is 3 → 4 (3's parent 2 is gone).
    const kept = [snap(3, 2), snap(4, 3, 'q', 'x')];
    const at = (props: Record<string, string>, extra: Snapshot[] = []) => table([...kept, ...extra], 4, props);
    expect(readState(at({ 'floe.watermark.p': record('5', 2) }), 'p', 'ts')).toMatchObject({ cursor: '5', historyExpired: false });
    // A record of snapshot 6, newer than main's oldest ancestor and not on main: rolled back.
    expect(readState(at({ 'floe.watermark.p': record('9', 6) }, [snap(6, 4, 'p', 'y')]), 'p', 'ts')).toMatchObject({ cursor: null, historyExpired: true });
    // Another cursor column, or a record that does not parse: not this cursor.
    expect(readState(at({ 'floe.watermark.p': record('5', 2, 'other') }), 'p', 'ts')).toMatchObject({ cursor: null, historyExpired: true });
    expect(readState(at({ 'floe.watermark.p': '{' }), 'p', 'ts')).toMatchObject({ cursor: null, historyExpired: true });
    // An ancestor's summary wins over the record.
    const onMain = table([snap(3, 2), withCursor(snap(4, 3, 'p', 'x'), '8')], 4, { 'floe.watermark.p': record('5', 2) });
    expect(readState(onMain, 'p', 'ts').cursor).toBe('8');
    // Main's whole history is there: the record's snapshot cannot have been expired.
    expect(readState(table([snap(1, null), snap(2, 1)], 2, { 'floe.watermark.p': record('5', 1) }), 'p', 'ts').cursor).toBeNull();
  });
});
