/**
 * Write-audit-publish under a concurrent commit: when another writer commits between the
 * audit and the compare-and-swap, the append re-applies on the new main, and the checks run
 * again over the rows that will actually be published (theirs included). A verdict that
 * changes on the re-audit decides whether main moves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { writeTable, type WriteTableOptions } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { raceOnce } from '../helpers/race.js';

let engine: Engine;
let catalog: Catalog;
let warehouse: string;
const io = new RoutingFileIO();
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  warehouse = mkdtempSync(join(tmpdir(), 'floe-audit-retry-'));
  catalog = await openCatalog({ uri: `sqlite:${join(warehouse, 'catalog.db')}`, name: 'floe' }, warehouse);
});
afterAll(() => {
  catalog?.close();
  engine?.close();
  rmSync(warehouse, { recursive: true, force: true });
});

const values = (ids: number[]) => `SELECT * FROM (VALUES ${ids.map((i) => `(${i}::BIGINT)`).join(', ')}) AS t(id)`;

/** A unique(id) audit that records, per call, how many rows the audited snapshot holds. */
function uniqueAudit(seen: { rows: number; duplicates: number }[]): NonNullable<WriteTableOptions['audit']> {
  return async (snapshotSql) => {
    const [r] = await engine.all(`SELECT count(*) AS n, count(*) - count(DISTINCT id) AS d FROM (${snapshotSql})`, 'audit');
    const rows = Number(r!.n);
    const duplicates = Number(r!.d);
    seen.push({ rows, duplicates });
    return { summary: { 'floe.checks.failed': String(duplicates > 0 ? 1 : 0) }, publish: duplicates === 0 };
  };
}

describe('an audited append raced by another commit', () => {
  let n = 0;
  const id = () => ({ namespace: ['audit'], name: `t${++n}` });

  it('re-audits over the new main and still publishes when the checks hold', async () => {
    const t = id();
    await writeTable({ catalog, io, engine, id: t, selectSql: values([1]), mode: 'append', warehouse });
    const seen: { rows: number; duplicates: number }[] = [];
    const r = await writeTable({
      catalog, io, engine, id: t, selectSql: values([3]), mode: 'append', warehouse,
      audit: uniqueAudit(seen),
      events: raceOnce(() => writeTable({ catalog, io, engine, id: t, selectSql: values([2]), mode: 'append', warehouse })),
    });
    expect(seen).toEqual([{ rows: 2, duplicates: 0 }, { rows: 3, duplicates: 0 }]);
    expect(r.published).toBe(true);
    const m = (await loadTable(catalog, io, t)).metadata;
    expect(m['current-snapshot-id']).toBe(r.snapshotId);
  });

  it('does not publish when the competing commit makes the checks fail', async () => {
    const t = id();
    await writeTable({ catalog, io, engine, id: t, selectSql: values([1]), mode: 'append', warehouse });
    const seen: { rows: number; duplicates: number }[] = [];
    // Alone, id 5 is unique; the competitor also writes 5, so the published table would not be.
    const r = await writeTable({
      catalog, io, engine, id: t, selectSql: values([5]), mode: 'append', warehouse,
      audit: uniqueAudit(seen),
      events: raceOnce(() => writeTable({ catalog, io, engine, id: t, selectSql: values([5]), mode: 'append', warehouse })),
    });
    expect(seen).toEqual([{ rows: 2, duplicates: 0 }, { rows: 3, duplicates: 1 }]);
    expect(r.published).toBe(false);
    const m = (await loadTable(catalog, io, t)).metadata;
    expect(m['current-snapshot-id']).not.toBe(r.snapshotId);
    expect(m.snapshots.some((s) => s['snapshot-id'] === r.snapshotId)).toBe(true);
    expect(m.snapshots.find((s) => s['snapshot-id'] === r.snapshotId)!.summary['floe.checks.failed']).toBe('1');
  });
});
