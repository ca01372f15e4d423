/**
 * `columns: { x: { normalize: boolean } }` end to end: a consent flag as a SQLite CRM keeps
 * it (1/0 integers beside 'Y', 'yes', 'true' text in a column without a declared type) and
 * as a CSV export writes it, lands as an Iceberg boolean column; a value that is not a
 * boolean is NULL and recorded in `<table>__rejects` with kept = true; `true_values` /
 * `false_values` add words; bad options fail `floe validate` with file:line:col.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('normalize: boolean in a pipeline', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(p.path('crm.db'));
    db.exec('CREATE TABLE contacts (contact_id INTEGER PRIMARY KEY, marketing_opt_in, updated_at TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO contacts VALUES (?, ?, ?)');
    const rows: [number, unknown][] = [[1, 1], [2, 0], [3, 'Y'], [4, 'yes'], [5, 'no'], [6, 'true'], [7, null], [8, ' N '], [9, 'maybe'], [10, 2], [11, 'n/a'], [12, 'OFF']];
    for (const [id, v] of rows) insert.run(id, v, `2026-06-0${(id % 9) + 1} 10:00:00`);
    db.close();
    await p.pipeline(
      'crm',
      [
        'source: { kind: sqlite, connection: crm.db, table: contacts }',
        'columns:',
        '  marketing_opt_in: { normalize: boolean }',
        'target: { table: crm.contacts, mode: merge, key: [contact_id] }',
        '',
      ].join('\n'),
    );
  });

  it('writes a boolean column from integers and words; NULL stays NULL', async () => {
    const r = await p.floe(['run', 'crm', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.columns('crm.contacts')).toContain('marketing_opt_in boolean');
    const rows = await p.query('SELECT contact_id, marketing_opt_in FROM crm.contacts ORDER BY contact_id');
    expect(rows.map((x) => x.marketing_opt_in)).toEqual([true, false, true, true, false, true, null, false, null, null, null, false]);
    const commit = events(r.stdout).find((e) => e.event === 'commit');
    expect(commit).toMatchObject({ rows_read: 12, rows_written: 12, rejects: 0, values_changed: 2 });
  });

  it('records each value it could not read, kept = true; a placeholder is missing, not a reject', async () => {
    const rows = (await p.query('SELECT raw, reason, kept FROM crm.contacts__rejects')).sort((a, b) => JSON.parse(String(a.raw)).contact_id - JSON.parse(String(b.raw)).contact_id);
    expect(rows.map((x) => [JSON.parse(String(x.raw)).contact_id, x.reason, x.kept])).toEqual([
      [9, expect.stringMatching(/^column marketing_opt_in: invalid-boolean \(not a boolean: true\/false, .*\)$/), true],
      [10, expect.stringMatching(/^column marketing_opt_in: invalid-boolean /), true],
    ]);
    expect(JSON.parse(String(rows[0]!.raw)).marketing_opt_in).toBe('maybe');
  });

  it('true_values and false_values add words; type: boolean may be said too', async () => {
    await p.write('data/flags.csv', ['id,consent', '1,Si', '2,nein', '3,ja', '4,yes', ''].join('\n'));
    await p.pipeline(
      'flags',
      ['source: { kind: csv, path: data/flags.csv }', 'columns:', '  consent: { normalize: boolean, type: boolean, true_values: [si, ja], false_values: [Nein] }', 'target: { table: crm.flags }', ''].join('\n'),
    );
    const r = await p.floe(['run', 'flags']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.columns('crm.flags')).toEqual(['id long', 'consent boolean']);
    expect(await p.query('SELECT id, consent FROM crm.flags ORDER BY id')).toEqual([
      { id: 1, consent: true },
      { id: 2, consent: false },
      { id: 3, consent: true },
      { id: 4, consent: true },
    ]);
  });

  it('bad options fail validate with file:line:col', async () => {
    await p.pipeline(
      'bad',
      [
        'source: { kind: csv, path: data/flags.csv }',
        'columns:',
        '  id: { normalize: email, true_values: [x] }',
        '  consent: { normalize: boolean, type: string, true_values: [si, "no"], false_values: [SI, ""] }',
        'target: { table: crm.bad }',
        '',
      ].join('\n'),
    );
    const r = await p.floe(['validate', 'bad']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+: columns\.id\.true_values: true_values only applies with normalize: boolean/);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: columns\.consent\.type: normalize: boolean makes a boolean column; drop type: string or make it boolean/);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: columns\.consent\.true_values\[1\]: 'no' already reads as false/);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: columns\.consent\.true_values\[0\]: 'si' is in both true_values and false_values/);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+: columns\.consent\.false_values\[1\]: a blank false_values word/);
  });
});
