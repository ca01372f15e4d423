/**
 * Is a table still valid for Spark (Iceberg 1.10.1) after floe's table-management commands?
 * floe renames and adds columns, replaces the partition spec (old files keep theirs), tags a
 * snapshot with retention, makes a branch, rolls main back and fast-forwards it to the
 * branch; Spark then reads the current state, the tag and the refs, appends a row under the
 * new spec, and floe reads Spark's row back.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { assertProvisioned, sparkBatch, type SparkSqlResult, type SparkTableRead } from '../interop/oracle.js';

const tmp = useTmpDirs('floe-review-evolve-spark-');
let project: string;
const ok = async (args: string[]) => {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r.stdout;
};
/** Snapshot ids from the text output (JSON numbers would lose digits). */
const snapshotIds = async () => (await ok(['snapshots', 'raw.ev'])).split('\n').slice(2).filter(Boolean).map((l) => l.split(/\s+/)[0]!);

beforeAll(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'a.csv'), 'id,name,ts\n1,a,2026-01-01T10:00:00Z\n2,b,2026-01-02T10:00:00Z\n');
  await writeFile(path.join(project, 'b.csv'), 'id,customer,ts,channel\n3,c,2026-02-01T10:00:00Z,web\n');
  await ok(['load', 'raw.ev', path.join(project, 'a.csv'), '--partition-by', 'day(ts)']);
  await ok(['table', 'evolve', 'raw.ev', '--rename-column', 'name=customer', '--add-column', 'channel string', '--partition-by', 'month(ts)', 'bucket(4, id)', '--set-property', 'x.y=z']);
  await ok(['load', 'raw.ev', path.join(project, 'b.csv')]);
  const [s1, s2] = await snapshotIds();
  await ok(['snapshot', 'tag', 'raw.ev', 'v1', '--snapshot', s1!, '--retain', '30d']);
  await ok(['snapshot', 'branch', 'raw.ev', 'audit', '--retain-last', '2']);
  await ok(['snapshot', 'rollback', 'raw.ev', '--to-snapshot', s1!]);
  await ok(['snapshot', 'branch', 'raw.ev', 'main', '--fast-forward', 'audit']);
  expect(await snapshotIds()).toEqual([s1, s2]);
}, 120_000);

describe('Spark reads and writes a table floe evolved and re-pointed', () => {
  it('current rows, the tag, the refs; Spark appends under the new spec; floe reads it', async () => {
    const [s1, s2] = await snapshotIds();
    const db = path.join(project, 'warehouse', 'catalog.db');
    const r = await sparkBatch({
      catalogDb: db,
      warehouse: path.join(project, 'warehouse'),
      ops: [
        { op: 'read', table: 'raw.ev', with_rows: true },
        { op: 'read', table: 'raw.ev', snapshot_id: s1!, with_rows: true },
        { op: 'sql', sql: "SELECT name, type, cast(snapshot_id AS string) AS id, max_reference_age_in_ms AS age, min_snapshots_to_keep AS keep FROM floe.raw.ev.refs ORDER BY name" },
        { op: 'sql', sql: 'SELECT count(*) AS n FROM floe.raw.ev VERSION AS OF \'v1\'' },
        { op: 'sql', sql: "INSERT INTO floe.raw.ev VALUES (4, 'd', TIMESTAMP '2026-03-01 10:00:00 UTC', 'store')" },
        { op: 'sql', sql: 'SELECT spec_id, count(*) AS files FROM floe.raw.ev.files GROUP BY spec_id ORDER BY spec_id' },
      ],
    });
    const [current, tagged, refs, byTag, , specs] = r.results as [SparkTableRead, SparkTableRead, SparkSqlResult, SparkSqlResult, SparkSqlResult, SparkSqlResult];
    expect(current.snapshot_id).toBe(s2);
    expect(current.schema.map((f) => f.name)).toEqual(['id', 'customer', 'ts', 'channel']);
    expect(current.rows!.map((x) => [x.id, x.customer, x.channel])).toEqual([['1', 'a', null], ['2', 'b', null], ['3', 'c', 'web']]);
    expect(tagged.count).toBe(2);
    expect(refs.rows).toEqual([
      { name: 'audit', type: 'BRANCH', id: s2, age: null, keep: 2 },
      { name: 'main', type: 'BRANCH', id: s2, age: null, keep: null },
      { name: 'v1', type: 'TAG', id: s1, age: String(30 * 86_400_000), keep: null },
    ]);
    expect(byTag.rows).toEqual([{ n: '2' }]);
    // floe's first file has spec 0 (day), its second spec 1 (month, bucket); Spark's append spec 1 too.
    expect(specs.rows).toEqual([{ spec_id: 0, files: '2' }, { spec_id: 1, files: '2' }]);
    const q = await floeIn(project, ['query', 'SELECT id, customer, channel FROM raw.ev ORDER BY id', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('id,customer,channel\n1,a,\n2,b,\n3,c,web\n4,d,store\n');
  }, 600_000);
});
