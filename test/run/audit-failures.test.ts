/**
 * A command that fails by its exit code rather than an exception (a run with a failed
 * pipeline, a run or `floe check` whose check fails) still says why in floe.audit_log:
 * error_kind and error_message of its row name the failures.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('audit log rows of failed commands', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/contacts.csv', 'contact_id,email\n1,a@x.com\n1,b@x.com\n');
    await p.pipeline('contacts', 'source: { kind: csv, path: data/contacts.csv }\ntarget: { table: crm.contacts }\nchecks:\n  - unique: [contact_id]\n');
    await p.pipeline('broken', 'source: { kind: csv, path: data/missing.csv }\ntarget: { table: crm.broken }\n');
  });

  const lastRow = async (command: string) =>
    (await p.query(`SELECT outcome, exit_code, error_kind, error_message FROM floe.audit_log WHERE command = '${command}' ORDER BY started_at DESC LIMIT 1`))[0];

  it('a run whose pipeline fails records its error', async () => {
    const r = await p.floe(['run', 'broken']);
    expect(r.code, show(r)).toBe(1);
    const row = await lastRow('run');
    expect(row).toMatchObject({ outcome: 'failed', exit_code: 1, error_kind: 'not-found' });
    expect(String(row!.error_message)).toMatch(/^broken: .*missing\.csv/);
  });

  it('a run whose error-severity check fails records the check', async () => {
    const r = await p.floe(['run', 'contacts']);
    expect(r.code, show(r)).toBe(3);
    const row = await lastRow('run');
    expect(row).toMatchObject({ outcome: 'failed', exit_code: 3, error_kind: 'check' });
    expect(String(row!.error_message)).toMatch(/^contacts: pipeline contacts: main was not moved: 1 check failed: unique\(contact_id\)/);
  });

  it('a successful command has no error columns', async () => {
    await p.write('data/contacts.csv', 'contact_id,email\n1,a@x.com\n2,b@x.com\n');
    const r = await p.floe(['run', 'contacts', '--full-refresh']);
    expect(r.code, show(r)).toBe(0);
    expect(await lastRow('run')).toMatchObject({ outcome: 'ok', exit_code: 0, error_kind: null, error_message: null });
  });

  it('floe check with a failing check records it', async () => {
    // After the successful run above: main holds 2 rows.
    const r = await p.floe(['check', 'crm.contacts', '--row-count-max', '1']);
    expect(r.code, show(r)).toBe(3);
    const row = await lastRow('check');
    expect(row).toMatchObject({ outcome: 'failed', exit_code: 3, error_kind: 'check' });
    expect(String(row!.error_message)).toMatch(/^crm\.contacts: row_count: /);
  });
});
