/**
 * Compaction drops delete files that apply to no live data file ("dangling" deletes, as
 * another engine's rewrite or delete leaves them), as `floe compact --help` promises: "delete
 * files that no longer apply to any data file are removed". Deleted rows stay deleted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { commitTable } from '../../src/table/commit.js';
import { buildSnapshotChange, newSnapshotId } from '../../src/table/snapshot-producer.js';
import { appendTinyFiles, checksum, commitFiles, createEmpty, equalityDeletes, liveFiles, positionDeletes, useCompactEnv } from '../table/compact/helpers.js';

const env = useCompactEnv('floe-maint-dangling-');


let id: TableIdentifier = { namespace: ['db'], name: 'dangling' };

/** A commit that removes data files and nothing else (the delete files that applied to them stay). */
async function removeDataFiles(paths: string[]): Promise<void> {
  await commitTable(env.catalog, env.io, id, async (base) =>
    buildSnapshotChange(base, { operation: 'delete', snapshotId: newSnapshotId(base.metadata), added: [], addedFiles: [], removeFiles: new Set(paths) }),
  );
}

describe('dangling delete files', () => {
  it('go with the compaction commit; the rows that other delete files remove stay removed', async () => {
    await createEmpty(env, id, { partitionBy: [{ sourceName: 'region', transform: 'identity' }] });
    const files = await appendTinyFiles(env, id, 0, 6, 8); // 6 files in each of 4 regions, 2 rows each
    const eu = files.filter((f) => f.partition[0] === 'eu');
    const sa = files.filter((f) => f.partition[0] === 'sa');
    // Deletes in partition sa (position and equality), and one live position delete in eu.
    const pos = await positionDeletes(env, id, sa[0]!, [0]);
    const eq = await equalityDeletes(env, id, sa[1]!, [3]);
    const live = await positionDeletes(env, id, eu[1]!, [1]);
    await commitFiles(env, id, [pos, eq, live], 'deletes', 'delete');
    // Every data file of partition sa goes, its delete files stay behind: they apply to nothing.
    await removeDataFiles(sa.map((f) => f.file_path));
    const before = await liveFiles(env, id);
    expect(before.deletes).toHaveLength(3);
    expect(before.data.filter((t) => t.deletes.length > 0).every((t) => t.file.partition[0] === 'eu')).toBe(true);
    expect(before.data.some((t) => t.file.partition[0] === 'sa')).toBe(false);
    const sum = await checksum(env, id);

    const r = await compactTable({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}) });
    expect(r.commits).toHaveLength(1);
    expect(r.commits[0]!.removedDeleteFiles).toBe(3);
    const after = await liveFiles(env, id);
    expect(after.deletes).toHaveLength(0);
    expect(after.table.metadata.snapshots.at(-1)!.summary['total-delete-files']).toBe('0');
    expect(await checksum(env, id)).toEqual(sum);
  });

  it('go in a commit of their own when no file group is due, as after a rewrite by another engine', async () => {
    id = { namespace: ['db'], name: 'dangling_alone' };
    await createEmpty(env, id, { partitionBy: [{ sourceName: 'region', transform: 'identity' }] });
    const files = await appendTinyFiles(env, id, 0, 1, 8); // one file per region: nothing to compact
    const sa = files.filter((f) => f.partition[0] === 'sa');
    await commitFiles(env, id, [await positionDeletes(env, id, sa[0]!, [0]), await equalityDeletes(env, id, sa[0]!, [3])], 'deletes', 'delete');
    await removeDataFiles(sa.map((f) => f.file_path));
    const sum = await checksum(env, id);
    const dry = await compactTable({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}), dryRun: true });
    expect(dry.plan.groups).toHaveLength(0);
    expect(dry.danglingDeletes).toHaveLength(2);
    expect((await liveFiles(env, id)).deletes).toHaveLength(2);

    const r = await compactTable({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}) });
    expect(r.commits).toHaveLength(1);
    expect(r.commits[0]).toMatchObject({ groups: 0, rewrittenDataFiles: 0, addedDataFiles: 0, removedDeleteFiles: 2 });
    const after = await liveFiles(env, id);
    expect(after.deletes).toHaveLength(0);
    expect(after.data).toHaveLength(3);
    const snap = after.table.metadata.snapshots.at(-1)!;
    expect(snap.summary).toMatchObject({ operation: 'replace', 'removed-delete-files': '2', 'total-delete-files': '0' });
    expect(await checksum(env, id)).toEqual(sum);
    // Then there is nothing left to do.
    const again = await compactTable({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}) });
    expect(again.commits).toHaveLength(0);
  });
});
