/**
 * `floe maintain manifests` leaves out manifests without live files. A delete manifest whose
 * every entry is DELETED (its delete files were removed, e.g. by compaction) was listed again
 * by every rewrite; so was an empty one. Data manifests without live files already went (only
 * live entries are carried into the new ones), and still do. Also: a format v3 table that
 * needs a rewrite is refused with the shared row-lineage refusal.
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { DataFileContent, type DataFile, ManifestContent, type ManifestFile } from '../../src/iceberg/types.js';
import { selectManifests } from '../../src/table/rewrite-manifests.js';
import { planManifestRewrite, rewriteManifests } from '../../src/table/rewrite-manifests-run.js';
import { planScan } from '../../src/table/scan.js';
import { buildSnapshotChange, newSnapshotId, writeAddedManifest } from '../../src/table/snapshot-producer.js';
import { commitTable } from '../../src/table/commit.js';
import { LOCATION, commitFiles, dataFile, load, memTable, type MemTable } from './reachable-helpers.js';

function manifest(name: string, o: Partial<ManifestFile>): ManifestFile {
  return {
    manifest_path: `${LOCATION}/metadata/${name}.avro`,
    manifest_length: 1000n,
    partition_spec_id: 0,
    content: ManifestContent.DATA,
    sequence_number: 1n,
    min_sequence_number: 1n,
    added_snapshot_id: 1n,
    added_files_count: 0,
    existing_files_count: 0,
    deleted_files_count: 0,
    added_rows_count: 0n,
    existing_rows_count: 0n,
    deleted_rows_count: 0n,
    partitions: null,
    key_metadata: null,
    first_row_id: null,
    ...o,
  };
}

const names = (ms: readonly ManifestFile[]) => ms.map((m) => m.manifest_path.replace(/.*\/(\w+)\.avro$/, '$1'));

describe('selectManifests', () => {
  const data = manifest('data', { added_files_count: 2, added_rows_count: 20n });
  const deletes = manifest('deletes', { content: ManifestContent.DELETES, existing_files_count: 1, existing_rows_count: 3n });
  const deadDeletes = manifest('deadDeletes', { content: ManifestContent.DELETES, deleted_files_count: 2, deleted_rows_count: 4n });
  const emptyDeletes = manifest('emptyDeletes', { content: ManifestContent.DELETES });
  const deadData = manifest('deadData', { deleted_files_count: 3, deleted_rows_count: 30n });

  it('leaves a clustered table alone', () => {
    const s = selectManifests([data, deletes]);
    expect(s.needed).toBe(false);
    expect([names(s.rewrite), names(s.keep), names(s.drop)]).toEqual([['data'], ['deletes'], []]);
  });

  it('drops a delete manifest whose entries are all DELETED, or that has none, and keeps the live one', () => {
    const s = selectManifests([data, deadDeletes, deletes, emptyDeletes]);
    expect(s.needed).toBe(true);
    expect([names(s.rewrite), names(s.keep), names(s.drop)]).toEqual([['data'], ['deletes'], ['deadDeletes', 'emptyDeletes']]);
  });

  it('drops a data manifest without live files instead of reading it', () => {
    const s = selectManifests([data, deadData]);
    expect(s.needed).toBe(true);
    expect([names(s.rewrite), names(s.drop)]).toEqual([['data'], ['deadData']]);
  });

  it('still rewrites several data manifests of one spec, or one with DELETED entries among live ones', () => {
    expect(selectManifests([data, manifest('more', { existing_files_count: 1 })]).needed).toBe(true);
    expect(selectManifests([manifest('mixed', { existing_files_count: 1, deleted_files_count: 1 })]).needed).toBe(true);
    expect(selectManifests([data, manifest('other', { partition_spec_id: 1, existing_files_count: 1 })]).needed).toBe(false);
  });
});

/** A fake position delete file in partition `region` (nothing reads it as Parquet here). */
async function deleteFile(t: MemTable, name: string, region: string): Promise<DataFile> {
  return { ...(await dataFile(t, name, 1, region)), content: DataFileContent.POSITION_DELETES };
}

async function commitDeletes(t: MemTable, files: DataFile[]): Promise<void> {
  await commitTable(t.catalog, t.io, t.id, async (base) =>
    buildSnapshotChange(base, {
      operation: 'overwrite',
      snapshotId: newSnapshotId(base.metadata),
      added: [await writeAddedManifest(base.io, base.metadata, files, 'deletes')],
      addedFiles: files,
    }),
  );
}

async function currentList(t: MemTable) {
  const { metadata: m, io } = await load(t);
  const s = m.snapshots.find((x) => x['snapshot-id'] === m['current-snapshot-id'])!;
  return { snapshot: s, list: readManifestList(await io.read(s['manifest-list']), s['manifest-list']) };
}

/** What a scan of the current snapshot reads: data files with the delete files that apply to each. */
async function scanned(t: MemTable): Promise<string[]> {
  const { metadata, io } = await load(t);
  const plan = await planScan({ io, metadata, table: t.name });
  return plan.dataFiles.map((d) => `${d.file.file_path}@${d.dataSequenceNumber} [${d.deletes.map((x) => x.file.file_path).sort().join(' ')}]`).sort();
}

describe('rewriteManifests with a delete manifest whose files were all removed', () => {
  it('leaves that manifest out; the scan reads the same files with the same deletes', async () => {
    const t = await memTable({ partitioned: true });
    await commitFiles(t, [await dataFile(t, 'eu0', 5, 'eu'), await dataFile(t, 'us0', 7, 'us')]);
    const live = await deleteFile(t, 'pos-eu', 'eu');
    await commitDeletes(t, [live]);
    const gone = [await deleteFile(t, 'pos-us-a', 'us'), await deleteFile(t, 'pos-us-b', 'us')];
    await commitDeletes(t, gone);
    // Both us delete files are removed: their manifest is written again with every entry DELETED.
    await commitFiles(t, [], { remove: gone.map((f) => f.file_path) });
    const before = await currentList(t);
    expect(before.list.map((m) => [m.content, m.added_files_count! + m.existing_files_count!, m.deleted_files_count])).toEqual([
      [ManifestContent.DELETES, 0, 2],
      [ManifestContent.DELETES, 1, 0],
      [ManifestContent.DATA, 2, 0],
    ]);
    const scanBefore = await scanned(t);
    expect(scanBefore.some((s) => s.includes('pos-eu'))).toBe(true);
    expect(scanBefore.some((s) => s.includes('pos-us'))).toBe(false);

    // The data manifest alone is clustered: only the dead delete manifest makes a rewrite worth it.
    const plan = await planManifestRewrite(t.catalog, t.io, t.id);
    expect(plan).toMatchObject({ rewrite: true, manifestsBefore: 1, manifestsAfter: 1, manifestsKept: 1, manifestsDropped: 1, liveEntries: 2 });

    const r = await rewriteManifests(t.catalog, t.io, t.id);
    expect(r).toMatchObject({ rewritten: true, manifestsReplaced: 1, manifestsCreated: 1, manifestsKept: 1, manifestsDropped: 1, records: 12n });
    const after = await currentList(t);
    expect(after.snapshot['snapshot-id']).toBe(r.snapshotId);
    expect(after.list).toHaveLength(2);
    expect(after.list.map((m) => m.content).sort()).toEqual([ManifestContent.DATA, ManifestContent.DELETES]);
    expect(after.list.map((m) => m.manifest_path)).not.toContain(before.list[0]!.manifest_path);
    expect(after.list.map((m) => m.manifest_path)).toContain(before.list[1]!.manifest_path);
    expect(after.snapshot.summary).toMatchObject({
      operation: 'replace',
      'manifests-created': '1',
      'manifests-kept': '1',
      'manifests-replaced': '2',
      'total-data-files': '2',
      'total-delete-files': '1',
      'total-records': '12',
    });
    expect(await scanned(t)).toEqual(scanBefore);

    // Nothing left to do.
    const pointer = (await t.catalog.getTable(t.id)).metadataLocation;
    expect(await rewriteManifests(t.catalog, t.io, t.id)).toMatchObject({ rewritten: false, nothing: 'clustered' });
    expect((await t.catalog.getTable(t.id)).metadataLocation).toBe(pointer);
    expect(await planManifestRewrite(t.catalog, t.io, t.id)).toMatchObject({ rewrite: false, manifestsDropped: 0 });
  });
});

describe('rewriteManifests on a format v3 table', () => {
  it('is refused with the row-lineage refusal, the dry run alike; nothing committed', async () => {
    const t = await memTable({ partitioned: true });
    for (let i = 0; i < 2; i++) await commitFiles(t, [await dataFile(t, `eu${i}`, 5, 'eu')]);
    await commitTable(t.catalog, t.io, t.id, async () => ({ requirements: [], updates: [{ action: 'upgrade-format-version', 'format-version': 3 }] }));
    const pointer = (await t.catalog.getTable(t.id)).metadataLocation;
    for (const run of [() => rewriteManifests(t.catalog, t.io, t.id), () => planManifestRewrite(t.catalog, t.io, t.id)]) {
      const e = await run().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(FloeError);
      expect((e as FloeError).kind).toBe('unsupported');
      expect((e as FloeError).message).toBe('table ns.t is format v3; floe rewrites manifests of v1 and v2 tables only (it does not write v3 row lineage yet)');
      expect((e as FloeError).hint).toContain('CALL system.rewrite_manifests');
      expect((e as FloeError).context).toMatchObject({ table: 'ns.t', 'format-version': '3' });
    }
    expect((await t.catalog.getTable(t.id)).metadataLocation).toBe(pointer);
  });
});
