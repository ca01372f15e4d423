/**
 * Every command on an s3:// warehouse (the moto S3 server of scripts/provision-services.sh)
 * with a local SQLite catalog: load, run with s3:// file sources and globs, query, check,
 * describe, snapshots, maintain, compact, table drop --purge; PyIceberg reads the same
 * table through the same catalog; an injected failing upload leaves the table unchanged.
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { createTestBucket, faultProxy, type FaultProxy, s3Endpoint, TEST_SECRET, testSettings } from '../helpers/s3.js';
import { pyicebergReadS3 } from '../helpers/s3-pyiceberg.js';
import { assertBuilt, catalogPointer, catalogTables, expectFailure, floeIn, show, smallCsv, useTmpDirs } from './helpers.js';
import { S3_ENV, s3FloeYaml } from './s3-project.js';

const tmp = useTmpDirs('floe-cli-s3-');
const enc = (s: string) => new TextEncoder().encode(s);

let bucket: string;
let io: S3FileIO;
let project: string;
let warehouse: string;

const floeYaml = (o: { endpoint: string; catalog: string; extra?: string }) => s3FloeYaml({ warehouse, ...o, maxAttempts: 2 });

const run = (args: string[], dir = project) => floeIn(dir, args, { env: S3_ENV });

async function csvRows(dir: string, sql: string): Promise<string[]> {
  const r = await run(['query', sql, '--format', 'csv'], dir);
  expect(r.code, show(r)).toBe(0);
  return r.stdout.trim().split('\n');
}

async function countRows(dir: string, table: string): Promise<bigint> {
  const [head, n] = await csvRows(dir, `SELECT count(*) AS n FROM ${table}`);
  expect(head).toBe('n');
  return BigInt(n!);
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const f of io.list(prefix)) out.push(f.location);
  return out.sort();
}

beforeAll(async () => {
  assertBuilt();
  bucket = await createTestBucket('floe-cli-s3');
  warehouse = `s3://${bucket}/wh`;
  io = new S3FileIO(testSettings());
  project = await tmp();
  await mkdir(path.join(project, 'warehouse'));
  await mkdir(path.join(project, 'pipelines'));
  await writeFile(path.join(project, 'floe.yaml'), floeYaml({ endpoint: s3Endpoint(), catalog: './warehouse/catalog.db' }));
  await writeFile(
    path.join(project, 'pipelines', 'orders.yaml'),
    [
      `source: { kind: csv, path: "s3://${bucket}/in/**/*.csv" }`,
      'target: { table: raw.orders, mode: append }',
      'checks:',
      '  - not_null: [id]',
      '  - row_count: { min: 3, max: 3 }',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(project, 'pipelines', 'missing.yaml'), `source: { kind: csv, path: "s3://${bucket}/in/nope.csv" }\ntarget: { table: raw.nope }\n`);
  await io.write(`s3://${bucket}/in/o1.csv`, enc('id,amount\n1,10\n2,20\n'));
  await io.write(`s3://${bucket}/in/2026/o2.csv`, enc('id,amount\n3,30\n'));
  await io.write(`s3://${bucket}/in/2026/notes.txt`, enc('not a csv'));
  await writeFile(path.join(project, 'people.csv'), smallCsv(5));
});
afterAll(() => io?.client.destroy());

describe('an s3:// warehouse', () => {
  it('load: creates the table with its data and metadata in the bucket', async () => {
    const r = await run(['load', 'raw.people', path.join(project, 'people.csv')]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
    const pointer = catalogPointer(project, 'raw.people');
    expect(pointer).toMatch(new RegExp(`^s3://${bucket}/wh/raw/people/metadata/00000-.*\\.metadata\\.json$`));
    expect(await io.exists(pointer!)).toBe(true);
    const files = await keysUnder(`${warehouse}/raw/people`);
    expect(files.filter((f) => f.includes('/data/') && f.endsWith('.parquet'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.avro'))).toHaveLength(2); // manifest + manifest list
    expect(await countRows(project, 'raw.people')).toBe(5n);
  });

  it('load: reads s3:// input files and globs; a glob matching nothing fails naming it', async () => {
    const r = await run(['load', 'raw.from_s3', `s3://${bucket}/in/**/*.csv`]);
    expect(r.code, show(r)).toBe(0);
    expect(await csvRows(project, 'SELECT id, amount FROM raw.from_s3 ORDER BY id')).toEqual(['id,amount', '1,10', '2,20', '3,30']);
    const none = await run(['load', 'raw.from_s3', `s3://${bucket}/in/zzz*.csv`]);
    expectFailure(none, 1, [`no file matches s3://${bucket}/in/zzz*.csv`]);
    expect(await countRows(project, 'raw.from_s3')).toBe(3n);
  });

  it('run: reads s3:// globs (staged for DuckDB), writes, and its checks pass', async () => {
    const r = await run(['run', 'orders']);
    expect(r.code, show(r)).toBe(0);
    expect(await csvRows(project, 'SELECT id, amount FROM raw.orders ORDER BY id')).toEqual(['id,amount', '1,10', '2,20', '3,30']);
    const c = await run(['check', 'raw.orders']);
    expect(c.code, show(c)).toBe(0);
    expect(c.stdout).toMatch(/2 checks: 2 passed/);
  });

  it('check: a failing ad-hoc check exits 3', async () => {
    const c = await run(['check', 'raw.orders', '--row-count-min', '10', '--no-history']);
    expect(c.code, show(c)).toBe(3);
  });

  it('run: a missing s3:// source file fails naming it, and creates no table', async () => {
    const r = await run(['run', 'missing']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`s3://${bucket}/in/nope.csv`);
    expect(catalogTables(project)).not.toContain('raw.nope');
  });

  it('describe and snapshots show the s3 locations', async () => {
    const d = await run(['describe', 'raw.orders']);
    expect(d.code, show(d)).toBe(0);
    expect(d.stdout).toContain(`location         s3://${bucket}/wh/raw/orders`);
    const s = await run(['snapshots', 'raw.orders']);
    expect(s.code, show(s)).toBe(0);
    expect(s.stdout).toMatch(/append\s+3\s+3/);
  });

  it('query stages data files in a temporary cache that is gone when the command ends', async () => {
    const tmpRoot = await tmp();
    const r = await floeIn(project, ['query', 'SELECT sum(amount) AS s FROM raw.orders', '--format', 'csv'], { env: { ...S3_ENV, TMPDIR: tmpRoot } });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['s', '60']);
    expect(readdirSync(tmpRoot).filter((n) => n.startsWith('floe-'))).toEqual([]);
  });

  it('PyIceberg reads the same rows from the same catalog through its own S3 FileIO', async () => {
    const py = await pyicebergReadS3({ catalogDb: path.join(project, 'warehouse', 'catalog.db'), warehouse, table: 'raw.orders' });
    expect(py.metadata_location).toBe(catalogPointer(project, 'raw.orders'));
    const rows = py.rows.map((r) => `${r.id},${r.amount}`).sort();
    expect(['id,amount', ...rows]).toEqual(await csvRows(project, 'SELECT id, amount FROM raw.orders ORDER BY id'));
  }, 120_000);

  it('maintain and compact work through the same FileIO; rows stay the same', async () => {
    const more = path.join(project, 'more.csv');
    await writeFile(more, smallCsv(3, 100));
    for (let i = 0; i < 2; i++) expect((await run(['load', 'raw.people', more])).code).toBe(0);
    const before = await csvRows(project, 'SELECT id, name FROM raw.people ORDER BY id, name');
    expect(before).toHaveLength(1 + 11);

    const c = await run(['compact', 'raw.people', '--rewrite-all']);
    expect(c.code, show(c)).toBe(0);
    const m = await run(['maintain', 'manifests', 'raw.people']);
    expect(m.code, show(m)).toBe(0);
    const e = await run(['maintain', 'expire', 'raw.people', '--older-than', '0s', '--retain-last', '1']);
    expect(e.code, show(e)).toBe(0);
    // Stray file under the table location: an orphan.
    await io.write(`${warehouse}/raw/people/data/stray.parquet`, enc('junk'));
    const o = await run(['maintain', 'orphans', 'raw.people', '--older-than', '0s', '--allow-recent']);
    expect(o.code, show(o)).toBe(0);
    expect(await io.exists(`${warehouse}/raw/people/data/stray.parquet`)).toBe(false);

    expect(await csvRows(project, 'SELECT id, name FROM raw.people ORDER BY id, name')).toEqual(before);
    const dataFiles = (await keysUnder(`${warehouse}/raw/people/data`)).filter((f) => f.endsWith('.parquet'));
    expect(dataFiles).toHaveLength(1); // compacted into one; the three originals expired
  }, 300_000); // eight CLI runs on a shared 2-core machine

  it('table drop --purge removes every object under the table location', async () => {
    expect((await keysUnder(`${warehouse}/raw/people`)).length).toBeGreaterThan(0);
    const r = await run(['table', 'drop', 'raw.people', '--purge']);
    expect(r.code, show(r)).toBe(0);
    expect(catalogTables(project)).not.toContain('raw.people');
    expect(await keysUnder(`${warehouse}/raw/people`)).toEqual([]);
  });
});

describe('an upload that fails', () => {
  let proxy: FaultProxy;
  let failing: string;
  /** The key pattern whose PUTs the proxy fails (always 503, so retries run out). */
  let failPut: RegExp | undefined;

  beforeAll(async () => {
    proxy = await faultProxy((method, p) => (method === 'PUT' && failPut?.test(p) ? '503' : 'pass'));
    failing = await tmp();
    await writeFile(path.join(failing, 'floe.yaml'), floeYaml({ endpoint: proxy.endpoint, catalog: path.join(project, 'warehouse', 'catalog.db') }));
    await writeFile(path.join(failing, 'batch.csv'), smallCsv(4, 1000));
    const r = await run(['load', 'raw.fail', path.join(project, 'people.csv')]);
    expect(r.code, show(r)).toBe(0);
  });
  afterAll(() => proxy?.close());

  for (const [what, pattern] of [
    ['a data file', /\/raw\/fail\/data\/.*\.parquet/],
    ['the manifest', /\/raw\/fail\/metadata\/[^/]*-m\d+\.avro/],
    ['the manifest list', /\/raw\/fail\/metadata\/snap-[^/]*\.avro/],
    ['the metadata file', /\/raw\/fail\/metadata\/[^/]*\.metadata\.json/],
  ] as const) {
    it(`${what}: exit 1 naming the s3:// location and endpoint; nothing committed, nothing left behind`, async () => {
      const pointer = catalogPointer(project, 'raw.fail');
      const objects = await keysUnder(`${warehouse}/raw/fail`);
      failPut = pattern;
      try {
        const r = await run(['load', 'raw.fail', path.join(failing, 'batch.csv')], failing);
        expectFailure(r, 1, [`s3://${bucket}/wh/raw/fail/`, proxy.endpoint]);
        expect(r.stderr + r.stdout).not.toContain(TEST_SECRET);
        expect(proxy.seen.some((s) => s.startsWith('PUT') && pattern.test(s)), 'the fault was hit').toBe(true);
      } finally {
        failPut = undefined;
      }
      expect(catalogPointer(project, 'raw.fail')).toBe(pointer);
      expect(await countRows(project, 'raw.fail')).toBe(5n);
      // Whatever was uploaded before the failure was removed again.
      expect(await keysUnder(`${warehouse}/raw/fail`)).toEqual(objects);
    });
  }
});
