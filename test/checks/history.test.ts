/**
 * floe.check_results against a real SQLite catalog and local warehouse: results appended as
 * an Iceberg table, read back as the volume baseline; and the views that checks on other
 * tables need.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { evaluateChecks } from '../../src/checks/evaluate.js';
import { appendCheckResults, CHECK_RESULTS_TABLE, checkResultsSql, historyLookup } from '../../src/checks/history.js';
import type { CheckResult } from '../../src/checks/types.js';
import { prepareCheckViews } from '../../src/checks/views.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { createTableView } from '../../src/engine/read.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';
import { checks } from './helpers.js';

let dir: string;
let catalog: Catalog;
let engine: Engine;
const io = new LocalFileIO();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-checks-'));
  catalog = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
  engine = await openEngine({ threads: 2 });
});
afterAll(async () => {
  engine.close();
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

const volume = (observed: number, status: CheckResult['status'] = 'pass', scope: CheckResult['scope'] = 'table'): CheckResult => ({
  table: 'crm.contacts',
  name: 'volume',
  kind: 'volume',
  severity: 'error',
  status,
  scope,
  observed,
  expected: 'within ±10% of 100',
  message: `${observed} rows`,
  durationMs: 3,
});

describe('check history', () => {
  it('writes nothing for no results', async () => {
    expect(checkResultsSql([{ pipeline: 'p', snapshotId: 1n, results: [] }])).toBeNull();
    expect(await appendCheckResults({ catalog, io, engine, warehouse: join(dir, 'wh'), runs: [] })).toBeNull();
  });

  it('looks up nothing before floe.check_results exists', async () => {
    const lookup = await historyLookup({ engine, catalog, io });
    expect(await lookup({ table: 'crm.contacts', check: 'volume', scope: 'table', limit: 5, excludeSnapshotId: null })).toEqual([]);
  });

  it('appends results as rows of floe.check_results with every field', async () => {
    const t0 = Date.parse('2024-05-01T00:00:00Z');
    const snapshot = 5_000_000_000_000_000_001n; // beyond a double's exact range
    const w = await appendCheckResults({
      catalog,
      io,
      engine,
      warehouse: join(dir, 'wh'),
      runs: [
        { pipeline: 'crm_contacts', snapshotId: 1n, runId: 'r1', checkedAt: t0, results: [volume(100)] },
        { pipeline: 'crm_contacts', snapshotId: 2n, checkedAt: t0 + 1000, results: [volume(120)] },
        // The same snapshot checked again later: counts once, the latest observation.
        { pipeline: 'crm_contacts', snapshotId: 2n, checkedAt: t0 + 2000, results: [volume(110)] },
        { pipeline: 'crm_contacts', snapshotId: 3n, checkedAt: t0 + 3000, results: [volume(5000, 'fail')] },
        { pipeline: 'crm_contacts', snapshotId: 4n, checkedAt: t0 + 4000, results: [volume(7, 'pass', 'batch')] },
        { pipeline: null, snapshotId: snapshot, checkedAt: t0 + 5000, results: [volume(90, 'warn'), { ...volume(1), name: 'row_count', kind: 'row_count', observed: 'it\'s "text"' }] },
      ],
    });
    expect(w).toMatchObject({ created: true, rows: 7n });
    const t = await loadTable(catalog, io, CHECK_RESULTS_TABLE);
    await createTableView(engine, ['floe', 'check_results'], { io: t.io, metadata: t.metadata, table: 'floe.check_results' });
    const rows = await engine.all(
      `SELECT pipeline, table_name, snapshot_id, run_id, check_name, check_kind, severity, scope, status, observed, threshold, message, duration_ms,
              strftime(checked_at, '%Y-%m-%dT%H:%M:%S') AS at
       FROM floe.check_results ORDER BY checked_at, check_name`,
      'read history',
    );
    expect(rows[0]).toEqual({
      pipeline: 'crm_contacts',
      table_name: 'crm.contacts',
      snapshot_id: 1n,
      run_id: 'r1',
      check_name: 'volume',
      check_kind: 'volume',
      severity: 'error',
      scope: 'table',
      status: 'pass',
      observed: '100',
      threshold: 'within ±10% of 100',
      message: '100 rows',
      duration_ms: 3n,
      at: '2024-05-01T00:00:00',
    });
    expect(rows.find((r) => r.check_name === 'row_count')).toMatchObject({ pipeline: null, snapshot_id: snapshot, check_name: 'row_count', observed: 'it\'s "text"' });
    const columns = await engine.columns('SELECT * FROM floe.check_results', 'read history');
    expect(columns.map((c) => `${c.name} ${c.type.toString()}`)).toContain('checked_at TIMESTAMP WITH TIME ZONE');
  });

  it('gives the volume baseline: newest first, one per snapshot, passed or warned runs only, by scope', async () => {
    const lookup = await historyLookup({ engine, catalog, io });
    const q = { table: 'crm.contacts', check: 'volume', scope: 'table' as const, limit: 10, excludeSnapshotId: null };
    expect(await lookup(q)).toEqual([90, 110, 100]);
    expect(await lookup({ ...q, limit: 2 })).toEqual([90, 110]);
    expect(await lookup({ ...q, excludeSnapshotId: 5_000_000_000_000_000_001n })).toEqual([110, 100]);
    expect(await lookup({ ...q, scope: 'batch' })).toEqual([7]);
    expect(await lookup({ ...q, table: 'crm.other' })).toEqual([]);
  });

  it('feeds the volume check of the next evaluation', async () => {
    await engine.run(`CREATE TABLE rows150 AS SELECT range AS id FROM range(150)`, 'create test table');
    const [r] = await evaluateChecks({
      engine,
      checks: checks({ volume: { max_change: '20%', window: 3 } }),
      relation: 'rows150',
      table: 'crm.contacts',
      snapshot: { id: 9n, timestampMs: Date.now() },
      history: await historyLookup({ engine, catalog, io }),
    });
    expect(r).toMatchObject({ status: 'fail', observed: 150, message: '150 rows, +50% against 100 (median of the last 3 runs), beyond ±20%' });
  });
});

describe('prepareCheckViews', () => {
  it('makes referenced tables visible by name, and the checked table mean the rows under check', async () => {
    const warehouse = join(dir, 'wh');
    const accounts = { namespace: ['billing'], name: 'accounts' };
    const contacts = { namespace: ['crm'], name: 'contacts' };
    await writeTable({ catalog, io, engine, id: accounts, warehouse, mode: 'append', selectSql: `SELECT * FROM (VALUES (1), (2)) AS v(account_id)` });
    await writeTable({ catalog, io, engine, id: contacts, warehouse, mode: 'append', selectSql: `SELECT * FROM (VALUES (1, 1), (2, 1)) AS v(id, account_id)` });
    // The rows under check: a staged version of crm.contacts with a dangling account.
    await engine.run(`CREATE TEMP TABLE contacts AS SELECT * FROM (VALUES (1, 1), (2, 1), (3, 9)) AS v(id, account_id)`, 'stage');
    const cs = checks(
      { relationships: { column: 'account_id', to: 'billing.accounts.account_id' } },
      { sql: { query: 'SELECT count(*) FROM crm.contacts', expect: 3 }, name: 'self by name' },
    );
    const prepared = await prepareCheckViews(engine, catalog, io, cs, { table: 'crm.contacts', relation: 'contacts' });
    expect(prepared).toEqual(['billing.accounts']);
    const results = await evaluateChecks({ engine, checks: cs, relation: 'contacts', table: 'crm.contacts', snapshot: null });
    expect(results.map((r) => [r.name, r.status, r.observed])).toEqual([
      ['relationships(account_id)', 'fail', 1],
      ['self by name', 'pass', 3],
    ]);
  });
});
