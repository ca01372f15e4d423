/**
 * The Customer 360 example lands typed columns: every table of `floe run --all` over the
 * repository's pipelines/ and examples/c360/data has the types its pipeline declares (CRM
 * timestamps as timestamptz, the marketing consent as a boolean, money as decimals), the
 * CRM's legacy MM/DD/YYYY created_at values are read by the second pattern of a format list,
 * and the CRM's incremental cursor on the typed updated_at still reads only the changed rows.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, ROOT, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const EXPECTED: Record<string, string[]> = {
  'crm.contacts': [
    'contact_id long', 'first_name string', 'last_name string', 'email string', 'phone string', 'country string', 'city string',
    'loyalty_number string', 'lead_source string', 'marketing_opt_in boolean', 'created_at timestamptz', 'updated_at timestamptz',
  ],
  'billing.accounts': [
    'account_id string', 'billing_name string', 'billing_email string', 'phone string', 'country string', 'city string',
    'loyalty_number string', 'currency string', 'status string', 'created_at timestamptz', 'updated_at timestamptz',
  ],
  'billing.invoices': [
    'invoice_id string', 'account_id string', 'invoice_date date', 'due_date date', 'currency string', 'subtotal decimal(12, 2)',
    'tax decimal(12, 2)', 'total decimal(12, 2)', 'item_count long', 'category string', 'status string', 'updated_at timestamptz', 'discount decimal(12, 2)',
  ],
  'billing.payments': ['payment_id string', 'invoice_id string', 'account_id string', 'paid_at timestamptz', 'amount decimal(12, 2)', 'currency string', 'method string', 'status string'],
  'billing.refunds': ['refund_id string', 'payment_id string', 'invoice_id string', 'account_id string', 'refunded_at timestamptz', 'amount decimal(12, 2)', 'currency string', 'reason string'],
  'web.events': [
    'event_id string', 'event_time timestamptz', 'received_at timestamptz', 'session_id string', 'device_id string', 'device_type string',
    'event_type string', 'page string', 'referrer string', 'utm_source string', 'ip_country string', 'email string', 'loyalty_number string',
  ],
};

describe('the Customer 360 example: declared types', () => {
  let p: Project;
  let crmDb: string;
  beforeAll(async () => {
    p = await newProject();
    await cp(path.join(ROOT, 'floe.yaml'), p.path('floe.yaml'));
    await cp(path.join(ROOT, 'pipelines'), p.path('pipelines'), { recursive: true });
    await cp(path.join(ROOT, 'examples/c360/data'), p.path('examples/c360/data'), { recursive: true });
    crmDb = p.path('examples/c360/data/crm.db');
    const r = await p.floe(['run', '--all', '--json']);
    expect(r.code, show(r)).toBe(0);
  });

  it('every ingested table has the declared types', async () => {
    for (const [table, columns] of Object.entries(EXPECTED)) expect(await p.columns(table), table).toEqual(columns);
    const tickets = await p.columns('support.tickets');
    expect(tickets.filter((c) => /^(created_at|updated_at) /.test(c))).toEqual(['created_at timestamptz', 'updated_at timestamptz']);
  });

  it('the consent flag holds every CRM form as a boolean; nothing is lost', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(crmDb, { readonly: true });
    const source = db
      .prepare(
        `SELECT count(*) FILTER (WHERE marketing_opt_in IN (1, 'Y', 'yes', 'true')) AS yes, count(*) FILTER (WHERE marketing_opt_in IN (0, 'no')) AS no,
                count(*) FILTER (WHERE marketing_opt_in IS NULL) AS missing, count(*) AS n FROM contacts`,
      )
      .get() as { yes: number; no: number; missing: number; n: number };
    db.close();
    expect(source.yes + source.no + source.missing).toBe(source.n);
    // Booleans, not text DuckDB would also read as booleans in a filter.
    const t = await p.query('SELECT marketing_opt_in AS v, count(*) AS n FROM crm.contacts GROUP BY 1 ORDER BY 1 NULLS LAST');
    expect(t).toEqual([
      { v: false, n: source.no },
      { v: true, n: source.yes },
      { v: null, n: source.missing },
    ]);
    expect(await p.query(`SELECT count(*) AS n FROM crm.contacts__rejects WHERE reason LIKE '%marketing_opt_in%'`)).toEqual([{ n: 0 }]);
  });

  it("created_at and updated_at are the CRM's UTC instants, legacy MM/DD/YYYY dates included", async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(crmDb, { readonly: true });
    const legacy = db.prepare(`SELECT contact_id, created_at FROM contacts WHERE created_at LIKE '__/__/____' ORDER BY contact_id`).all() as { contact_id: number; created_at: string }[];
    const sample = db.prepare(`SELECT contact_id, created_at, updated_at FROM contacts WHERE created_at NOT LIKE '%/%' ORDER BY contact_id LIMIT 3`).all() as Record<string, unknown>[];
    db.close();
    expect(legacy.length).toBeGreaterThan(0);
    const rows = await p.query(
      `SELECT contact_id, strftime(created_at AT TIME ZONE 'UTC', '%m/%d/%Y %H:%M:%S') AS created FROM crm.contacts WHERE contact_id IN (${legacy.map((l) => l.contact_id).join(', ')}) ORDER BY contact_id`,
    );
    expect(rows).toEqual(legacy.map((l) => ({ contact_id: l.contact_id, created: `${l.created_at} 00:00:00` })));
    const typed = await p.query(
      `SELECT contact_id, strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS created_at, strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS updated_at
       FROM crm.contacts WHERE contact_id IN (${sample.map((s) => s.contact_id).join(', ')}) ORDER BY contact_id`,
    );
    expect(typed).toEqual(sample);
    expect(await p.query('SELECT count(*) AS n FROM crm.contacts WHERE created_at IS NULL OR updated_at IS NULL')).toEqual([{ n: 0 }]);
  });

  // Last: changes the project's CRM database.
  it('a second run reads only the rows whose typed updated_at moved past the cursor, pushed down to SQLite', async () => {
    const before = await p.query('SELECT count(*) AS n FROM crm.contacts');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(crmDb);
    const { max } = db.prepare('SELECT max(updated_at) AS max FROM contacts').get() as { max: string };
    // One second and one day after the newest row: a text cursor that sorted '+00' or 'T' wrongly would miss one.
    db.prepare(`UPDATE contacts SET marketing_opt_in = 'N', updated_at = datetime(?, '+1 second') WHERE contact_id = 5`).run(max);
    db.prepare(`UPDATE contacts SET marketing_opt_in = 1, updated_at = datetime(?, '+1 day') WHERE contact_id = 6`).run(max);
    db.prepare(`INSERT INTO contacts (contact_id, first_name, last_name, email, lead_source, marketing_opt_in, created_at, updated_at) VALUES (999999, 'Ada', 'Lovelace', 'ada@example.org', 'web', 'perhaps', '07/01/2026', datetime(?, '+2 hours'))`).run(max);
    db.close();
    const r = await p.floe(['run', 'crm_contacts', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(events(r.stdout).find((e) => e.event === 'commit')).toMatchObject({ rows_read: 3, values_changed: 1 });
    expect(await p.query('SELECT count(*) AS n FROM crm.contacts')).toEqual([{ n: Number(before[0]!.n) + 1 }]);
    const rows = await p.query(
      `SELECT contact_id, marketing_opt_in, strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%d') AS created, strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS updated
       FROM crm.contacts WHERE contact_id IN (5, 6, 999999) ORDER BY contact_id`,
    );
    const at = (ms: number) => new Date(Date.parse(`${max.replace(' ', 'T')}Z`) + ms).toISOString().replace('T', ' ').slice(0, 19);
    expect(rows.map((x) => [x.contact_id, x.marketing_opt_in, x.updated])).toEqual([
      [5, false, at(1000)],
      [6, true, at(86_400_000)],
      [999999, null, at(7_200_000)],
    ]);
    expect(rows[2]!.created).toBe('2026-07-01');
    const reasons = await p.query(`SELECT reason FROM crm.contacts__rejects WHERE reason LIKE '%marketing_opt_in%'`);
    expect(reasons.map((x) => x.reason)).toEqual([expect.stringMatching(/^column marketing_opt_in: invalid-boolean /)]);
    // A third run reads nothing: the cursor is the newest instant.
    const third = await p.floe(['run', 'crm_contacts', '--json']);
    expect(third.code, show(third)).toBe(0);
    expect(events(third.stdout).find((e) => e.event === 'commit')).toMatchObject({ rows_read: 0 });
  });
});

describe('a list of formats', () => {
  it('fails validate with file:line:col on a bad pattern in a list, for a typed column and for normalize: timestamp', async () => {
    const p = await newProject();
    await p.write('data/x.csv', 'id,a,b\n1,2026-01-01,2026-01-01\n');
    await p.pipeline('typed', ['source: { kind: csv, path: data/x.csv }', 'columns:', '  a: { type: date, format: ["%Y-%m-%d", "%d.%m.%Q"] }', 'target: { table: raw.x }', ''].join('\n'));
    await p.pipeline('norm', ['source: { kind: csv, path: data/x.csv }', 'columns:', '  b: { normalize: timestamp, format: ["%Y-%m-%d", "%Y %Q"] }', 'target: { table: raw.y }', ''].join('\n'));
    const typed = await p.floe(['validate', 'typed']);
    expect(typed.code, show(typed)).toBe(2);
    expect(typed.stderr).toMatch(/typed\.yaml:3:\d+: columns\.a\.format\[1\]: not a strptime pattern DuckDB can read: .*%Q/);
    const r = await p.floe(['validate', 'norm']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/norm\.yaml:3:\d+: columns\.b\.format\[1\]: timestamp format '%Y %Q': %Q is not supported/);
  });

  it('reads each value with the first pattern that fits, in a typed column and with normalize: timestamp', async () => {
    const p = await newProject();
    await p.write('data/x.csv', ['id,a,b', '1,2026-01-31,2026-01-31 10:00', '2,31.01.2026,01/31/2026', '3,2026/01/31,31.01.2026', ''].join('\n'));
    await p.pipeline(
      'mixed',
      [
        'source: { kind: csv, path: data/x.csv }',
        'rejects: { max_ratio: 0.5 }',
        'columns:',
        '  a: { type: date, format: ["%Y-%m-%d", "%d.%m.%Y"] }',
        '  b: { normalize: timestamp, type: timestamptz, zone: Europe/Berlin, format: ["%Y-%m-%d %H:%M", "%m/%d/%Y"] }',
        'target: { table: raw.mixed }',
        '',
      ].join('\n'),
    );
    const r = await p.floe(['run', 'mixed', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query(`SELECT id, CAST(a AS VARCHAR) AS a, strftime(b AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS b FROM raw.mixed ORDER BY id`)).toEqual([
      { id: 1, a: '2026-01-31', b: '2026-01-31 09:00' },
      { id: 2, a: '2026-01-31', b: '2026-01-30 23:00' },
    ]);
    const rejects = await p.query('SELECT reason, kept FROM raw.mixed__rejects');
    expect(rejects).toEqual([{ reason: expect.stringMatching(/column a: cannot convert 2026\/01\/31 to date/), kept: false }]);
  });
});
