/**
 * Merge-on-read positions name the right data file (src/run/merge-positions.ts): a row's file
 * comes from read_parquet's file_index, its place in the read's list, mapped back to the
 * candidate. Candidates are read in groups (by the delete files already applying to them), so
 * the hits here fall in non-adjacent files of a group, and in groups with existing deletes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Engine } from '../../src/engine/duckdb.js';
import { createTableView } from '../../src/engine/read.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { mergeTable } from '../../src/run/merge.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { openWriteLab, type WriteLab } from '../helpers/write-lab.js';

let lab: WriteLab;
let dir: string, catalog: Catalog, engine: Engine;
const io = new LocalFileIO();

beforeAll(async () => {
  lab = await openWriteLab('floe-merge-idx-');
  ({ dir, catalog, engine } = lab);
});
afterAll(() => lab.close());

const id: TableIdentifier = { namespace: ['midx'], name: 't' };
const base = { io, id };
const FILES = 4;

async function plan() {
  const t = await loadTable(catalog, io, id);
  return { metadata: t.metadata, ...(await planScan({ io, metadata: t.metadata, table: 't' })) };
}

/** Each position delete as "<data file> <pos>", from the delete files' contents. */
async function deletedPositions(): Promise<string[]> {
  const p = await plan();
  const out: string[] = [];
  for (const d of p.deleteFiles) {
    const r = await engine.all(`SELECT file_path, pos FROM read_parquet(${quoteLiteral(d.file.file_path)})`, 'read a delete file');
    for (const x of r) {
      expect(String(x.file_path)).toBe(d.file.referenced_data_file);
      out.push(`${String(x.file_path)} ${Number(x.pos)}`);
    }
  }
  return out.sort();
}

/** Where each key's row lives: "<data file> <pos>". */
async function whereIs(keys: number[]): Promise<string[]> {
  const p = await plan();
  const paths = p.dataFiles.map((t) => t.file.file_path);
  const r = await engine.all(
    `SELECT filename AS f, file_row_number AS pos FROM read_parquet([${paths.map(quoteLiteral).join(', ')}], filename = true, file_row_number = true) WHERE k IN (${keys.join(', ')})`,
    'locate keys',
  );
  return r.map((x) => `${String(x.f)} ${Number(x.pos)}`).sort();
}

async function rows(): Promise<Map<number, string>> {
  const t = await loadTable(catalog, io, id);
  await createTableView(engine, ['v', 't'], { io: t.io, metadata: t.metadata, table: 'midx.t' });
  const r = await engine.all(`SELECT k, v FROM v.t`, 'read');
  return new Map(r.map((x) => [Number(x.k), String(x.v)]));
}

const upsert = (pairs: [number, string][]) =>
  mergeTable({ ...base, engine, catalog, warehouse: join(dir, 'wh'), selectSql: `SELECT * FROM (VALUES ${pairs.map(([k, v]) => `(${k}::BIGINT, ${quoteLiteral(v)})`).join(', ')}) AS t(k, v)`, key: ['k'] });

describe('merge-on-read positions across several candidate files', () => {
  it('deletes exactly the rows of the merged keys, in the files that hold them, over two merges', async () => {
    // Data file f holds keys i*4+f (rows 0..19): every file's bounds overlap any key range.
    for (let f = 0; f < FILES; f++) {
      await writeTable({
        ...base,
        engine,
        catalog,
        warehouse: join(dir, 'wh'),
        selectSql: `SELECT (i * ${FILES} + ${f})::BIGINT AS k, 'old' || (i * ${FILES} + ${f}) AS v FROM range(0, 20) t(i)`,
        mode: 'append',
        properties: { 'write.merge.mode': 'merge-on-read' },
      });
    }
    // Keys in files 1 and 3 only (rows 1 and 3 of file 1, row 3 of file 3), and a new key.
    const first = [5, 13, 15];
    const firstAt = await whereIs(first);
    await upsert([...first.map((k): [number, string] => [k, `new${k}`]), [500, 'new500']]);
    expect(await deletedPositions()).toEqual(firstAt);

    // Key 5 now lives in the appended file; 9 and 7 are in files 1 and 3, which already have deletes.
    const second = [5, 9, 7];
    // Their live rows: key 5's row in file 1 is already deleted, and must not be deleted twice.
    const secondAt = (await whereIs(second)).filter((at) => !firstAt.includes(at));
    expect(secondAt).toHaveLength(3);
    await upsert(second.map((k): [number, string] => [k, `newer${k}`]));
    expect(await deletedPositions()).toEqual([...firstAt, ...secondAt].sort());
    const snap = (await plan()).metadata.snapshots.at(-1)!;
    expect(snap.summary['added-position-deletes']).toBe('3');

    const got = await rows();
    expect(got.size).toBe(FILES * 20 + 1);
    expect([5, 7, 9, 13, 15, 500].map((k) => got.get(k))).toEqual(['newer5', 'newer7', 'newer9', 'new13', 'new15', 'new500']);
    expect(got.get(1)).toBe('old1');
    expect(got.get(11)).toBe('old11');
  });
});
