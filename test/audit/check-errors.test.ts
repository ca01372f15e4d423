/**
 * The audit row of `floe check` says why it did not pass, and its error_kind agrees with its
 * exit code (the worst outcome: an invalid project file 2, a check that could not be
 * evaluated 1, a failed check 3): a query for `error_kind = 'check'` finds the runs that
 * exited 3, and a refused run is never recorded as failed without a reason.
 */
import { rm } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const people = (checks: string) => `name: people\nsource: { kind: csv, path: data/people.csv }\ntarget: { table: raw.people }\nchecks:\n${checks}`;
const BAD = 'name: broken\nsource: { kind: csv, path: data/people.csv }\ntarget: { table: raw.broken }\nchecks:\n  - row_count: { min: lots }\n';

describe('floe check in floe.audit_log', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/people.csv', 'id,name\n1,ann\n2,\n');
    await p.pipeline('people', people('  - not_null: name\n'));
    const r = await p.floe(['run', 'people', '--no-audit']);
    expect(r.code, show(r)).toBe(0);
  }, 120_000);

  const last = async () => (await p.query('SELECT command, arguments, outcome, exit_code, error_kind, error_message FROM floe.audit_log ORDER BY started_at DESC, finished_at DESC LIMIT 1'))[0]!;

  it('records why a check of only invalid pipeline files exits 2', async () => {
    await p.pipeline('broken', BAD);
    try {
      const r = await p.floe(['check', 'raw.broken']);
      expect(r.code, show(r)).toBe(2);
      const row = await last();
      expect(row).toMatchObject({ command: 'check', outcome: 'failed', exit_code: 2, error_kind: 'config' });
      expect(row.error_message).toContain('pipelines/broken.yaml:5:');
    } finally {
      await rm(p.path('pipelines/broken.yaml'));
    }
  }, 60_000);

  it('gives the kind of the outcome that decided the exit code, not of the first failed check', async () => {
    // A failed check first, then one that cannot be evaluated: exit 1.
    await p.pipeline('people', people('  - not_null: name\n  - not_null: nmae\n'));
    const r = await p.floe(['check', 'raw.people', '--no-history']);
    expect(r.code, show(r)).toBe(1);
    const row = await last();
    expect(row).toMatchObject({ exit_code: 1, error_kind: 'internal' });
    expect(row.error_message).toMatch(/^raw\.people: not_null\(nmae\): could not be evaluated: .*; raw\.people: not_null\(name\): /);

    // The same beside an invalid pipeline file: exit 2, the file's problem first.
    await p.pipeline('broken', BAD);
    try {
      const r2 = await p.floe(['check', '--all', '--no-history']);
      expect(r2.code, show(r2)).toBe(2);
      const row2 = await last();
      expect(row2).toMatchObject({ exit_code: 2, error_kind: 'config' });
      expect(row2.error_message).toMatch(/^pipelines\/broken\.yaml:5:\d+: /);
    } finally {
      await rm(p.path('pipelines/broken.yaml'));
    }
  }, 90_000);
});

describe('the tables floe check checked, in floe.audit_log', () => {
  it('names each table and the snapshot it was checked at, also with --no-history', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n2\n');
    await p.write('data/b.csv', 'id\n3\n');
    await p.pipeline('a', 'name: a\nsource: { kind: csv, path: data/a.csv }\ntarget: { table: raw.a }\nchecks:\n  - row_count: { min: 1 }\n');
    await p.pipeline('b', 'name: b\nsource: { kind: csv, path: data/b.csv }\ntarget: { table: raw.b }\nchecks:\n  - row_count: { min: 2 }\n');
    const run = await p.floe(['run', '--all', '--no-audit']);
    expect(run.code, show(run)).toBe(0);
    const [a] = await p.snapshots('raw.a');
    const [b] = await p.snapshots('raw.b');
    const r = await p.floe(['check', '--all', '--no-history']);
    expect(r.code, show(r)).toBe(3);
    const [row] = await p.query("SELECT tables, snapshot_ids, rows_added, changes FROM floe.audit_log WHERE command = 'check'");
    expect(row).toMatchObject({ tables: 'raw.a,raw.b', snapshot_ids: `${a!['snapshot-id']},${b!['snapshot-id']}`, rows_added: null });
    expect(JSON.parse(String(row!.changes))).toEqual([
      { table: 'raw.a', action: 'checked', snapshot_id: String(a!['snapshot-id']), rows: null },
      { table: 'raw.b', action: 'checked', snapshot_id: String(b!['snapshot-id']), rows: null },
    ]);
  }, 120_000);
});

describe('a check of a table that cannot be read, in floe.audit_log', () => {
  it('gives the kind of the failure that kept the checks from running (not-found), not internal', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n');
    const load = await p.floe(['load', 'raw.a', p.path('data/a.csv')]);
    expect(load.code, show(load)).toBe(0);
    const r = await p.floe(['check', 'raw.nope', '--not-null', 'id', '--no-history']);
    expect(r.code, show(r)).toBe(1);
    const [row] = await p.query("SELECT exit_code, error_kind, error_message FROM floe.audit_log WHERE command = 'check'");
    expect(row).toMatchObject({ exit_code: 1, error_kind: 'not-found' });
    expect(row!.error_message).toContain('raw.nope: not_null(id): could not be evaluated: table raw.nope does not exist in the catalog');
  }, 60_000);
});
