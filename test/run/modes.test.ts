/**
 * `floe run` write modes end to end: append, overwrite, merge (upsert on key, copy-on-write
 * of only the files whose key bounds overlap the incoming keys), and dedupe within a batch.
 */
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { assertBuilt, byKey, duckRows, type Project, sqlString, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const csv = (header: string, rows: (string | number)[][]) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;

describe('append, overwrite and merge: one project, two runs of --all', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders, mode: append }\n');
    await p.pipeline('dim', 'source: { kind: csv, path: data/dim.csv }\ntarget: { table: ref.dim, mode: overwrite }\n');
    await p.pipeline(
      'customers',
      [
        'source: { kind: csv, path: data/customers.csv }',
        'columns:',
        '  id: { rename: customer_id }',
        'target: { table: crm.customers, mode: merge, key: [customer_id] }',
        '',
      ].join('\n'),
    );
    await p.pipeline('stock', 'source: { kind: csv, path: data/stock.csv }\ntarget: { table: inv.stock, mode: merge, key: [store, sku] }\n');

    await p.write('data/orders.csv', csv('id,amount', [[1, 10], [2, 20]]));
    await p.write('data/dim.csv', csv('code,label', [['a', 'A'], ['b', 'B'], ['c', 'C']]));
    await p.write('data/customers.csv', csv('id,name,tier', [[1, 'ann', 'gold'], [2, 'bob', 'silver'], [3, 'cy', 'bronze']]));
    await p.write('data/stock.csv', csv('store,sku,qty', [[1, 'a', 5], [1, 'b', 6], [2, 'a', 7]]));
    await p.run(['--all']);

    await p.write('data/orders.csv', csv('id,amount', [[3, 30]]));
    await p.write('data/dim.csv', csv('code,label', [['b', 'Bee'], ['d', 'D']]));
    await p.write('data/customers.csv', csv('id,name,tier', [[2, 'bob', 'gold'], [4, 'dee', 'silver'], [3, 'cyrus', 'bronze']]));
    await p.write('data/stock.csv', csv('store,sku,qty', [[1, 'b', 60], [2, 'b', 80]]));
    await p.run(['--all']);
  });

  it('append: each run adds its rows in a new append snapshot', async () => {
    expect(await p.query('SELECT id, amount FROM raw.orders ORDER BY id')).toEqual([
      { id: 1, amount: 10 },
      { id: 2, amount: 20 },
      { id: 3, amount: 30 },
    ]);
    const snaps = await p.snapshots('raw.orders');
    expect(snaps.map((s) => s.summary.operation)).toEqual(['append', 'append']);
    expect(snaps.map((s) => s.summary['added-records'])).toEqual(['2', '1']);
    expect(snaps[1]!['parent-snapshot-id']).toBe(snaps[0]!['snapshot-id']);
  });

  it('overwrite: replaces every row with the source', async () => {
    expect(await p.query('SELECT code, label FROM ref.dim ORDER BY code')).toEqual([
      { code: 'b', label: 'Bee' },
      { code: 'd', label: 'D' },
    ]);
    const snaps = await p.snapshots('ref.dim');
    expect(snaps).toHaveLength(2);
    expect(snaps[1]!.summary.operation).toBe('overwrite');
    expect(snaps[1]!.summary['deleted-records']).toBe('3');
    expect(snaps[1]!.summary['total-records']).toBe('2');
  });

  const customers = [
    { customer_id: 1, name: 'ann', tier: 'gold' },
    { customer_id: 2, name: 'bob', tier: 'gold' },
    { customer_id: 3, name: 'cyrus', tier: 'bronze' },
    { customer_id: 4, name: 'dee', tier: 'silver' },
  ];

  it('merge: updated rows replace old ones, new rows are added, no key twice', async () => {
    expect(await p.query('SELECT customer_id, name, tier FROM crm.customers ORDER BY customer_id')).toEqual(customers);
    const snaps = await p.snapshots('crm.customers');
    expect(snaps.map((s) => s.summary.operation)).toEqual(['append', 'overwrite']);
    expect(snaps[1]!.summary['total-records']).toBe('4');
  });

  it('merge: a composite key matches on every key column', async () => {
    expect(await p.query('SELECT store, sku, qty FROM inv.stock ORDER BY store, sku')).toEqual([
      { store: 1, sku: 'a', qty: 5 },
      { store: 1, sku: 'b', qty: 60 },
      { store: 2, sku: 'a', qty: 7 },
      { store: 2, sku: 'b', qty: 80 },
    ]);
  });

  it('merge: the same input again leaves the same rows (read through floe query)', async () => {
    await p.run(['customers']);
    expect(await p.queryCli('SELECT customer_id, name, tier FROM crm.customers ORDER BY customer_id')).toEqual(customers);
  });
});

describe('merge with a NULL key', () => {
  it('a row whose key is NULL is quarantined, so running the same input twice leaves the same rows', async () => {
    const p = await newProject();
    await p.pipeline('m', 'source: { kind: csv, path: data/m.csv }\ntarget: { table: crm.m, mode: merge, key: [id] }\nrejects: { max_ratio: 0.5 }\n');
    await p.write('data/m.csv', csv('id,name', [[1, 'a'], ['', 'no id'], [2, 'b']]));
    await p.run(['m']);
    const once = await p.query('SELECT count(*) AS n, count(id) AS with_id FROM crm.m');
    expect(once).toEqual([{ n: 2, with_id: 2 }]);
    await p.run(['m']);
    expect(await p.query('SELECT count(*) AS n, count(id) AS with_id FROM crm.m')).toEqual(once);
    const rejects = await p.query('SELECT reason FROM crm.m__rejects');
    expect(rejects).toHaveLength(2);
    expect(String(rejects[0]!.reason)).toMatch(/merge key id is NULL/);
  });

  it('without a rejects limit, a NULL merge key fails the run and commits nothing', async () => {
    const p = await newProject();
    await p.pipeline('m', 'source: { kind: csv, path: data/m.csv }\ntarget: { table: crm.m, mode: merge, key: [id] }\n');
    await p.write('data/m.csv', csv('id,name', [[1, 'a'], ['', 'no id']]));
    const r = await p.run(['m'], 1);
    expect(r.stderr).toMatch(/1 of 2 rows are malformed/);
  });
});

describe('merge with a delete marker', () => {
  it('an incoming row whose delete_column is true removes the row with its key; the marker is not written', async () => {
    const p = await newProject();
    await p.pipeline('m', 'source: { kind: csv, path: data/m.csv }\ntarget: { table: crm.m, mode: merge, key: [id], delete_column: deleted }\n');
    // First run on a new table: a deletion has nothing to delete and is not added.
    await p.write('data/m.csv', csv('id,name,deleted', [[1, 'a', 'false'], [2, 'b', 'false'], [3, 'c', ''], [9, 'gone', 'true']]));
    await p.run(['m']);
    expect(await p.query('SELECT * FROM crm.m ORDER BY id')).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ]);
    await p.write('data/m.csv', csv('id,name,deleted', [[2, 'b', 'true'], [3, 'c2', 'false'], [4, 'd', 'false'], [5, 'never', 'true']]));
    await p.run(['m']);
    expect(await p.query('SELECT * FROM crm.m ORDER BY id')).toEqual([
      { id: 1, name: 'a' },
      { id: 3, name: 'c2' },
      { id: 4, name: 'd' },
    ]);
    const last = (await p.snapshots('crm.m')).at(-1)!;
    expect(last.summary.operation).toBe('overwrite');
    expect(last.summary['deleted-records']).toBe('3');
    expect(last.summary['added-records']).toBe('3');
  });

  it('is rejected outside merge mode, and a missing marker column is an error naming it', async () => {
    const p = await newProject();
    await p.pipeline('a', 'source: { kind: csv, path: data/m.csv }\ntarget: { table: crm.a, mode: append, delete_column: deleted }\n');
    const v = await p.floe(['validate']);
    expect(v.code, v.stderr).toBe(2);
    expect(v.stderr + v.stdout).toMatch(/a\.yaml:2:\d+.*delete_column only applies with mode: merge/);
    await p.pipeline('a', 'source: { kind: csv, path: data/m.csv }\ntarget: { table: crm.a, mode: merge, key: [id], delete_column: deleted }\n');
    await p.write('data/m.csv', csv('id,name', [[1, 'a']]));
    const r = await p.run(['a'], 2);
    expect(r.stderr).toMatch(/delete_column "deleted" is not a column of the input \(columns: id, name\)/);
  });
});

describe('merge file pruning', () => {
  it('rewrites only the data files whose key bounds overlap the incoming keys', async () => {
    const p = await newProject();
    const pipeline = (mode: string) => `source: { kind: csv, path: data/batch.csv }\ntarget: { table: sales.orders, mode: ${mode}, key: [id] }\n`;
    await p.pipeline('orders', pipeline('append'));
    // Three appends: three files with disjoint id ranges (even ids only, so a new odd id can fall inside a range).
    for (const base of [100, 200, 300]) {
      await p.write('data/batch.csv', csv('id,status', Array.from({ length: 10 }, (_, i) => [base + 2 * i, 'new'])));
      await p.run(['orders']);
    }
    const before = await p.dataFiles('sales.orders');
    expect(before).toHaveLength(3);

    await p.pipeline('orders', pipeline('merge'));
    // Updates of 204 and 210 and a new 211: all inside [200, 218], the second file's range.
    await p.write('data/batch.csv', csv('id,status', [[204, 'paid'], [210, 'paid'], [211, 'new']]));
    await p.run(['orders']);

    const snaps = await p.snapshots('sales.orders');
    const merge = snaps.at(-1)!.summary;
    expect(merge.operation).toBe('overwrite');
    expect(merge['deleted-data-files']).toBe('1');
    expect(merge['added-data-files']).toBe('1');
    expect(merge['total-data-files']).toBe('3');
    expect(merge['total-records']).toBe('31');

    const after = await p.dataFiles('sales.orders');
    const removed = before.filter((f) => !after.includes(f));
    expect(removed).toHaveLength(1);
    // The rewritten file is the one that held ids 200..218; the others are reused as they were.
    const range = async (f: string) => (await duckRows(`SELECT min(id) AS lo, max(id) AS hi FROM read_parquet(${sqlString(f)})`))[0];
    expect(await range(removed[0]!)).toEqual({ lo: 200, hi: 218 });
    expect(await Promise.all(before.filter((f) => after.includes(f)).map(range))).toEqual(
      expect.arrayContaining([
        { lo: 100, hi: 118 },
        { lo: 300, hi: 318 },
      ]),
    );
    const rows = await p.query(
      `SELECT (SELECT count(*) FROM sales.orders) AS n, (SELECT count(DISTINCT id) FROM sales.orders) AS d, ` +
        `(SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM sales.orders WHERE status <> 'new' OR id = 211) AS changed`,
    );
    expect(rows).toEqual([{ n: 31, d: 31, changed: '204:paid,210:paid,211:new' }]);

    // Keys outside every file's range touch no file: an append-only merge.
    await p.write('data/batch.csv', csv('id,status', [[500, 'new']]));
    await p.run(['orders']);
    const last = (await p.snapshots('sales.orders')).at(-1)!.summary;
    expect(last.operation).toBe('append');
    expect(last['deleted-data-files'] ?? '0').toBe('0');
    const files = await p.dataFiles('sales.orders');
    expect(after.every((f) => files.includes(f))).toBe(true);
    expect(files).toHaveLength(4);
  });

  it('merge on a partitioned table rewrites only the partition files that hold the keys', async () => {
    const p = await newProject();
    await p.pipeline(
      'events',
      'source: { kind: csv, path: data/events.csv }\ntarget: { table: web.events, mode: merge, key: [id], partition_by: [region] }\n',
    );
    await p.write(
      'data/events.csv',
      csv('id,region,v', [[1, 'eu', 1], [2, 'eu', 2], [10, 'us', 10], [11, 'us', 11], [20, 'ap', 20], [21, 'ap', 21]]),
    );
    await p.run(['events']);
    const before = await p.dataFiles('web.events');
    expect(before).toHaveLength(3);
    await p.write('data/events.csv', csv('id,region,v', [[11, 'us', 111]]));
    await p.run(['events']);
    const after = await p.dataFiles('web.events');
    expect(before.filter((f) => !after.includes(f))).toEqual([before.find((f) => f.includes('region=us'))]);
    expect(byKey(await p.query('SELECT id, v FROM web.events'), 'id')).toEqual([
      { id: 1, v: 1 },
      { id: 2, v: 2 },
      { id: 10, v: 10 },
      { id: 11, v: 111 },
      { id: 20, v: 20 },
      { id: 21, v: 21 },
    ]);
  });
});

describe('dedupe within a batch', () => {
  it('repeated keys in one CSV keep the later source row (merge)', async () => {
    const p = await newProject();
    await p.pipeline('c', 'source: { kind: csv, path: data/c.csv }\ntarget: { table: crm.c, mode: merge, key: [id] }\n');
    await p.write('data/c.csv', csv('id,name', [[1, 'first'], [2, 'only'], [1, 'second'], [1, 'third'], [3, 'x']]));
    const r = await p.run(['c', '--json']);
    const commit = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'commit')!;
    expect(commit.rows_read).toBe(5);
    expect(commit.rows_written).toBe(3);
    expect(await p.query('SELECT id, name FROM crm.c ORDER BY id')).toEqual([
      { id: 1, name: 'third' },
      { id: 2, name: 'only' },
      { id: 3, name: 'x' },
    ]);
  });

  it('across files of a glob, the row from the later file wins; append with a key dedupes too', async () => {
    const p = await newProject();
    await p.pipeline('c', 'source: { kind: csv, path: "data/part-*.csv" }\ntarget: { table: crm.c, mode: append, key: [id] }\n');
    await p.write('data/part-1.csv', csv('id,name', [[1, 'old'], [2, 'two']]));
    await p.write('data/part-2.csv', csv('id,name', [[1, 'new'], [3, 'three']]));
    await p.run(['c']);
    expect(await p.query('SELECT id, name FROM crm.c ORDER BY id')).toEqual([
      { id: 1, name: 'new' },
      { id: 2, name: 'two' },
      { id: 3, name: 'three' },
    ]);
  });

  it('with an incremental cursor, the row with the greatest cursor wins whatever the source order', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/crm.db'));
    db.exec('CREATE TABLE contacts (id INTEGER, email TEXT, updated_at INTEGER)');
    const insert = db.prepare('INSERT INTO contacts VALUES (?, ?, ?)');
    // Source order puts an older version last for id 1.
    for (const row of [
      [1, 'v2@x.com', 20],
      [2, 'b@x.com', 5],
      [1, 'v3@x.com', 30],
      [1, 'v1@x.com', 10],
    ] as const) insert.run(...row);
    db.close();
    await p.pipeline(
      'contacts',
      [
        'source: { kind: sqlite, connection: data/crm.db, table: contacts, incremental: { cursor: updated_at } }',
        'target: { table: crm.contacts, mode: merge, key: [id] }',
        '',
      ].join('\n'),
    );
    await p.run(['contacts']);
    expect(await p.query('SELECT id, email, updated_at FROM crm.contacts ORDER BY id')).toEqual([
      { id: 1, email: 'v3@x.com', updated_at: 30 },
      { id: 2, email: 'b@x.com', updated_at: 5 },
    ]);
    const snap = (await p.snapshots('crm.contacts')).at(-1)!;
    expect(snap.summary['floe.cursor.column']).toBe('updated_at');
    expect(snap.summary['floe.cursor.value']).toBe('30');
  });
});
