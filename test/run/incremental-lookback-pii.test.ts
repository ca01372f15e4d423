/**
 * A merge pipeline with `incremental.lookback` whose cursor column is masked at ingest
 * (`pii: { policy: hash, apply: ingest }`): the table stores hashes, while the watermark is
 * taken from the cursor before the mask. Every run after the first failed: the lookback's
 * kind was taken from the table's string column ("cannot be subtracted from the text cursor"),
 * and the rows read again were compared with the table's hashes as timestamps. Now the run
 * writes the new rows and the late one inside the lookback once, and a run with nothing new
 * commits nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_PII_SALT: 'a-long-salt-for-the-lookback-pii-test' };

describe('incremental.lookback on a cursor hashed at ingest', () => {
  it('writes the rows above the watermark and the late ones inside the lookback once', async () => {
    const p = await newProject();
    await p.pipeline(
      'p',
      ['source: { kind: csv, path: data/*.csv, incremental: { cursor: ts, lookback: 1h } }', 'columns:', '  ts: { pii: { policy: hash, apply: ingest } }', 'target: { table: raw.t, mode: merge, key: [id] }', ''].join('\n'),
    );
    await p.write('data/a.csv', 'id,ts,v\n1,2026-01-01 00:00:00,a\n2,2026-01-02 00:00:00,b\n');
    await p.run(['p'], 0, env);
    // 3 is new; 4 came late, inside the lookback (23:30, the watermark is 2026-01-02 00:00); 5 came late below it (22:00).
    await p.write('data/b.csv', 'id,ts,v\n3,2026-01-03 00:00:00,c\n4,2026-01-01 23:30:00,d\n5,2026-01-01 22:00:00,e\n');
    const r = await p.run(['p', '--json'], 0, env);
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(events.find((e) => e.event === 'commit')?.rows_written, show(r)).toBe(2);
    expect(await p.query('SELECT id, v, count(*) OVER (PARTITION BY id)::INT AS n FROM raw.t ORDER BY id')).toEqual([
      { id: 1, v: 'a', n: 1 },
      { id: 2, v: 'b', n: 1 },
      { id: 3, v: 'c', n: 1 },
      { id: 4, v: 'd', n: 1 },
    ]);
    const again = await p.run(['p', '--json'], 0, env);
    const commit = again.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
    expect(commit?.rows_written, show(again)).toBe(0);
    expect(commit?.snapshot_id).toBe(events.find((e) => e.event === 'commit')?.snapshot_id);
  }, 60_000);
});
