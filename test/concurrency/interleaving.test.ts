/**
 * Concurrent commits with a deterministic interleaving: a competing commit lands exactly
 * between a write's plan and its compare-and-swap (CommitEvents.beforeSwap), so the write
 * loses the swap, reloads and re-validates. Appends re-apply; an overwrite raced by an append
 * fails cleanly (no lost append); a merge re-applies over rows it cannot touch and fails
 * cleanly over rows it could (no duplicated or resurrected rows). Both catalogs.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { mergeTable } from '../../src/run/merge.js';
import type { CommitEvents } from '../../src/table/commit.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { raceOnce } from '../helpers/race.js';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';

let engine: Engine;
let pg: TestSchema;
const dirs: string[] = [];
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  pg = await createTestSchema('interleave');
});
afterAll(async () => {
  engine?.close();
  await pg?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const io = new RoutingFileIO();
const values = (rows: [number, string][]) => `SELECT * FROM (VALUES ${rows.map(([id, v]) => `(${id}::BIGINT, '${v}')`).join(', ')}) AS t(id, v)`;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind} catalog: a competing commit between plan and swap`, () => {
    let catalog: Catalog;
    let warehouse: string;
    let n = 0;
    beforeAll(async () => {
      warehouse = mkdtempSync(join(tmpdir(), `floe-interleave-${kind}-`));
      dirs.push(warehouse);
      catalog = await openCatalog({ uri: kind === 'sqlite' ? `sqlite:${join(warehouse, 'catalog.db')}` : pg.url, name: 'floe' }, warehouse);
    });
    afterAll(() => catalog?.close());

    const fresh = async (rows: [number, string][]) => {
      const id = { namespace: ['race'], name: `t${++n}` };
      await write(id, rows, 'append');
      return id;
    };
    const write = (id: { namespace: string[]; name: string }, rows: [number, string][], mode: 'append' | 'overwrite', events?: CommitEvents) =>
      writeTable({ catalog, io, engine, id, selectSql: values(rows), mode, warehouse, events });
    const merge = (id: { namespace: string[]; name: string }, rows: [number, string][], events?: CommitEvents) =>
      mergeTable({ catalog, io, engine, id, selectSql: values(rows), key: ['id'], warehouse, events });
    const rowsOf = async (id: { namespace: string[]; name: string }) => {
      const t = await loadTable(catalog, io, id);
      const plan = await planScan({ io, metadata: t.metadata, table: id.name });
      const files = plan.dataFiles.map((f) => f.file.file_path);
      expect(new Set(files).size).toBe(files.length);
      const rows = await engine.all(`SELECT id, v FROM read_parquet([${files.map((f) => `'${f.replace(/^file:\/\//, '')}'`).join(', ')}]) ORDER BY id, v`, 'read');
      return { rows: rows.map((r) => [Number(r.id), r.v]), snapshots: t.metadata.snapshots, files };
    };
    const conflict = async (p: Promise<unknown>) => {
      const e = await p.then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(FloeError);
      expect((e as FloeError).kind).toBe('conflict');
      return e as FloeError;
    };

    it('an append re-applies on top of a competing append: both land, once each', async () => {
      const id = await fresh([[1, 'a']]);
      const ev = raceOnce(() => write(id, [[2, 'theirs']], 'append'));
      const r = await write(id, [[3, 'ours']], 'append', ev);
      expect(ev.raced).toBe(1);
      expect(r.attempts).toBe(2);
      const after = await rowsOf(id);
      expect(after.rows).toEqual([[1, 'a'], [2, 'theirs'], [3, 'ours']]);
      expect(after.snapshots).toHaveLength(3);
      const ours = after.snapshots.find((s) => s['snapshot-id'] === r.snapshotId)!;
      const theirs = after.snapshots.find((s) => s.summary['added-records'] === '1' && s['snapshot-id'] !== r.snapshotId && s['parent-snapshot-id'] !== undefined)!;
      expect(ours['parent-snapshot-id']).toBe(theirs['snapshot-id']);
    });

    it('an overwrite raced by an append fails with kind conflict and loses nothing', async () => {
      const id = await fresh([[1, 'a']]);
      const dataDir = join(warehouse, 'race', id.name, 'data');
      const ev = raceOnce(() => write(id, [[2, 'appended meanwhile']], 'append'));
      const e = await conflict(write(id, [[9, 'replacement']], 'overwrite', ev));
      expect(e.message).toMatch(/concurrent commit .* changed the data while this overwrite ran; nothing was committed/);
      const after = await rowsOf(id);
      expect(after.rows).toEqual([[1, 'a'], [2, 'appended meanwhile']]);
      // The overwrite's own files were removed: only live files remain in data/.
      const onDisk = readdirSync(dataDir).filter((f) => f.endsWith('.parquet'));
      expect(onDisk.sort()).toEqual(after.files.map((f) => f.split('/').pop()!).sort());
      // Run again, it replaces everything.
      await write(id, [[9, 'replacement']], 'overwrite');
      expect((await rowsOf(id)).rows).toEqual([[9, 'replacement']]);
    });

    it('a merge re-applies over an append of keys it does not touch', async () => {
      const id = await fresh([[1, 'a'], [2, 'b']]);
      const ev = raceOnce(() => write(id, [[50, 'far away']], 'append'));
      const r = await merge(id, [[2, 'B'], [3, 'c']], ev);
      expect(r.attempts).toBe(2);
      expect((await rowsOf(id)).rows).toEqual([[1, 'a'], [2, 'B'], [3, 'c'], [50, 'far away']]);
    });

    it('a merge raced by an append of overlapping keys fails cleanly: no key twice', async () => {
      const id = await fresh([[1, 'a'], [2, 'b']]);
      const ev = raceOnce(() => write(id, [[2, 'theirs']], 'append'));
      const e = await conflict(merge(id, [[2, 'ours'], [3, 'c']], ev));
      expect(e.retryable).toBe(false);
      expect((await rowsOf(id)).rows).toEqual([[1, 'a'], [2, 'b'], [2, 'theirs']]);
    });

    it('a merge raced by a merge that rewrote its file fails cleanly: no resurrected rows', async () => {
      const id = await fresh([[1, 'a'], [2, 'b'], [3, 'c']]);
      // The competitor rewrites the only data file (updating key 1); ours planned to rewrite it too.
      const ev = raceOnce(() => merge(id, [[1, 'A']]));
      const e = await conflict(merge(id, [[3, 'C']], ev));
      expect(e.message).toMatch(/already removed|overlap/);
      expect((await rowsOf(id)).rows).toEqual([[1, 'A'], [2, 'b'], [3, 'c']]);
    });
  });
}
