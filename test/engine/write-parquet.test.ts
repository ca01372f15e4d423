/**
 * The writer checked against DuckDB reading the written files back: field ids from
 * parquet_schema(), the codec and row groups from parquet_metadata(), and every metric
 * against a direct aggregate (count, count(col), min, max) over the file.
 */
import { readdir, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/duckdb.js';
import { leafColumns } from '../../src/engine/metrics.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/sql.js';
import { fixedWrittenAsUuid, icebergValueOf } from '../../src/engine/types.js';
import { type WrittenFile, writeDataFiles } from '../../src/engine/write-parquet.js';
import { fromBinary } from '../../src/iceberg/conversions.js';
import type { IcebergValue, NestedField, Schema } from '../../src/iceberg/types.js';
import { isFloeError } from '../../src/errors.js';
import { one, useEngine, useTmp } from './helpers.js';

const f = (id: number, name: string, type: NestedField['type']): NestedField => ({ id, name, required: false, type });

/** Ids deliberately not 1..n, so a writer that numbered columns itself would be caught. */
const ALL_TYPES: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    f(101, 'b', 'boolean'), f(102, 'i', 'int'), f(103, 'l', 'long'), f(104, 'fl', 'float'), f(105, 'db', 'double'),
    f(106, 'd9', 'decimal(9, 2)'), f(107, 'd38', 'decimal(38, 10)'), f(108, 'dt', 'date'), f(109, 'tm', 'time'),
    f(110, 'ts', 'timestamp'), f(111, 'tz', 'timestamptz'), f(112, 'ns', 'timestamp_ns'), f(113, 's', 'string'),
    f(114, 'u', 'uuid'), f(115, 'fx', 'fixed[16]'), f(116, 'bin', 'binary'),
    f(117, 'st', { type: 'struct', fields: [f(120, 'x', 'int'), f(121, 'y', 'string')] }),
    f(118, 'li', { type: 'list', 'element-id': 122, 'element-required': false, element: 'long' }),
    f(119, 'mp', { type: 'map', 'key-id': 123, 'value-id': 124, 'value-required': false, key: 'string', value: 'double' }),
  ],
};

// Every 7th row is NULL in every column; values cross zero and the epoch, and the source
// types differ from the table's (BIGINT → int, VARCHAR → date, ...) so the casts are exercised.
const ALL_TYPES_SQL = `
  SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i % 2 = 0 END AS b,
         CASE WHEN i % 7 = 0 THEN NULL ELSE i - 1500 END AS i,
         CASE WHEN i % 7 = 0 THEN NULL ELSE (i - 1500) * 3000000000 END AS l,
         CASE WHEN i % 7 = 0 THEN NULL ELSE (i - 1500) / 3.0 END AS fl,
         CASE WHEN i % 7 = 0 THEN NULL ELSE (i - 1500) * 1e10 END AS db,
         CASE WHEN i % 7 = 0 THEN NULL ELSE (i - 1500) / 100 END AS d9,
         CASE WHEN i % 7 = 0 THEN NULL ELSE (i - 1500)::DECIMAL(38,10) * 12345678901234567.89 END AS d38,
         CASE WHEN i % 7 = 0 THEN NULL ELSE (DATE '1969-12-01' + (i % 400)::INT)::VARCHAR END AS dt,
         CASE WHEN i % 7 = 0 THEN NULL ELSE TIME '00:00:00.000001' + to_microseconds(i * 1000003) END AS tm,
         CASE WHEN i % 7 = 0 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:59.999999' + to_microseconds(i * 7777777) END AS ts,
         CASE WHEN i % 7 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-03-10 01:59:59.123456+00' + to_microseconds(i * 999999) END AS tz,
         CASE WHEN i % 7 = 0 THEN NULL ELSE TIMESTAMP_NS '2024-01-01 00:00:00.000000001' + to_microseconds(i) END AS ns,
         CASE WHEN i % 7 = 0 THEN NULL ELSE 'name-' || i END AS s,
         CASE WHEN i % 7 = 0 THEN NULL ELSE md5(i::VARCHAR)::UUID END AS u,
         CASE WHEN i % 7 = 0 THEN NULL ELSE unhex(md5('fx' || i)) END AS fx,
         CASE WHEN i % 7 = 0 THEN NULL ELSE unhex(md5(i::VARCHAR)) END AS bin,
         CASE WHEN i % 7 = 0 THEN NULL ELSE {'x': i % 100, 'y': 'y' || (i % 13)} END AS st,
         CASE WHEN i % 7 = 0 THEN NULL ELSE [i, NULL, -i] END AS li,
         CASE WHEN i % 7 = 0 THEN NULL ELSE MAP {'k' || (i % 5): i / 2} END AS mp
  FROM range(3000) t(i)`;

async function fieldIds(engine: Engine, file: string): Promise<[string, IcebergValue][]> {
  const rows = await engine.all(`SELECT name, field_id FROM parquet_schema(${quoteLiteral(file)})`, 'read schema');
  return rows.slice(1).map((r) => [String(r.name), r.field_id === null ? null : Number(r.field_id)]);
}

/** Metrics decoded back to IcebergValues, for readable assertions. */
function bounds(file: WrittenFile, schema: Schema) {
  const out = new Map<string, { lower?: IcebergValue; upper?: IcebergValue }>();
  for (const leaf of leafColumns(schema)) {
    const lo = file.dataFile.lower_bounds?.get(leaf.id);
    const hi = file.dataFile.upper_bounds?.get(leaf.id);
    out.set(leaf.path.join('.'), {
      ...(lo && { lower: fromBinary(leaf.type, lo) }),
      ...(hi && { upper: fromBinary(leaf.type, hi) }),
    });
  }
  return out;
}

describe('writeDataFiles', () => {
  const engine = useEngine();
  const tmp = useTmp();

  it('writes every type with field ids on every column, zstd, and metrics that match the file', async () => {
    const dir = await tmp();
    const files = await writeDataFiles({
      engine: engine(), selectSql: ALL_TYPES_SQL, schema: ALL_TYPES, targetFileSizeBytes: 64 << 20,
      outputDir: dir, fileNamePrefix: 'all', rowGroupSize: 1024, table: 'test.all_types',
    });
    expect(files).toHaveLength(1);
    const [file] = files as [WrittenFile];
    const path = file.localPath;
    expect(file.dataFile).toMatchObject({ content: 0, file_path: path, file_format: 'PARQUET', partition: [], record_count: 3000n });
    expect(file.dataFile.file_size_in_bytes).toBe(BigInt((await stat(path)).size));
    expect(await readdir(dir)).toEqual(['all-00000.parquet']); // no scratch folders left

    expect(await fieldIds(engine(), path)).toEqual([
      ['b', 101], ['i', 102], ['l', 103], ['fl', 104], ['db', 105], ['d9', 106], ['d38', 107], ['dt', 108], ['tm', 109],
      ['ts', 110], ['tz', 111], ['ns', 112], ['s', 113], ['u', 114], ['fx', 115], ['bin', 116],
      ['st', 117], ['x', 120], ['y', 121],
      ['li', 118], ['list', null], ['element', 122],
      ['mp', 119], ['key_value', null], ['key', 123], ['value', 124],
    ]);
    const meta = await engine().all(
      `SELECT row_group_id, path_in_schema, compression, total_compressed_size, data_page_offset, dictionary_page_offset
       FROM parquet_metadata(${quoteLiteral(path)})`, 'read metadata');
    expect(new Set(meta.map((m) => m.compression))).toEqual(new Set(['ZSTD']));
    // 1024 rounds up to 2048 rows per row group: two groups, offsets ascending.
    expect(file.dataFile.split_offsets).toHaveLength(2);
    expect(file.dataFile.split_offsets![0]).toBe(4n);
    expect(file.dataFile.split_offsets![1]! > 4n).toBe(true);

    // column_sizes: the footer's compressed sizes summed over row groups, for every leaf.
    const sizes = new Map<string, bigint>();
    for (const m of meta) sizes.set(String(m.path_in_schema), (sizes.get(String(m.path_in_schema)) ?? 0n) + BigInt(m.total_compressed_size as bigint));
    for (const leaf of leafColumns(ALL_TYPES)) {
      const key = leaf.path.join(', ').replace('li, element', 'li, list, element').replace(/^mp, (key|value)$/, 'mp, key_value, $1');
      expect(file.dataFile.column_sizes!.get(leaf.id), key).toBe(sizes.get(key));
    }

    // Counts and bounds against a direct aggregate over the file.
    const b = bounds(file, ALL_TYPES);
    for (const leaf of leafColumns(ALL_TYPES)) {
      const name = leaf.path.join('.');
      if (leaf.inRepeated) {
        // As Iceberg Java: no counts or bounds inside lists and maps.
        expect(file.dataFile.value_counts!.has(leaf.id), name).toBe(false);
        expect(b.get(name), name).toEqual({});
        continue;
      }
      const ref = leaf.path.map(quoteIdent).join('.');
      // fixed[16] is written as UUID (read back as its bytes; UUIDs order as their bytes do).
      const col = fixedWrittenAsUuid(leaf.type) ? `CAST(${ref} AS BLOB)` : ref;
      const agg = await one(engine(),
        `SELECT count(*) AS n, count(${col}) AS nn, min(${col}) AS lo, max(${col}) AS hi FROM read_parquet(${quoteLiteral(path)})`);
      expect(file.dataFile.value_counts!.get(leaf.id), name).toBe(agg.n);
      expect(file.dataFile.null_value_counts!.get(leaf.id), name).toBe((agg.n as bigint) - (agg.nn as bigint));
      expect(b.get(name), name).toEqual({ lower: icebergValueOf(leaf.type, agg.lo!), upper: icebergValueOf(leaf.type, agg.hi!) });
    }
    expect([...file.dataFile.nan_value_counts!]).toEqual([[104, 0n], [105, 0n]]);
    expect(b.get('tz')).toEqual({ lower: 1710035999123456n + 999999n, upper: 1710035999123456n + 2999n * 999999n });
    expect(b.get('d38')!.lower).toBe(-1499n * 123456789012345678900000000n); // row 0 is NULL
    // fixed[16]: FIXED_LEN_BYTE_ARRAY(16) as the spec asks, its bytes as given.
    const [fx] = await engine().all(`SELECT type, type_length FROM parquet_schema(${quoteLiteral(path)}) WHERE name = 'fx'`, 'read schema');
    expect(fx).toEqual({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: '16' });
    const same = await one(engine(), `SELECT count(*) FILTER (WHERE CAST(f.fx AS BLOB) IS DISTINCT FROM unhex(md5('fx' || (f.i + 1500)))) AS bad ` +
      `FROM (SELECT fx, i FROM read_parquet(${quoteLiteral(path)}) WHERE i IS NOT NULL) f`);
    expect(same.bad).toBe(0n);
  });

  it('truncates string and binary bounds to 16, rounding the upper bound up', async () => {
    const dir = await tmp();
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [f(1, 's', 'string'), f(2, 'e', 'string'), f(3, 'bin', 'binary'), f(4, 'short', 'string')] };
    const [file] = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT * FROM (VALUES
          ('abcdefghijklmnopqrstuvwxyz', 'ééééééééééééééééé', '\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0A\\x0B\\x0C\\x0D\\x0E\\x0F\\x10'::BLOB, 'it''s'),
          ('zzzzzzzzzzzzzzzzzzzz', 'a', '\\x01\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF\\xFF'::BLOB, '"q"'),
          (repeat('m', 300) || '😀', '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀', NULL, NULL)) t(s, e, bin, short)`,
      schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'trunc',
    });
    const b = bounds(file!, schema);
    expect(b.get('s')).toEqual({ lower: 'abcdefghijklmnop', upper: 'zzzzzzzzzzzzzzz{' });
    expect(b.get('e')).toEqual({ lower: 'a', upper: '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😁' });
    expect(b.get('bin')).toEqual({
      lower: Uint8Array.from({ length: 16 }, (_, i) => i),
      upper: Uint8Array.of(2), // 01 FF.. rounds up to 02
    });
    expect(b.get('short')).toEqual({ lower: '"q"', upper: "it's" });
  });

  it('writes no bounds for all-NULL columns and counts NaN exactly', async () => {
    const dir = await tmp();
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [f(1, 'n', 'string'), f(2, 'd', 'double'), f(3, 'allnan', 'float'), f(4, 'z', 'double'),
        f(5, 'st', { type: 'struct', fields: [f(6, 'v', 'double')] })],
    };
    const [file] = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT NULL AS n,
                         CASE WHEN i % 3 = 0 THEN 'NaN'::DOUBLE WHEN i % 5 = 0 THEN NULL ELSE i - 50 END AS d,
                         CASE WHEN i % 2 = 0 THEN 'NaN'::FLOAT END AS allnan,
                         CASE WHEN i % 2 = 0 THEN -0.0 ELSE 0.0 END AS z,
                         {'v': CASE WHEN i = 7 THEN 'NaN'::DOUBLE ELSE 'inf'::DOUBLE END} AS st
                  FROM range(100) t(i)`,
      schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'nan',
    });
    const df = file!.dataFile;
    const agg = await one(engine(),
      `SELECT count(*) FILTER (WHERE isnan(d)) AS d, count(*) FILTER (WHERE isnan(allnan)) AS a,
              min(d) FILTER (WHERE NOT isnan(d)) AS lo, max(d) FILTER (WHERE NOT isnan(d)) AS hi
       FROM read_parquet(${quoteLiteral(file!.localPath)})`);
    expect(agg).toMatchObject({ d: 34n, a: 50n, lo: -49, hi: 48 });
    expect([...df.nan_value_counts!].sort()).toEqual([[2, 34n], [3, 50n], [4, 0n], [6, 1n]]);
    expect([...df.null_value_counts!].sort()).toEqual([[1, 100n], [2, 13n], [3, 50n], [4, 0n], [6, 0n]]);
    expect(df.value_counts!.get(1)).toBe(100n);
    const b = bounds(file!, schema);
    expect(b.get('n')).toEqual({});
    expect(b.get('allnan')).toEqual({});
    expect(b.get('d')).toEqual({ lower: -49, upper: 48 });
    expect(b.get('st.v')).toEqual({ lower: Infinity, upper: Infinity });
    // -0.0 and 0.0 compare equal in DuckDB; Iceberg orders -0.0 first, so the bounds widen.
    expect(Object.is(b.get('z')!.lower, -0)).toBe(true);
    expect(Object.is(b.get('z')!.upper, 0)).toBe(true);
  });

  it('quotes awkward names in field ids and stats keys', async () => {
    const dir = await tmp();
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [
        f(1, 'we.ird"n', 'int'),
        f(2, "s t'", { type: 'struct', fields: [f(3, 'a.b', 'string'), f(4, 'c"d', 'long')] }),
        f(5, 'élan', { type: 'list', 'element-id': 6, 'element-required': false, element: 'int' }),
      ],
    };
    const [file] = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT i AS "we.ird""n", {'a.b': 'v' || i, 'c"d': -i} AS "s t'", [i] AS "élan" FROM range(5) t(i)`,
      schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: "it's",
    });
    expect(await fieldIds(engine(), file!.localPath)).toEqual([
      ['we.ird"n', 1], ["s t'", 2], ['a.b', 3], ['c"d', 4], ['élan', 5], ['list', null], ['element', 6],
    ]);
    expect(bounds(file!, schema)).toEqual(new Map<string, object>([
      ['we.ird"n', { lower: 0, upper: 4 }], ["s t'.a.b", { lower: 'v0', upper: 'v4' }], ["s t'.c\"d", { lower: -4n, upper: 0n }],
      ['élan.element', {}],
    ]));
    expect([...file!.dataFile.column_sizes!.keys()]).toEqual([1, 3, 4, 6]);
  });

  it('honours metrics modes per field', async () => {
    const dir = await tmp();
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [f(1, 'a', 'string'), f(2, 'b', 'string'), f(3, 'c', 'string'), f(4, 'd', 'string')] };
    const long = `'${'x'.repeat(40)}'`;
    const [file] = await writeDataFiles({
      engine: engine(), selectSql: `SELECT ${long} AS a, ${long} AS b, ${long} AS c, ${long} AS d`, schema,
      targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'modes',
      metrics: {
        modeFor: (id) => [{ mode: 'none' }, { mode: 'counts' }, { mode: 'full' }, { mode: 'truncate', width: 4 }][id - 1] as never,
      },
    });
    const df = file!.dataFile;
    expect([...df.column_sizes!.keys()]).toEqual([2, 3, 4]);
    expect([...df.value_counts!.keys()]).toEqual([2, 3, 4]);
    expect(bounds(file!, schema)).toEqual(new Map([
      ['a', {}], ['b', {}], ['c', { lower: 'x'.repeat(40), upper: 'x'.repeat(40) }], ['d', { lower: 'xxxx', upper: 'xxxy' }],
    ]));
  });

  it('rolls files at the target size and keeps each file sorted when asked', async () => {
    const dir = await tmp();
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [f(1, 'id', 'long'), f(2, 'pad', 'string')] };
    const files = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT (i * 7919) % 20000 AS id, md5(i::VARCHAR) AS pad FROM range(20000) t(i)`,
      schema, targetFileSizeBytes: 100_000, rowGroupSize: 2048, outputDir: dir, fileNamePrefix: 'roll', orderBy: 'id',
    });
    expect(files.length).toBeGreaterThan(3);
    expect(files.map((x) => x.localPath.slice(dir.length + 1))).toEqual(files.map((_, i) => `roll-${String(i).padStart(5, '0')}.parquet`));
    expect(files.reduce((n, x) => n + x.dataFile.record_count, 0n)).toBe(20000n);
    for (const x of files) {
      expect(x.dataFile.file_size_in_bytes).toBe(BigInt((await stat(x.localPath)).size));
      const r = await one(engine(),
        `SELECT count(*) FILTER (WHERE d < 0) AS bad FROM (SELECT id - lag(id) OVER (ORDER BY file_row_number) AS d
         FROM read_parquet(${quoteLiteral(x.localPath)}, file_row_number = true))`);
      expect(r.bad).toBe(0n);
    }
    const t = await one(engine(), `SELECT current_setting('threads') AS t`);
    expect(t.t).toBe(2n); // restored after the single-threaded sorted write
  });

  it('writes nothing for an empty query', async () => {
    const dir = await tmp();
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [f(1, 'a', 'int')] };
    const files = await writeDataFiles({
      engine: engine(), selectSql: 'SELECT 1 AS a WHERE false', schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'e',
    });
    expect(files).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects rows that do not match the schema, naming every column', async () => {
    const dir = await tmp();
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [f(1, 'a', 'int'), f(2, 'b', 'int')] };
    const err = await writeDataFiles({
      engine: engine(), selectSql: 'SELECT 1 AS a, 2 AS c', schema, targetFileSizeBytes: 1 << 20, outputDir: dir,
      fileNamePrefix: 'x', table: 'ns.t',
    }).catch((e) => e);
    expect(isFloeError(err, 'schema')).toBe(true);
    expect(err.message).toMatch(/of ns\.t/);
    expect(err.context).toMatchObject({ missing: ['b'], extra: ['c'] });
    const cast = await writeDataFiles({
      engine: engine(), selectSql: `SELECT 'x' AS a, 1 AS b`, schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'x',
    }).catch((e) => e);
    expect(isFloeError(cast)).toBe(true);
    expect(cast.message).toMatch(/^DuckDB could not write Parquet data files: Conversion Error/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes fixed[16] nested in structs, lists and maps as FIXED_LEN_BYTE_ARRAY(16), and refuses a value of another length', async () => {
    const dir = await tmp();
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [
        f(1, 'st', { type: 'struct', fields: [f(4, 'a', 'fixed[16]'), f(5, 'n', 'int')] }),
        f(2, 'li', { type: 'list', 'element-id': 6, 'element-required': false, element: 'fixed[16]' }),
        f(3, 'mp', { type: 'map', 'key-id': 7, 'value-id': 8, 'value-required': false, key: 'fixed[16]', value: 'fixed[16]' }),
      ],
    };
    const ff = `'\\xFF'::BLOB`;
    const [file] = await writeDataFiles({
      engine: engine(),
      selectSql: `SELECT {'a': repeat(${ff}, 16), 'n': 1} AS st, [repeat(${ff}, 16), NULL] AS li, MAP {repeat(${ff}, 16): NULL} AS mp
        UNION ALL SELECT NULL, NULL, NULL`,
      schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'nested',
    });
    const types = await engine().all(`SELECT name, type, type_length FROM parquet_schema(${quoteLiteral(file!.localPath)}) WHERE name IN ('a', 'element', 'key', 'value')`, 'read schema');
    expect(types.map((t) => [t.name, t.type, t.type_length])).toEqual(['a', 'element', 'key', 'value'].map((n) => [n, 'FIXED_LEN_BYTE_ARRAY', '16']));
    const back = await one(engine(), `SELECT CAST(st.a AS BLOB) = repeat(${ff}, 16) AS a, CAST(li[1] AS BLOB) = repeat(${ff}, 16) AS el, li[2] IS NULL AS el_null, ` +
      `CAST(map_keys(mp)[1] AS BLOB) = repeat(${ff}, 16) AS k FROM read_parquet(${quoteLiteral(file!.localPath)}) WHERE st IS NOT NULL`);
    expect(back).toEqual({ a: true, el: true, el_null: true, k: true });
    expect(bounds(file!, schema).get('st.a')).toEqual({ lower: new Uint8Array(16).fill(255), upper: new Uint8Array(16).fill(255) });

    const short = await writeDataFiles({
      engine: engine(), selectSql: `SELECT {'a': ${ff}, 'n': 1} AS st, NULL AS li, NULL AS mp`,
      schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'short', table: 'ns.t',
    }).catch((e) => e);
    expect(isFloeError(short)).toBe(true);
    expect(short.message).toMatch(/a value of column 'st\.a' \(fixed\[16\]\) is not 16 bytes long but 1/);
    expect((await readdir(dir)).filter((n) => n.startsWith('short'))).toEqual([]);
  });

  it('refuses fixed[L] of any other length before writing anything, naming the table and every such column', async () => {
    const dir = await tmp();
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [f(1, 'fx', 'fixed[4]'), f(2, 'st', { type: 'struct', fields: [f(3, 'g', 'fixed[3]'), f(4, 'ok', 'fixed[16]')] })],
    };
    const err = await writeDataFiles({
      engine: engine(), selectSql: `SELECT '\\x00\\x01\\x02\\x03'::BLOB AS fx, NULL AS st`, schema,
      targetFileSizeBytes: 1 << 20, outputDir: `${dir}/out`, fileNamePrefix: 'x', table: 'ns.t',
    }).catch((e) => e);
    expect(isFloeError(err, 'unsupported')).toBe(true);
    expect(err.message).toMatch(/^floe cannot write data files for ns\.t: its columns 'fx' \(fixed\[4\]\), 'st\.g' \(fixed\[3\]\) are fixed/);
    expect(err.hint).toMatch(/Spark or PyIceberg/);
    expect(err.context).toMatchObject({ table: 'ns.t', columns: ['fx', 'st.g'] });
    expect(await readdir(dir)).toEqual([]); // not even the output folder
  });

  it('never overwrites an existing data file', async () => {
    const dir = await tmp();
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [f(1, 'a', 'int')] };
    const opts = { engine: engine(), selectSql: 'SELECT 1 AS a', schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'same' };
    await writeDataFiles(opts);
    const err = await writeDataFiles(opts).catch((e) => e);
    expect(isFloeError(err, 'io')).toBe(true);
    expect(await readdir(dir)).toEqual(['same-00000.parquet']);
  });
});
