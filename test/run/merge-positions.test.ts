/**
 * Position deletes of merge-on-read merges (src/run/merge-positions.ts): which writes a
 * partition's deletes take, and the delete files of each: one per data file (written
 * separately, or split from one write beyond SEPARATE_DELETE_WRITES data files), or one per
 * partition, always sorted by file_path then pos with whole file_path bounds.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Engine } from '../../src/engine/duckdb.js';
import { createTableView } from '../../src/engine/read.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { DataFileContent, type TableIdentifier } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { mergeTable } from '../../src/run/merge.js';
import { deleteWrites, SEPARATE_DELETE_WRITES } from '../../src/run/merge-positions.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { openWriteLab, type WriteLab } from '../helpers/write-lab.js';

let lab: WriteLab;
let dir: string, catalog: Catalog, engine: Engine;
const io = new LocalFileIO();

beforeAll(async () => {
  lab = await openWriteLab('floe-merge-pos-');
  ({ dir, catalog, engine } = lab);
});
afterAll(() => lab.close());

const base = (id: TableIdentifier) => ({ catalog, io, engine, id, warehouse: join(dir, 'wh') });

describe('deleteWrites', () => {
  it('per file: one write per data file up to the limit, then one write split by file', () => {
    expect(deleteWrites([4, 7], 'file')).toEqual([{ indexes: [4], perFile: true }, { indexes: [7], perFile: true }]);
    const many = Array.from({ length: SEPARATE_DELETE_WRITES + 1 }, (_, i) => i);
    expect(deleteWrites(many, 'file')).toEqual([{ indexes: many, perFile: true }]);
  });

  it('per partition: one write of all the data files', () => {
    expect(deleteWrites([4, 7, 9], 'partition')).toEqual([{ indexes: [4, 7, 9], perFile: false }]);
  });
});

/** A table of `files` data files (one append each) of keys i*files+f, merged on read. */
async function table(name: string, files: number, properties: Record<string, string> = {}): Promise<{ id: TableIdentifier; data: string[] }> {
  const id = { namespace: ['mpos'], name };
  for (let f = 0; f < files; f++) {
    await writeTable({
      ...base(id),
      selectSql: `SELECT (i * ${files} + ${f})::BIGINT AS k, 'old' || (i * ${files} + ${f}) AS v FROM range(0, 20) t(i)`,
      mode: 'append',
      properties: { 'write.merge.mode': 'merge-on-read', ...properties },
    });
  }
  return { id, data: await dataFiles(id) };
}

async function dataFiles(id: TableIdentifier): Promise<string[]> {
  const t = await loadTable(catalog, io, id);
  return (await planScan({ io, metadata: t.metadata, table: id.name })).dataFiles.map((d) => d.file.file_path).sort();
}

async function deleteFiles(id: TableIdentifier) {
  const t = await loadTable(catalog, io, id);
  return (await planScan({ io, metadata: t.metadata, table: id.name })).deleteFiles.map((d) => d.file);
}

async function contents(path: string): Promise<[string, number][]> {
  const r = await engine.all(`SELECT file_path, pos FROM read_parquet(${quoteLiteral(path)})`, 'read a delete file');
  return r.map((x) => [String(x.file_path), Number(x.pos)]);
}

async function rows(id: TableIdentifier): Promise<Map<number, string>> {
  const t = await loadTable(catalog, io, id);
  await createTableView(engine, ['v', id.name], { io: t.io, metadata: t.metadata, table: `mpos.${id.name}` });
  const r = await engine.all(`SELECT k, v FROM v.${id.name}`, 'read');
  return new Map(r.map((x) => [Number(x.k), String(x.v)]));
}

describe('merge-on-read position delete files', () => {
  it('beyond the limit of separate writes, still one delete file per data file, each naming its file', async () => {
    const n = SEPARATE_DELETE_WRITES + 2;
    const { id, data } = await table('many', n);
    // Keys 0..2n-1 hit every data file twice (rows 0 and 1 of each); 5000 is new.
    const keys = Array.from({ length: 2 * n }, (_, k) => k);
    await mergeTable({ ...base(id), selectSql: `SELECT * FROM (VALUES ${[...keys, 5000].map((k) => `(${k}::BIGINT, 'new${k}')`).join(', ')}) AS t(k, v)`, key: ['k'] });
    expect((await dataFiles(id)).filter((p) => data.includes(p))).toEqual(data); // nothing rewritten
    const dels = await deleteFiles(id);
    expect(dels).toHaveLength(n);
    expect(dels.map((d) => d.referenced_data_file).sort()).toEqual(data);
    for (const d of dels) {
      expect(d.content).toBe(DataFileContent.POSITION_DELETES);
      expect(d.record_count).toBe(2n);
      expect(await contents(d.file_path)).toEqual([[d.referenced_data_file!, 0], [d.referenced_data_file!, 1]]);
      expect(new TextDecoder().decode(d.lower_bounds!.get(2147483546))).toBe(d.referenced_data_file);
      expect(new TextDecoder().decode(d.upper_bounds!.get(2147483546))).toBe(d.referenced_data_file);
    }
    const got = await rows(id);
    expect(got.size).toBe(20 * n + 1);
    for (const k of [...keys, 5000]) expect(got.get(k)).toBe(`new${k}`);
    expect(got.get(2 * n)).toBe(`old${2 * n}`);
  });

  it('per partition over several data files: one delete file sorted by file_path then pos, naming no single file', async () => {
    const { id, data } = await table('perpart', 3, { 'write.delete.granularity': 'partition' });
    // Rows 19 and 2 of file 2, row 0 of file 0, row 5 of file 1 (keys i*3+f).
    await mergeTable({ ...base(id), selectSql: `SELECT * FROM (VALUES (59::BIGINT, 'a'), (8::BIGINT, 'b'), (0::BIGINT, 'c'), (16::BIGINT, 'd')) AS t(k, v)`, key: ['k'] });
    const dels = await deleteFiles(id);
    expect(dels).toHaveLength(1);
    expect(dels[0]!.referenced_data_file ?? null).toBeNull();
    expect(dels[0]!.record_count).toBe(4n);
    // Data file f holds the keys i*3+f: its smallest key is f.
    const first = await engine.all(`SELECT filename AS f, min(k)::INTEGER AS m FROM read_parquet([${data.map(quoteLiteral).join(', ')}], filename = true) GROUP BY filename`, 'first keys');
    const file = new Map(first.map((r) => [Number(r.m), String(r.f)]));
    const expected: [string, number][] = [[file.get(0)!, 0], [file.get(1)!, 5], [file.get(2)!, 2], [file.get(2)!, 19]];
    expected.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
    expect(await contents(dels[0]!.file_path)).toEqual(expected);
    const r = await rows(id);
    expect([59, 8, 0, 16].map((k) => r.get(k))).toEqual(['a', 'b', 'c', 'd']);
    expect(r.size).toBe(60);
  });
});
