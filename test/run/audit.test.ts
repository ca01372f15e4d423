/**
 * Write-audit-publish end to end: a refresh whose new batch breaks an error-severity check
 * never reaches main (PyIceberg, reading through the same catalog, still sees the old rows),
 * the staged snapshot stays queryable by id, the run exits 3, and the failure is recorded in
 * floe.check_results. A warn-severity failure publishes and records the warning.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { pyicebergRead } from '../interop/oracle.js';
import { assertBuilt, type Project, useProjects } from './helpers.js';

const newProject = useProjects();
const pipeline = (severity: string) =>
  [
    'source: { kind: csv, path: data/contacts.csv }',
    'target: { table: crm.contacts, mode: append }',
    'checks:',
    '  - row_count: { min: 1 }',
    '  - unique: [contact_id]',
    `    severity: ${severity}`,
    '',
  ].join('\n');

describe('write-audit-publish', () => {
  let p: Project;
  let failed: Awaited<ReturnType<Project['floe']>>;
  let mainBefore: string | null;

  beforeAll(async () => {
    assertBuilt();
    p = await newProject();
    await p.pipeline('contacts', pipeline('error'));
    await p.write('data/contacts.csv', 'contact_id,email\n1,a@x.com\n2,b@x.com\n');
    await p.run(['contacts']);
    mainBefore = (await p.snapshots('crm.contacts')).at(-1)!['snapshot-id'].toString();
    // The next batch repeats contact_id 2: appended, the table would hold it twice.
    await p.write('data/contacts.csv', 'contact_id,email\n2,b2@x.com\n3,c@x.com\n');
    failed = await p.floe(['run', 'contacts']);
  }, 600_000);

  it('exits 3 and says how to inspect the staged snapshot', () => {
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(/unique\(contact_id\)/);
    expect(failed.stderr).toMatch(/main was not moved/);
    expect(failed.stderr).toMatch(/--snapshot \d+/);
  });

  it('leaves main where it was: PyIceberg reads the old rows through the same catalog', async () => {
    const read = await pyicebergRead({ catalogDb: p.path('warehouse/catalog.db'), warehouse: p.path('warehouse'), table: 'crm.contacts' });
    expect(read.snapshot_id).toBe(mainBefore);
    expect(read.row_count).toBe(2);
    expect(read.rows!.map((r) => r.contact_id).sort()).toEqual(['1', '2']);
  });

  it('keeps the staged snapshot queryable by id', async () => {
    const staged = /--snapshot (\d+)/.exec(failed.stderr)![1]!;
    const r = await p.floe(['query', 'SELECT count(*) AS n, count(DISTINCT contact_id) AS d FROM crm.contacts', '--snapshot', staged, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ n: 4, d: 3 }]);
  });

  it('records the failure in floe.check_results', async () => {
    const rows = await p.query("SELECT check_name, status FROM floe.check_results WHERE status = 'fail'");
    expect(rows).toEqual([{ check_name: 'unique(contact_id)', status: 'fail' }]);
  });

  it('a warn-severity failure publishes, and the warning is recorded and counted in the summary', async () => {
    await p.pipeline('contacts', pipeline('warn'));
    await p.write('data/contacts.csv', 'contact_id,email\n1,a2@x.com\n');
    const r = await p.floe(['run', 'contacts']);
    expect(r.code, r.stderr).toBe(0);
    const last = (await p.snapshots('crm.contacts')).at(-1)!;
    expect(last.summary['floe.checks.warned']).toBe('1');
    expect(await p.query("SELECT count(*) AS n FROM floe.check_results WHERE status = 'warn'")).toEqual([{ n: 1 }]);
    const read = await pyicebergRead({ catalogDb: p.path('warehouse/catalog.db'), warehouse: p.path('warehouse'), table: 'crm.contacts' });
    expect(read.row_count).toBe(3);
  });
});

describe('volume against the usual runs', () => {
  it('flags a refresh that brings 10x fewer rows than the median of the last runs, and keeps main', async () => {
    const p = await newProject();
    await p.pipeline(
      'daily',
      ['source: { kind: csv, path: data/daily.csv }', 'target: { table: web.daily, mode: overwrite }', 'checks:', '  - volume: { max_change: 50%, window: 3 }', ''].join('\n'),
    );
    const csv = (n: number, offset = 0) => 'id,v\n' + Array.from({ length: n }, (_, i) => `${i + offset},${i % 7}\n`).join('');
    for (const n of [100, 120, 90]) {
      await p.write('data/daily.csv', csv(n));
      await p.run(['daily']);
    }
    const before = (await p.snapshots('web.daily')).at(-1)!['snapshot-id'].toString();
    await p.write('data/daily.csv', csv(10, 1000));
    const r = await p.floe(['run', 'daily']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/volume/);
    expect(r.stderr).toMatch(/10 (new )?rows, -90% against 100 \(median of the last 3 runs\), beyond ±50%/);
    const after = (await p.snapshots('web.daily')).filter((s) => s['snapshot-id'].toString() === before);
    expect(after).toHaveLength(1);
    expect(await p.query('SELECT count(*) AS n, min(id) AS lo FROM web.daily')).toEqual([{ n: 90, lo: 0 }]);
    expect(await p.query("SELECT status, observed FROM floe.check_results WHERE check_kind = 'volume' ORDER BY checked_at")).toEqual([
      { status: 'pass', observed: '100' },
      { status: 'pass', observed: '120' },
      { status: 'pass', observed: '90' },
      { status: 'fail', observed: '10' },
    ]);
  }, 600_000);
});
