/**
 * The audit record without DuckDB (src/audit/append.ts, parquet.ts): the same record written
 * by the JS Parquet writer and by DuckDB (the former path) gives the same schema, rows and
 * column metrics; existing audit tables with other columns are reconciled; a table the JS
 * writer cannot hold falls back to DuckDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRowsWithoutEngine } from '../../src/audit/append.js';
import { AUDIT_LOG_TABLE } from '../../src/audit/command.js';
import { AUDIT_COLUMNS, appendAuditRecord, auditRecordSql, type AuditRecord } from '../../src/audit/log.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import type { DataFile } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { currentSchema } from '../../src/table/snapshot-producer.js';

const io = new LocalFileIO();
let root: string;
let engine: Engine;
let n = 0;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'floe-audit-append-'));
  engine = await openEngine({ threads: 1 });
});
afterAll(() => {
  engine?.close();
  rmSync(root, { recursive: true, force: true });
});

async function newWarehouse(): Promise<{ catalog: Catalog; warehouse: string }> {
  const warehouse = join(root, `w${++n}`);
  const catalog = await openCatalog({ uri: `sqlite:${join(warehouse, 'catalog.db')}`, name: 'floe' }, warehouse);
  return { catalog, warehouse };
}

const record = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  auditId: '0b3c1f7e-1111-4222-8333-944455556666',
  startedMs: 1_732_800_000_123,
  finishedMs: 1_732_800_001_456,
  actor: { actor: 'github:acme/lake#42/load (carol)', kind: 'ci', ciSystem: 'github', ciJob: '42', osUser: null },
  host: 'runner-1',
  command: 'run',
  arguments: ['run', 'crm_contacts', '--json'],
  project: '/srv/lake',
  changes: [{ table: 'crm.contacts', action: 'changed', snapshots: [{ snapshotId: 1234567890123456789n, operation: 'append', addedRecords: 12, deletedRecords: null }] }],
  reported: [],
  outcome: 'failed',
  exitCode: 3,
  errorKind: 'check',
  errorMessage: 'pipeline crm_contacts: 1 check(s) failed — ünïcödé and a NUL\0 removed',
  floeVersion: '0.1.0',
  ...over,
});

async function liveFiles(catalog: Catalog, id = AUDIT_LOG_TABLE): Promise<DataFile[]> {
  const t = await loadTable(catalog, io, id);
  return (await planScan({ io, metadata: t.metadata, table: 'floe.audit_log' })).dataFiles.map((d) => d.file);
}

async function rowsOf(files: readonly DataFile[]): Promise<Record<string, unknown>[]> {
  const list = files.map((f) => quoteLiteral(f.file_path)).join(', ');
  const rows = await engine.all(`SELECT * FROM read_parquet([${list}], union_by_name = true) ORDER BY started_at, audit_id`, 'read back');
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
}

describe('the audit record without DuckDB', () => {
  it('writes the same schema, rows and column metrics as the DuckDB writer', async () => {
    const js = await newWarehouse();
    const duck = await newWarehouse();
    try {
      await appendAuditRecord({ catalog: js.catalog, io, warehouse: js.warehouse, record: record() });
      await writeTable({ catalog: duck.catalog, io, engine, id: AUDIT_LOG_TABLE, selectSql: auditRecordSql(record()), mode: 'append', warehouse: duck.warehouse, schemaPolicy: 'add_columns' });
      const [a, b] = [await loadTable(js.catalog, io, AUDIT_LOG_TABLE), await loadTable(duck.catalog, io, AUDIT_LOG_TABLE)];
      expect(currentSchema(a.metadata)).toEqual(currentSchema(b.metadata));
      expect(currentSchema(a.metadata).fields.map((f) => f.name)).toEqual(AUDIT_COLUMNS.map((c) => c.name));
      const [[fa], [fb]] = [await liveFiles(js.catalog), await liveFiles(duck.catalog)];
      for (const k of ['record_count', 'value_counts', 'null_value_counts', 'nan_value_counts', 'lower_bounds', 'upper_bounds', 'split_offsets', 'partition'] as const) {
        expect(fa![k], k).toEqual(fb![k]);
      }
      // Every column has a size; bounds exist for the 21 non-null columns (os_user and rows_deleted are NULL), strings cut at 16 characters.
      expect([...fa!.column_sizes!.keys()].sort((x, y) => x - y)).toEqual(AUDIT_COLUMNS.map((_, i) => i + 1));
      expect(fa!.lower_bounds!.size).toBe(21);
      expect(new TextDecoder().decode(fa!.lower_bounds!.get(5))).toBe('github:acme/lake');
      expect(fa!.file_size_in_bytes).toBe(BigInt((await io.stat(fa!.file_path)).size));
      const [ra, rb] = [await rowsOf([fa!]), await rowsOf([fb!])];
      expect(ra).toEqual(rb);
      expect(ra[0]).toMatchObject({ exit_code: '3', rows_added: '12', rows_deleted: null, ci_job: '42', os_user: null });
      expect(ra[0]!.error_message).not.toContain('\0');
      // The Parquet columns carry the Iceberg field ids.
      const ids = await engine.all(`SELECT name, field_id FROM parquet_schema(${quoteLiteral(fa!.file_path)}) WHERE field_id IS NOT NULL ORDER BY field_id`, 'read the schema');
      expect(ids.map((r) => [r.name, Number(r.field_id)])).toEqual(AUDIT_COLUMNS.map((c, i) => [c.name, i + 1]));
    } finally {
      await js.catalog.close();
      await duck.catalog.close();
    }
  });

  it('appends one snapshot per record and reconciles an older table: new columns added, absent ones NULL', async () => {
    const w = await newWarehouse();
    try {
      // An audit log of another version: fewer columns, one floe does not know, exit_code as long.
      await writeTable({
        catalog: w.catalog, io, engine, id: AUDIT_LOG_TABLE, mode: 'append', warehouse: w.warehouse,
        selectSql: `SELECT 'old' AS audit_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS started_at, 7::BIGINT AS exit_code, 'x' AS legacy`,
      });
      await appendAuditRecord({ catalog: w.catalog, io, warehouse: w.warehouse, record: record() });
      await appendAuditRecord({ catalog: w.catalog, io, warehouse: w.warehouse, record: record({ auditId: 'second', startedMs: 1_732_900_000_000, exitCode: 0 }) });
      const t = await loadTable(w.catalog, io, AUDIT_LOG_TABLE);
      expect(t.metadata.snapshots).toHaveLength(3);
      const fields = currentSchema(t.metadata).fields;
      expect(fields.slice(0, 4).map((f) => [f.name, f.type])).toEqual([['audit_id', 'string'], ['started_at', 'timestamptz'], ['exit_code', 'long'], ['legacy', 'string']]);
      expect(fields).toHaveLength(4 + AUDIT_COLUMNS.length - 3);
      const rows = await rowsOf(await liveFiles(w.catalog));
      // read by name over files of different schemas
      expect(rows.map((r) => [r.audit_id, r.exit_code, r.legacy])).toEqual([['old', '7', 'x'], [record().auditId, '3', null], ['second', '0', null]]);
    } finally {
      await w.catalog.close();
    }
  });

  it('leaves a partitioned table to the DuckDB writer, which still records the row', async () => {
    const w = await newWarehouse();
    try {
      await writeTable({
        catalog: w.catalog, io, engine, id: AUDIT_LOG_TABLE, mode: 'append', warehouse: w.warehouse, selectSql: auditRecordSql(record({ auditId: 'first' })),
        partitionBy: [{ sourceName: 'command', transform: 'identity' }],
      });
      const direct = await appendRowsWithoutEngine({ catalog: w.catalog, io, id: AUDIT_LOG_TABLE, warehouse: w.warehouse, columns: AUDIT_COLUMNS, rows: [] });
      expect(direct).toBeUndefined();
      await appendAuditRecord({ catalog: w.catalog, io, warehouse: w.warehouse, record: record({ auditId: 'second' }) });
      expect((await rowsOf(await liveFiles(w.catalog))).map((r) => r.audit_id)).toEqual(['first', 'second']);
    } finally {
      await w.catalog.close();
    }
  });

  it('fails with the schema error when a column cannot take the record, and writes nothing', async () => {
    const w = await newWarehouse();
    try {
      await writeTable({ catalog: w.catalog, io, engine, id: AUDIT_LOG_TABLE, mode: 'append', warehouse: w.warehouse, selectSql: `SELECT 1::BIGINT AS audit_id` });
      const before = await loadTable(w.catalog, io, AUDIT_LOG_TABLE);
      await expect(appendAuditRecord({ catalog: w.catalog, io, warehouse: w.warehouse, record: record() })).rejects.toThrow(/column "audit_id": the input has type string, the table floe\.audit_log has long/);
      expect((await loadTable(w.catalog, io, AUDIT_LOG_TABLE)).metadataLocation).toBe(before.metadataLocation);
    } finally {
      await w.catalog.close();
    }
  });
});
