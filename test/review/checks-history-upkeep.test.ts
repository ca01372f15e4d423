/**
 * floe.check_results under cron: every `floe check` appends a snapshot and a small data file.
 * Without upkeep the table's metadata and file count grow for ever; with it, an append that
 * leaves too many files compacts, and one that leaves too many snapshots expires the old
 * ones, and every recorded row stays.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { appendCheckResults, CHECK_RESULTS_TABLE, historyLookup } from '../../src/checks/history.js';
import type { CheckResult } from '../../src/checks/types.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { LocalFileIO } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';

let dir: string;
let catalog: Catalog;
let engine: Engine;
const io = new LocalFileIO();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-checks-upkeep-'));
  catalog = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
  engine = await openEngine({ threads: 1 });
});
afterAll(async () => {
  engine.close();
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

const volume = (observed: number): CheckResult => ({
  table: 'crm.contacts',
  name: 'volume',
  kind: 'volume',
  severity: 'error',
  status: 'pass',
  scope: 'table',
  observed,
  expected: 'within ±50% of the median of the last 3 runs',
  message: `${observed} rows`,
  durationMs: 1,
});

describe('floe.check_results upkeep', () => {
  it('compacts and expires as appends accumulate, keeping every row and the volume baseline', async () => {
    const upkeep = { compactAt: 4, expireAt: 6, retain: 2 };
    for (let i = 1; i <= 9; i++) {
      await appendCheckResults({ catalog, io, engine, warehouse: join(dir, 'wh'), upkeep, runs: [{ pipeline: 'p', snapshotId: BigInt(i), checkedAt: 1_700_000_000_000 + i * 1000, results: [volume(100 + i)] }] });
    }
    const t = await loadTable(catalog, io, CHECK_RESULTS_TABLE);
    const m = t.metadata;
    const current = m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id'])!;
    // Without upkeep: 9 snapshots and 9 data files.
    expect(m.snapshots.length).toBeLessThan(6);
    expect(Number(current.summary['total-data-files'])).toBeLessThan(4);
    expect(current.summary['total-records']).toBe('9');
    const lookup = await historyLookup({ engine, catalog, io });
    expect(await lookup({ table: 'crm.contacts', check: 'volume', scope: 'table', limit: 3, excludeSnapshotId: null })).toEqual([109, 108, 107]);
  });

  it('is left alone with floe.audit.upkeep=false on the table', async () => {
    const { upkeepDue } = await import('../../src/audit/upkeep.js');
    const t = await loadTable(catalog, io, CHECK_RESULTS_TABLE);
    const off = { ...t.metadata, properties: { ...t.metadata.properties, 'floe.audit.upkeep': 'false' } };
    expect(upkeepDue(off, { compactAt: 1, expireAt: 1 })).toEqual({ compact: false, expire: false });
  });
});
