/**
 * What a normaliser changes is recorded, not silent: a value it nulls (an invalid email or
 * phone, a timestamp that does not read), a local time it shifts or chooses across a
 * daylight-saving change. (A phone extension is kept: `+14155552671;ext=12`.) The row is written with the
 * normalised values, and the quarantine table `<table>__rejects` holds the row as read with
 * the reason and kept = true. `normalize: timestamp` reads `format:` and `zone:`; bad ones
 * fail `floe validate` naming file, line and column.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, type RunResult, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('normaliser value issues', () => {
  let p: Project;
  let run: RunResult;
  beforeAll(async () => {
    p = await newProject();
    await p.write(
      'data/contacts.csv',
      [
        'id,email,phone,seen',
        '1,John.Doe@Gmail.com,(415) 555-2671,03/07/2026 09:15',
        '2,john at gmail,+1 415 555 2671 ext. 12,03/08/2026 02:30',
        '3,,n/a,11/01/2026 01:30',
        '4,mary@example.org,12,31/12/2026 10:00',
        '',
      ].join('\n'),
    );
    await p.pipeline(
      'contacts',
      [
        'source: { kind: csv, path: data/contacts.csv }',
        'columns:',
        '  email: { normalize: email }',
        '  phone: { normalize: phone, region: US }',
        '  seen: { normalize: timestamp, format: "%m/%d/%Y %H:%M", zone: America/New_York, type: timestamptz }',
        'target: { table: crm.contacts }',
        '',
      ].join('\n'),
    );
    run = await p.floe(['run', 'contacts', '--json']);
  });

  it('writes every row, with the values normalised in the column zone and format', async () => {
    expect(run.code, show(run)).toBe(0);
    const rows = await p.query("SELECT id, email, phone, strftime(seen AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M') AS seen FROM crm.contacts ORDER BY id");
    expect(rows).toEqual([
      { id: 1, email: 'john.doe@gmail.com', phone: '+14155552671', seen: '2026-03-07T14:15' },
      // 02:30 did not happen in New York on 8 March 2026: shifted forward by the gap.
      { id: 2, email: null, phone: '+14155552671;ext=12', seen: '2026-03-08T07:30' },
      // 01:30 happened twice on 1 November 2026: the earlier instant (EDT).
      { id: 3, email: null, phone: null, seen: '2026-11-01T05:30' },
      // Day 31 of month 12 read month-first does not exist.
      { id: 4, email: 'mary@example.org', phone: null, seen: null },
    ]);
  });

  it('records each changed row with its reasons in the quarantine table, kept = true', async () => {
    const rows = await p.query('SELECT raw, reason, kept FROM crm.contacts__rejects ORDER BY raw');
    expect(rows.map((r) => [JSON.parse(String(r.raw)).id, r.reason, r.kept])).toEqual([
      [2, 'column email: invalid-email (not a valid email address); column seen: nonexistent (a local time skipped by a daylight-saving change; shifted forward by the gap)', true],
      [3, 'column seen: ambiguous (a local time repeated by a daylight-saving change; the earlier instant was chosen)', true],
      [4, 'column phone: invalid-phone (not a valid phone number for its country (libphonenumber metadata)); column seen: invalid-timestamp (not a timestamp in a recognised format, or out of range)', true],
    ]);
    // The raw row keeps the value as the source had it.
    expect(JSON.parse(String(rows[0]!.raw)).email).toBe('john at gmail');
  });

  it('counts the changed rows in the commit event, apart from rejects', () => {
    const commit = events(run.stdout).find((e) => e.event === 'commit');
    expect(commit, show(run)).toMatchObject({ rows_read: 4, rows_written: 4, rejects: 0, values_changed: 3 });
  });

  it('says so on stderr at a terminal run', async () => {
    const again = await p.floe(['run', 'contacts']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stderr).toContain('floe: contacts: 3 rows written with a value a normaliser nulled or adjusted; why is in crm.contacts__rejects (kept = true)');
  });

  it('a PII-tagged column is withheld from a kept row\'s record (the row itself is in the table, masked on read)', async () => {
    await p.pipeline(
      'tagged',
      [
        'source: { kind: csv, path: data/contacts.csv }',
        'columns:',
        '  email: { normalize: email, pii: email }',
        '  phone: { normalize: phone, region: US, pii: { tag: phone, policy: none } }',
        'target: { table: crm.tagged }',
        '',
      ].join('\n'),
    );
    const r = await p.floe(['run', 'tagged']);
    expect(r.code, show(r)).toBe(0);
    const rows = await p.query('SELECT raw, kept FROM crm.tagged__rejects ORDER BY raw');
    expect(rows.map((x) => JSON.parse(String(x.raw)))).toEqual([
      { id: 2, email: '(pii withheld)', phone: '+1 415 555 2671 ext. 12', seen: '03/08/2026 02:30' },
      { id: 4, email: '(pii withheld)', phone: '12', seen: '31/12/2026 10:00' },
    ]);
    expect(rows.every((x) => x.kept === true)).toBe(true);
    const all = JSON.stringify(await p.query('SELECT * FROM crm.tagged__rejects'));
    for (const raw of ['john at gmail', 'mary@example.org']) expect(all).not.toContain(raw);
  });

  it('normalize: timestamp without format or zone reads the standard forms as UTC (absent options are NULL arguments)', async () => {
    await p.write('data/plain.csv', ['id,seen', '1,2026-03-08 02:30', '2,2026-03-08T02:30:00+01:00', ''].join('\n'));
    await p.pipeline('plain', 'source: { kind: csv, path: data/plain.csv }\ncolumns:\n  seen: { normalize: timestamp }\ntarget: { table: crm.plain }\n');
    const r = await p.floe(['run', 'plain']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT id, seen FROM crm.plain ORDER BY id')).toEqual([
      { id: 1, seen: '2026-03-08T02:30:00.000000Z' },
      { id: 2, seen: '2026-03-08T01:30:00.000000Z' },
    ]);
  });

  it('an unknown zone, a zone on another normaliser and an unsupported format fail validate with file:line:col', async () => {
    await p.pipeline(
      'bad',
      [
        'source: { kind: csv, path: data/contacts.csv }',
        'columns:',
        '  email: { normalize: email, zone: UTC }',
        '  seen: { normalize: timestamp, format: "%m/%d/%Y %Q", zone: America/Neww_York }',
        'target: { table: crm.bad }',
        '',
      ].join('\n'),
    );
    const r = await p.floe(['validate', 'bad']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+: columns\.email\.zone: zone only applies with normalize: timestamp/);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: columns\.seen\.format: timestamp format '%m\/%d\/%Y %Q': %Q is not supported/);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: columns\.seen\.zone: 'America\/Neww_York' is not an IANA time zone/);
  });
});
