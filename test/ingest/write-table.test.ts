import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { readManifest } from '../../src/iceberg/manifest.js';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { ManifestEntryStatus } from '../../src/iceberg/types.js';
import { LocalFileIO } from '../../src/io/local.js';
import { createTableView } from '../../src/engine/read.js';
import { loadTable } from '../../src/table/load.js';
import { openWriteLab, type WriteLab } from '../helpers/write-lab.js';

const id = { namespace: ['raw'], name: 'events' };
let lab: WriteLab;
let dir: string, catalog: Catalog, engine: Engine; // lab's, set in beforeAll
const io = new LocalFileIO();

async function rows(): Promise<number> {
  const t = await loadTable(catalog, io, id);
  await createTableView(engine, ['raw', 'events'], { io: t.io, metadata: t.metadata, table: 'raw.events' });
  const r = await engine.all('SELECT count(*)::INTEGER AS n, count(DISTINCT k)::INTEGER AS d FROM raw.events', 'count');
  expect(r[0]!.d).toBe(r[0]!.n); // never a duplicated row
  return Number(r[0]!.n);
}

const gen = (from: number, n: number) =>
  `SELECT (i)::BIGINT AS k, 'v' || i AS v, TIMESTAMP '2024-01-01' + to_days((i % 40)::INTEGER) AS ts FROM range(${from}, ${from + n}) t(i)`;

beforeAll(async () => {
  lab = await openWriteLab('floe-write-');
  ({ dir, catalog, engine } = lab);
});
afterAll(() => lab.close());

describe('writeTable', () => {
  it('creates a partitioned table, appends, and overwrites, with exact summaries', async () => {
    const base = { catalog, io, engine, id, warehouse: join(dir, 'wh') };
    const a = await writeTable({ ...base, selectSql: gen(0, 100), mode: 'append', partitionBy: [{ sourceName: 'ts', transform: 'month' }] });
    expect(a.created).toBe(true);
    expect(a.rows).toBe(100n);
    expect(a.files).toBe(2); // January and February 2024
    const b = await writeTable({ ...base, selectSql: gen(100, 50), mode: 'append' });
    expect(b.created).toBe(false);
    expect(await rows()).toBe(150);
    let t = await loadTable(catalog, io, id);
    const snap = t.metadata.snapshots.find((s) => s['snapshot-id'] === t.metadata['current-snapshot-id'])!;
    expect(snap.summary['total-records']).toBe('150');
    expect(snap.summary['added-records']).toBe('50');
    expect(snap['parent-snapshot-id']).toBe(a.snapshotId);
    // The append reused the first snapshot's manifest instead of rewriting it.
    const list = readManifestList(await io.read(snap['manifest-list']), snap['manifest-list']);
    expect(list).toHaveLength(2);
    const c = await writeTable({ ...base, selectSql: gen(1000, 10), mode: 'overwrite' });
    expect(c.rows).toBe(10n);
    expect(await rows()).toBe(10);
    t = await loadTable(catalog, io, id);
    const over = t.metadata.snapshots.find((s) => s['snapshot-id'] === c.snapshotId)!;
    expect(over.summary.operation).toBe('overwrite');
    expect(over.summary['deleted-records']).toBe('150');
    expect(over.summary['total-records']).toBe('10');
    // Removed files are recorded as DELETED entries with their original sequence numbers.
    const overList = readManifestList(await io.read(over['manifest-list']), over['manifest-list']);
    const deleted = [];
    for (const mf of overList) {
      const entries = readManifest(await io.read(mf.manifest_path), mf.manifest_path, { manifest: mf });
      deleted.push(...entries.filter((e) => e.status === ManifestEntryStatus.DELETED));
    }
    expect(deleted.reduce((s, e) => s + e.data_file.record_count, 0n)).toBe(150n);
    expect(new Set(deleted.map((e) => e.sequence_number))).toEqual(new Set([1n, 2n]));
  });

  it('lands every one of several concurrent appends exactly once', async () => {
    const cid = { namespace: ['raw'], name: 'concurrent' };
    const base = { catalog, io, id: cid, warehouse: join(dir, 'wh') };
    await writeTable({ ...base, engine, selectSql: gen(0, 1), mode: 'append' });
    const engines = await Promise.all([0, 1, 2, 3].map(() => openEngine({ threads: 1 })));
    try {
      const results = await Promise.all(
        engines.map((e, i) => writeTable({ ...base, engine: e, selectSql: gen(10 + i * 10, 10), mode: 'append' })),
      );
      expect(results.every((r) => r.rows === 10n)).toBe(true);
    } finally {
      engines.forEach((e) => e.close());
    }
    const t = await loadTable(catalog, io, cid);
    await createTableView(engine, ['raw', 'concurrent'], { io: t.io, metadata: t.metadata, table: 'raw.concurrent' });
    const r = await engine.all('SELECT count(*)::INTEGER n, count(DISTINCT k)::INTEGER d FROM raw.concurrent', 'count');
    expect(r[0]).toEqual({ n: 41, d: 41 });
    expect(t.metadata.snapshots).toHaveLength(5);
    expect(t.metadata['last-sequence-number']).toBe(5n);
  });
});
