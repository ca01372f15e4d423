/**
 * Upkeep of floe.audit_log (src/audit/upkeep.ts): the log is compacted and its snapshots
 * expired now and then, keeping every row, so that a project running floe every few minutes
 * does not make each command slower and each read of the log open thousands of files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_LOG_TABLE } from '../../src/audit/command.js';
import { appendAuditRecord, type AuditRecord } from '../../src/audit/log.js';
import { runUpkeep, UPKEEP, UPKEEP_PROPERTY, upkeepDue } from '../../src/audit/upkeep.js';
import { okRecord } from './records.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import type { Snapshot, TableMetadata } from '../../src/iceberg/types.js';
import { LocalFileIO } from '../../src/io/local.js';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { createTableView } from '../../src/engine/read.js';

const io = new LocalFileIO();
let root: string;
let engine: Engine;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'floe-audit-upkeep-'));
  engine = await openEngine({ threads: 1 });
});
afterAll(() => {
  engine?.close();
  rmSync(root, { recursive: true, force: true });
});

const record = (i: number): AuditRecord =>
  okRecord({
    auditId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    startedMs: 1_732_800_000_000 + i * 1000,
    finishedMs: 1_732_800_000_500 + i * 1000,
    actor: { actor: 'carol', kind: 'user', ciSystem: null, ciJob: null, osUser: 'carol' },
    host: 'h',
    command: 'run',
    arguments: ['run'],
    project: '/srv/lake',
    floeVersion: '0.1.0',
  });

async function newLog(records: number): Promise<{ catalog: Catalog; warehouse: string }> {
  const warehouse = mkdtempSync(join(root, 'w'));
  const catalog = await openCatalog({ uri: `sqlite:${join(warehouse, 'catalog.db')}`, name: 'floe' }, warehouse);
  for (let i = 0; i < records; i++) await appendAuditRecord({ catalog, io, warehouse, record: record(i) });
  return { catalog, warehouse };
}

async function ids(catalog: Catalog): Promise<string[]> {
  const t = await loadTable(catalog, io, AUDIT_LOG_TABLE);
  await createTableView(engine, 'audit_view', { io: t.io, metadata: t.metadata, table: 'floe.audit_log', snapshot: { kind: 'current' } });
  return (await engine.all('SELECT audit_id FROM audit_view ORDER BY audit_id', 'read the audit ids')).map((r) => String(r.audit_id));
}

function meta(files: number, snapshots: number, properties: Record<string, string> = {}): TableMetadata {
  const snaps = Array.from({ length: snapshots }, (_, i) => ({ 'snapshot-id': BigInt(i + 1), summary: { operation: 'append', 'total-data-files': String(files) } }) as unknown as Snapshot);
  return { snapshots: snaps, 'current-snapshot-id': BigInt(snapshots), properties } as unknown as TableMetadata;
}

describe('upkeepDue', () => {
  it('compacts from compactAt data files and expires from expireAt snapshots; floe.audit.upkeep=false turns both off', () => {
    expect(upkeepDue(meta(UPKEEP.compactAt - 1, UPKEEP.expireAt - 1))).toEqual({ compact: false, expire: false });
    expect(upkeepDue(meta(UPKEEP.compactAt, 1))).toEqual({ compact: true, expire: false });
    expect(upkeepDue(meta(1, UPKEEP.expireAt))).toEqual({ compact: false, expire: true });
    expect(upkeepDue(meta(UPKEEP.compactAt, UPKEEP.expireAt, { [UPKEEP_PROPERTY]: 'false' }))).toEqual({ compact: false, expire: false });
  });
});

describe('runUpkeep', () => {
  it('compacts the log into one file and one manifest and expires down to the retained snapshots, keeping every row', async () => {
    const { catalog } = await newLog(12);
    const before = await ids(catalog);
    expect(before).toHaveLength(12);
    const done = await runUpkeep(catalog, io, AUDIT_LOG_TABLE, { compact: true, expire: true }, 3);
    expect(done.compacted).toEqual({ filesBefore: 12, filesAfter: 1 });
    const t = await loadTable(catalog, io, AUDIT_LOG_TABLE);
    expect(t.metadata.snapshots).toHaveLength(3);
    const plan = await planScan({ io: t.io, metadata: t.metadata, table: 'floe.audit_log', snapshot: { kind: 'current' } });
    expect(plan.dataFiles).toHaveLength(1);
    const current = t.metadata.snapshots.find((s) => s['snapshot-id'] === t.metadata['current-snapshot-id'])!;
    expect(readManifestList(await t.io.read(current['manifest-list']), current['manifest-list'])).toHaveLength(1);
    expect(await ids(catalog)).toEqual(before);
    // The next record appends as usual.
    await appendAuditRecord({ catalog, io, warehouse: '', record: record(99) });
    expect(await ids(catalog)).toHaveLength(13);
  });

  it('runs by itself once an append leaves the log with compactAt data files', async () => {
    const { catalog } = await newLog(UPKEEP.compactAt);
    const t = await loadTable(catalog, io, AUDIT_LOG_TABLE);
    const current = t.metadata.snapshots.find((s) => s['snapshot-id'] === t.metadata['current-snapshot-id'])!;
    expect(Number(current.summary['total-data-files'])).toBe(1);
    expect(await ids(catalog)).toHaveLength(UPKEEP.compactAt);
  }, 300_000);
});
