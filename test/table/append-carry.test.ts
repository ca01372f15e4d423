import { describe, expect, it } from 'vitest';
import { manifestListOf } from '../helpers/list-totals.js';
import { openCatalog } from '../../src/catalog/open.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { type DataFile, DataFileContent } from '../../src/iceberg/types.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { commitTable, createTable } from '../../src/table/commit.js';
import { buildSnapshotChange, newSnapshotId, writeAddedManifest } from '../../src/table/snapshot-producer.js';
import type { TableChange } from '../../src/table/updates.js';

// An append copies its parent's manifest list without decoding it, and builds its summary
// totals on the parent's (floe computes those exactly from the parent's list). These tests
// hold every snapshot's totals to a count over its decoded list, through appends, delete
// files, overwrites and removals, and check the parent's totals are trusted only from floe.

const id = { namespace: ['ns'], name: 't' };
const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'a', required: false, type: 'long' }] };

async function setup() {
  const catalog = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
  const io = new MemoryFileIO();
  await createTable(catalog, io, id, createTableChange({ location: 'file:///wh/ns/t', schema }));
  return { catalog, io };
}

let n = 0;
const file = (content: DataFileContent, records: bigint): DataFile => ({
  content,
  file_path: `file:///wh/ns/t/data/f${++n}.parquet`,
  file_format: 'PARQUET',
  partition: [],
  record_count: records,
  file_size_in_bytes: 1000n + records,
});

type Op = { files: DataFile[]; content?: 'data' | 'deletes'; replaceAll?: boolean; removeFiles?: Set<string> };

async function commit(t: Awaited<ReturnType<typeof setup>>, op: Op, edit: (c: TableChange) => TableChange = (c) => c) {
  return commitTable(t.catalog, t.io, id, async (base) => {
    const manifest = await writeAddedManifest(base.io, base.metadata, op.files, op.content ?? 'data');
    const operation = op.replaceAll || op.removeFiles ? 'overwrite' : op.content === 'deletes' ? 'delete' : 'append';
    const change = await buildSnapshotChange(base, {
      operation,
      snapshotId: newSnapshotId(base.metadata),
      added: [manifest],
      addedFiles: op.files,
      ...(op.replaceAll ? { replaceAll: true } : {}),
      ...(op.removeFiles ? { removeFiles: op.removeFiles } : {}),
    });
    return edit(change);
  });
}

describe('append summaries built on the parent list', () => {
  it('state the totals of their own manifest list after appends, deletes, an overwrite and a removal', async () => {
    const t = await setup();
    const kept: DataFile[] = [];
    const ops: Op[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 15) ops.push({ files: [file(DataFileContent.DATA, 5n)], replaceAll: true });
      else if (i % 7 === 3) ops.push({ files: [file(DataFileContent.POSITION_DELETES, 2n)], content: 'deletes' });
      else if (i === 30) ops.push({ files: [file(DataFileContent.DATA, 9n)], removeFiles: new Set([kept.at(-1)!.file_path]) });
      else {
        const f = file(DataFileContent.DATA, BigInt(10 + i));
        kept.push(f);
        ops.push({ files: [f] });
      }
    }
    let previousManifests = 0;
    for (const op of ops) {
      const r = await commit(t, op);
      const s = r.table.metadata.snapshots.at(-1)!;
      const list = await manifestListOf(t.io, s);
      expect({ files: s.summary['total-data-files'], records: s.summary['total-records'], deletes: s.summary['total-delete-files'] }).toEqual({
        files: list.totals['total-data-files'],
        records: list.totals['total-records'],
        deletes: list.totals['total-delete-files'],
      });
      if (!op.replaceAll && !op.removeFiles) expect(list.paths.length).toBe(previousManifests + 1);
      expect(list.blocks).toBeLessThanOrEqual(17);
      previousManifests = list.paths.length;
    }
    expect(previousManifests).toBeGreaterThan(20);
  });

  it("builds on a floe parent's totals, and counts the list again under another engine's parent", async () => {
    const t = await setup();
    await commit(t, { files: [file(DataFileContent.DATA, 100n)] });
    // A parent whose summary claims other totals: taken as they are from floe (which wrote them
    // from that list), recounted from the list when another engine wrote the snapshot.
    const claim = (engine: string) => (c: TableChange): TableChange => ({
      ...c,
      updates: c.updates.map((u) => (u.action === 'add-snapshot' ? { ...u, snapshot: { ...u.snapshot, summary: { ...u.snapshot.summary, 'engine-name': engine, 'total-records': '1000000' } } } : u)),
    });
    await commit(t, { files: [file(DataFileContent.DATA, 1n)] }, claim('floe'));
    const afterFloe = (await commit(t, { files: [file(DataFileContent.DATA, 1n)] })).table.metadata.snapshots.at(-1)!;
    expect(afterFloe.summary['total-records']).toBe('1000001');
    await commit(t, { files: [file(DataFileContent.DATA, 1n)] }, claim('spark'));
    const afterSpark = (await commit(t, { files: [file(DataFileContent.DATA, 1n)] })).table.metadata.snapshots.at(-1)!;
    expect(afterSpark.summary['total-records']).toBe((await manifestListOf(t.io, afterSpark)).totals['total-records']);
    expect(afterSpark.summary['total-records']).toBe('104');
  });
});
