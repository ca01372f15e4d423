import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestListOf } from '../helpers/list-totals.js';
import { openCatalog } from '../../src/catalog/open.js';
import { createTableChange } from '../../src/iceberg/metadata-builder.js';
import { decodeMetadataFile } from '../../src/iceberg/metadata-json.js';
import { type DataFile, DataFileContent, type Snapshot, type TableMetadata } from '../../src/iceberg/types.js';
import { MemoryFileIO } from '../../src/io/memory.js';
import { applyChange } from '../../src/table/apply.js';
import { commitTable, createTable } from '../../src/table/commit.js';
import { loadTable } from '../../src/table/load.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { rewriteManifests } from '../../src/table/rewrite-manifests-run.js';
import { buildSnapshotChange, newSnapshotId, type SnapshotPlan, writeAddedManifest } from '../../src/table/snapshot-producer.js';

// Review tests for appends that copy the parent list undecoded and build their totals on the
// parent's summary (snapshot-producer.ts, summary.ts): through chains that mix another engine's
// parent, branches, a staged (write-audit-publish) snapshot, a rollback, a manifest rewrite,
// overwrites and delete files, every snapshot floe writes must state the totals of its own
// manifest list, and an append's list must be its parent's entries behind the new ones.

let n = 0;
const file = (content: DataFileContent, records: bigint, location = 'file:///wh/ns/t'): DataFile => ({
  content,
  file_path: `${location}/data/r${++n}.parquet`,
  file_format: 'PARQUET',
  partition: [],
  record_count: records,
  file_size_in_bytes: 500n + records,
});

const listOf = manifestListOf;

const totalsOf = (s: Snapshot) => ({
  'total-data-files': s.summary['total-data-files'],
  'total-records': s.summary['total-records'],
  'total-delete-files': s.summary['total-delete-files'],
});

/** The snapshot must state its list's totals; an append's list is the parent's behind the new manifests. */
async function expectConsistent(io: MemoryFileIO, m: TableMetadata, s: Snapshot, added: number, append: boolean) {
  const own = await listOf(io, s);
  expect(totalsOf(s), `snapshot ${s['snapshot-id']}`).toEqual(own.totals);
  expect(own.blocks).toBeLessThanOrEqual(17);
  if (!append) return own;
  const parent = m.snapshots.find((x) => x['snapshot-id'] === s['parent-snapshot-id']);
  const before = parent ? (await listOf(io, parent)).paths : [];
  expect(own.paths.slice(added)).toEqual(before);
  expect(own.paths.length).toBe(before.length + added);
  return own;
}

describe('appends on another engine’s table', () => {
  it('count a Spark parent’s list (its totals are not trusted), then build on their own totals', async () => {
    const dir = join(import.meta.dirname, '../../../shared/fixtures/iceberg/icebird/hyperparam-iceberg/spark/bunnies/metadata');
    let m = decodeMetadataFile(readFileSync(join(dir, 'v5.metadata.json')), 'v5.metadata.json');
    const io = new MemoryFileIO();
    for (const name of readdirSync(dir)) await io.write(`${m.location}/metadata/${name}`, readFileSync(join(dir, name)));
    const spark = m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id'])!;
    // Spark's summary and its list disagree on nothing here; claim other totals to be sure
    // they are not what the next totals build on.
    m = { ...m, snapshots: m.snapshots.map((s) => (s === spark ? { ...s, summary: { ...s.summary, 'total-records': '999' } } : s)) };
    const id = { namespace: ['ns'], name: 'bunnies' };
    for (let i = 0; i < 20; i++) {
      const base = { id, metadataLocation: 'x', metadata: m, io };
      const deletes = i % 5 === 2;
      const files = [file(deletes ? DataFileContent.POSITION_DELETES : DataFileContent.DATA, BigInt(i + 1), m.location)];
      const manifest = await writeAddedManifest(io, m, files, deletes ? 'deletes' : 'data');
      const plan: SnapshotPlan = { operation: deletes ? 'delete' : 'append', snapshotId: newSnapshotId(m), added: [manifest], addedFiles: files };
      m = applyChange(m, await buildSnapshotChange(base, plan), { metadataLocation: 'x', now: Date.now() });
      const s = m.snapshots.at(-1)!;
      await expectConsistent(io, m, s, 1, true);
    }
    const last = m.snapshots.at(-1)!;
    // Spark's list: 1 data file of 20 rows and 1 delete file; 16 data appends of 1..20 rows, 4 delete files.
    expect(totalsOf(last)).toEqual({ 'total-data-files': '17', 'total-records': String(20 + 210 - (3 + 8 + 13 + 18)), 'total-delete-files': '5' });
  });
});

describe('appends on branches, after staging, rollback and a manifest rewrite', () => {
  const id = { namespace: ['ns'], name: 't' };
  const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'a', required: false, type: 'long' }] };

  it('state the totals of their own list, whose parent is the branch head', async () => {
    const catalog = await openCatalog({ uri: 'sqlite::memory:', name: 'floe' }, '/');
    const io = new MemoryFileIO();
    await createTable(catalog, io, id, createTableChange({ location: 'file:///wh/ns/t', schema }));
    const load = () => loadTable(catalog, io, id);
    const append = async (o: { branch?: string; stageOnly?: boolean; records?: bigint; deletes?: boolean; removeFiles?: Set<string> } = {}) => {
      const files = [file(o.deletes ? DataFileContent.POSITION_DELETES : DataFileContent.DATA, o.records ?? 10n)];
      const r = await commitTable(catalog, io, id, async (base) => {
        const manifest = await writeAddedManifest(base.io, base.metadata, files, o.deletes ? 'deletes' : 'data');
        return buildSnapshotChange(base, {
          operation: o.removeFiles ? 'overwrite' : o.deletes ? 'delete' : 'append',
          snapshotId: newSnapshotId(base.metadata),
          added: [manifest],
          addedFiles: files,
          ...(o.branch ? { branch: o.branch } : {}),
          ...(o.stageOnly ? { stageOnly: true } : {}),
          ...(o.removeFiles ? { removeFiles: o.removeFiles } : {}),
        });
      });
      const m = r.table.metadata;
      const s = m.snapshots.at(-1)!;
      await expectConsistent(io, m, s, 1, !o.removeFiles);
      return { m, s, files };
    };

    const first = await append({ records: 1n });
    await append({ records: 2n });
    await append({ records: 4n, deletes: true });
    // A branch at main's head, then appends on both: each builds on its own head.
    const planB = planRef((await load()).metadata, 'branch', { name: 'b' }, 'ns.t');
    await commitTable(catalog, io, id, async () => planB.change);
    const b1 = await append({ branch: 'b', records: 100n });
    const m1 = await append({ records: 8n });
    const b2 = await append({ branch: 'b', records: 200n });
    expect(b2.s['parent-snapshot-id']).toBe(b1.s['snapshot-id']);
    expect(b2.s.summary['total-records']).toBe(String(1 + 2 + 100 + 200));
    expect(m1.s.summary['total-records']).toBe(String(1 + 2 + 8));
    // A staged snapshot moves no branch; the next append on main builds on main's head.
    const staged = await append({ records: 1000n, stageOnly: true });
    expect(staged.m['current-snapshot-id']).toBe(m1.s['snapshot-id']);
    const m2 = await append({ records: 16n });
    expect(m2.s['parent-snapshot-id']).toBe(m1.s['snapshot-id']);
    expect(m2.s.summary['total-records']).toBe(String(1 + 2 + 8 + 16));
    // Rollback to the first snapshot, then an append on it.
    const rb = planRollback((await load()).metadata, { snapshotId: first.s['snapshot-id'] }, 'ns.t');
    await commitTable(catalog, io, id, async () => rb.change);
    const m3 = await append({ records: 32n });
    expect(m3.s['parent-snapshot-id']).toBe(first.s['snapshot-id']);
    expect(m3.s.summary['total-records']).toBe(String(1 + 32));
    // More appends, an overwrite removing one file, a manifest rewrite, then appends again.
    let last = m3;
    for (let i = 0; i < 18; i++) last = await append({ records: 1n, deletes: i % 6 === 5 });
    const over = await append({ records: 64n, removeFiles: new Set([m3.files[0]!.file_path]) });
    expect(over.s.summary['deleted-records']).toBe('32');
    const rewritten = await rewriteManifests(catalog, io, id);
    expect(rewritten.rewritten).toBe(true);
    const afterRewrite = (await load()).metadata;
    const replace = afterRewrite.snapshots.at(-1)!;
    expect(replace.summary.operation).toBe('replace');
    expect(totalsOf(replace)).toEqual((await listOf(io, replace)).totals);
    for (let i = 0; i < 20; i++) last = await append({ records: 3n, deletes: i % 7 === 6 });
    const final = (await listOf(io, last.s)).totals;
    expect(totalsOf(last.s)).toEqual(final);
    expect(Number(final['total-records'])).toBeGreaterThan(33);
  });
});
