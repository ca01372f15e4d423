/**
 * Several `floe load` processes appending to one table at the same time, through a SQLite
 * catalog and through a Postgres catalog: every load lands exactly once. The final rows are
 * the union of all inputs, every reported snapshot is in main's history, and no data file is
 * listed twice. Losers of the compare-and-swap reload, re-apply and retry with backoff
 * (src/table/commit.ts); how often that happened is printed, not asserted (it depends on timing).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openCatalog } from '../../src/catalog/open.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { assertBuilt, collect, spawnFloe } from '../helpers/floe-process.js';
import { createTestSchema, type TestSchema } from '../catalog/postgres-db.js';

const WRITERS = 5;
const ROWS = 20;
let pg: TestSchema;
const dirs: string[] = [];
beforeAll(async () => {
  assertBuilt('test/concurrency');
  pg = await createTestSchema('appends');
});
afterAll(async () => {
  await pg?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const csv = (from: number, n: number) => 'id,who\n' + Array.from({ length: n }, (_, i) => `${from + i},w${from}`).join('\n') + '\n';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${WRITERS} concurrent floe load processes, ${kind} catalog`, () => {
    it('all land: rows are the sum, every snapshot is in history, no data file twice', async () => {
      const dir = mkdtempSync(join(tmpdir(), `floe-appends-${kind}-`));
      dirs.push(dir);
      const uri = kind === 'sqlite' ? 'sqlite:./warehouse/catalog.db' : pg.url;
      writeFileSync(join(dir, 'floe.yaml'), `warehouse: ./warehouse\ncatalog:\n  uri: ${uri}\n  name: ${kind}_appends\n`);
      mkdirSync(join(dir, 'data'));
      const first = await collect(spawnFloe(['--project', dir, 'load', 'race.events', writeCsv(dir, 0, 5)], dir));
      expect(first.code, first.stderr).toBe(0);

      const results = await Promise.all(
        Array.from({ length: WRITERS }, (_, w) => collect(spawnFloe(['--project', dir, 'load', 'race.events', writeCsv(dir, 1000 * (w + 1), ROWS), '--json'], dir))),
      );
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const lines = results.map((r) => r.stdout.trim().split('\n'));
      // Snapshot ids are longs: read them from the text, not through a JS number.
      const snapshotIds = lines.map((ls) => /"snapshot_id":\s*"?(\d+)/.exec(ls.find((l) => /"event":\s*"commit"/.test(l))!)![1]!);
      const retries = lines.flat().filter((l) => /"event":\s*"retry"/.test(l)).length;
      console.log(`${kind}: ${WRITERS} concurrent loads, ${retries} commit retries`);

      const { metadata: m, dataFiles } = await scan(dir, kind === 'sqlite' ? `sqlite:${join(dir, 'warehouse/catalog.db')}` : pg.url, `${kind}_appends`, 'race.events');
      expect(m.snapshots).toHaveLength(1 + WRITERS);
      const history = new Set<string>();
      for (let id: bigint | null | undefined = m['current-snapshot-id']; id != null; ) {
        history.add(String(id));
        id = m.snapshots.find((s) => s['snapshot-id'] === id)?.['parent-snapshot-id'];
      }
      expect(history.size).toBe(1 + WRITERS);
      for (const s of snapshotIds) expect(history.has(s), `snapshot ${s} is in main's history`).toBe(true);
      const files = dataFiles.map((f) => f.file.file_path);
      expect(new Set(files).size).toBe(files.length);
      expect(dataFiles.reduce((n, f) => n + Number(f.file.record_count), 0)).toBe(5 + WRITERS * ROWS);
      const q = await collect(spawnFloe(['--project', dir, 'query', 'SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS s FROM race.events', '--format', 'json'], dir));
      expect(q.code, q.stderr).toBe(0);
      const expectedSum = 10 + Array.from({ length: WRITERS }, (_, w) => ROWS * 1000 * (w + 1) + (ROWS * (ROWS - 1)) / 2).reduce((a, b) => a + b, 0);
      expect(JSON.parse(q.stdout)).toEqual([{ n: 5 + WRITERS * ROWS, ids: 5 + WRITERS * ROWS, s: expectedSum }]);
    }, 600_000);
  });
}

describe('concurrent floe load processes creating the same new table', () => {
  it('one creates it, the others append to it: all land', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-creates-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\n');
    mkdirSync(join(dir, 'data'));
    const N = 4;
    const results = await Promise.all(
      Array.from({ length: N }, (_, w) => collect(spawnFloe(['--project', dir, 'load', 'fresh.t', writeCsv(dir, 100 * (w + 1), 10)], dir))),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results.filter((r) => /^created fresh\.t/.test(r.stdout))).toHaveLength(1);
    expect(results.filter((r) => /^appended to fresh\.t/.test(r.stdout))).toHaveLength(N - 1);
    const { metadata, dataFiles } = await scan(dir, `sqlite:${join(dir, 'warehouse/catalog.db')}`, 'floe', 'fresh.t');
    expect(metadata.snapshots).toHaveLength(N);
    expect(new Set(dataFiles.map((f) => f.file.file_path)).size).toBe(dataFiles.length);
    expect(dataFiles.reduce((n, f) => n + Number(f.file.record_count), 0)).toBe(N * 10);
  }, 600_000);
});

/** The table's metadata and live data files, as floe loads and plans them through the catalog. */
async function scan(dir: string, uri: string, name: string, table: string) {
  const catalog = await openCatalog({ uri, name }, dir);
  try {
    const t = await loadTable(catalog, new RoutingFileIO(), parseTableIdentifier(table));
    return { metadata: t.metadata, dataFiles: (await planScan({ io: t.io, metadata: t.metadata, table })).dataFiles };
  } finally {
    await catalog.close();
  }
}

function writeCsv(dir: string, from: number, n: number): string {
  const p = join(dir, 'data', `in-${from}.csv`);
  writeFileSync(p, csv(from, n));
  return p;
}
