/**
 * The run-id record and the compare-and-swap (src/run/run-ids.ts, src/table/commit.ts): the
 * record is rebuilt from each attempt's base, so a run that loses the swap to another
 * pipeline's run keeps that run's entry; and it reaches the commit on every write path a run
 * uses (append, copy-on-write merge, merge-on-read).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { mergeTable } from '../../src/run/merge.js';
import { readRunIds, runIdStatus, withRunIds } from '../../src/run/run-ids.js';
import { stateSummary } from '../../src/run/state.js';
import type { CommitEvents } from '../../src/table/commit.js';
import { loadTable } from '../../src/table/load.js';
import type { TableChange } from '../../src/table/updates.js';
import { raceOnce } from '../helpers/race.js';

let engine: Engine;
let catalog: Catalog;
let warehouse: string;
const io = new RoutingFileIO();
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  warehouse = mkdtempSync(join(tmpdir(), 'floe-runids-cas-'));
  catalog = await openCatalog({ uri: `sqlite:${join(warehouse, 'catalog.db')}`, name: 'floe' }, warehouse);
});
afterAll(async () => {
  await catalog?.close();
  engine?.close();
  rmSync(warehouse, { recursive: true, force: true });
});

const values = (ids: number[]) => `SELECT * FROM (VALUES ${ids.map((i) => `(${i}::BIGINT, 'v${i}')`).join(', ')}) AS t(id, v)`;
const run = (pipeline: string, runId: string) => ({
  summary: stateSummary(pipeline, runId),
  amendChange: (b: TableMetadata, c: TableChange) => withRunIds(b, c, pipeline, runId),
});
let n = 0;
const fresh = () => ({ namespace: ['ids'], name: `t${++n}` });
const append = (id: { namespace: string[]; name: string }, pipeline: string, runId: string, ids: number[], events?: CommitEvents, properties?: Record<string, string>) =>
  writeTable({ catalog, io, engine, id, selectSql: values(ids), mode: 'append', warehouse, events, properties, ...run(pipeline, runId) });
const recorded = async (id: { namespace: string[]; name: string }, pipeline: string) =>
  readRunIds((await loadTable(catalog, io, id)).metadata.properties, pipeline)?.map((e) => e[0]);

describe('the run-id record under concurrent commits', () => {
  it('a run that loses the swap to another pipeline\'s run keeps that run\'s record and adds its own', async () => {
    const id = fresh();
    await append(id, 'p', 'p1', [1]);
    const ev = raceOnce(() => append(id, 'q', 'q1', [2]));
    const r = await append(id, 'p', 'p2', [3], ev);
    expect(ev.raced).toBe(1);
    expect(r.attempts).toBe(2);
    expect(await recorded(id, 'p')).toEqual(['p1', 'p2']);
    expect(await recorded(id, 'q')).toEqual(['q1']);
    const m = (await loadTable(catalog, io, id)).metadata;
    expect(m.properties['floe.run-ids']).toBe('complete');
    expect(runIdStatus(m, 'q', 'q1')).toBe('committed');
  });

  it('two runs of the same pipeline racing: both run ids are recorded', async () => {
    const id = fresh();
    await append(id, 'p', 'a', [1]);
    const ev = raceOnce(() => append(id, 'p', 'b', [2]));
    await append(id, 'p', 'c', [3], ev);
    expect(await recorded(id, 'p')).toEqual(['a', 'b', 'c']);
  });

  it('merges record their run ids too: copy-on-write and merge-on-read', async () => {
    for (const properties of [{}, { 'write.merge.mode': 'merge-on-read' }] as Record<string, string>[]) {
      const id = fresh();
      await append(id, 'm', 'm1', [1, 2], undefined, properties);
      await mergeTable({ catalog, io, engine, id, selectSql: values([2, 3]), key: ['id'], warehouse, ...run('m', 'm2') });
      expect(await recorded(id, 'm'), JSON.stringify(properties)).toEqual(['m1', 'm2']);
      // The merge-on-read one really wrote position deletes (it did not fall back to a rewrite).
      const last = (await loadTable(catalog, io, id)).metadata.snapshots.at(-1)!;
      expect(last.summary['added-position-delete-files'], JSON.stringify(properties)).toBe('write.merge.mode' in properties ? '1' : undefined);
    }
  });
});
