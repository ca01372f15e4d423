/**
 * The interop oracles: PyIceberg and Spark read (and Spark appends to) tables through floe's
 * own SQL catalog, so tests can hold floe's output against two independent readers.
 *
 *   const py = await pyicebergRead({ catalogDb, warehouse, table: 'ns.t' });
 *   const sp = await sparkRead({ catalogDb, warehouse, tables: ['ns.t'] });
 *   expect(sp.tables['ns.t']!.columns).toEqual(py.columns);
 *
 * The scripts live in test/interop/py and run in .venv with the jars in .cache/jars, both
 * made by scripts/provision-interop.sh; nothing is downloaded here. A missing piece throws
 * naming it. Spark starts a JVM per call (30-60 s on 2 cores): batch a test file's Spark work
 * into one sparkBatch/sparkRead in beforeAll (hookTimeout is 600 s, testTimeout 120 s).
 *
 * Values come back in the canonical encoding of docs/INTEROP.md (second half of this file).
 * Everything lives in this one file on purpose: it is the whole TS face of the harness.
 */

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IcebergType, NestedField } from '../../src/iceberg/types.js';
import { watchChild } from '../helpers/hang-watch.js';

// ---------------------------------------------------------------------------------------
// Where things are
// ---------------------------------------------------------------------------------------

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', '..');
export const VENV_PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
export const JARS_DIR = join(REPO_ROOT, '.cache', 'jars');
export const SCRIPTS_DIR = join(HERE, 'py');
const PROVISION = 'run scripts/provision-interop.sh';

/** The pins in scripts/interop-versions.env. */
export function interopVersions(): Record<string, string> {
  const file = join(REPO_ROOT, 'scripts', 'interop-versions.env');
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** Throws, naming what is missing, unless the venv (and for Spark the pinned jars) exist. */
export function assertProvisioned(needSpark: boolean): void {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(`interop oracle: ${VENV_PYTHON} is missing (no Python venv); ${PROVISION}`);
  }
  if (!needSpark) return;
  const v = interopVersions();
  const want = [
    `${v.ICEBERG_SPARK_RUNTIME}-${v.ICEBERG_VERSION}.jar`,
    `sqlite-jdbc-${v.SQLITE_JDBC_VERSION}.jar`,
  ];
  const have = existsSync(JARS_DIR) ? readdirSync(JARS_DIR) : [];
  const missing = want.filter((j) => !have.includes(j));
  if (missing.length > 0) {
    throw new Error(
      `interop oracle: Spark jar(s) ${missing.join(', ')} missing in ${JARS_DIR} ` +
        `(found: ${have.join(', ') || 'nothing'}); ${PROVISION}`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Running a script
// ---------------------------------------------------------------------------------------

export interface CatalogOpts {
  /** Absolute path of floe's SQLite catalog file. */
  catalogDb: string;
  /** The catalog_name column value (and Spark's catalog name). Default 'floe'. */
  catalogName?: string;
  /** Absolute warehouse path. */
  warehouse: string;
  /** Kill the script after this long. Defaults: PyIceberg 120 s, Spark 540 s. */
  timeoutMs?: number;
}

export interface SparkCatalogOpts extends CatalogOpts {
  /** Extra Iceberg catalog properties, e.g. { 'jdbc.schema-version': 'V1' }. */
  catalogProps?: Record<string, string>;
}

const PY_TIMEOUT_MS = 120_000;
const SPARK_TIMEOUT_MS = 540_000;

function abs(path: string, what: string): string {
  if (!path.startsWith('/')) throw new Error(`interop oracle: ${what} must be an absolute path, got ${path}`);
  return path;
}

function pyCatalogArgs(o: CatalogOpts): string[] {
  return [
    '--catalog-uri', `sqlite:///${abs(o.catalogDb, 'catalogDb')}`,
    '--catalog-name', o.catalogName ?? 'floe',
    '--warehouse', abs(o.warehouse, 'warehouse'),
  ];
}

function sparkCatalogArgs(o: SparkCatalogOpts): string[] {
  const args = [
    '--catalog-uri', `jdbc:sqlite:${abs(o.catalogDb, 'catalogDb')}`,
    '--catalog-name', o.catalogName ?? 'floe',
    '--warehouse', abs(o.warehouse, 'warehouse'),
  ];
  for (const [k, v] of Object.entries(o.catalogProps ?? {})) args.push('--catalog-prop', `${k}=${v}`);
  return args;
}

/**
 * Runs test/interop/py/<script> in the venv and parses the one JSON document it prints.
 * A non-zero exit, a timeout or unparsable output throws with the tail of stderr.
 */
export async function runOracleScript<T>(
  script: string,
  args: string[],
  opts: { timeoutMs: number; stdin?: string; needSpark: boolean },
): Promise<T> {
  assertProvisioned(opts.needSpark);
  const path = join(SCRIPTS_DIR, script);
  const started = Date.now();
  return new Promise<T>((resolvePromise, reject) => {
    // detached: its own process group, so a timeout also kills the JVM pyspark started.
    const child = spawn(VENV_PYTHON, [path, ...args], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TZ: 'UTC', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONFAULTHANDLER: '1' },
    });
    watchChild(child, { label: `${script} ${args.join(' ')}`, kind: 'python', group: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // EPIPE if the script dies first; its exit code tells
    child.stdin.end(opts.stdin ?? '');
    const fail = (why: string) => {
      const tail = Buffer.concat(err).toString('utf8').trimEnd().split('\n').slice(-40).join('\n');
      reject(new Error(`interop oracle ${script} ${why} after ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `args: ${args.join(' ').slice(0, 500)}\n--- stderr (tail) ---\n${tail}`));
    };
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(`could not start (${e.message}); ${PROVISION}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return fail(`timed out (limit ${opts.timeoutMs} ms)`);
      if (code !== 0) return fail(`failed with exit ${code ?? signal}`);
      const text = Buffer.concat(out).toString('utf8');
      try {
        resolvePromise(JSON.parse(text) as T);
      } catch {
        fail(`printed no JSON document (stdout starts: ${JSON.stringify(text.slice(0, 300))})`);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------
// PyIceberg
// ---------------------------------------------------------------------------------------

export interface PyIcebergReadOpts extends CatalogOpts {
  table: string;
  /** A PyIceberg row filter, e.g. "id >= 3 AND name = 'x'". */
  filter?: string;
  snapshotId?: bigint | string;
  /** Leave rows out of the output (large tables); columns and counts remain. */
  summaryOnly?: boolean;
}

export interface PyIcebergReadResult {
  table: string;
  metadata_location: string;
  /** The snapshot read (current unless snapshotId was given); null for an empty table. */
  snapshot_id: string | null;
  schema: { name: string; type: string; field_id: number; required: boolean }[];
  row_count: number;
  files_scanned: number;
  columns: Record<string, ColumnSummary>;
  /** Canonical rows sorted by sortCanonicalRows; absent with summaryOnly. */
  rows?: CanonicalRow[];
  elapsed_s: number;
}

export function pyicebergRead(o: PyIcebergReadOpts): Promise<PyIcebergReadResult> {
  const args = [...pyCatalogArgs(o), '--table', o.table];
  if (o.filter !== undefined) args.push('--filter', o.filter);
  if (o.snapshotId !== undefined) args.push('--snapshot-id', String(o.snapshotId));
  if (o.summaryOnly) args.push('--summary-only');
  return runOracleScript('pyiceberg_read.py', args, { timeoutMs: o.timeoutMs ?? PY_TIMEOUT_MS, needSpark: false });
}

export interface PyIcebergWriteOpts extends CatalogOpts {
  table: string;
  /** The built-in self-test table (test/interop/py/selftest_fixture.py) ... */
  fixture?: 'selftest';
  /** ... or an Iceberg schema (struct JSON with field ids) plus appends of canonical rows. */
  schema?: { type: 'struct'; fields: unknown[] };
  /** Each inner array is one append, i.e. one snapshot. */
  appends?: CanonicalRow[][];
  /** e.g. ['day(ts)', 'bucket(16, id)', 'country']. */
  partitionBy?: string[];
  /** Table properties the table is created with. */
  properties?: Record<string, string>;
  /** Drop the table first if it exists. */
  replace?: boolean;
}

export interface PyIcebergWriteResult {
  table: string;
  metadata_location: string;
  snapshot_ids: string[];
  row_count: number;
}

/** Creates a table with PyIceberg (namespace too) and appends; for tables floe must read. */
export function pyicebergWrite(o: PyIcebergWriteOpts): Promise<PyIcebergWriteResult> {
  const args = [...pyCatalogArgs(o), '--table', o.table];
  if (o.fixture) args.push('--fixture', o.fixture);
  else if (o.schema) args.push('--schema-json', JSON.stringify(o.schema), '--appends-json', '-');
  else throw new Error('pyicebergWrite: give fixture or schema');
  for (const p of o.partitionBy ?? []) args.push('--partition-by', p);
  for (const [k, v] of Object.entries(o.properties ?? {})) args.push('--property', `${k}=${v}`);
  if (o.replace) args.push('--replace');
  return runOracleScript('pyiceberg_write.py', args, {
    timeoutMs: o.timeoutMs ?? PY_TIMEOUT_MS,
    stdin: o.fixture ? '' : JSON.stringify(o.appends ?? []),
    needSpark: false,
  });
}

// ---------------------------------------------------------------------------------------
// Spark
// ---------------------------------------------------------------------------------------

export interface SparkVersions {
  spark_version: string;
  iceberg_version: string | null;
  elapsed_s: number;
}

export interface SparkTableRead {
  table: string;
  snapshot_id: string | null;
  schema: { name: string; type: string; nullable: boolean }[];
  count: number;
  columns: Record<string, ColumnSummary>;
  rows?: CanonicalRow[];
}

export interface SparkAppendResult {
  table: string;
  appended?: number;
  /** main after the append. */
  snapshot_id: string | null;
  sql?: SparkSqlResult[];
}

export interface SparkSqlResult {
  sql: string;
  columns: string[];
  /** Canonical rows in Spark's order (not sorted). */
  rows: CanonicalRow[];
}

export type SparkOp =
  | { op: 'read'; table: string; snapshot_id?: string; with_rows?: boolean }
  | { op: 'append'; table: string; rows: CanonicalRow[] }
  | { op: 'sql'; sql: string };

export type SparkOpResult = SparkTableRead | SparkAppendResult | SparkSqlResult;

export interface SparkReadOpts extends SparkCatalogOpts {
  /** 'ns.t', or { table, snapshotId } for time travel. One JVM reads them all. */
  tables: (string | { table: string; snapshotId: bigint | string })[];
  withRows?: boolean;
}

/** Reads tables with Spark; result keyed by the spec given ('ns.t' or 'ns.t@<snapshot>'). */
export function sparkRead(o: SparkReadOpts): Promise<SparkVersions & { tables: Record<string, SparkTableRead> }> {
  const args = sparkCatalogArgs(o);
  for (const t of o.tables) args.push('--table', typeof t === 'string' ? t : `${t.table}@${String(t.snapshotId)}`);
  if (o.withRows) args.push('--with-rows');
  return runOracleScript('spark_read.py', args, { timeoutMs: o.timeoutMs ?? SPARK_TIMEOUT_MS, needSpark: true });
}

export interface SparkAppendOpts extends SparkCatalogOpts {
  table: string;
  /** Canonical rows (longs may be numbers); columns left out are null ... */
  rows?: CanonicalRow[];
  /** ... or Spark SQL statements, e.g. "INSERT INTO floe.ns.t VALUES (1, 'a')". */
  sql?: string[];
}

/** Spark commits an append through floe's catalog (JdbcCatalog), for floe to read back. */
export function sparkAppend(o: SparkAppendOpts): Promise<SparkVersions & SparkAppendResult> {
  const args = [...sparkCatalogArgs(o), '--table', o.table];
  if (o.rows && o.sql) throw new Error('sparkAppend: give rows or sql, not both');
  if (o.rows) args.push('--rows-json', '-');
  else if (o.sql) for (const s of o.sql) args.push('--sql', s);
  else throw new Error('sparkAppend: give rows or sql');
  return runOracleScript('spark_append.py', args, {
    timeoutMs: o.timeoutMs ?? SPARK_TIMEOUT_MS,
    stdin: o.rows ? JSON.stringify(o.rows) : '',
    needSpark: true,
  });
}

/** Several reads, appends and SQL statements in one SparkSession, in order. */
export function sparkBatch(
  o: SparkCatalogOpts & { ops: SparkOp[] },
): Promise<SparkVersions & { results: SparkOpResult[] }> {
  return runOracleScript('spark_batch.py', [...sparkCatalogArgs(o), '--ops-json', '-'], {
    timeoutMs: o.timeoutMs ?? SPARK_TIMEOUT_MS,
    stdin: JSON.stringify(o.ops),
    needSpark: true,
  });
}

// =======================================================================================
// Canonical encoding (docs/INTEROP.md; the Python half is test/interop/py/canonical.py;
// change the three together).
//
// canonical JSON: a row is an object keyed by column name; a value is
//   boolean → true/false · int → number · long → decimal string · float/double → number, or
//   "NaN" | "Infinity" | "-Infinity" · decimal(P,S) → plain string with exactly S fraction
//   digits · date → "YYYY-MM-DD" · time → "HH:MM:SS.ffffff" · timestamp →
//   "YYYY-MM-DDTHH:MM:SS.ffffff" · timestamptz → the same in UTC plus "Z" · string → itself ·
//   uuid → lowercase 8-4-4-4-12 · binary/fixed → lowercase hex · struct → object in field
//   order · list → array · map → [key, value] pairs sorted by the key's canonical string.
// canonical string: a function of the canonical JSON value alone (no schema needed).
// =======================================================================================

export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalValue[]
  | { [name: string]: CanonicalValue };
export type CanonicalRow = Record<string, CanonicalValue>;

export interface ColumnSummary {
  non_null_count: number;
  /** Sum over non-null values of crc32(utf8(canonicalString(value))), mod 2^32. */
  checksum: number;
}

// ---------------------------------------------------------------------------------------
// canonical string and checksum
// ---------------------------------------------------------------------------------------

/** Strings, nulls and arrays: objects become [key, value] pairs sorted by key (UTF-16 order). */
export function canonicalNested(v: CanonicalValue | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(canonicalNested);
  if (typeof v === 'object') {
    return Object.keys(v)
      .sort(compareUtf16)
      .map((k) => [k, canonicalNested(v[k])]);
  }
  return canonicalString(v);
}

/** The string a checksum hashes. Numbers use ECMAScript Number::toString, except -0 → "-0". */
export function canonicalString(v: CanonicalValue): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') return JSON.stringify(canonicalNested(v));
  throw new Error(`canonicalString: not a canonical JSON value: ${String(v)}`);
}

/** The order of JS's `<` on strings: UTF-16 code units (Python sorts by code point). */
export function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib.crc32 and Python's zlib.crc32). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const utf8 = new TextEncoder();

/** The per-column checksum of docs/INTEROP.md, computed from canonical rows. */
export function canonicalChecksum(rows: readonly CanonicalRow[], column: string): number {
  return summarizeColumn(rows, column).checksum;
}

export function summarizeColumn(rows: readonly CanonicalRow[], column: string): ColumnSummary {
  let nonNull = 0;
  let sum = 0;
  for (const row of rows) {
    const v = row[column];
    if (v === null || v === undefined) continue;
    nonNull++;
    sum = (sum + crc32(utf8.encode(canonicalString(v)))) >>> 0;
  }
  return { non_null_count: nonNull, checksum: sum };
}

export function summarizeRows(
  rows: readonly CanonicalRow[],
  columns: readonly string[] = rows[0] ? Object.keys(rows[0]) : [],
): { count: number; columns: Record<string, ColumnSummary> } {
  const out: Record<string, ColumnSummary> = {};
  for (const c of columns) out[c] = summarizeColumn(rows, c);
  return { count: rows.length, columns: out };
}

/** Sort key: JSON of the row's canonical nested values in column order. */
export function rowSortKey(row: CanonicalRow, columns: readonly string[]): string {
  return JSON.stringify(columns.map((c) => canonicalNested(row[c])));
}

/** The order the scripts print rows in, so two readers' rows compare with deep equality. */
export function sortCanonicalRows(
  rows: readonly CanonicalRow[],
  columns: readonly string[] = rows[0] ? Object.keys(rows[0]) : [],
): CanonicalRow[] {
  return rows
    .map((r) => ({ r, k: rowSortKey(r, columns) }))
    .sort((a, b) => compareUtf16(a.k, b.k))
    .map(({ r }) => r);
}

/** A one-line description of the first difference between two sorted row lists, or null. */
export function diffCanonicalRows(
  expected: readonly CanonicalRow[],
  actual: readonly CanonicalRow[],
): string | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i] ? JSON.stringify(expected[i]) : '<none>';
    const a = actual[i] ? JSON.stringify(actual[i]) : '<none>';
    if (e !== a) return `row ${i} (of ${expected.length} expected, ${actual.length} actual): expected ${e}, got ${a}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// JS values (as floe produces them) → canonical JSON
// ---------------------------------------------------------------------------------------

const MICROS_PER_DAY = 86_400_000_000n;

/**
 * Encodes a JS value of Iceberg type `type` canonically. Accepted inputs: bigint/number/
 * string for integers; number or "NaN"-style strings for floats; string/number/bigint or an
 * object with toString() (DuckDB decimals) for decimals; micros as bigint, Date, or ISO
 * strings for times and timestamps; days as number or ISO strings for dates; Uint8Array or
 * {bytes: Uint8Array} for binary; objects, arrays, Maps or [k, v] pairs for nested types.
 */
export function toCanonical(value: unknown, type: IcebergType): CanonicalValue {
  if (value === null || value === undefined) return null;
  if (typeof type === 'object') {
    switch (type.type) {
      case 'struct': {
        const obj = value as Record<string, unknown>;
        const out: Record<string, CanonicalValue> = {};
        for (const f of type.fields) out[f.name] = toCanonical(obj[f.name], f.type);
        return out;
      }
      case 'list':
        return Array.from(value as Iterable<unknown>, (e) => toCanonical(e, type.element));
      case 'map':
        return mapEntries(value)
          .map(([k, v]) => [toCanonical(k, type.key), toCanonical(v, type.value)] as CanonicalValue[])
          .sort((a, b) => compareUtf16(canonicalString(a[0]!), canonicalString(b[0]!)));
    }
  }
  const t = String(type);
  const dec = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(t);
  if (dec) return decimalString(String(value), Number(dec[2]));
  if (t.startsWith('fixed[') || t === 'binary') return hex(bytesOf(value));
  switch (t) {
    case 'boolean':
      return Boolean(value);
    case 'int':
      return Number(value);
    case 'long':
      return BigInt(value as bigint | number | string).toString();
    case 'float':
    case 'double': {
      const n = typeof value === 'number' ? value : Number(value);
      // floe query prints a float (32-bit) as its shortest decimal (0.1); the canonical value
      // is that binary32 widened, as PyIceberg and Spark give it (0.10000000149011612).
      const x = t === 'float' ? Math.fround(n) : n;
      if (Number.isNaN(x)) return 'NaN';
      if (x === Infinity) return 'Infinity';
      if (x === -Infinity) return '-Infinity';
      return x;
    }
    case 'string':
      return String(value);
    case 'uuid':
      return typeof value === 'string' ? value.toLowerCase() : uuidString(bytesOf(value));
    case 'date':
      return typeof value === 'string' ? value.slice(0, 10) : formatDate(dateDays(value));
    case 'time':
      return formatTime(timeMicros(value));
    case 'timestamp':
      return formatTimestamp(timestampMicros(value, false));
    case 'timestamptz':
      return formatTimestamp(timestampMicros(value, true)) + 'Z';
    default:
      throw new Error(`toCanonical: no canonical encoding for Iceberg type ${t}`);
  }
}

function mapEntries(value: unknown): [unknown, unknown][] {
  if (value instanceof Map) return [...value.entries()];
  if (Array.isArray(value)) {
    return value.map((e) =>
      Array.isArray(e) ? [e[0], e[1]] : [(e as { key: unknown }).key, (e as { value: unknown }).value],
    );
  }
  return Object.entries(value as Record<string, unknown>);
}

function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  const b = (value as { bytes?: unknown }).bytes;
  if (b instanceof Uint8Array) return b;
  throw new Error(`toCanonical: expected bytes, got ${typeof value}`);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function uuidString(b: Uint8Array): string {
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Plain decimal text with exactly `scale` fraction digits; extra digits are an error. */
export function decimalString(text: string, scale: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m || (m[2] === '' && !m[3])) throw new Error(`toCanonical: not a decimal: ${text}`);
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let exp = -(m[3] ?? '').length + Number(m[4] ?? 0); // value = digits × 10^exp
  if (exp > -scale) {
    digits += '0'.repeat(exp + scale);
    exp = -scale;
  }
  const cut = -scale - exp; // surplus fraction digits
  if (cut > 0) {
    if (!/^0*$/.test(digits.slice(-cut))) throw new Error(`toCanonical: ${text} has more than ${scale} fraction digits`);
    digits = digits.slice(0, -cut);
  }
  digits = digits.replace(/^0+/, '').padStart(scale + 1, '0');
  const body = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return m[1] === '-' && /[1-9]/.test(digits) ? `-${body}` : body;
}

function dateDays(value: unknown): number {
  if (value instanceof Date) return Math.floor(value.getTime() / 86_400_000);
  return Number(value);
}

function timeMicros(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(String(value));
  if (!m) throw new Error(`toCanonical: not a time: ${String(value)}`);
  return (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 1_000_000n + fractionMicros(m[4]);
}

function fractionMicros(f: string | undefined): bigint {
  return BigInt(((f ?? '') + '000000').slice(0, 6));
}

/** Micros since the epoch from bigint micros, a Date, or ISO text (offset honoured for tz). */
function timestampMicros(value: unknown, tz: boolean): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  const m =
    /^(-?\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      String(value),
    );
  if (!m) throw new Error(`toCanonical: not a timestamp: ${String(value)}`);
  const days = BigInt(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
  let micros =
    days * MICROS_PER_DAY +
    (BigInt(m[4]!) * 3600n + BigInt(m[5]!) * 60n + BigInt(m[6]!)) * 1_000_000n +
    fractionMicros(m[7]);
  const off = m[8];
  if (tz && off && off.toUpperCase() !== 'Z') {
    const sign = off[0] === '-' ? -1n : 1n;
    const hhmm = off.slice(1).replace(':', '');
    const mins = BigInt(hhmm.slice(0, 2)) * 60n + BigInt(hhmm.slice(2) || '0');
    micros -= sign * mins * 60_000_000n;
  }
  return micros;
}

// Howard Hinnant's civil-date algorithms (proleptic Gregorian, as the Iceberg spec).
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

function formatTime(micros: bigint): string {
  const s = micros / 1_000_000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}.${pad(micros % 1_000_000n, 6)}`;
}

function formatTimestamp(micros: bigint): string {
  let days = micros / MICROS_PER_DAY;
  let rem = micros % MICROS_PER_DAY;
  if (rem < 0n) {
    rem += MICROS_PER_DAY;
    days -= 1n;
  }
  return `${formatDate(Number(days))}T${formatTime(rem)}`;
}

/** Columns of a schema (or struct) in order, for sortCanonicalRows. */
export function columnNames(fields: readonly NestedField[]): string[] {
  return fields.map((f) => f.name);
}
