/**
 * An incremental pipeline's watermark outlives the expiry of the snapshot that carried it: the
 * run's commit also writes it to the table property `floe.watermark.<pipeline>` (run-ids.ts).
 * Two pipelines appending to one table used to resume, after an expiry, from the greatest
 * cursor in the whole table — the other pipeline's — and never read their own rows below it.
 * Tables written before the record still fall back to that greatest value, with a warning
 * saying what it may skip.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects, type Project } from './helpers.js';

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
