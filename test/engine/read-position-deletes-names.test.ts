/**
 * Position deletes on data files read by column name (no field ids, a name mapping): a data
 * column called `filename`, common in ingested data, must not collide with the column DuckDB
 * adds for the file name that position deletes join on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { tableScanSql } from '../../src/engine/read.js';
import { type DataFile, DataFileContent, type Schema, type TableMetadata } from '../../src/iceberg/types.js';
import { LocalFileIO } from '../../src/io/local.js';
import { MappedFileIO } from '../../src/io/mapped.js';
import type { ScanPlan } from '../../src/table/scan.js';

let engine: Engine;
let dir: string;

beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  dir = await mkdtemp(join(tmpdir(), 'floe-read-names-'));
});
afterAll(async () => {
  engine?.close();
  await rm(dir, { recursive: true, force: true });
});

const file = (path: string, content: DataFileContent): DataFile => ({
  content,
  file_path: path,
  file_format: 'PARQUET',
  partition: [],
  record_count: 1n,
  file_size_in_bytes: 1n,
});

describe('position deletes on files without field ids', () => {
  it('apply to a file with a column named filename, read through the name mapping', async () => {
    await engine.run(`COPY (SELECT * FROM (VALUES (1::BIGINT, 'a.csv'), (2, 'b.csv'), (3, 'c.csv')) v(id, filename)) TO '${dir}/d.parquet' (FORMAT parquet)`, 'write data');
    await engine.run(
      `COPY (SELECT 's3://b/t/d.parquet' AS file_path, 1::BIGINT AS pos) TO '${dir}/p.parquet' (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`,
      'write deletes',
    );
    const schema: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'filename', required: false, type: 'string' },
      ],
    };
    const mapping = JSON.stringify([{ 'field-id': 1, names: ['id'] }, { 'field-id': 2, names: ['filename'] }]);
    const metadata = { schemas: [schema], properties: { 'schema.name-mapping.default': mapping } } as unknown as TableMetadata;
    const plan: ScanPlan = {
      table: 'db.t',
      snapshot: null,
      schema,
      timeTravel: false,
      dataFiles: [
        {
          file: file('s3://b/t/d.parquet', DataFileContent.DATA),
          dataSequenceNumber: 1n,
          specId: 0,
          deletes: [{ file: file('s3://b/t/p.parquet', DataFileContent.POSITION_DELETES), dataSequenceNumber: 2n, specId: 0, kind: 'position' }],
        },
      ],
      deleteFiles: [],
      specs: new Map([[0, { 'spec-id': 0, fields: [] }]]),
      manifestsRead: 0,
    };
    const io = new MappedFileIO(new LocalFileIO(), [{ from: 's3://b/t/', to: `${dir}/` }]);
    const scan = await tableScanSql({ engine, io, metadata, table: 'db.t', plan });
    const rows = await engine.all(`SELECT id, filename FROM (${scan.sql}) ORDER BY id`, 'read');
    expect(rows.map((r) => `${String(r.id)} ${String(r.filename)}`)).toEqual(['1 a.csv', '3 c.csv']);
  });
});
