/**
 * floe.audit_log end to end through the built CLI: a sequence of commands (a run, loads, a
 * failed load, a failed check, a drop, read-only commands) gives exactly one row per audited
 * command, in order, with its tables, snapshot ids, row counts and outcome.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe.audit_log', () => {
  let p: Project;
  let rows: Record<string, any>[];
  const results: Record<string, { code: number | null; stdout: string; stderr: string }> = {};

  beforeAll(async () => {
    p = await newProject();
    await p.write('data/people.csv', 'id,name\n1,ann\n2,bob\n3,cy\n');
    await p.write('data/more.csv', 'id,name\n4,dee\n');
    await p.pipeline('people', 'name: people\nsource: { kind: csv, path: data/people.csv }\ntarget: { table: raw.people, mode: overwrite }\n');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/lake', GITHUB_RUN_ID: '987', GITHUB_JOB: 'nightly', DB_PASSWORD: 'not-for-the-log' };
    const steps: [string, string[], number][] = [
      ['run', ['run', 'people'], 0],
      ['load', ['load', 'raw.more', p.path('data/more.csv')], 0],
      ['query', ['query', 'SELECT count(*) FROM raw.people'], 0],
      ['tables', ['tables'], 0],
      ['bad-load', ['load', 'raw.more', 'postgres://u:pw123456@db/not-for-the-log.csv'], 2],
      ['check', ['check', 'raw.people', '--row-count-min', '10'], 3],
      ['drop', ['table', 'drop', 'raw.more'], 0],
    ];
    for (const [key, args, code] of steps) {
      const r = await p.floe(args, env);
      expect(r.code, `${key}: ${show(r)}`).toBe(code);
      results[key] = r;
    }
    rows = await p.query('SELECT * FROM floe.audit_log ORDER BY started_at, finished_at');
  }, 180_000);

  it('has exactly one row per audited command, in order; read-only commands are not recorded', () => {
    expect(rows.map((r) => [r.command, r.outcome, r.exit_code])).toEqual([
      ['run', 'ok', 0],
      ['load', 'ok', 0],
      ['load', 'failed', 2],
      ['check', 'failed', 3],
      ['table drop', 'ok', 0],
    ]);
    expect(new Set(rows.map((r) => r.audit_id)).size).toBe(5);
  });

  it('records the tables, snapshot ids and row counts each command committed', async () => {
    const people = await p.snapshots('raw.people');
    expect(rows[0]).toMatchObject({ tables: 'raw.people', snapshot_ids: people[0]!['snapshot-id'], rows_added: 3 });
    expect(rows[1]).toMatchObject({ tables: 'raw.more', rows_added: 1 });
    expect(rows[1]!.snapshot_ids).toMatch(/^\d+$/);
    expect(rows[2]).toMatchObject({ tables: '', snapshot_ids: '', rows_added: null });
    // the failed check still recorded its results, and names the table it checked
    expect(rows[3]!.tables).toBe('floe.check_results,raw.people');
    expect(rows[4]).toMatchObject({ tables: 'raw.more', snapshot_ids: '' });
    expect(JSON.parse(rows[4]!.changes)).toEqual([{ table: 'raw.more', action: 'dropped', snapshots: [] }]);
  });

  it('records who ran it (the CI job), the arguments with secrets redacted, and the error', () => {
    for (const r of rows) expect(r).toMatchObject({ actor: 'github:acme/lake#987/nightly', actor_kind: 'ci', ci_system: 'github', ci_job: '987' });
    expect(JSON.parse(rows[0]!.arguments)).toEqual(['--project', p.dir, 'run', 'people']);
    const bad = rows[2]!;
    // A URL floe does not read is refused as a usage error, without echoing it.
    expect(bad.error_kind).toBe('usage');
    expect(bad.arguments).toContain('postgres://u:***@db/***.csv');
    for (const r of rows) {
      expect(JSON.stringify(r)).not.toContain('pw123456');
      expect(JSON.stringify(r)).not.toContain('not-for-the-log');
    }
    expect(bad.error_message).toMatch(/postgres:\/\/ paths are not read/);
    expect(new Date(rows[0]!.started_at).getTime()).toBeLessThanOrEqual(new Date(rows[0]!.finished_at).getTime());
  });

  it('a failure to write the log is a warning; the command keeps its own result', async () => {
    const q = await newProject();
    // floe.audit_log as a table whose columns the audit record cannot be appended to.
    await q.write('data/log.csv', 'audit_id,started_at\n1,2\n');
    const env = { FLOE_AUDIT_LOG: 'off' };
    const first = await q.floe(['load', 'floe.audit_log', q.path('data/log.csv')], env);
    expect(first.code, show(first)).toBe(0);
    await q.write('data/t.csv', 'a\n1\n');
    const r = await q.floe(['load', 'x.t', q.path('data/t.csv')]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toMatch(/warning: the command was not recorded in floe\.audit_log/);
    expect(await q.query('SELECT a FROM x.t')).toEqual([{ a: 1 }]);
    const failed = await q.floe(['load', 'x.t', q.path('data/missing.csv')]);
    expect(failed.code, show(failed)).toBe(1);
    expect(failed.stderr).toMatch(/missing\.csv/);
    // The command's own error reads first, the audit warning after it.
    const lines = failed.stderr.split('\n');
    const errorAt = lines.findIndex((l) => l.startsWith('floe: ') && !l.startsWith('floe: warning:'));
    const warningAt = lines.findIndex((l) => l.includes('the command was not recorded in floe.audit_log'));
    expect(errorAt, show(failed)).toBeGreaterThanOrEqual(0);
    expect(warningAt, show(failed)).toBeGreaterThan(errorAt);
    expect(await q.query('SELECT count(*) AS n FROM floe.audit_log')).toEqual([{ n: 1 }]);
  });

  it('two commands running at once each record only their own table and snapshot', async () => {
    const q = await newProject();
    await q.write('data/a.csv', 'a\n1\n2\n');
    await q.write('data/b.csv', 'b\n1\n2\n3\n');
    const [ra, rb] = await Promise.all([collect(q.start(['load', 'x.a', q.path('data/a.csv')])), collect(q.start(['load', 'x.b', q.path('data/b.csv')]))]);
    expect(ra.code, show(ra)).toBe(0);
    expect(rb.code, show(rb)).toBe(0);
    const log = await q.query("SELECT tables, snapshot_ids, rows_added FROM floe.audit_log ORDER BY tables");
    const a = (await q.snapshots('x.a'))[0]!['snapshot-id'];
    const b = (await q.snapshots('x.b'))[0]!['snapshot-id'];
    expect(log).toEqual([
      { tables: 'x.a', snapshot_ids: a, rows_added: 2 },
      { tables: 'x.b', snapshot_ids: b, rows_added: 3 },
    ]);
  });

  it('FLOE_AUDIT_LOG=off records nothing', async () => {
    const q = await newProject();
    await q.write('data/t.csv', 'a\n1\n');
    const r = await q.floe(['load', 'x.t', q.path('data/t.csv')], { FLOE_AUDIT_LOG: 'off' });
    expect(r.code, show(r)).toBe(0);
    expect(await q.tables()).toEqual(['x.t']);
  });
});

describe('floe.audit_log: a run that does not start', () => {
  it('records why: error_kind config and the pipeline error, for an unknown pipeline and an invalid file', async () => {
    const q = await newProject();
    await q.write('data/t.csv', 'a\n1\n');
    await q.pipeline('t', 'name: t\nsource: { kind: csv, path: data/t.csv }\ntarget: { table: raw.t, mode: append }\n');
    await q.pipeline('bad', 'name: bad\nsource: { kind: csv, path: data/t.csv }\ntarget: { table: raw.b, mode: sideways }\n');
    const load = await q.floe(['load', 'raw.t', q.path('data/t.csv')]);
    expect(load.code, show(load)).toBe(0);
    const nope = await q.floe(['run', 'nope']);
    expect(nope.code, show(nope)).toBe(2);
    const bad = await q.floe(['run', 'bad']);
    expect(bad.code, show(bad)).toBe(2);
    const rows = await q.query("SELECT exit_code, error_kind, error_message FROM floe.audit_log WHERE command = 'run' ORDER BY started_at");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ exit_code: 2, error_kind: 'config' });
    expect(rows[0]!.error_message).toContain('nope');
    expect(rows[1]).toMatchObject({ exit_code: 2, error_kind: 'config' });
    expect(rows[1]!.error_message).toMatch(/bad\.yaml:3:\d+: target\.mode/);
  });
});
