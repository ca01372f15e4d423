/**
 * A merge pipeline with `incremental.lookback` whose cursor column is hashed at ingest
 * (`pii: { policy: hash, apply: ingest }`). Its watermark, the cursor's greatest value before
 * the hash, was committed in the table's metadata (snapshot summary `floe.cursor.value`, table
 * property `floe.watermark.<pipeline>`): the raw value of a PII column, outside the hashed
 * data. Such a cursor is now refused (exit 2) at its line:col before the first run writes
 * anything, lookback or not; the same pipeline on an untagged cursor runs its lookback.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_PII_SALT: 'a-long-salt-for-the-lookback-pii-test' };

const pipeline = (tsRule: string) =>
  ['source: { kind: csv, path: data/*.csv, incremental: { cursor: ts, lookback: 1h } }', 'columns:', `  ts: ${tsRule}`, 'target: { table: raw.t, mode: merge, key: [id] }', ''].join('\n');

describe('incremental.lookback on a cursor hashed at ingest', () => {
  it('is refused before anything is written, and runs on an untagged cursor', async () => {
    const p = await newProject();
    const file = await p.pipeline('p', pipeline('{ pii: { policy: hash, apply: ingest } }'));
    await p.write('data/a.csv', 'id,ts,v\n1,2026-01-01 00:00:00,a\n2,2026-01-02 00:00:00,b\n');
    const r = await p.run(['p'], 2, env);
    expect(r.stderr).toContain(`${file}:1:63: source.incremental.cursor: the incremental cursor ts is tagged PII (pii text: hash, applied at ingest)`);
    expect(r.stderr).not.toContain('2026-01-02');
    expect(await p.exists('raw.t')).toBe(false);

    await p.pipeline('p', pipeline('{ type: timestamp }'));
    await p.run(['p'], 0, env);
    // 3 is new; 4 came late, inside the lookback (23:30, the watermark is 2026-01-02 00:00).
    await p.write('data/b.csv', 'id,ts,v\n3,2026-01-03 00:00:00,c\n4,2026-01-01 23:30:00,d\n');
    const again = await p.run(['p', '--json'], 0, env);
    const commit = again.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit?.rows_written, show(again)).toBe(2);
    expect(await p.query('SELECT id, v FROM raw.t ORDER BY id')).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
      { id: 3, v: 'c' },
      { id: 4, v: 'd' },
    ]);
  }, 60_000);
});
