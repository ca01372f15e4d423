/**
 * An overwrite with no row to write (a header-only CSV from a failed export, a --full-refresh
 * that reads nothing) does not empty a table that holds rows: `floe run` and `floe load
 * --mode overwrite` fail (exit 1) naming the table, the input and the rows it would replace,
 * commit nothing, and the audit log records the failure. `target.allow_empty: true` and
 * `floe load --allow-empty` empty the table on purpose. A table without rows (new, emptied,
 * or whose every row a merge-on-read merge deleted) is not guarded: nothing would be lost.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const count = async (p: Project, table: string) => Number((await p.query(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
const oneLine = (s: string) => s.replace(/\s+/g, ' ');

describe('overwrite from input without rows', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('a pipeline run fails, names file, table and rows, leaves the table as it was and is in the audit log', async () => {
    await p.write('data/feed.csv', 'id,name\n1,Ann\n2,Bob\n3,Cy\n');
    const file = await p.pipeline('nightly', 'source: { kind: csv, path: data/feed.csv }\ntarget: { table: raw.nightly, mode: overwrite }\n');
    await p.run(['nightly']);
    const pointer = await p.pointer('raw.nightly');
    await p.write('data/feed.csv', 'id,name\n');
    const r = await p.run(['nightly'], 1);
    const err = oneLine(r.stderr);
    expect(err).toContain(`raw.nightly: no row to write from ${p.path('data/feed.csv')}, and the overwrite would replace the table's 3 rows with none; nothing was committed`);
    expect(err).toContain(`set allow_empty: true under target in ${file}`);
    expect(await p.pointer('raw.nightly')).toBe(pointer);
    expect(await count(p, 'raw.nightly')).toBe(3);
    const audit = await p.query(`SELECT command, outcome, exit_code, error_kind, error_message FROM floe.audit_log WHERE outcome <> 'ok' ORDER BY started_at`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ command: 'run', outcome: 'failed', exit_code: 1, error_kind: 'source' });
    expect(String(audit[0]!.error_message)).toContain('the overwrite would replace the table\'s 3 rows with none');
  });

  it('--json ends with an error event and no commit event', async () => {
    const r = await p.run(['nightly', '--json'], 1);
    const ev = events(r.stdout);
    expect(ev.some((e) => e.event === 'commit')).toBe(false);
    const error = ev.find((e) => e.event === 'error');
    expect(error?.message, show(r)).toContain('no row to write from');
  });

  it('a CSV whose every row is rejected under the limits is refused the same way', async () => {
    await p.write('data/feed.csv', 'id,name\n1,Ann,extra\n');
    await p.pipeline('nightly', 'source: { kind: csv, path: data/feed.csv }\ntarget: { table: raw.nightly, mode: overwrite }\nrejects: { max_ratio: 1 }\n');
    const r = await p.run(['nightly'], 1);
    expect(oneLine(r.stderr)).toContain("the overwrite would replace the table's 3 rows with none");
    expect(await count(p, 'raw.nightly')).toBe(3);
    // Nothing committed, so nothing quarantined either.
    expect(await p.exists('raw.nightly__rejects')).toBe(false);
  });

  it('allow_empty: true empties the table on purpose; then an empty table is not guarded', async () => {
    await p.write('data/feed.csv', 'id,name\n');
    await p.pipeline('nightly', 'source: { kind: csv, path: data/feed.csv }\ntarget: { table: raw.nightly, mode: overwrite, allow_empty: true }\n');
    await p.run(['nightly']);
    expect(await count(p, 'raw.nightly')).toBe(0);
    await p.pipeline('nightly', 'source: { kind: csv, path: data/feed.csv }\ntarget: { table: raw.nightly, mode: overwrite }\n');
    await p.run(['nightly']);
    expect(await count(p, 'raw.nightly')).toBe(0);
  });

  it('the guard comes before the checks; with allow_empty a row_count check still keeps main where it was (exit 3)', async () => {
    await p.write('data/wap.csv', 'id\n1\n2\n');
    const yaml = (extra: string) => `source: { kind: csv, path: data/wap.csv }\ntarget: { table: raw.wap, mode: overwrite${extra} }\nchecks:\n  - row_count: { min: 1 }\n`;
    await p.pipeline('wap', yaml(''));
    await p.run(['wap']);
    const main = (await p.metadata('raw.wap'))['current-snapshot-id'];
    await p.write('data/wap.csv', 'id\n');
    const refused = await p.run(['wap'], 1);
    expect(oneLine(refused.stderr)).toContain("raw.wap: no row to write from");
    // Refused before the audit: no staged snapshot, no check result.
    expect((await p.metadata('raw.wap')).snapshots).toHaveLength(1);
    await p.pipeline('wap', yaml(', allow_empty: true'));
    await p.run(['wap'], 3);
    const m = await p.metadata('raw.wap');
    expect(m['current-snapshot-id']).toBe(main);
    expect(m.snapshots).toHaveLength(2);
    expect(await count(p, 'raw.wap')).toBe(2);
  });

  it('a new table is created from a header-only file as before', async () => {
    await p.write('data/new.csv', 'id,name\n');
    await p.pipeline('fresh', 'source: { kind: csv, path: data/new.csv }\ntarget: { table: raw.fresh, mode: overwrite }\n');
    await p.run(['fresh']);
    expect(await p.columns('raw.fresh')).toEqual(['id string', 'name string']);
  });

  it('--full-refresh of an append pipeline that reads no row is refused', async () => {
    await p.write('data/app.csv', 'id\n1\n2\n');
    await p.pipeline('app', 'source: { kind: csv, path: data/app.csv }\ntarget: { table: raw.app }\n');
    await p.run(['app']);
    await p.write('data/app.csv', 'id\n');
    // A plain append of nothing is fine.
    await p.run(['app']);
    const r = await p.run(['app', '--full-refresh'], 1);
    expect(oneLine(r.stderr)).toContain("raw.app: no row to write from");
    expect(oneLine(r.stderr)).toContain("replace the table's 2 rows with none");
    expect(await count(p, 'raw.app')).toBe(2);
  });

  it('a glob that matches no file fails and leaves the table as it was', async () => {
    await p.write('data/parts/a.csv', 'id\n1\n');
    await p.pipeline('parts', 'source: { kind: csv, path: data/parts/*.csv }\ntarget: { table: raw.parts, mode: overwrite }\n');
    await p.run(['parts']);
    const pointer = await p.pointer('raw.parts');
    await p.pipeline('parts', 'source: { kind: csv, path: data/parts/*.tsv }\ntarget: { table: raw.parts, mode: overwrite }\n');
    const r = await p.run(['parts'], 1);
    expect(oneLine(r.stderr)).toContain(`no file matches ${p.path('data/parts/*.tsv')}`);
    expect(await p.pointer('raw.parts')).toBe(pointer);
  });

  it('a table whose every row a merge-on-read merge deleted is overwritten from an empty file', async () => {
    await p.write('data/m0.csv', 'id,v\n1,a\n2,b\n');
    await p.floe(['load', 'raw.mor', p.path('data/m0.csv')]).then((r) => expect(r.code, show(r)).toBe(0));
    await p.floe(['table', 'evolve', 'raw.mor', '--set-property', 'write.merge.mode=merge-on-read']).then((r) => expect(r.code, show(r)).toBe(0));
    await p.write('data/m.csv', 'id,v,deleted\n1,a,true\n2,b,true\n');
    await p.pipeline('mdel', 'source: { kind: csv, path: data/m.csv }\ntarget: { table: raw.mor, mode: merge, key: [id], delete_column: deleted }\n');
    await p.run(['mdel']);
    expect(await count(p, 'raw.mor')).toBe(0);
    await p.write('data/m1.csv', 'id,v\n');
    const r = await p.floe(['load', 'raw.mor', p.path('data/m1.csv'), '--mode', 'overwrite']);
    expect(r.code, show(r)).toBe(0);
  });
});

describe('floe load --mode overwrite from input without rows', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('full.csv', 'id,name\n1,Ann\n2,Bob\n');
    await p.write('empty.csv', 'id,name\n');
    await p.write('empty.jsonl', '');
    const r = await p.floe(['load', 'raw.t', p.path('full.csv')]);
    expect(r.code, show(r)).toBe(0);
  });

  it('is refused, naming the file and the table; the table is unchanged', async () => {
    const pointer = await p.pointer('raw.t');
    const r = await p.floe(['load', 'raw.t', p.path('empty.csv'), '--mode', 'overwrite']);
    expect(r.code, show(r)).toBe(1);
    expect(oneLine(r.stderr)).toContain(`raw.t: no row to write from ${p.path('empty.csv')}, and the overwrite would replace the table's 2 rows with none; nothing was committed`);
    expect(oneLine(r.stderr)).toContain('add --allow-empty');
    expect(await p.pointer('raw.t')).toBe(pointer);
    expect(await count(p, 'raw.t')).toBe(2);
    const audit = await p.query(`SELECT command, outcome, exit_code FROM floe.audit_log WHERE outcome <> 'ok'`);
    expect(audit).toEqual([{ command: 'load', outcome: 'failed', exit_code: 1 }]);
  });

  it('--json ends with an error end event', async () => {
    const r = await p.floe(['load', 'raw.t', p.path('empty.csv'), '--mode', 'overwrite', '--json']);
    expect(r.code, show(r)).toBe(1);
    const ev = events(r.stdout);
    expect(ev.some((e) => e.event === 'commit')).toBe(false);
    expect(ev.at(-1)).toMatchObject({ event: 'end', status: 'error' });
  });

  it('an append of the same file changes nothing and succeeds, as before', async () => {
    const r = await p.floe(['load', 'raw.t', p.path('empty.csv')]);
    expect(r.code, show(r)).toBe(0);
    expect(await count(p, 'raw.t')).toBe(2);
  });

  it('--allow-empty empties the table', async () => {
    const r = await p.floe(['load', 'raw.t', p.path('empty.csv'), '--mode', 'overwrite', '--allow-empty']);
    expect(r.code, show(r)).toBe(0);
    expect(await count(p, 'raw.t')).toBe(0);
  });

  it('--help lists --allow-empty', async () => {
    const r = await p.floe(['load', '--help']);
    expect(r.stdout).toMatch(/--allow-empty\s+with --mode overwrite/);
  });
});
