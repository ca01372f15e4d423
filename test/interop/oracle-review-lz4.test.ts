/**
 * A Spark table with `write.parquet.compression-codec=lz4`: Iceberg Java writes its data files
 * with Parquet's deprecated LZ4 codec (Hadoop framing), which Spark and PyIceberg (PyArrow)
 * read and DuckDB cannot decode. floe cannot read such files; it must say so, naming the file,
 * the codec and the way out, where it used to pass DuckDB's bare "Unsupported compression
 * codec" through.
 *
 *   floe table create (the catalog) → Spark: CREATE TABLE ns.lz4 (codec lz4), INSERT 50 rows
 *     → PyIceberg reads the 50 rows → floe query and floe compact fail with exit 1 and the
 *       unsupported-codec message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type PyIcebergReadResult, assertProvisioned, pyicebergRead, sparkBatch } from './oracle.js';
import { FloeProject, type RunResult, assertBuilt } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.lz4';

let project: FloeProject;
let py: PyIcebergReadResult;
let query: RunResult;
let compact: RunResult;

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('lz4');
  await project.ok(['table', 'create', 'ns.anchor', '--column', 'a int']);
  await sparkBatch({
    ...project.catalog,
    ops: [
      { op: 'sql', sql: `CREATE TABLE floe.${TABLE} (id bigint, s string) USING iceberg TBLPROPERTIES ('write.parquet.compression-codec'='lz4')` },
      { op: 'sql', sql: `INSERT INTO floe.${TABLE} SELECT id, concat('v', id) FROM range(0, 50)` },
    ],
  });
  py = await pyicebergRead({ ...project.catalog, table: TABLE });
  query = await project.run(['query', `SELECT sum(id) AS s FROM ${TABLE}`]);
  compact = await project.run(['compact', TABLE, '--min-input-files', '1', '--rewrite-all']);
}, 600_000);

afterAll(() => project?.remove());

describe("Spark's LZ4-compressed data files", () => {
  it('PyIceberg reads every row Spark wrote', () => {
    expect(py.row_count).toBe(50);
  });

  it.each([
    ['floe query', () => query],
    ['floe compact', () => compact],
  ])('%s fails with exit 1, naming the file, the codec and the way out', (_, result) => {
    const r = result();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Parquet file \S+\/ns\/lz4\/data\/\S+\.parquet is compressed with Parquet's deprecated LZ4 codec/);
    expect(r.stderr).toContain("hint: write it again with another codec (zstd, snappy, lz4_raw)");
    expect(r.stderr).toContain("'write.parquet.compression-codec'='zstd'");
  });
});
