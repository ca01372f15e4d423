/**
 * Proves the interop harness before floe's own tables go through it: PyIceberg writes a
 * table through a SQL catalog, then PyIceberg and Spark (JdbcCatalog on the same SQLite
 * file) must agree on every row, and the TS side must recompute the scripts' checksums.
 * Spark also commits an append that PyIceberg then reads, which is the path floe's
 * "Spark wrote, floe reads" tests take.
 *
 * One JVM for the whole file (sparkBatch in beforeAll): Spark start-up is 30-60 s here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CanonicalRow,
  type PyIcebergReadResult,
  type PyIcebergWriteResult,
  type SparkAppendResult,
  type SparkTableRead,
  canonicalChecksum,
  canonicalString,
  crc32,
  decimalString,
  diffCanonicalRows,
  pyicebergRead,
  pyicebergWrite,
  sortCanonicalRows,
  sparkBatch,
  summarizeRows,
  toCanonical,
} from './oracle.js';

const SPARK_ROWS: CanonicalRow[] = [
  {
    id: '100', i: 5, f: 2.5, d: 1e-7, dec: '-1.50', s: 'from spark', b: true, dt: '2000-02-29',
    ts: '2000-02-29T23:59:59.000001', tstz: '2024-02-29T01:02:03.000004Z', bin: 'ab', fx: '0a0b0c0d',
    st: { x: 3, y: 'z' }, ls: ['4', null], mp: [['q', 2], ['p', 'NaN']],
  },
  { id: 101 as unknown as string, s: null },
];

describe('interop oracle harness (PyIceberg ⇄ Spark on one SQL catalog)', () => {
  let dir: string;
  let cat: { catalogDb: string; warehouse: string; catalogName: string };
  let written: PyIcebergWriteResult;
  let py: PyIcebergReadResult;
  let sparkBefore: SparkTableRead;
  let sparkEmpty: SparkTableRead;
  let appended: SparkAppendResult;
  let sparkAfter: SparkTableRead;
  let pyAfter: PyIcebergReadResult;
  let pyAtFirst: PyIcebergReadResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floe-oracle-selftest-'));
    cat = { catalogDb: join(dir, 'catalog.db'), warehouse: join(dir, 'warehouse'), catalogName: 'floe' };
    written = await pyicebergWrite({ ...cat, table: 'ns.t', fixture: 'selftest' });
    await pyicebergWrite({
      ...cat,
      table: 'ns.empty',
      schema: { type: 'struct', fields: [{ id: 1, name: 'k', type: 'long', required: false }] },
    });
    py = await pyicebergRead({ ...cat, table: 'ns.t' });
    const spark = await sparkBatch({
      ...cat,
      ops: [
        { op: 'read', table: 'ns.t', with_rows: true },
        { op: 'read', table: 'ns.empty', with_rows: true },
        { op: 'append', table: 'ns.t', rows: SPARK_ROWS },
        { op: 'read', table: 'ns.t', with_rows: true },
      ],
    });
    [sparkBefore, sparkEmpty, appended, sparkAfter] = spark.results as [
      SparkTableRead, SparkTableRead, SparkAppendResult, SparkTableRead,
    ];
    pyAfter = await pyicebergRead({ ...cat, table: 'ns.t' });
    pyAtFirst = await pyicebergRead({ ...cat, table: 'ns.t', snapshotId: written.snapshot_ids[0]! });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('PyIceberg reads back what it wrote, rows in canonical order', () => {
    expect(py.row_count).toBe(written.row_count);
    expect(py.snapshot_id).toBe(written.snapshot_ids.at(-1));
    expect(py.files_scanned).toBeGreaterThan(1); // partitioned by day(tstz), two appends
    const cols = py.schema.map((f) => f.name);
    expect(sortCanonicalRows(py.rows!, cols)).toEqual(py.rows);
    expect(py.rows!.find((r) => r.id === '9007199254740993')).toMatchObject({
      f: 'NaN', d: '-Infinity', dec: '-0.05', tstz: '1969-12-31T23:59:59.999999Z', bin: '',
    });
  });

  it('TS recomputes every column checksum the Python side printed', () => {
    for (const name of Object.keys(py.columns)) {
      expect(canonicalChecksum(py.rows!, name), name).toBe(py.columns[name]!.checksum);
    }
    expect(summarizeRows(py.rows!, Object.keys(py.columns)).columns).toEqual(py.columns);
  });

  it('Spark (JdbcCatalog) reads the same table identically', () => {
    expect(sparkBefore.count).toBe(py.row_count);
    expect(sparkBefore.snapshot_id).toBe(py.snapshot_id);
    expect(sparkBefore.columns).toEqual(py.columns);
    expect(diffCanonicalRows(py.rows!, sparkBefore.rows!)).toBeNull();
  });

  it('Spark reads a table with no snapshot', () => {
    expect(sparkEmpty.count).toBe(0);
    expect(sparkEmpty.snapshot_id).toBeNull();
  });

  it("PyIceberg reads Spark's append through the same catalog", () => {
    expect(appended.appended).toBe(SPARK_ROWS.length);
    expect(pyAfter.snapshot_id).toBe(appended.snapshot_id);
    expect(pyAfter.row_count).toBe(py.row_count + SPARK_ROWS.length);
    expect(sparkAfter.columns).toEqual(pyAfter.columns);
    expect(diffCanonicalRows(pyAfter.rows!, sparkAfter.rows!)).toBeNull();
    const added = pyAfter.rows!.find((r) => r.id === '100');
    expect(added).toMatchObject({ dec: '-1.50', mp: [['p', 'NaN'], ['q', 2]], ls: ['4', null] });
  });

  it('PyIceberg time-travels to an earlier snapshot and filters rows', async () => {
    expect(pyAtFirst.snapshot_id).toBe(written.snapshot_ids[0]);
    expect(pyAtFirst.row_count).toBe(3);
    const one = await pyicebergRead({ ...cat, table: 'ns.t', filter: 'id = 100', summaryOnly: true });
    expect(one.row_count).toBe(1);
    expect(one.rows).toBeUndefined();
  });

  it('fails loudly, naming the script and the cause', async () => {
    await expect(pyicebergRead({ ...cat, table: 'ns.nope' })).rejects.toThrow(
      /pyiceberg_read\.py failed with exit 1[\s\S]*NoSuchTableError/,
    );
  });
});

describe('canonical encoding (docs/INTEROP.md)', () => {
  it('strings numbers as ECMAScript does, -0 apart', () => {
    expect([1, 1e21, 5e-324, 1e-7, 123456789.125, -0, 0].map(canonicalString)).toEqual([
      '1', '1e+21', '5e-324', '1e-7', '123456789.125', '-0', '0',
    ]);
    expect(canonicalString(Math.fround(0.1))).toBe('0.10000000149011612');
    expect(canonicalString({ b: ['1', null], a: 'x' })).toBe('[["a","x"],["b",["1",null]]]');
  });

  it('uses standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('encodes floe-side JS values', () => {
    expect(toCanonical(9007199254740993n, 'long')).toBe('9007199254740993');
    expect(toCanonical(-1n, 'timestamptz')).toBe('1969-12-31T23:59:59.999999Z');
    expect(toCanonical('2024-02-29 12:00:00+02:00', 'timestamptz')).toBe('2024-02-29T10:00:00.000000Z');
    expect(toCanonical(new Date(Date.UTC(2024, 1, 29)), 'date')).toBe('2024-02-29');
    expect(toCanonical(19782, 'date')).toBe('2024-02-29');
    expect(toCanonical(Number.NaN, 'double')).toBe('NaN');
    expect(toCanonical(new Uint8Array([0, 255]), 'fixed[2]')).toBe('00ff');
    expect(toCanonical(new Map([['b', 1], ['a', null]]), {
      type: 'map', 'key-id': 1, key: 'string', 'value-id': 2, value: 'int', 'value-required': false,
    })).toEqual([['a', null], ['b', 1]]);
    expect(decimalString('12.3', 2)).toBe('12.30');
    expect(decimalString('-0.00', 2)).toBe('0.00');
    expect(decimalString('1E+2', 1)).toBe('100.0');
    expect(() => decimalString('1.234', 2)).toThrow(/fraction digits/);
  });

  it('sorts by UTF-16 code units, as the Python scripts do', () => {
    const rows = [{ s: '\uff5e' }, { s: '\u{1F600}' }];
    expect(sortCanonicalRows(rows, ['s'])).toEqual([{ s: '\u{1F600}' }, { s: '\uff5e' }]);
  });
});
