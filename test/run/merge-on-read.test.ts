/**
 * `mode: merge` with `write.merge.mode = merge-on-read`: position deletes plus appended rows,
 * never a rewritten data file; exact rows over several merges, the delete files' schema and
 * metadata, conflicts, and compaction afterwards.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Engine } from '../../src/engine/duckdb.js';
import { createTableView } from '../../src/engine/read.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { readManifest } from '../../src/iceberg/manifest.js';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { DataFileContent, ManifestContent, ManifestEntryStatus, type TableIdentifier } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { mergeTable } from '../../src/run/merge.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { loadTable } from '../../src/table/load.js';
import { commitTable } from '../../src/table/commit.js';
import { planScan } from '../../src/table/scan.js';
import { FloeError } from '../../src/errors.js';
import { raceOnce } from '../helpers/race.js';
import { openWriteLab, type WriteLab } from '../helpers/write-lab.js';

let lab: WriteLab;
let dir: string, catalog: Catalog, engine: Engine; // lab's, set in beforeAll
const io = new LocalFileIO();
const MOR = { 'write.merge.mode': 'merge-on-read' };

beforeAll(async () => {
  lab = await openWriteLab('floe-mor-');
  ({ dir, catalog, engine } = lab);
});
afterAll(() => lab.close());

const base = (id: TableIdentifier) => ({ catalog, io, engine, id, warehouse: join(dir, 'wh') });
const values = (rows: [number, string, boolean?][]) =>
  `SELECT * FROM (VALUES ${rows.map(([k, v, d]) => `(${k}::BIGINT, ${quoteLiteral(v)}, ${d ? 'TRUE' : 'FALSE'})`).join(', ')}) AS t(k, v, gone)`;
const upsert = (id: TableIdentifier, rows: [number, string, boolean?][]) =>
  mergeTable({ ...base(id), selectSql: values(rows), key: ['k'], deleteColumn: 'gone' });

async function rows(id: TableIdentifier): Promise<[number, string][]> {
  const t = await loadTable(catalog, io, id);
  const name = `${id.namespace[0]}.${id.name}`;
  await createTableView(engine, ['v', id.name], { io: t.io, metadata: t.metadata, table: name });
  const r = await engine.all(`SELECT k, v FROM v.${id.name} ORDER BY k, v`, 'read');
  return r.map((x) => [Number(x.k), String(x.v)]);
}

async function setProperty(id: TableIdentifier, key: string, value: string): Promise<void> {
  await commitTable(catalog, io, id, async (b) => ({
    requirements: [{ type: 'assert-table-uuid', uuid: b.metadata['table-uuid'] }],
    updates: [{ action: 'set-properties', updates: { [key]: value } }],
  }));
}

async function files(id: TableIdentifier) {
  const t = await loadTable(catalog, io, id);
  const plan = await planScan({ io, metadata: t.metadata, table: id.name });
  return { data: plan.dataFiles.map((d) => d.file.file_path).sort(), deletes: plan.deleteFiles, metadata: t.metadata };
}

describe('merge-on-read', () => {
  const id = { namespace: ['mor'], name: 'kv' };
  let initialData: string[];

  beforeAll(async () => {
    // Two data files with overlapping key ranges, so both are candidates of every merge.
    await writeTable({ ...base(id), selectSql: `SELECT (i * 2)::BIGINT AS k, 'a' || i AS v FROM range(0, 50) t(i)`, mode: 'append', properties: MOR });
    await writeTable({ ...base(id), selectSql: `SELECT (i * 2 + 1)::BIGINT AS k, 'b' || i AS v FROM range(0, 50) t(i)`, mode: 'append' });
    initialData = (await files(id)).data;
    expect(initialData).toHaveLength(2);
  });

  it('updates, inserts and deletes without rewriting a data file', async () => {
    const r = await upsert(id, [[0, 'new0'], [3, 'new3'], [200, 'ins200'], [5, '', true], [999, '', true]]);
    expect(r.files).toBe(1); // only the appended rows
    const got = await rows(id);
    expect(got).toHaveLength(100 - 1 + 1);
    expect(got.filter(([k]) => [0, 3, 5, 200, 999].includes(k))).toEqual([[0, 'new0'], [3, 'new3'], [200, 'ins200']]);
    const f = await files(id);
    expect(f.data.filter((p) => initialData.includes(p))).toEqual(initialData); // nothing rewritten
    expect(f.data).toHaveLength(3);
    expect(f.deletes).toHaveLength(2); // one per data file that lost rows (write.delete.granularity defaults to file)
    expect(f.deletes.every((d) => d.file.content === DataFileContent.POSITION_DELETES)).toBe(true);
    expect(f.deletes.map((d) => d.file.record_count).reduce((a, b) => a + b)).toBe(3n);
    const snap = f.metadata.snapshots.at(-1)!;
    expect(snap.summary).toMatchObject({
      operation: 'overwrite',
      'added-data-files': '1',
      'added-records': '3',
      'added-delete-files': '2',
      'added-position-delete-files': '2',
      'added-position-deletes': '3',
      'total-delete-files': '2',
      'total-position-deletes': '3',
      'total-data-files': '3',
    });
  });

  it('writes spec position delete files in a delete manifest listed with content 1', async () => {
    const t = await loadTable(catalog, io, id);
    const snap = t.metadata.snapshots.at(-1)!;
    const list = readManifestList(await io.read(snap['manifest-list']), snap['manifest-list']);
    const del = list.filter((m) => m.content === ManifestContent.DELETES);
    expect(del).toHaveLength(1);
    expect(del[0]!.added_files_count).toBe(2);
    expect(del[0]!.sequence_number).toBe(snap['sequence-number']);
    const entries = readManifest(await io.read(del[0]!.manifest_path), del[0]!.manifest_path, { manifest: del[0]! });
    expect(entries.map((e) => [e.status, e.data_file.content])).toEqual([[ManifestEntryStatus.ADDED, 1], [ManifestEntryStatus.ADDED, 1]]);
    for (const e of entries) {
      const f = e.data_file;
      expect(initialData).toContain(f.referenced_data_file);
      expect(new TextDecoder().decode(f.lower_bounds!.get(2147483546))).toBe(f.referenced_data_file);
      expect(new TextDecoder().decode(f.upper_bounds!.get(2147483546))).toBe(f.referenced_data_file);
      const schema = await engine.all(`SELECT name, field_id, type FROM parquet_schema(${quoteLiteral(f.file_path)}) WHERE field_id IS NOT NULL ORDER BY field_id`, 'schema');
      expect(schema.map((c) => [c.name, Number(c.field_id), c.type])).toEqual([['pos', 2147483545, 'INT64'], ['file_path', 2147483546, 'BYTE_ARRAY']]);
      const content = await engine.all(`SELECT file_path, pos FROM read_parquet(${quoteLiteral(f.file_path)})`, 'content');
      const sorted = [...content].sort((a, b) => (a.file_path === b.file_path ? Number(a.pos) - Number(b.pos) : String(a.file_path) < String(b.file_path) ? -1 : 1));
      expect(content).toEqual(sorted);
      expect(content.every((c) => c.file_path === f.referenced_data_file)).toBe(true);
    }
  });

  it('updates the same key again, twice in a run, and re-inserts a deleted key', async () => {
    await upsert(id, [[0, 'again0'], [3, 'again3']]);
    expect((await rows(id)).filter(([k]) => k === 0 || k === 3)).toEqual([[0, 'again0'], [3, 'again3']]);
    // Key 0 lives in an appended file now: its old row there is deleted by position.
    await upsert(id, [[0, 'third0'], [5, 'back5']]);
    const got = await rows(id);
    expect(got.filter(([k]) => k === 0 || k === 5)).toEqual([[0, 'third0'], [5, 'back5']]);
    expect(got).toHaveLength(101);
    expect(new Set(got.map(([k]) => k)).size).toBe(101);
    const f = await files(id);
    expect(f.data.filter((p) => initialData.includes(p))).toEqual(initialData);
    // The position deletes count rows actually removed: never the same row twice.
    const snap = f.metadata.snapshots.at(-1)!;
    expect(snap.summary['added-position-deletes']).toBe('1'); // old row of key 0 only (5 was already deleted)
    expect(snap.summary['total-position-deletes']).toBe('6'); // 3 + 2 + 1
  });

  it('a key that appears twice in the input keeps both rows (as copy-on-write does)', async () => {
    const other = { namespace: ['mor'], name: 'dup' };
    await writeTable({ ...base(other), selectSql: `SELECT i::BIGINT AS k, 'x' AS v FROM range(0, 5) t(i)`, mode: 'append', properties: MOR });
    await upsert(other, [[1, 'p'], [1, 'q']]);
    expect(await rows(other)).toEqual([[0, 'x'], [1, 'p'], [1, 'q'], [2, 'x'], [3, 'x'], [4, 'x']]);
    await upsert(other, [[1, 'r']]);
    expect(await rows(other)).toEqual([[0, 'x'], [1, 'r'], [2, 'x'], [3, 'x'], [4, 'x']]);
  });

  it('a delete-only merge commits a `delete` snapshot with no data file', async () => {
    const before = (await files(id)).data;
    await upsert(id, [[7, '', true]]);
    const f = await files(id);
    expect(f.data).toEqual(before);
    expect(f.metadata.snapshots.at(-1)!.summary.operation).toBe('delete');
    expect((await rows(id)).some(([k]) => k === 7)).toBe(false);
  });

  it('compaction applies and drops the delete files, rows unchanged', async () => {
    const want = await rows(id);
    const r = await compactTable({ catalog, io, engine, id, strategy: parseStrategy({}) });
    expect(r.commits).toHaveLength(1);
    expect(await rows(id)).toEqual(want);
    const f = await files(id);
    expect(f.deletes).toHaveLength(0);
    expect(f.data.some((p) => initialData.includes(p))).toBe(false);
    expect(f.metadata.snapshots.at(-1)!.summary['total-delete-files']).toBe('0');
  });
});

describe('merge-on-read: partitioned tables and conflicts', () => {
  it('write.delete.granularity=partition: one delete file per partition, in the data files\' partition', async () => {
    const id = { namespace: ['mor'], name: 'parts' };
    await writeTable({
      ...base(id),
      selectSql: `SELECT i::BIGINT AS k, 'v' || i AS v, (i % 3)::INTEGER AS p FROM range(0, 30) t(i)`,
      mode: 'append',
      partitionBy: [{ sourceName: 'p', transform: 'identity' }],
      properties: { ...MOR, 'write.delete.granularity': 'partition' },
    });
    await writeTable({ ...base(id), selectSql: `SELECT (i + 30)::BIGINT AS k, 'w' || i AS v, (i % 3)::INTEGER AS p FROM range(0, 30) t(i)`, mode: 'append' });
    const data = (await files(id)).data;
    expect(data).toHaveLength(6);
    await mergeTable({ ...base(id), selectSql: `SELECT * FROM (VALUES (1::BIGINT, 'u1', 1), (4::BIGINT, 'u4', 1), (31::BIGINT, 'u31', 1), (2::BIGINT, 'u2', 2)) t(k, v, p)`, key: ['k'] });
    const f = await files(id);
    expect(f.data.filter((p) => data.includes(p))).toEqual(data);
    // Partition 1: keys 1 and 4 (first file) and 31 (second file) share one delete file; partition 2: key 2.
    expect(f.deletes.map((d) => [d.file.partition[0], d.file.record_count, d.file.referenced_data_file ?? null]).sort()).toEqual([
      [1, 3n, null],
      [2, 1n, expect.any(String)],
    ]);
    const t = await loadTable(catalog, io, id);
    const view = await createTableView(engine, ['v', 'parts'], { io, metadata: t.metadata, table: 'mor.parts' });
    expect(view.deleteFilesApplied).toBe(2);
    const got = await engine.all(`SELECT k, v FROM v.parts WHERE k IN (1, 2, 4, 31) ORDER BY k`, 'read');
    expect(got.map((r) => [Number(r.k), r.v])).toEqual([[1, 'u1'], [2, 'u2'], [4, 'u4'], [31, 'u31']]);
    expect(await engine.all('SELECT count(*)::INTEGER AS n FROM v.parts', 'n')).toEqual([{ n: 60 }]);
  });

  it('fails cleanly when a concurrent commit removed a data file it deletes from', async () => {
    const id = { namespace: ['mor'], name: 'race' };
    await writeTable({ ...base(id), selectSql: `SELECT i::BIGINT AS k, 'v' AS v FROM range(0, 10) t(i)`, mode: 'append', properties: MOR });
    const before = await loadTable(catalog, io, id);
    const err = await mergeTable({
      ...base(id),
      selectSql: `SELECT 3::BIGINT AS k, 'new' AS v`,
      key: ['k'],
      events: raceOnce(async () => {
        // A concurrent overwrite removes the data file the merge deletes a row from.
        await writeTable({ ...base(id), selectSql: `SELECT i::BIGINT AS k, 'w' AS v FROM range(0, 10) t(i)`, mode: 'overwrite' });
      }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('conflict');
    expect((err as FloeError).message).toMatch(/removed data file .*mor\.race|mor\.race.*removed data file/);
    const after = await loadTable(catalog, io, id);
    expect(after.metadata.snapshots).toHaveLength(before.metadata.snapshots.length + 1); // only the overwrite
    expect((await rows(id)).every(([, v]) => v === 'w')).toBe(true);
  });

  it('a concurrent merge-on-read delete of another key in the same file does not conflict', async () => {
    const id = { namespace: ['mor'], name: 'cowrace' };
    await writeTable({ ...base(id), selectSql: `SELECT i::BIGINT AS k, 'v' AS v FROM range(0, 10) t(i)`, mode: 'append', properties: MOR });
    const err = await mergeTable({
      ...base(id),
      selectSql: `SELECT 3::BIGINT AS k, 'cow' AS v`,
      key: ['k'],
      events: raceOnce(async () => {
        // Deletes key 8 from the data file this merge deletes key 3 from.
        await upsert(id, [[8, '', true]]);
      }),
    }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(Error);
    expect((await rows(id)).map(([k]) => k)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9]);
    expect((await rows(id)).find(([k]) => k === 3)).toEqual([3, 'cow']);
  });

  it('copy-on-write: a concurrent delete file for a candidate makes the merge a conflict (no resurrected row)', async () => {
    const id = { namespace: ['mor'], name: 'cowdel' };
    await writeTable({ ...base(id), selectSql: `SELECT i::BIGINT AS k, 'v' AS v FROM range(0, 10) t(i)`, mode: 'append' });
    const err = await mergeTable({
      ...base(id),
      selectSql: `SELECT 3::BIGINT AS k, 'cow' AS v`,
      key: ['k'],
      events: raceOnce(async () => {
        await setProperty(id, 'write.merge.mode', 'merge-on-read');
        await upsert(id, [[8, '', true]]);
      }),
    }).catch((e: unknown) => e);
    expect((err as FloeError).kind).toBe('conflict');
    expect((err as FloeError).message).toMatch(/mor\.cowdel: a concurrent commit .* added delete file/);
    expect((await rows(id)).map(([k, v]) => `${k}${v}`)).toEqual(['0v', '1v', '2v', '3v', '4v', '5v', '6v', '7v', '9v']);
  });

  it('write-audit-publish sees the rows the merge-on-read snapshot will hold', async () => {
    const id = { namespace: ['mor'], name: 'audited' };
    await writeTable({ ...base(id), selectSql: `SELECT i::BIGINT AS k, 'v' AS v FROM range(0, 10) t(i)`, mode: 'append', properties: MOR });
    let seen: unknown[] = [];
    await mergeTable({
      ...base(id),
      selectSql: `SELECT * FROM (VALUES (3::BIGINT, 'new', FALSE), (4::BIGINT, '', TRUE)) t(k, v, gone)`,
      key: ['k'],
      deleteColumn: 'gone',
      audit: async (snapshotSql, newFilesSql) => {
        seen = [
          (await engine.all(`SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE k = 3)::INTEGER AS k3, count(*) FILTER (WHERE k = 4)::INTEGER AS k4 FROM (${snapshotSql})`, 'a'))[0],
          (await engine.all(`SELECT count(*)::INTEGER AS n FROM (${newFilesSql})`, 'b'))[0],
        ];
        return { summary: {}, publish: true };
      },
    });
    expect(seen).toEqual([{ n: 9, k3: 1, k4: 0 }, { n: 1 }]);
  });

  it('back to copy-on-write: the rewrite also removes the file-scoped delete files of the rewritten files', async () => {
    const id = { namespace: ['mor'], name: 'back' };
    await writeTable({ ...base(id), selectSql: `SELECT i::BIGINT AS k, 'v' AS v FROM range(0, 10) t(i)`, mode: 'append', properties: MOR });
    await upsert(id, [[2, 'mor2'], [4, '', true]]);
    expect((await files(id)).deletes).toHaveLength(1);
    await setProperty(id, 'write.merge.mode', 'copy-on-write');
    await upsert(id, [[6, 'cow6']]);
    const f = await files(id);
    expect(f.deletes).toHaveLength(0);
    expect(f.metadata.snapshots.at(-1)!.summary).toMatchObject({ 'removed-delete-files': '1', 'removed-position-deletes': '2', 'total-delete-files': '0', 'total-position-deletes': '0' });
    expect((await rows(id)).map(([k, v]) => `${k}${v}`)).toEqual(['0v', '1v', '2mor2', '3v', '5v', '6cow6', '7v', '8v', '9v']);
  });

  it('rejects an unknown write.merge.mode as a config error naming the table', async () => {
    const id = { namespace: ['mor'], name: 'bad' };
    await writeTable({ ...base(id), selectSql: `SELECT 1::BIGINT AS k`, mode: 'append', properties: { 'write.merge.mode': 'merge-on-wednesday' } });
    const err = await mergeTable({ ...base(id), selectSql: `SELECT 1::BIGINT AS k`, key: ['k'] }).catch((e: unknown) => e);
    expect((err as FloeError).kind).toBe('config');
    expect((err as FloeError).message).toContain('mor.bad');
  });
});
