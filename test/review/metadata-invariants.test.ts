/**
 * Current metadata that decodes but breaks an invariant between its own fields: an id counter
 * below an id already assigned (last-column-id, last-partition-id), a default or current id
 * naming an entry the file does not have, a ref or current-snapshot-id naming a missing
 * snapshot, a parent-snapshot-id chain that loops. floe read the counter damage and then failed
 * the next write with an internal error ("invalid table metadata"). Now a read and a write both
 * refuse the table as damaged: exit 1, the table, the metadata file and the field named, and
 * nothing written.
 *
 * One partitioned table with two snapshots serves every case: each test writes its damaged
 * text over the current metadata file and puts the original back afterwards.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, smallCsv, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-md-invariants-');
const TABLE = 'raw.inv';
let project: string;
let csv: string;
let pointer: string;
let original: string;
/** The first and the second (current) snapshot's ids. */
let s1: string;
let s2: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  csv = path.join(project, 'a.csv');
  await writeFile(csv, smallCsv(3));
  let r = await floeIn(project, ['load', TABLE, csv, '--partition-by', 'name']);
  expect(r.code, show(r)).toBe(0);
  r = await floeIn(project, ['load', TABLE, csv]);
  expect(r.code, show(r)).toBe(0);
  pointer = catalogPointer(project, TABLE)!;
  original = readFileSync(pointer, 'utf8');
  const ids = [...original.matchAll(/"sequence-number":\d+,"snapshot-id":(\d+)/g)].map((m) => m[1]!);
  expect(ids).toHaveLength(2);
  [s1, s2] = ids as [string, string];
  // The damage below edits these exact texts; a change in how floe writes metadata must show here.
  for (const t of ['{"id":3,"name":"amount"', '"last-column-id":3,', '"last-partition-id":1000,', '"default-spec-id":0,', '"current-schema-id":0,', '"default-sort-order-id":0,']) {
    expect(original).toContain(t);
  }
  expect(original).toContain(`"refs":{"main":{"snapshot-id":${s2},"type":"branch"}}`);
}, 120_000);

afterEach(() => {
  if (pointer !== undefined) writeFileSync(pointer, original);
});

const warehouseFiles = () => readdirSync(path.join(project, 'warehouse', 'raw', 'inv'), { recursive: true }).map(String).sort();

/** Writes `damage(original)` as the current metadata; a query and an append both fail naming `problem`. */
async function expectRefused(damage: (text: string) => string, problem: string): Promise<void> {
  const damaged = damage(original);
  expect(damaged).not.toBe(original);
  writeFileSync(pointer, damaged);
  const before = warehouseFiles();
  for (const args of [['query', `SELECT count(*) FROM ${TABLE}`], ['load', TABLE, csv]]) {
    const r = await floeIn(project, args);
    expectFailure(r, 1, [`table ${TABLE}: ${pointer}: ${problem}`, `floe table drop ${TABLE}`]);
    expect(r.stderr, show(r)).not.toContain('invalid table metadata');
  }
  expect(catalogPointer(project, TABLE)).toBe(pointer);
  expect(warehouseFiles()).toEqual(before);
  expect(readFileSync(pointer, 'utf8')).toBe(damaged);
}

describe('id counters below the ids already assigned', () => {
  it('the undamaged table reads (the cases below start from a working table)', async () => {
    const r = await floeIn(project, ['query', `SELECT count(*) AS n FROM ${TABLE}`, '--format', 'csv']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['n', '6']);
  }, 60_000);

  it('last-column-id below the highest field id', async () => {
    await expectRefused((t) => t.replace('"last-column-id":3,', '"last-column-id":2,'), "last-column-id is 2, below field id 3 ('amount' in schema 0)");
  }, 60_000);

  it('last-column-id missing', async () => {
    await expectRefused((t) => t.replace('"last-column-id":3,', ''), 'last-column-id is required but missing');
  }, 60_000);

  it('last-column-id not an integer', async () => {
    await expectRefused((t) => t.replace('"last-column-id":3,', '"last-column-id":"3",'), 'last-column-id must be an int (got "3")');
    await expectRefused((t) => t.replace('"last-column-id":3,', '"last-column-id":3.5,'), 'last-column-id must be an int (got 3.5)');
  }, 60_000);

  it('last-partition-id below a partition field id', async () => {
    await expectRefused(
      (t) => t.replace('"last-partition-id":1000,', '"last-partition-id":999,'),
      "last-partition-id is 999, below partition field id 1000 ('name' in partition spec 0)",
    );
  }, 60_000);
});

describe('ids that name entries the metadata does not have', () => {
  it('default-spec-id', async () => {
    await expectRefused((t) => t.replace('"default-spec-id":0,', '"default-spec-id":4,'), 'default-spec-id names spec 4, which is not in partition-specs');
  }, 60_000);

  it('current-schema-id', async () => {
    await expectRefused((t) => t.replace('"current-schema-id":0,', '"current-schema-id":5,'), 'current-schema-id names schema 5, which is not in schemas');
  }, 60_000);

  it('default-sort-order-id', async () => {
    await expectRefused((t) => t.replace('"default-sort-order-id":0,', '"default-sort-order-id":3,'), 'default-sort-order-id names sort order 3, which is not in sort-orders');
  }, 60_000);

  it('current-snapshot-id naming a missing snapshot (no refs map)', async () => {
    await expectRefused(
      (t) => t.replace(`"current-snapshot-id":${s2},"refs":{"main":{"snapshot-id":${s2},"type":"branch"}},`, '"current-snapshot-id":12345,'),
      'current-snapshot-id points at snapshot 12345, which is not in snapshots',
    );
  }, 60_000);

  it('current-snapshot-id naming a missing snapshot (a refs map without main)', async () => {
    await expectRefused(
      (t) => t.replace(`"current-snapshot-id":${s2},"refs":{"main":{"snapshot-id":${s2},"type":"branch"}},`, `"current-snapshot-id":12345,"refs":{"keep":{"snapshot-id":${s1},"type":"tag"}},`),
      'current-snapshot-id points at snapshot 12345, which is not in snapshots',
    );
  }, 60_000);

  it('refs.main and current-snapshot-id both naming a missing snapshot', async () => {
    await expectRefused(
      (t) => t.replace(`"current-snapshot-id":${s2},"refs":{"main":{"snapshot-id":${s2},`, '"current-snapshot-id":12345,"refs":{"main":{"snapshot-id":12345,'),
      'refs.main points at snapshot 12345, which is not in snapshots',
    );
  }, 60_000);

  it('main as a tag (a write turned it back into a branch)', async () => {
    await expectRefused((t) => t.replace(`"main":{"snapshot-id":${s2},"type":"branch"}`, `"main":{"snapshot-id":${s2},"type":"tag"}`), "refs.main must be a branch (got type 'tag')");
  }, 60_000);

  it('a tag naming a missing snapshot', async () => {
    await expectRefused(
      (t) => t.replace(`"type":"branch"}}`, `"type":"branch"},"old":{"snapshot-id":12345,"type":"tag"}}`),
      'refs.old points at snapshot 12345, which is not in snapshots',
    );
  }, 60_000);
});

describe('ids used twice, and an empty location', () => {
  it('a partition spec id listed twice (floe wrote unpartitioned files into the partitioned table)', async () => {
    await expectRefused(
      (t) => t.replace('"partition-specs":[', '"partition-specs":[{"spec-id":0,"fields":[]},'),
      'partition-specs[1].spec-id is 0, the id of partition-specs[0] too: each partition spec needs its own id',
    );
  }, 60_000);

  it('a field id given to two columns (a write failed in DuckDB: "Duplicate field_id")', async () => {
    await expectRefused((t) => t.replace('{"id":3,"name":"amount"', '{"id":2,"name":"amount"'), "schemas[0] (schema 0) gives field id 2 to both 'name' and 'amount'");
  }, 60_000);

  it('an empty location (a write failed with an internal error)', async () => {
    await expectRefused((t) => t.replace(/"location":"[^"]*"/, '"location":""'), 'location must not be empty');
  }, 60_000);
});

describe('snapshot history', () => {
  it('a parent-snapshot-id chain that loops', async () => {
    await expectRefused(
      (t) => t.replace(`"snapshot-id":${s1},"timestamp-ms"`, `"snapshot-id":${s1},"parent-snapshot-id":${s2},"timestamp-ms"`),
      `snapshots[1].parent-snapshot-id is ${s1}, which makes the snapshot history a loop (${s1} → ${s2} → ${s1})`,
    );
  }, 60_000);
});
