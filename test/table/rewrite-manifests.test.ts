import { describe, expect, it } from 'vitest';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { ManifestEntryStatus } from '../../src/iceberg/types.js';
import { manifestEntries } from '../../src/table/reachable.js';
import { clusterEntries, entriesPerManifest } from '../../src/table/rewrite-manifests.js';
import { planManifestRewrite, rewriteManifests } from '../../src/table/rewrite-manifests-run.js';
import { planScan } from '../../src/table/scan.js';
import { commitFiles, dataFile, dataPath, load, memTable, type MemTable } from './reachable-helpers.js';

async function manifestsOf(t: MemTable) {
  const { metadata: m, io } = await load(t);
  const s = m.snapshots.find((x) => x['snapshot-id'] === m['current-snapshot-id'])!;
  const list = readManifestList(await io.read(s['manifest-list']), s['manifest-list']);
  const entries = await Promise.all(
    list.map((e) => manifestEntries(io, m, { path: e.manifest_path, addedSnapshotId: e.added_snapshot_id, sequenceNumber: e.sequence_number, specId: e.partition_spec_id })),
  );
  return { snapshot: s, list, entries };
}

/** Live files with the snapshot and sequence numbers they carry. */
async function liveFiles(t: MemTable) {
  const { entries } = await manifestsOf(t);
  return entries
    .flat()
    .filter((e) => e.status !== ManifestEntryStatus.DELETED)
    .map((e) => `${e.data_file.file_path}|${e.snapshot_id}|${e.sequence_number}|${e.file_sequence_number}|${e.data_file.partition.join(',')}`)
    .sort();
}

async function scanFiles(t: MemTable) {
  const { metadata, io } = await load(t);
  const plan = await planScan({ io, metadata, table: 'ns.t' });
  return plan.dataFiles.map((x) => `${x.file.file_path}@${x.dataSequenceNumber}`).sort();
}

describe('clusterEntries', () => {
  it('sorts by partition and cuts at partition boundaries', async () => {
    const t = await memTable({ partitioned: true });
    const mk = async (n: string, r: string) => ({ status: ManifestEntryStatus.EXISTING, snapshot_id: 1n, sequence_number: 1n, file_sequence_number: 1n, data_file: await dataFile(t, n, 1, r) });
    const entries = [await mk('1', 'us'), await mk('2', 'eu'), await mk('3', 'us'), await mk('4', 'ap'), await mk('5', 'eu'), await mk('6', 'eu')];
    const type = { type: 'struct' as const, fields: [{ id: 1000, name: 'region', required: false, type: 'string' }] };
    const cut = (n: number) => clusterEntries(type, entries, n).map((g) => g.map((e) => e.data_file.partition[0]));
    expect(cut(100)).toEqual([['ap', 'eu', 'eu', 'eu', 'us', 'us']]);
    expect(cut(4)).toEqual([['ap', 'eu', 'eu', 'eu'], ['us', 'us']]);
    // A cut moves back to the start of a partition when the manifest stays at least half full.
    expect(cut(2)).toEqual([['ap'], ['eu', 'eu'], ['eu'], ['us', 'us']]);
    expect(cut(3)).toEqual([['ap', 'eu', 'eu'], ['eu', 'us', 'us']]);
    expect(entriesPerManifest(8 * 1024 * 1024, 1000, 10)).toBe(83886);
    expect(entriesPerManifest(100, 1000, 10)).toBe(1);
  });
});

describe('rewriteManifests', () => {
  it('clusters the data manifests by partition in a replace snapshot with the same files', async () => {
    const t = await memTable({ partitioned: true });
    for (let i = 0; i < 3; i++) {
      await commitFiles(t, [await dataFile(t, `eu${i}`, 5, 'eu'), await dataFile(t, `us${i}`, 7, 'us')]);
    }
    await commitFiles(t, [], { remove: [dataPath('us0')] });
    const before = await liveFiles(t);
    const scanBefore = await scanFiles(t);
    expect((await manifestsOf(t)).list).toHaveLength(3);

    const r = await rewriteManifests(t.catalog, t.io, t.id);
    expect(r).toMatchObject({ rewritten: true, manifestsReplaced: 3, manifestsCreated: 1, manifestsKept: 0, records: 29n });
    const after = await manifestsOf(t);
    expect(after.snapshot.summary.operation).toBe('replace');
    expect(after.snapshot.summary).toMatchObject({ 'manifests-created': '1', 'manifests-replaced': '3', 'manifests-kept': '0', 'total-records': '29', 'total-data-files': '5' });
    expect(after.snapshot['snapshot-id']).toBe(r.snapshotId);
    expect(after.entries.flat().every((e) => e.status === ManifestEntryStatus.EXISTING)).toBe(true);
    expect(after.entries.flat().map((e) => e.data_file.partition[0])).toEqual(['eu', 'eu', 'eu', 'us', 'us']);
    // Same files, each with its original snapshot id and sequence numbers.
    expect(await liveFiles(t)).toEqual(before);
    expect(await scanFiles(t)).toEqual(scanBefore);

    // Already clustered: nothing to do, nothing committed.
    const pointer = (await t.catalog.getTable(t.id)).metadataLocation;
    expect((await rewriteManifests(t.catalog, t.io, t.id)).rewritten).toBe(false);
    expect((await t.catalog.getTable(t.id)).metadataLocation).toBe(pointer);
  });

  it('splits into several manifests, one partition each, under a small target size', async () => {
    const t = await memTable({ partitioned: true, properties: { 'commit.manifest.target-size-bytes': '1' } });
    for (let i = 0; i < 2; i++) await commitFiles(t, [await dataFile(t, `a${i}`, 1, 'ap'), await dataFile(t, `e${i}`, 1, 'eu')]);
    const before = await liveFiles(t);
    await rewriteManifests(t.catalog, t.io, t.id);
    const after = await manifestsOf(t);
    expect(after.list).toHaveLength(4);
    for (const e of after.entries) expect(e).toHaveLength(1);
    expect(await liveFiles(t)).toEqual(before);
  });

  it('commits nothing for a table without snapshots, and says why (dry run alike)', async () => {
    const t = await memTable();
    const before = (await load(t)).metadata;
    const r = await rewriteManifests(t.catalog, t.io, t.id);
    expect(r).toMatchObject({ rewritten: false, nothing: 'no-snapshot', snapshotId: null });
    expect(await planManifestRewrite(t.catalog, t.io, t.id)).toMatchObject({ rewrite: false, nothing: 'no-snapshot', manifestsBefore: 0 });
    expect((await load(t)).metadata['last-updated-ms']).toBe(before['last-updated-ms']);
  });
});
