/**
 * `target.allow_empty: true` applies to an HTTP source that answers with no records: an
 * existing overwrite table (or an append table under --full-refresh) is emptied by an
 * overwrite snapshot with no row, in the table's own columns and types. The pipeline's checks
 * still gate that snapshot (a `row_count: {min: 1}` keeps main where it was, exit 3), the
 * audit log records the run, and the commit event reports 0 rows. Without allow_empty the
 * table is left as it is with a warning, and a new table is still created only by a run that
 * reads some records.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { usePrivateTmpdir, useRecordsApi } from '../helpers/local-http.js';
import { assertBuilt, events, type Project, show, useProjects } from '../run/helpers.js';

// Private TMPDIR: test/sources/http.test.ts counts floe-http-* folders in the shared one.
usePrivateTmpdir('floe-review-http-empty-');

beforeAll(assertBuilt);
const newProject = useProjects();

const api = useRecordsApi<{ id: number; name: string; score: number }>();

const ROWS = [{ id: 1, name: 'a', score: 1.5 }, { id: 2, name: 'b', score: 2.5 }];

const pipeline = (target: string, extra = '') =>
  ['source:', '  kind: http', `  url: ${api.origin}/items`, '  records_path: data', `target: { table: raw.items, ${target} }`,
    'columns:', '  id: { type: long }', '  name: { rename: label }', extra, ''].join('\n');

const count = async (p: Project) => Number((await p.query('SELECT count(*) AS n FROM raw.items'))[0]!.n);

describe('an http source with no records and allow_empty', () => {
  it('empties an existing overwrite table with one overwrite snapshot, keeping its schema', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('mode: overwrite, allow_empty: true'));
    api.records = ROWS;
    await p.run(['items']);
    const columns = await p.columns('raw.items');
    const schemas = (await p.metadata('raw.items')).schemas.length;
    const before = await p.snapshots('raw.items');
    expect(before).toHaveLength(1);

    api.records = [];
    const r = await p.floe(['run', 'items', '--json']);
    expect(r.code, show(r)).toBe(0);
    const ev = events(r.stdout);
    expect(ev.some((e) => e.event === 'warning'), show(r)).toBe(false);
    const commit = ev.find((e) => e.event === 'commit');
    expect(commit, show(r)).toMatchObject({ rows_read: 0, rows_written: 0 });

    const after = await p.snapshots('raw.items');
    expect(after).toHaveLength(2);
    const last = after.at(-1)!;
    expect(String(commit!.snapshot_id)).toBe(String(last['snapshot-id']));
    expect(last.summary.operation).toBe('overwrite');
    expect(last.summary['total-records']).toBe('0');
    expect(await count(p)).toBe(0);
    expect(await p.columns('raw.items')).toEqual(columns);
    expect((await p.metadata('raw.items')).schemas).toHaveLength(schemas);

    const audit = await p.query("SELECT outcome, exit_code FROM floe.audit_log WHERE command = 'run' ORDER BY started_at DESC LIMIT 1");
    expect(audit).toEqual([{ outcome: 'ok', exit_code: 0 }]);

    // The next response with records fills the emptied table again.
    api.records = ROWS;
    await p.run(['items']);
    expect(await p.query('SELECT id, label FROM raw.items ORDER BY id')).toEqual([{ id: 1, label: 'a' }, { id: 2, label: 'b' }]);
  });

  it('--full-refresh of an append pipeline with allow_empty empties the table', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('mode: append, allow_empty: true'));
    api.records = ROWS;
    await p.run(['items']);
    api.records = [];
    await p.run(['items']);
    expect(await count(p)).toBe(2);
    const r = await p.floe(['run', 'items', '--full-refresh']);
    expect(r.code, show(r)).toBe(0);
    expect(await count(p)).toBe(0);
    expect((await p.snapshots('raw.items')).at(-1)!.summary.operation).toBe('overwrite');
  });

  it('a row_count check still gates the empty snapshot: main is not moved (exit 3) and the failure is recorded', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('mode: overwrite, allow_empty: true', 'checks:\n  - row_count: { min: 1 }'));
    api.records = ROWS;
    await p.run(['items']);
    const main = (await p.metadata('raw.items'))['current-snapshot-id'];

    api.records = [];
    const r = await p.floe(['run', 'items']);
    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toMatch(/main was not moved/);
    const m = await p.metadata('raw.items');
    expect(m['current-snapshot-id']).toBe(main);
    expect(m.snapshots).toHaveLength(2);
    expect(await count(p)).toBe(2);
    const staged = /--snapshot (\d+)/.exec(r.stderr)![1]!;
    const q = await p.floe(['query', 'SELECT count(*) AS n FROM raw.items', '--snapshot', staged, '--format', 'json']);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 0 }]);
    expect(await p.query("SELECT check_name, status FROM floe.check_results WHERE status = 'fail'")).toHaveLength(1);
    expect(await p.query("SELECT outcome, exit_code FROM floe.audit_log WHERE command = 'run' ORDER BY started_at DESC LIMIT 1")).toEqual([{ outcome: 'failed', exit_code: 3 }]);
  });
});

describe('an http source with no records, without allow_empty', () => {
  it('leaves an existing overwrite table as it is, with a warning', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('mode: overwrite'));
    api.records = ROWS;
    await p.run(['items']);
    const before = await p.snapshots('raw.items');

    api.records = [];
    const r = await p.floe(['run', 'items', '--json']);
    expect(r.code, show(r)).toBe(0);
    const warning = events(r.stdout).find((e) => e.event === 'warning');
    expect(warning?.message).toBe('the source returned no records; raw.items was left as it is (an overwrite from an empty response is not applied)');
    expect(await p.snapshots('raw.items')).toEqual(before);
    expect(await count(p)).toBe(2);
  });

  it('with allow_empty, a new table is still created only by the first run that reads some records', async () => {
    const p = await newProject();
    await p.pipeline('items', pipeline('mode: overwrite, allow_empty: true'));
    api.records = [];
    const r = await p.floe(['run', 'items', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(events(r.stdout).find((e) => e.event === 'warning')?.message).toBe('the source returned no records; raw.items is created by the first run that reads some');
    expect(await p.tables()).not.toContain('raw.items');
  });
});
