/**
 * Incremental state across table upkeep: the cursor lives in the summary of the snapshot
 * that carried the pipeline's last rows. A compaction (or another pipeline's commit) after it,
 * then `floe maintain expire`, removes that snapshot; the next run must neither read every
 * row again (duplicates in append mode) nor skip new ones.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('an incremental cursor whose snapshot was expired', () => {
  it('resumes after the greatest cursor value in the table, with a warning; no row twice, no new row lost', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: csv, path: data/ev.csv, incremental: { cursor: ts } }\ncolumns: { ts: { type: long, rename: seq } }\ntarget: { table: raw.ev }\n');
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,2\n');
    await p.run(['ev']);
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,2\n3,3\n');
    await p.run(['ev']);
    const c = await p.floe(['compact', 'raw.ev', '--min-input-files', '2']);
    expect(c.code, show(c)).toBe(0);
    const x = await p.floe(['maintain', 'expire', 'raw.ev', '--older-than', '0s', '--retain-last', '1']);
    expect(x.code, show(x)).toBe(0);
    // Only the compaction's snapshot is left: no cursor in main's history.
    expect((await p.snapshots('raw.ev')).map((s) => s.summary.operation)).toEqual(['replace']);
    // As on a table written before floe kept the watermark record (run-ids.ts), which a run reads first.
    expect((await p.floe(['table', 'evolve', 'raw.ev', '--remove-property', 'floe.watermark.ev'])).code).toBe(0);

    await p.write('data/ev.csv', 'id,ts\n1,1\n2,2\n3,3\n4,4\n');
    const r = await p.run(['ev', '--json']);
    const warning = events(r.stdout).find((e) => e.event === 'warning');
    expect(warning?.message, r.stdout).toContain('reading rows with ts above 3, the greatest value in raw.ev');
    expect(events(r.stdout).find((e) => e.event === 'commit')).toMatchObject({ rows_written: 1 });
    expect(await p.query('SELECT id, count(*) AS n FROM raw.ev GROUP BY id ORDER BY id')).toEqual([1, 2, 3, 4].map((id) => ({ id, n: 1 })));
    expect((await p.snapshots('raw.ev')).at(-1)!.summary['floe.cursor.value']).toBe('4');

    // Text mode says it on stderr; --full-refresh still reads everything.
    const again = await p.run(['ev']);
    expect(again.stderr).not.toContain('warning');
    // --full-refresh replaces the append table's rows with the source's: each row once.
    await p.run(['ev', '--full-refresh']);
    expect(await p.query('SELECT id, count(*) AS n FROM raw.ev GROUP BY id ORDER BY id')).toEqual([1, 2, 3, 4].map((id) => ({ id, n: 1 })));
  });

  it('without --json the warning is printed on stderr', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: csv, path: data/ev.csv, incremental: { cursor: ts } }\ncolumns: { ts: { type: long } }\ntarget: { table: raw.ev }\n');
    await p.write('data/ev.csv', 'id,ts\n1,1\n');
    await p.run(['ev']);
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,2\n');
    await p.run(['ev']);
    expect((await p.floe(['compact', 'raw.ev', '--min-input-files', '2'])).code).toBe(0);
    expect((await p.floe(['maintain', 'expire', 'raw.ev', '--older-than', '0s', '--retain-last', '1'])).code).toBe(0);
    expect((await p.floe(['table', 'evolve', 'raw.ev', '--remove-property', 'floe.watermark.ev'])).code).toBe(0);
    const r = await p.run(['ev']);
    expect(r.stderr).toContain('floe: ev: warning: the snapshot holding the incremental cursor of pipeline ev has been expired');
    expect(await p.query('SELECT count(*) AS n FROM raw.ev')).toEqual([{ n: 2 }]);
  });
});

describe('rows whose incremental cursor is NULL', () => {
  it('are read by the first run; a later run that leaves them out says how many, in --json and on stderr', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: csv, path: data/ev.csv, incremental: { cursor: ts } }\ncolumns: { ts: { type: long } }\ntarget: { table: raw.ev }\n');
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,\n');
    await p.run(['ev']);
    expect(await p.query('SELECT id FROM raw.ev ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    await p.write('data/ev.csv', 'id,ts\n1,1\n2,\n3,5\n4,\n');
    const r = await p.run(['ev', '--json']);
    const warning = events(r.stdout).find((e) => e.event === 'warning');
    expect(warning, r.stdout).toMatchObject({ pipeline: 'ev', rows_not_read: 2 });
    expect(warning!.message).toContain('2 row(s) with a NULL ts were not read');
    expect(await p.query('SELECT id FROM raw.ev ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const text = await p.run(['ev']);
    expect(text.stderr).toContain('floe: ev: warning: 2 row(s) with a NULL ts were not read');
  });
});

describe('a cursor that goes backwards', () => {
  it('a file source whose every cursor is below the watermark reads nothing and says so', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: csv, path: data/ev.csv, incremental: { cursor: ts } }\ncolumns: { ts: { type: long } }\ntarget: { table: raw.ev }\n');
    await p.write('data/ev.csv', 'id,ts\n1,100\n2,200\n');
    await p.run(['ev']);
    // The export was regenerated with a new numbering.
    await p.write('data/ev.csv', 'id,ts\n3,1\n4,2\n');
    const r = await p.run(['ev', '--json']);
    const warning = events(r.stdout).find((e) => e.event === 'warning');
    expect(warning?.message, r.stdout).toContain("the source's greatest ts (2) is below the last committed cursor (200), so no row was read");
    expect(await p.query('SELECT count(*) AS n FROM raw.ev')).toEqual([{ n: 2 }]);
    expect((await p.snapshots('raw.ev')).at(-1)!.summary['floe.cursor.value']).toBe('200');
  });
});

describe('an incremental append killed at any point', () => {
  it('then run again: every row of the cumulative export exactly once, the cursor at its greatest value', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: csv, path: data/ev.csv, incremental: { cursor: ts } }\ncolumns: { ts: { type: long } }\ntarget: { table: raw.ev }\n');
    const rows = ['1,1', '2,2'];
    const write = () => p.write('data/ev.csv', `id,ts\n${rows.join('\n')}\n`);
    await write();
    await p.run(['ev']);
    let killed = 0;
    for (const n of [1, 2, 4, 6, 8, 10, 12, 14, 16, 20]) {
      const next = rows.length + 1;
      rows.push(`${next},${next}`, `${next + 1},${next + 1}`);
      await write();
      const k = await p.floe(['run', 'ev'], { FLOE_FAULT_KILL_AFTER_IO: String(n) });
      if (k.signal === 'SIGKILL' || k.code === 137) killed++;
      else expect(k.code, show(k)).toBe(0);
      await p.run(['ev']);
      expect(await p.query('SELECT count(*) AS n, count(DISTINCT id) AS ids, max(ts) AS top FROM raw.ev'), `after a kill at FileIO operation ${n}`).toEqual([
        { n: rows.length, ids: rows.length, top: rows.length },
      ]);
      expect((await p.snapshots('raw.ev')).at(-1)!.summary['floe.cursor.value']).toBe(String(rows.length));
    }
    expect(killed).toBeGreaterThan(3);
  });
});
