/**
 * Copy-on-write `mode: merge` internals: candidates pruned by each incoming key
 * (merge-prune.ts) and the rewrite split on the incoming key range (merge-rewrite.ts).
 * Library level (mergeTable on a local warehouse): exact rows, files removed and added,
 * edge keys (NULL keys in the table, keys at the range's ends, composite and string keys).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Engine } from '../../src/engine/duckdb.js';
import { createTableView } from '../../src/engine/read.js';
import { fromBinary, toBinary } from '../../src/iceberg/conversions.js';
import type { DataFile, TableIdentifier } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { mergeTable } from '../../src/run/merge.js';
import { BATCH, boundLiterals, candidatesHoldingKeys } from '../../src/run/merge-prune.js';
import { rewriteSql } from '../../src/run/merge-rewrite.js';
import type { ScanTask } from '../../src/table/delete-index.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { openWriteLab, type WriteLab } from '../helpers/write-lab.js';

let lab: WriteLab;
let dir: string, catalog: Catalog, engine: Engine; // lab's, set in beforeAll
const io = new LocalFileIO();

beforeAll(async () => {
  lab = await openWriteLab('floe-merge-rw-');
  ({ dir, catalog, engine } = lab);
});
afterAll(() => lab.close());

const base = (id: TableIdentifier) => ({ catalog, io, engine, id, warehouse: join(dir, 'wh') });
const append = (id: TableIdentifier, selectSql: string) => writeTable({ ...base(id), selectSql, mode: 'append' });

async function read(id: TableIdentifier, sql: string) {
  const t = await loadTable(catalog, io, id);
  await createTableView(engine, ['v', id.name], { io: t.io, metadata: t.metadata, table: id.name });
  return engine.all(sql.replaceAll('$t', `v.${id.name}`), 'read');
}

async function dataFiles(id: TableIdentifier): Promise<string[]> {
  const t = await loadTable(catalog, io, id);
  return (await planScan({ io, metadata: t.metadata, table: id.name })).dataFiles.map((d) => d.file.file_path).sort();
}

async function lastSummary(id: TableIdentifier): Promise<Record<string, string>> {
  const m = (await loadTable(catalog, io, id)).metadata;
  return m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id'])!.summary as Record<string, string>;
}

describe('per-key pruning of merge candidates', () => {
  const id = { namespace: ['rw'], name: 'ranges' };
  let before: string[];

  beforeAll(async () => {
    // Three files: ids 0..99, 100..199, 200..299.
    for (const lo of [0, 100, 200]) await append(id, `SELECT i::BIGINT AS id, 'v' || i AS v FROM range(${lo}, ${lo + 100}) t(i)`);
    before = await dataFiles(id);
    expect(before).toHaveLength(3);
  });

  it('rewrites only the files holding an incoming key, not every file inside [min, max]', async () => {
    // Keys 5 and 250 span all three files' ranges; the middle file holds neither.
    await mergeTable({ ...base(id), selectSql: `SELECT * FROM (VALUES (5::BIGINT, 'new5'), (250, 'new250'), (400, 'new400')) t(id, v)`, key: ['id'] });
    const s = await lastSummary(id);
    expect(s.operation).toBe('overwrite');
    expect(s['deleted-data-files']).toBe('2');
    expect(s['added-data-files']).toBe('1');
    expect(s['total-data-files']).toBe('2');
    expect(s['total-records']).toBe('301');
    const after = await dataFiles(id);
    // The middle file (ids 100..199) is kept as it was.
    expect(before.filter((f) => after.includes(f))).toHaveLength(1);
    const kept = before.find((f) => after.includes(f))!;
    expect(await engine.all(`SELECT min(id) AS lo, max(id) AS hi FROM read_parquet('${kept}')`, 'read')).toEqual([{ lo: 100n, hi: 199n }]);
    expect(await read(id, `SELECT count(*) AS n, count(DISTINCT id) AS d, string_agg(v, ',' ORDER BY id) FILTER (WHERE v LIKE 'new%') AS changed FROM $t`)).toEqual([
      { n: 301n, d: 301n, changed: 'new5,new250,new400' },
    ]);
  });

  it('keys exactly on a file bound select that file; keys in a gap between files select none', async () => {
    const gap = { namespace: ['rw'], name: 'gaps' };
    await append(gap, `SELECT (i * 10)::BIGINT AS id, 'a' AS v FROM range(0, 10) t(i)`); // 0..90
    await append(gap, `SELECT (200 + i * 10)::BIGINT AS id, 'b' AS v FROM range(0, 10) t(i)`); // 200..290
    const files = await dataFiles(gap);
    // 150 lies between the files; 200 is the second file's lower bound.
    await mergeTable({ ...base(gap), selectSql: `SELECT * FROM (VALUES (150::BIGINT, 'n'), (200, 'u')) t(id, v)`, key: ['id'] });
    const s = await lastSummary(gap);
    expect(s['deleted-data-files']).toBe('1');
    const after = await dataFiles(gap);
    const kept = files.filter((f) => after.includes(f));
    expect(kept).toHaveLength(1);
    expect(await engine.all(`SELECT min(id) AS lo, max(id) AS hi FROM read_parquet('${kept[0]}')`, 'read')).toEqual([{ lo: 0n, hi: 90n }]);
    expect(await read(gap, `SELECT id, v FROM $t WHERE id IN (0, 150, 200, 290) ORDER BY id`)).toEqual([
      { id: 0n, v: 'a' },
      { id: 150n, v: 'n' },
      { id: 200n, v: 'u' },
      { id: 290n, v: 'b' },
    ]);
    // Keys around the second file (now 150..290) but in neither file: [95, 300] overlaps both, yet none is rewritten.
    await mergeTable({ ...base(gap), selectSql: `SELECT * FROM (VALUES (95::BIGINT, 'n2'), (300, 'n3')) t(id, v)`, key: ['id'] });
    expect((await lastSummary(gap)).operation).toBe('append');
  });

  it('prunes by string and timestamp keys too', async () => {
    const str = { namespace: ['rw'], name: 'strings' };
    for (const p of ['a', 'c', 'e']) await append(str, `SELECT '${p}' || lpad(i::VARCHAR, 2, '0') AS k, 'old' AS v FROM range(0, 20) t(i)`);
    // 'a05' and 'e30' span every file; 'c..' holds neither; 'e30' is beyond 'e19', so only the 'a' file is rewritten.
    await mergeTable({ ...base(str), selectSql: `SELECT * FROM (VALUES ('a05', 'new'), ('e30', 'new')) t(k, v)`, key: ['k'] });
    let s = await lastSummary(str);
    expect([s['deleted-data-files'], s['added-data-files'], s['total-records']]).toEqual(['1', '1', '61']);
    expect(await read(str, `SELECT string_agg(k, ',' ORDER BY k) AS ks FROM $t WHERE v = 'new'`)).toEqual([{ ks: 'a05,e30' }]);

    const ts = { namespace: ['rw'], name: 'times' };
    for (const day of ['2024-01-01', '2024-03-01', '2024-05-01']) {
      await append(ts, `SELECT TIMESTAMP '${day}' + to_minutes(i) AS happened, i::INTEGER AS n FROM range(0, 10) t(i)`);
    }
    // The first and last files hold a key; the March file lies between them and is kept.
    await mergeTable({ ...base(ts), selectSql: `SELECT * FROM (VALUES (TIMESTAMP '2024-01-01 00:03:00', 100), (TIMESTAMP '2024-05-01 00:09:00', 900)) t(happened, n)`, key: ['happened'] });
    s = await lastSummary(ts);
    expect([s['deleted-data-files'], s['added-data-files'], s['total-records']]).toEqual(['2', '1', '30']);
    expect(await read(ts, `SELECT count(*) AS n, sum(n) AS total FROM $t`)).toEqual([{ n: 30n, total: 135n - 3n - 9n + 100n + 900n }]);
  });

  it('keeps files it cannot judge: no bounds for the key, or a key type outside the exact set', async () => {
    const long = (n: bigint) => toBinary('long', n);
    const task = (lo?: bigint, hi?: bigint): ScanTask => ({
      file: {
        content: 0,
        file_path: `f${lo}`,
        file_format: 'PARQUET',
        partition: [],
        record_count: 1n,
        file_size_in_bytes: 1n,
        lower_bounds: lo === undefined ? undefined : new Map([[1, long(lo)]]),
        upper_bounds: hi === undefined ? undefined : new Map([[1, long(hi)]]),
      } as DataFile,
      dataSequenceNumber: 1n,
      specId: 0,
      deletes: [],
    });
    const tasks = [task(0n, 9n), task(10n, 19n), task(20n), task()];
    expect(boundLiterals(tasks, { fieldId: 1, type: 'long', name: 'k' }).map((b) => b?.lower)).toEqual([
      `CAST('0' AS BIGINT)`,
      `CAST('10' AS BIGINT)`,
      undefined,
      undefined,
    ]);
    expect(boundLiterals(tasks, { fieldId: 1, type: 'double', name: 'k' }).every((b) => b === undefined)).toBe(true);
    await engine.run(`CREATE TEMP TABLE prune_keys AS SELECT * FROM (VALUES (15::BIGINT), (NULL)) t(k)`, 'stage');
    const kept = await candidatesHoldingKeys(engine, 'prune_keys', { fieldId: 1, type: 'long', name: 'k' }, tasks, 't');
    expect(kept.map((t) => t.file.file_path)).toEqual(['f10', 'f20', 'fundefined']);

    // Dates and instants: the bound literals compare exactly with DuckDB's values.
    const typed = (type: 'date' | 'timestamptz', lo: number | bigint, hi: number | bigint, path: string): ScanTask => {
      const t = task();
      return { ...t, file: { ...t.file, file_path: path, lower_bounds: new Map([[1, toBinary(type, lo)]]), upper_bounds: new Map([[1, toBinary(type, hi)]]) } };
    };
    // 19723 = 2024-01-01; 19754 = 2024-02-01.
    const days = [typed('date', 19723, 19753, 'jan'), typed('date', 19754, 19782, 'feb')];
    await engine.run(`CREATE TEMP TABLE prune_dates AS SELECT DATE '2024-01-31' AS k`, 'stage');
    expect((await candidatesHoldingKeys(engine, 'prune_dates', { fieldId: 1, type: 'date', name: 'k' }, days, 't')).map((t) => t.file.file_path)).toEqual(['jan']);
    const us = 1_704_067_200_000_000n; // 2024-01-01T00:00:00Z
    const instants = [typed('timestamptz', us, us + 999_999n, 'first-second'), typed('timestamptz', us + 1_000_000n, us + 1_999_999n, 'next-second')];
    await engine.run(`CREATE TEMP TABLE prune_instants AS SELECT TIMESTAMPTZ '2024-01-01 00:00:01+00' AS k`, 'stage');
    expect((await candidatesHoldingKeys(engine, 'prune_instants', { fieldId: 1, type: 'timestamptz', name: 'k' }, instants, 't')).map((t) => t.file.file_path)).toEqual([
      'next-second',
    ]);

    // More files than one statement takes: every batch is checked, and the order is kept.
    const many = Array.from({ length: BATCH * 2 + 7 }, (_, i) => task(BigInt(i * 10), BigInt(i * 10 + 5)));
    await engine.run(`CREATE TEMP TABLE prune_many AS SELECT * FROM (VALUES (3::BIGINT), (${BATCH * 10 + 4}), (${BATCH * 10 + 8}), (${(BATCH * 2 + 6) * 10})) t(k)`, 'stage');
    const hits = await candidatesHoldingKeys(engine, 'prune_many', { fieldId: 1, type: 'long', name: 'k' }, many, 't');
    expect(hits.map((t) => t.file.file_path)).toEqual(['f0', `f${BATCH * 10}`, `f${(BATCH * 2 + 6) * 10}`]);
  });
});

describe('per-key pruning with merge-on-read', () => {
  it('stays exact when the candidates are pruned per key: deletes only against files holding a key', async () => {
    const id = { namespace: ['rw'], name: 'mor' };
    for (const lo of [0, 100, 200]) {
      await writeTable({
        ...base(id),
        selectSql: `SELECT i::BIGINT AS id, 'v' || i AS v FROM range(${lo}, ${lo + 100}) t(i)`,
        mode: 'append',
        properties: { 'write.merge.mode': 'merge-on-read' },
      });
    }
    const t0 = await loadTable(catalog, io, id);
    const files = (await planScan({ io, metadata: t0.metadata, table: id.name })).dataFiles;
    await mergeTable({ ...base(id), selectSql: `SELECT * FROM (VALUES (5::BIGINT, 'new5'), (250, 'new250')) t(id, v)`, key: ['id'] });
    const t1 = await loadTable(catalog, io, id);
    const plan = await planScan({ io, metadata: t1.metadata, table: id.name });
    expect(plan.dataFiles.map((d) => d.file.file_path)).toEqual(expect.arrayContaining(files.map((f) => f.file.file_path)));
    // Deletes apply to the files of 0..99 and 200..299 only.
    const withDeletes = plan.dataFiles.filter((d) => d.deletes.length > 0).map((d) => String(fromBinary('long', d.file.lower_bounds!.get(1)!)));
    expect(withDeletes.sort()).toEqual(['0', '200']);
    expect(await read(id, `SELECT count(*) AS n, count(DISTINCT id) AS d, string_agg(v, ',' ORDER BY id) FILTER (WHERE v LIKE 'new%') AS changed FROM $t`)).toEqual([
      { n: 300n, d: 300n, changed: 'new5,new250' },
    ]);
  });
});

describe('the copy-on-write rewrite split on the key range', () => {
  it('keeps rows with a NULL key and rows outside the range, replaces only matching keys', async () => {
    const id = { namespace: ['rw'], name: 'nulls' };
    await append(id, `SELECT * FROM (VALUES (NULL::BIGINT, 'null-a'), (1, 'one'), (5, 'five'), (9, 'nine'), (NULL, 'null-b'), (12, 'twelve')) t(id, v)`);
    // Range [5, 9]: 5 and 9 are updated (both ends), 7 is new, NULL incoming never matches and is added.
    await mergeTable({ ...base(id), selectSql: `SELECT * FROM (VALUES (5::BIGINT, 'FIVE'), (9, 'NINE'), (7, 'seven'), (NULL, 'null-c')) t(id, v)`, key: ['id'] });
    expect(await read(id, `SELECT id, v FROM $t ORDER BY id NULLS FIRST, v`)).toEqual([
      { id: null, v: 'null-a' },
      { id: null, v: 'null-b' },
      { id: null, v: 'null-c' },
      { id: 1n, v: 'one' },
      { id: 5n, v: 'FIVE' },
      { id: 7n, v: 'seven' },
      { id: 9n, v: 'NINE' },
      { id: 12n, v: 'twelve' },
    ]);
    const s = await lastSummary(id);
    expect([s['deleted-data-files'], s['added-data-files'], s['total-records']]).toEqual(['1', '1', '8']);
  });

  it('composite and string keys: only the full key matches; deletes by delete_column apply inside the range', async () => {
    const id = { namespace: ['rw'], name: 'composite' };
    await append(id, `SELECT 'k' || lpad((i % 50)::VARCHAR, 3, '0') AS a, (i // 50)::INTEGER AS b, 'old' AS v FROM range(0, 200) t(i)`);
    await mergeTable({
      ...base(id),
      selectSql:
        `SELECT * FROM (VALUES ('k010', 0, 'upd', false), ('k010', 9, 'ins', false), ('k020', 1, '', true), ('k030', 3, 'upd', false), ('k999', 0, '', true)) ` +
        `t(a, b, v, gone)`,
      key: ['a', 'b'],
      deleteColumn: 'gone',
    });
    expect(await read(id, `SELECT count(*) AS n, count(DISTINCT (a, b)) AS d FROM $t`)).toEqual([{ n: 200n, d: 200n }]);
    expect(await read(id, `SELECT a, b, v FROM $t WHERE v <> 'old' OR (a, b) IN (('k010', 1), ('k020', 1), ('k030', 2)) ORDER BY a, b`)).toEqual([
      { a: 'k010', b: 0, v: 'upd' },
      { a: 'k010', b: 1, v: 'old' },
      { a: 'k010', b: 9, v: 'ins' },
      { a: 'k030', b: 2, v: 'old' },
      { a: 'k030', b: 3, v: 'upd' },
    ]);
  });

  it('drops its bound variables and staged rows after the merge', async () => {
    const id = { namespace: ['rw'], name: 'vars' };
    await append(id, `SELECT i::BIGINT AS id FROM range(0, 10) t(i)`);
    await mergeTable({ ...base(id), selectSql: `SELECT 3::BIGINT AS id`, key: ['id'] });
    const vars = await engine.all(`SELECT count(*) AS n FROM duckdb_variables() WHERE name LIKE '__floe_merge_%'`, 'vars');
    expect(vars).toEqual([{ n: 0n }]);
    const staged = await engine.all(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE '__floe_merge_%'`, 'tables');
    expect(staged).toEqual([{ n: 0n }]);
  });

  it('without bounds, the SQL is one anti-join over all candidate rows', () => {
    const plain = rewriteSql({ scanSql: 'SELECT 1 AS k', carried: ['k AS k'], keys: ['k'], incoming: 'inc', insertSql: 'SELECT 2 AS k' });
    expect(plain).toBe('SELECT k AS k FROM (SELECT 1 AS k) AS __old ANTI JOIN "inc" AS __in USING ("k") UNION ALL SELECT 2 AS k');
    const split = rewriteSql({ scanSql: 'SELECT 1 AS k', carried: ['k AS k'], keys: ['k'], incoming: 'inc', insertSql: 'SELECT 2 AS k', bounds: { min: 'lo', max: 'hi' } });
    expect(split).toContain(`WHERE __old."k" IS NULL OR NOT (__old."k" BETWEEN getvariable('lo') AND getvariable('hi'))`);
    expect(split.match(/ANTI JOIN/g)).toHaveLength(1);
  });
});
