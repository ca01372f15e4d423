/**
 * `columns:` normalisers and the quarantine of malformed rows, end to end: a CSV with rows
 * that have too many fields or a value that cannot convert to its declared type, a JSON
 * Lines file with a malformed line, and a rejects limit that stops the run before anything
 * is committed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, type RunResult, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('normalisers, rejects and quarantine', () => {
  let p: Project;
  let first: RunResult;
  beforeAll(async () => {
    p = await newProject();
    await p.write(
      'data/people.csv',
      [
        'id,email,phone,phone_gb,country',
        '1,"  John.Doe@Example.COM ",(415) 555-2671,020 7946 0958,United Kingdom',
        '2,MARY@EXAMPLE.ORG,+1 212 555 0100,+44 161 496 0000,germany',
        '3,not-an-email,12,,USA',
        '4,,415.555.2671,07911 123456,  France ',
        '',
      ].join('\n'),
    );
    await p.pipeline(
      'people',
      [
        'source: { kind: csv, path: data/people.csv }',
        'columns:',
        '  email: { normalize: email }',
        '  phone: { normalize: phone, region: US }',
        '  phone_gb: { normalize: phone, region: GB }',
        '  country: { normalize: country }',
        'target: { table: crm.people }',
        '',
      ].join('\n'),
    );
    await p.write(
      'data/orders.csv',
      [
        'id,item,qty', // line 1
        '1,apple,10', // line 2
        '2,pear,20,surplus', // line 3: too many fields
        '3,plum,many', // line 4: qty is not a long
        '4,fig,40', // line 5
        '5,kiwi,50', // line 6
        '',
      ].join('\n'),
    );
    await p.pipeline(
      'orders',
      ['source: { kind: csv, path: data/orders.csv }', 'columns:', '  qty: { type: long }', 'target: { table: sales.orders }', 'rejects: { max_ratio: 0.5 }', ''].join('\n'),
    );
    await p.write(
      'data/tickets.jsonl',
      ['{"id": 1, "subject": "login"}', '{"id": 2, "subject": "broken', '{"id": 3, "subject": "refund"}', '{"id": 4, "subject": "bill"}', ''].join('\n'),
    );
    await p.pipeline('tickets', 'source: { kind: jsonl, path: data/tickets.jsonl }\ntarget: { table: support.tickets }\nrejects: { max_ratio: 0.5 }\n');
    // A truncated line: fewer fields than the header (the quarter's export was cut short).
    await p.write('data/short.csv', ['id,a,b,c,d', '1,x,y,z,w', '2,x', '3,x,y,z,w', ''].join('\n'));
    await p.pipeline('short', 'source: { kind: csv, path: data/short.csv }\ntarget: { table: sales.short }\nrejects: { max_ratio: 0.5 }\n');
    // NaN is not JSON (RFC 8259 has no NaN literal).
    await p.write('data/scores.jsonl', ['{"id": 1, "score": 1.5}', '{"id": 2, "score": NaN}', '{"id": 3, "score": 2.5}', ''].join('\n'));
    await p.pipeline('scores', 'source: { kind: jsonl, path: data/scores.jsonl }\ntarget: { table: support.scores }\nrejects: { max_ratio: 0.5 }\n');
    // Exit code not asserted here: each pipeline's outcome is its own test below.
    first = await p.floe(['run', '--all', '--json']);
  });

  it('the pipelines without limits problems commit', () => {
    const evs = events(first.stdout);
    for (const name of ['people', 'orders', 'tickets', 'scores']) expect(evs.find((e) => e.event === 'commit' && e.pipeline === name), `${name}\n${show(first)}`).toBeDefined();
  });

  it('normalises emails (trim, lower-case), phones to E.164 in the given region, and country names to alpha-2', async () => {
    expect(await p.query('SELECT id, email, phone, phone_gb, country FROM crm.people ORDER BY id')).toEqual([
      { id: 1, email: 'john.doe@example.com', phone: '+14155552671', phone_gb: '+442079460958', country: 'GB' },
      { id: 2, email: 'mary@example.org', phone: '+12125550100', phone_gb: '+441614960000', country: 'DE' },
      { id: 3, email: null, phone: null, phone_gb: null, country: 'US' },
      { id: 4, email: null, phone: '+14155552671', phone_gb: '+447911123456', country: 'FR' },
    ]);
  });

  it('a CSV row with too many fields and a value that does not convert are quarantined; the rest is written', async () => {
    expect(await p.query('SELECT id, item, qty FROM sales.orders ORDER BY id')).toEqual([
      { id: 1, item: 'apple', qty: 10 },
      { id: 4, item: 'fig', qty: 40 },
      { id: 5, item: 'kiwi', qty: 50 },
    ]);
    expect(await p.columns('sales.orders')).toEqual(['id long', 'item string', 'qty long']);
    const commit = events(first.stdout).find((e) => e.event === 'commit' && e.pipeline === 'orders')!;
    expect(commit).toMatchObject({ rows_read: 5, rows_written: 3, rejects: 2 });
  });

  it('the rejects table holds the source file, line, raw text and reason of a CSV parse error', async () => {
    const rows = await p.query(`SELECT pipeline, source, line, raw, reason, run_id FROM sales.orders__rejects WHERE reason NOT LIKE 'column qty%'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ pipeline: 'orders', source: p.path('data/orders.csv'), line: 3, raw: '2,pear,20,surplus' });
    expect(String(rows[0]!.reason)).toMatch(/too many columns/i);
    const snap = (await p.snapshots('sales.orders')).at(-1)!;
    expect(rows[0]!.run_id).toBe(snap.summary['floe.run-id']);
  });

  it('the rejects table holds the raw row and reason of a value that does not convert', async () => {
    const rows = await p.query(`SELECT raw, reason FROM sales.orders__rejects WHERE reason LIKE 'column qty%'`);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(String(rows[0]!.raw))).toEqual({ id: 3, item: 'plum', qty: 'many' });
    expect(rows[0]!.reason).toBe('column qty: cannot convert many to long');
  });

  it('a conversion reject names its source file and line too', async () => {
    // With `path: data/*.csv`, a quarantined row that does not say which file it came from
    // cannot be traced back.
    const rows = await p.query(`SELECT source, line FROM sales.orders__rejects WHERE reason LIKE 'column qty%'`);
    expect(rows).toEqual([{ source: p.path('data/orders.csv'), line: 4 }]);
  });

  it('a malformed JSON Lines line is quarantined with its line number', async () => {
    expect(await p.query('SELECT source, line, raw, reason FROM support.tickets__rejects')).toEqual([
      { source: p.path('data/tickets.jsonl'), line: 2, raw: '{"id": 2, "subject": "broken', reason: 'malformed JSON' },
    ]);
  });

  it('a malformed JSON Lines line does not reach the target, not even as a row of NULLs', async () => {
    expect(await p.query('SELECT id, subject FROM support.tickets ORDER BY id NULLS LAST')).toEqual([
      { id: 1, subject: 'login' },
      { id: 3, subject: 'refund' },
      { id: 4, subject: 'bill' },
    ]);
    const commit = events(first.stdout).find((e) => e.event === 'commit' && e.pipeline === 'tickets')!;
    expect(commit).toMatchObject({ rows_read: 4, rows_written: 3, rejects: 1 });
  });

  it('a truncated CSV line is one reject, not one per missing field', async () => {
    const error = events(first.stdout).find((e) => e.event === 'error' && e.pipeline === 'short');
    expect(error?.message).toBeUndefined();
    expect(await p.query('SELECT id, a, b, c, d FROM sales.short ORDER BY id')).toEqual([
      { id: 1, a: 'x', b: 'y', c: 'z', d: 'w' },
      { id: 3, a: 'x', b: 'y', c: 'z', d: 'w' },
    ]);
    const rows = await p.query('SELECT line, raw FROM sales.short__rejects');
    expect(rows).toEqual([{ line: 3, raw: '2,x' }]);
    const commit = events(first.stdout).find((e) => e.event === 'commit' && e.pipeline === 'short')!;
    expect(commit).toMatchObject({ rows_read: 3, rows_written: 2, rejects: 1 });
  });

  it('a JSON Lines line with NaN is read as a NaN double (DuckDB is lenient; a documented limit)', async () => {
    const commit = events(first.stdout).find((e) => e.event === 'commit' && e.pipeline === 'scores')!;
    expect(commit).toMatchObject({ rows_read: 3, rows_written: 3, rejects: 0 });
    expect(await p.query("SELECT id, isnan(score) AS nan FROM support.scores ORDER BY id")).toEqual([
      { id: 1, nan: false },
      { id: 2, nan: true },
      { id: 3, nan: false },
    ]);
  });

  it('above rejects.max_ratio the run fails with exit 1 and commits nothing, target or quarantine', async () => {
    const pointer = await p.pointer('sales.orders');
    const snapshots = await p.snapshots('sales.orders');
    const rejectsPointer = await p.pointer('sales.orders__rejects');
    await p.write('data/orders.csv', ['id,item,qty', ...Array.from({ length: 9 }, (_, i) => `${10 + i},item${i},${i}`), '19,bad,NaN-ish', ''].join('\n'));
    await p.pipeline(
      'orders',
      ['source: { kind: csv, path: data/orders.csv }', 'columns:', '  qty: { type: long }', 'target: { table: sales.orders }', 'rejects: { max_ratio: 0.01 }', ''].join('\n'),
    );
    const r = await p.run(['orders'], 1);
    expect(r.stderr).toMatch(/pipeline orders: 1 of 10 rows are malformed \(10\.00%\), above the limit of 1\.00% \(the first: \S*data\/orders\.csv:11: column qty: cannot convert NaN-ish to long\); nothing was committed/);
    expect(r.stdout, show(r)).toMatch(/orders\s+sales\.orders\s+failed/);
    expect(await p.pointer('sales.orders')).toBe(pointer);
    expect(await p.snapshots('sales.orders')).toEqual(snapshots);
    expect(await p.pointer('sales.orders__rejects')).toBe(rejectsPointer);
    expect(await p.query('SELECT count(*) AS n FROM sales.orders')).toEqual([{ n: 3 }]);
  });

  it('without a rejects block, one malformed row fails the run', async () => {
    await p.write('data/strict.csv', 'id,n\n1,1\n2,two\n');
    await p.pipeline('strict', 'source: { kind: csv, path: data/strict.csv }\ncolumns:\n  n: { type: int }\ntarget: { table: sales.strict }\n');
    const r = await p.run(['strict'], 1);
    expect(r.stderr).toContain('pipeline strict: 1 of 2 rows are malformed');
    expect(await p.exists('sales.strict')).toBe(false);
  });
});
