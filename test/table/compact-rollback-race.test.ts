/**
 * A compaction that read main, then saw main moved off its history (a rollback, or
 * `floe snapshot branch main --replace`) before it committed, must not commit its `replace` on
 * the moved main: the rewritten files were read with deletes the moved main no longer has, so
 * committing them would apply those deletes again (Iceberg Java's rewrite validation: "Cannot
 * determine history between starting snapshot ..."). The delete file covers two data files
 * (partition-scoped, as Spark writes with write.delete.granularity=partition), so rewriting only
 * the first one keeps it, and nothing else catches the race.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/engine/sql.js';
import { FloeError } from '../../src/errors.js';
import { type DataFile, DataFileContent, type TableIdentifier } from '../../src/iceberg/types.js';
import { joinLocation } from '../../src/io/fileio.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { commitTable } from '../../src/table/commit.js';
import { loadTable } from '../../src/table/load.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { appendTinyFiles, checksum, commitFiles, createEmpty, useCompactEnv } from './compact/helpers.js';

const env = useCompactEnv('floe-compact-rollback-');
const base = () => ({ catalog: env.catalog, io: env.io, engine: env.engine });

/** One position delete file removing position `pos` of each of `files` (all in one partition). */
async function sharedPositionDeletes(id: TableIdentifier, files: DataFile[], pos: number): Promise<DataFile> {
  const t = await loadTable(env.catalog, env.io, id);
  const location = joinLocation(t.metadata.location, 'data', `pos-${randomUUID()}.parquet`);
  const local = await t.io.localPath(location);
  const rows = files.map((f) => `(${quoteLiteral(f.file_path)}, ${pos}::BIGINT)`).join(', ');
  await env.engine.run(
    `COPY (SELECT * FROM (VALUES ${rows}) v(file_path, pos) ORDER BY file_path, pos) TO ${quoteLiteral(local)} (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`,
    'write a position delete file',
  );
  return {
    content: DataFileContent.POSITION_DELETES, file_path: location, file_format: 'PARQUET', partition: files[0]!.partition,
    record_count: BigInt(files.length), file_size_in_bytes: BigInt((await stat(local)).size),
  };
}

/** Two files of 100 rows (k 0–99, 100–199), then one delete file removing a row of each. */
async function tableWithSharedDelete(name: string): Promise<{ id: TableIdentifier; beforeDelete: bigint; deleteSnapshot: bigint }> {
  const id = { namespace: ['db'], name };
  await createEmpty(env, id);
  const files = await appendTinyFiles(env, id, 0, 2, 100);
  expect(files).toHaveLength(2);
  const beforeDelete = (await loadTable(env.catalog, env.io, id)).metadata['current-snapshot-id']!;
  const d = await sharedPositionDeletes(id, files, 5);
  const deleteSnapshot = await commitFiles(env, id, [d], 'deletes', 'delete');
  expect((await checksum(env, id)).n).toBe(198);
  return { id, beforeDelete, deleteSnapshot };
}

describe('compaction racing a move of main off its history', () => {
  it('fails with a conflict when main is rolled back before the compaction commits, and loses no row', async () => {
    const { id, beforeDelete } = await tableWithSharedDelete('rolled');
    const err = await compactTable({
      ...base(), id, strategy: parseStrategy({}), where: 'k < 100',
      beforeCommit: async () => {
        await commitTable(env.catalog, env.io, id, async (t) => planRollback(t.metadata, { snapshotId: beforeDelete }, 'db.rolled').change);
      },
    }).catch((e: unknown) => e);
    expect((await checksum(env, id)).n).toBe(200); // ids 5 and 105 are back, none lost
    const t = await loadTable(env.catalog, env.io, id);
    expect(t.metadata.refs.main!['snapshot-id']).toBe(beforeDelete); // the rollback stands, no replace on it
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('conflict');
    expect((err as FloeError).retryable).toBe(false);
    expect((err as FloeError).message).toMatch(/history/);
  });

  it('fails with a conflict when main is replaced by a branch that does not hold the compaction\'s start', async () => {
    const { id, beforeDelete } = await tableWithSharedDelete('replaced');
    await commitTable(env.catalog, env.io, id, async (t) => planRef(t.metadata, 'branch', { name: 'old', snapshotId: beforeDelete }, 'db.replaced').change);
    const err = await compactTable({
      ...base(), id, strategy: parseStrategy({}), where: 'k < 100',
      beforeCommit: async () => {
        await commitTable(env.catalog, env.io, id, async (t) => planRef(t.metadata, 'branch', { name: 'main', snapshotId: beforeDelete, replace: true }, 'db.replaced').change);
      },
    }).catch((e: unknown) => e);
    expect((await checksum(env, id)).n).toBe(200); // ids 5 and 105 are back, none lost
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('conflict');
    expect((err as FloeError).retryable).toBe(false);
  });

  it('still commits when main only moved forward (an append) while it ran', async () => {
    const { id, deleteSnapshot } = await tableWithSharedDelete('forward');
    const r = await compactTable({
      ...base(), id, strategy: parseStrategy({}), where: 'k < 100',
      beforeCommit: async () => { await appendTinyFiles(env, id, 1000, 1, 10); },
    });
    expect(r.commits).toHaveLength(1);
    expect(r.commits[0]!.rewrittenDataFiles).toBe(1);
    const t = await loadTable(env.catalog, env.io, id);
    expect(t.metadata.snapshots.some((s) => s['snapshot-id'] === deleteSnapshot)).toBe(true);
    expect(t.metadata.snapshots.at(-1)!.summary.operation).toBe('replace');
    expect((await checksum(env, id)).n).toBe(208);
  });
});
