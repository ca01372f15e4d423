/**
 * Table maintenance held against PyIceberg and Spark (test/interop/oracle.ts), one JVM launch:
 *
 * - ns.dels: two specs (unpartitioned, then by region), position deletes from a merge-on-read
 *   merge, a global equality delete (spec 0) and a partition equality delete (spec 1); then
 *   `floe compact --rewrite-to-current-spec`. Spark reads the snapshot before compaction
 *   (applying the deletes itself) and after: the same rows, no delete file left, one spec.
 * - ns.sorted: `floe compact --strategy sort` by the table's sort order; every file Spark lists
 *   is sorted and carries that order's id; Spark and PyIceberg read floe's rows.
 * - ns.rb: tag, rollback, append, expire (--retain-last 1): the rolled-back snapshot's data
 *   file is deleted, the others stay, the tag still reads; the orphan sweep then finds
 *   nothing, and leaves the sibling table ns.rb_x (whose folder shares the prefix) alone.
 * - ns.gone: a merge-on-read merge deletes every row, then compaction: no file left at all.
 * - ns.sp: Spark deletes rows (position deletes) and rewrites every file, which leaves the
 *   delete files dangling; `floe compact` then removes them and PyIceberg reads the same rows.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { type DataFile, DataFileContent, type TableIdentifier } from '../../src/iceberg/types.js';
import { LocalFileIO } from '../../src/io/local.js';
import { joinLocation } from '../../src/io/fileio.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { commitFiles, type Env } from '../table/compact/helpers.js';
import { type CanonicalRow, type PyIcebergReadResult, type SparkSqlResult, type SparkTableRead, assertProvisioned, pyicebergRead, sparkBatch } from '../interop/oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt, currentFields, parseJsonLossless } from '../interop/helpers/floe-cli.js';
import { writeParquet } from '../interop/helpers/inputs.js';
import { expectSameRows, floeRows } from '../interop/helpers/matrix.js';
import { setupOnce } from '../interop/helpers/setup.js';

const SPARK_TIMEOUT = 900_000;
let project: FloeProject;

const events = (stdout: string) => stdout.trim().split('\n').map((l) => parseJsonLossless(l) as Record<string, unknown>);
const ids = (rows: readonly CanonicalRow[] | undefined) => (rows ?? []).map((r) => Number(r.id)).sort((a, b) => a - b);
const batchSql = (from: number, n: number) =>
  `SELECT i::BIGINT AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, ((i * 37) % 101)::DOUBLE AS amount, 'n' || i AS note FROM range(${from}, ${from + n}) t(i)`;

async function parquet(name: string, from: number, n: number): Promise<string> {
  const f = join(project.inputs, `${name}.parquet`);
  await writeParquet(f, batchSql(from, n));
  return f;
}

/** Commits equality delete files on column id through the library (no CLI command writes them). */
async function commitEqualityDeletes(table: string, deletes: { keys: number[]; specId: number; partition: (string | null)[] }[]): Promise<void> {
  const catalog = await openCatalog({ uri: `sqlite:${project.catalogDb}`, name: project.catalogName }, project.dir);
  const engine = await openEngine({ threads: 1 });
  const env: Env = { catalog, io: new LocalFileIO(), engine, warehouse: project.warehouse };
  const [ns, name] = table.split('.') as [string, string];
  const id: TableIdentifier = { namespace: [ns], name };
  try {
    const t = await loadTable(catalog, env.io, id);
    const idField = t.metadata.schemas.find((s) => s['schema-id'] === t.metadata['current-schema-id'])!.fields.find((f) => f.name === 'id')!.id;
    const files: DataFile[] = [];
    for (const d of deletes) {
      const location = joinLocation(t.metadata.location, 'data', `eq-${d.specId}-${d.keys.join('_')}.parquet`);
      await engine.run(`COPY (SELECT unnest([${d.keys.join(', ')}])::BIGINT AS id) TO ${quoteLiteral(location)} (FORMAT parquet, FIELD_IDS {id: ${idField}})`, 'write an equality delete file');
      files.push({
        content: DataFileContent.EQUALITY_DELETES, file_path: location, file_format: 'PARQUET', partition: d.partition,
        record_count: BigInt(d.keys.length), file_size_in_bytes: BigInt(statSync(location).size), equality_ids: [idField],
        specId: d.specId,
      } as DataFile);
    }
    await commitFiles(env, id, files, 'deletes', 'delete');
  } finally {
    engine.close();
    await catalog.close();
  }
}

/** Live delete files of the current snapshot, as floe's scan planning sees them. */
async function liveDeleteFiles(table: string): Promise<number> {
  const catalog = await openCatalog({ uri: `sqlite:${project.catalogDb}`, name: project.catalogName }, project.dir);
  try {
    const [ns, name] = table.split('.') as [string, string];
    const t = await loadTable(catalog, new LocalFileIO(), { namespace: [ns], name });
    return (await planScan({ io: t.io, metadata: t.metadata, table })).deleteFiles.length;
  } finally {
    await catalog.close();
  }
}

let dels: { pre: string; before: CanonicalRow[]; deleteFilesBefore: number; compact: Record<string, unknown>; after: CanonicalRow[]; snap: SnapshotInfo; deleteFilesAfter: number };
let sorted: { rows: CanonicalRow[]; snap: SnapshotInfo };
let rb: { s: string[]; expire: Record<string, unknown>; rows: number[]; atTag: number[]; dataFiles: string[]; b3File: string[]; orphans: Record<string, unknown>; siblingRows: number };
let gone: { compact: Record<string, unknown>; snap: SnapshotInfo; rows: number };
let sp: { sparkDeleteFiles: number; end: Record<string, unknown>; deleteFilesAfter: number; rows: number[]; py: PyIcebergReadResult };
let py: Record<'dels' | 'sorted' | 'rb' | 'gone', PyIcebergReadResult>;
let spark: {
  delsPre: SparkTableRead; dels: SparkTableRead; delsSpecs: SparkSqlResult; delsDeletes: SparkSqlResult; sorted: SparkTableRead; sortedFiles: SparkSqlResult;
  rb: SparkTableRead; rbTag: SparkTableRead; gone: SparkTableRead; goneFiles: SparkSqlResult;
};

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('maint-oracle');

  // ns.dels ------------------------------------------------------------------------------
  await project.load('ns.dels', [await parquet('a0', 0, 20)]);
  await project.load('ns.dels', [await parquet('a1', 20, 20)]);
  await project.ok(['table', 'evolve', 'ns.dels', '--partition-by', 'region', '--set-property', 'write.merge.mode=merge-on-read']);
  await project.load('ns.dels', [await parquet('a2', 40, 20)]);
  await project.load('ns.dels', [await parquet('a3', 60, 20)]);
  const pipelines = join(project.dir, 'pipelines');
  mkdirSync(pipelines, { recursive: true });
  writeFileSync(join(project.inputs, 'm.csv'), 'id,region,amount,note,deleted\n10,eu,0,x,true\n50,eu,0,x,true\n');
  writeFileSync(join(pipelines, 'm.yaml'), `source: { kind: csv, path: inputs/m.csv, columns: { id: long, amount: double } }\ntarget: { table: ns.dels, mode: merge, key: [id], delete_column: deleted }\n`);
  await project.ok(['run', 'm']);
  // A global equality delete (spec 0, unpartitioned: every partition) and one in partition eu of spec 1.
  await commitEqualityDeletes('ns.dels', [{ keys: [3, 25, 45], specId: 0, partition: [] }]);
  await commitEqualityDeletes('ns.dels', [{ keys: [62, 64], specId: 1, partition: ['eu'] }]);
  const delsFields = currentFields(await project.describe('ns.dels'));
  const pre = (await project.snapshots('ns.dels')).at(-1)!['snapshot-id'];
  const before = await floeRows(project, 'ns.dels', delsFields);
  const deleteFilesBefore = await liveDeleteFiles('ns.dels');
  const compactOut = (await project.ok(['compact', 'ns.dels', '--rewrite-to-current-spec', '--min-input-files', '2', '--json'])).stdout;
  dels = {
    pre, before, deleteFilesBefore,
    compact: events(compactOut).find((e) => e.event === 'commit')!,
    after: await floeRows(project, 'ns.dels', delsFields),
    snap: (await project.snapshots('ns.dels')).at(-1)!,
    deleteFilesAfter: await liveDeleteFiles('ns.dels'),
  };

  // ns.sorted ----------------------------------------------------------------------------
  await project.load('ns.sorted', [await parquet('s0', 0, 30)], { partitionBy: ['region'] });
  await project.ok(['table', 'evolve', 'ns.sorted', '--sort-by', 'amount desc', 'id']);
  for (let b = 1; b < 6; b++) await project.load('ns.sorted', [await parquet(`s${b}`, b * 30, 30)]);
  await project.ok(['compact', 'ns.sorted', '--strategy', 'sort']);
  sorted = { rows: await floeRows(project, 'ns.sorted', currentFields(await project.describe('ns.sorted'))), snap: (await project.snapshots('ns.sorted')).at(-1)! };

  // ns.rb --------------------------------------------------------------------------------
  const dataDir = join(project.warehouse, 'ns', 'rb', 'data');
  const listData = () => readdirSync(dataDir).filter((f) => f.endsWith('.parquet')).sort();
  for (const n of [1, 2]) await project.load('ns.rb', [await parquet(`b${n}`, n * 100, 2)]);
  const firstTwo = listData();
  await project.load('ns.rb', [await parquet('b3', 300, 2)]);
  const b3File = listData().filter((f) => !firstTwo.includes(f));
  await project.load('ns.rb_x', [await parquet('x', 900, 3)]);
  const s = (await project.snapshots('ns.rb')).map((x) => x['snapshot-id']);
  await project.ok(['snapshot', 'tag', 'ns.rb', 't1', '--snapshot', s[0]!]);
  await project.ok(['snapshot', 'rollback', 'ns.rb', '--to-snapshot', s[1]!]);
  await project.load('ns.rb', [await parquet('b4', 400, 2)]);
  s.push((await project.snapshots('ns.rb')).at(-1)!['snapshot-id']);
  const exp = await project.ok(['maintain', 'expire', 'ns.rb', '--older-than', '0s', '--retain-last', '1', '--json']);
  const orphans = await project.ok(['maintain', 'orphans', 'ns.rb', '--older-than', '0s', '--allow-recent', '--json']);
  rb = {
    s,
    expire: events(exp.stdout).find((e) => e.event === 'end')!,
    rows: (await project.query('SELECT id FROM ns.rb')).map((r) => Number(r.id)).sort((a, b) => a - b),
    atTag: (await project.query('SELECT id FROM ns.rb', { snapshot: 't1' })).map((r) => Number(r.id)).sort((a, b) => a - b),
    dataFiles: listData(),
    b3File,
    orphans: events(orphans.stdout).find((e) => e.event === 'end')!,
    siblingRows: Number((await project.query('SELECT count(*) AS n FROM ns.rb_x'))[0]!.n),
  };

  // ns.gone: a merge deletes every row (position deletes only), then compaction -----------
  await project.load('ns.gone', [await parquet('g0', 0, 4)]);
  await project.ok(['table', 'evolve', 'ns.gone', '--set-property', 'write.merge.mode=merge-on-read']);
  writeFileSync(join(project.inputs, 'g.csv'), 'id,region,amount,note,deleted\n' + [0, 1, 2, 3].map((i) => `${i},eu,0,x,true`).join('\n') + '\n');
  writeFileSync(join(pipelines, 'g.yaml'), `source: { kind: csv, path: inputs/g.csv, columns: { id: long, amount: double } }\ntarget: { table: ns.gone, mode: merge, key: [id], delete_column: deleted }\n`);
  await project.ok(['run', 'g']);
  const goneCompact = events((await project.ok(['compact', 'ns.gone', '--json'])).stdout).find((e) => e.event === 'commit')!;
  gone = { compact: goneCompact, snap: (await project.snapshots('ns.gone')).at(-1)!, rows: (await project.query('SELECT * FROM ns.gone')).length };

  // ns.sp: Spark deletes (merge-on-read) and rewrites every file; floe then compacts -------
  for (let b = 0; b < 3; b++) await project.load('ns.sp', [await parquet(`p${b}`, b * 10, 10)]);
  await project.ok(['table', 'evolve', 'ns.sp', '--set-property', 'write.delete.mode=merge-on-read']);

  // The oracles ------------------------------------------------------------------------
  py = {
    dels: await pyicebergRead({ ...project.catalog, table: 'ns.dels' }),
    sorted: await pyicebergRead({ ...project.catalog, table: 'ns.sorted' }),
    rb: await pyicebergRead({ ...project.catalog, table: 'ns.rb' }),
    gone: await pyicebergRead({ ...project.catalog, table: 'ns.gone' }),
  };
  const cat = project.catalogName;
  const r = await sparkBatch({
    ...project.catalog,
    timeoutMs: SPARK_TIMEOUT - 60_000,
    ops: [
      { op: 'read', table: 'ns.dels', snapshot_id: dels.pre, with_rows: true },
      { op: 'read', table: 'ns.dels', with_rows: true },
      { op: 'sql', sql: `SELECT spec_id, count(*) AS files FROM ${cat}.ns.dels.files GROUP BY spec_id ORDER BY spec_id` },
      { op: 'sql', sql: `SELECT count(*) AS n FROM ${cat}.ns.dels.delete_files` },
      { op: 'read', table: 'ns.sorted', with_rows: true },
      { op: 'sql', sql: `SELECT file_path, sort_order_id, record_count FROM ${cat}.ns.sorted.files ORDER BY file_path` },
      { op: 'read', table: 'ns.rb', with_rows: true },
      { op: 'read', table: 'ns.rb', snapshot_id: s[0]!, with_rows: true },
      { op: 'read', table: 'ns.gone', with_rows: true },
      { op: 'sql', sql: `SELECT (SELECT count(*) FROM ${cat}.ns.gone.files) AS files, (SELECT count(*) FROM ${cat}.ns.gone.delete_files) AS deletes` },
      { op: 'sql', sql: `DELETE FROM ${cat}.ns.sp WHERE id IN (1, 12)` },
      { op: 'sql', sql: `CALL ${cat}.system.rewrite_data_files(table => 'ns.sp', options => map('rewrite-all', 'true'))` },
      { op: 'sql', sql: `SELECT count(*) AS n FROM ${cat}.ns.sp.delete_files` },
    ],
  });
  const [delsPre, delsNow, delsSpecs, delsDeletes, sortedRead, sortedFiles, rbNow, rbTag, goneRead, goneFiles, , , spDeletes] = r.results as [
    SparkTableRead, SparkTableRead, SparkSqlResult, SparkSqlResult, SparkTableRead, SparkSqlResult, SparkTableRead, SparkTableRead, SparkTableRead, SparkSqlResult,
    SparkSqlResult, SparkSqlResult, SparkSqlResult,
  ];
  spark = { delsPre, dels: delsNow, delsSpecs, delsDeletes, sorted: sortedRead, sortedFiles, rb: rbNow, rbTag, gone: goneRead, goneFiles };
  // After Spark: floe compacts the table Spark's rewrite left with dangling delete files.
  const spEnd = events((await project.ok(['compact', 'ns.sp', '--json'])).stdout).find((e) => e.event === 'end')!;
  sp = {
    sparkDeleteFiles: Number(spDeletes.rows[0]!.n),
    end: spEnd,
    deleteFilesAfter: await liveDeleteFiles('ns.sp'),
    rows: (await project.query('SELECT id FROM ns.sp')).map((x) => Number(x.id)).sort((a, b) => a - b),
    py: await pyicebergRead({ ...project.catalog, table: 'ns.sp' }),
  };
}, 1_500_000);

afterAll(() => project?.remove());

describe('compaction of a table with position and equality deletes, after partition evolution', () => {
  const deleted = [3, 10, 25, 45, 50, 62, 64];

  it('Spark reads the snapshot before compaction as floe does: every delete applied', () => {
    expect(dels.deleteFilesBefore).toBe(4); // 2 position (one per data file touched), 2 equality
    expect(ids(dels.before)).toEqual([...Array(80).keys()].filter((i) => !deleted.includes(i)));
    expectSameRows('ns.dels before compaction', dels.before, spark.delsPre.rows, 'Spark');
  });

  it('compaction keeps deleted rows deleted, drops every delete file and moves every file into the current spec', () => {
    expect(dels.compact).toMatchObject({ removed_delete_files: 4, added_records: 73 });
    expect(dels.deleteFilesAfter).toBe(0);
    expect(dels.snap.summary).toMatchObject({ operation: 'replace', 'total-delete-files': '0', 'total-records': '73', 'total-position-deletes': '0', 'total-equality-deletes': '0' });
    expectSameRows('ns.dels after compaction', dels.before, dels.after, 'floe after compaction');
    // Each file group is written on its own, as in Java's rewrite_data_files: the spec-0 group
    // re-partitioned into eu and us, and one file for each spec-1 partition.
    expect(spark.delsSpecs.rows.map((r) => [Number(r.spec_id), Number(r.files)])).toEqual([[1, 4]]);
    expect(Number(spark.delsDeletes.rows[0]!.n)).toBe(0);
  });

  it('Spark and PyIceberg read the compacted table as floe does', () => {
    expect(spark.dels.snapshot_id).toBe(dels.snap['snapshot-id']);
    expectSameRows('ns.dels', dels.after, spark.dels.rows, 'Spark');
    expect(py.dels.snapshot_id).toBe(dels.snap['snapshot-id']);
    expectSameRows('ns.dels', dels.after, py.dels.rows, 'PyIceberg');
  });
});

describe('sort compaction', () => {
  it('every file is sorted by the table order and says so; Spark and PyIceberg read the same rows', async () => {
    expect(sorted.snap.summary.operation).toBe('replace');
    const files = spark.sortedFiles.rows;
    expect(files).toHaveLength(2); // one per region
    expect(new Set(files.map((f) => Number(f.sort_order_id)))).toEqual(new Set([1]));
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      for (const f of files) {
        const path = String(f.file_path).replace(/^file:/, '');
        const r = await c.runAndReadAll(
          `SELECT bool_and(ok) AS ok, count(*)::INTEGER AS n FROM (SELECT (amount, -id) <= lag((amount, -id), 1, (amount, -id)) OVER (ORDER BY file_row_number) AS ok ` +
            `FROM read_parquet(${quoteLiteral(path)}, file_row_number = true))`,
        );
        const [row] = r.getRowObjects();
        expect(row!.ok, `${path} is sorted by amount desc, id`).toBe(true);
        expect(row!.n).toBe(Number(f.record_count));
      }
    } finally {
      c.closeSync();
      db.closeSync();
    }
    expect(sorted.rows).toHaveLength(180);
    expectSameRows('ns.sorted', sorted.rows, spark.sorted.rows, 'Spark');
    expectSameRows('ns.sorted', sorted.rows, py.sorted.rows, 'PyIceberg');
  });
});

describe('rollback, then append, then expire', () => {
  it('expires the rolled-back and replaced snapshots, keeps the tag, deletes only the rolled-back data', () => {
    const [s1, s2, s3, s4] = rb.s;
    expect((rb.expire.expired_snapshots as unknown[]).map(String).sort()).toEqual([s2!, s3!].sort());
    expect((rb.expire.retained_snapshots as unknown[]).map(String).sort()).toEqual([s1!, s4!].sort());
    expect(rb.rows).toEqual([100, 101, 200, 201, 400, 401]);
    expect(rb.atTag).toEqual([100, 101]);
    // b1, b2 (carried by s4) and b4 stay; b3, only in the rolled-back s3, is gone.
    expect(rb.b3File).toHaveLength(1);
    expect(rb.dataFiles).toHaveLength(3);
    expect(rb.dataFiles).not.toContain(rb.b3File[0]);
  });

  it('the orphan sweep then finds nothing, and leaves the sibling table alone', () => {
    expect(rb.orphans.orphans).toEqual([]);
    expect(rb.orphans.listed).toBe(rb.orphans.referenced);
    expect(rb.siblingRows).toBe(3);
  });

  it('Spark and PyIceberg read the current snapshot and the tag as floe does', () => {
    expect(spark.rb.snapshot_id).toBe(rb.s[3]);
    expect(ids(spark.rb.rows)).toEqual(rb.rows);
    expect(ids(spark.rbTag.rows)).toEqual(rb.atTag);
    expect(ids(py.rb.rows)).toEqual(rb.rows);
  });
});

describe('compaction of a table whose every row is deleted', () => {
  it('leaves no data file and no delete file; Spark and PyIceberg read no rows at that snapshot', () => {
    expect(gone.compact).toMatchObject({ rewritten_data_files: 1, added_data_files: 0, removed_delete_files: 1 });
    expect(gone.snap.summary).toMatchObject({ operation: 'replace', 'total-data-files': '0', 'total-delete-files': '0', 'total-records': '0' });
    expect(gone.rows).toBe(0);
    expect(spark.gone.snapshot_id).toBe(gone.snap['snapshot-id']);
    expect(spark.gone.count).toBe(0);
    expect(spark.goneFiles.rows.map((r) => [Number(r.files), Number(r.deletes)])).toEqual([[0, 0]]);
    expect(py.gone.snapshot_id).toBe(gone.snap['snapshot-id']);
    expect(py.gone.row_count).toBe(0);
  });
});

describe("dangling delete files left by Spark's rewrite_data_files", () => {
  it('floe compact removes them in a commit of their own; the deleted rows stay deleted for floe and PyIceberg', () => {
    expect(sp.sparkDeleteFiles).toBeGreaterThan(0);
    expect(sp.end.dangling_delete_files).toBe(sp.sparkDeleteFiles);
    expect(sp.deleteFilesAfter).toBe(0);
    const want = [...Array(30).keys()].filter((i) => i !== 1 && i !== 12);
    expect(sp.rows).toEqual(want);
    expect(ids(sp.py.rows)).toEqual(want);
  });
});
