/**
 * Iceberg column metrics for Parquet files DuckDB wrote, from `COPY ... (RETURN_STATS)`
 * (spec: "Manifests", data_file fields 108-111, 137, 125, 128).
 *
 * What RETURN_STATS gives (DuckDB 1.5.6, measured): per leaf column, keyed by its quoted
 * Parquet path (sql.ts statsKey), the text values `column_size_bytes`, `num_values`,
 * `null_count`, `min`, `max`, and `has_nan` for FLOAT/DOUBLE. Counts match the footer's
 * column chunks (num_values includes nulls, as Iceberg's value_counts does). min/max are text
 * in the column's DuckDB type (BLOB as hex) and exclude NaN; strings over 256 bytes come back
 * cut at a character boundary, the max rounded up, which are still valid bounds.
 *
 * The choices follow Iceberg Java's ParquetMetrics:
 * - columns inside a list or map get a column size only: Parquet's counts there mix
 *   empty and null collections with null elements, so Java writes no counts or bounds;
 * - a metrics mode per field ('none', 'counts', 'truncate(N)', 'full'; default truncate(16));
 *   only string and binary bounds are truncated (src/iceberg/bounds.ts);
 * - NaN counts for float/double: 0 when DuckDB saw no NaN, otherwise counted exactly with one
 *   aggregate over the written files; never guessed;
 * - a float bound of zero is widened to -0.0 (lower) / +0.0 (upper), because DuckDB orders
 *   -0.0 and 0.0 as equal and may report either, while Iceberg orders -0.0 first.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { DataFile, IcebergValue, PrimitiveType, StructType } from '../iceberg/types.js';
import { indexFields } from '../iceberg/schema.js';
import { parsePrimitive } from '../iceberg/primitive.js';
import { hexToBytes, toBinary, uuidToBytes } from '../iceberg/conversions.js';
import { DEFAULT_METRICS_MODE, type MetricsMode, truncateLowerBound, truncateUpperBound } from '../iceberg/bounds.js';
import { corruptError } from '../errors.js';
import type { Engine, Row } from './duckdb.js';
import { quoteIdent, quoteLiteral, statsKey } from './sql.js';
import { duckdbTypeSql, fixedWrittenAsUuid, icebergValueOf } from './types.js';

export interface LeafColumn {
  id: number;
  /** Names from the root; 'element', 'key', 'value' inside lists and maps. */
  path: string[];
  /** The RETURN_STATS key of the column. */
  key: string;
  type: PrimitiveType;
  inRepeated: boolean;
}

/** Every primitive leaf of a schema, in schema order. */
export function leafColumns(schema: StructType): LeafColumn[] {
  return indexFields(schema)
    .filter((f) => typeof f.type === 'string')
    .map((f) => ({ id: f.id, path: f.path, key: statsKey(f.path), type: f.type as PrimitiveType, inRepeated: f.inRepeated }));
}

/** One row of RETURN_STATS, with the maps unpacked. */
export interface CopyStats {
  filename: string;
  recordCount: bigint;
  /** As DuckDB reports them; DataFile sizes come from fs.stat instead. */
  fileSizeBytes: bigint;
  footerSizeBytes: bigint;
  columns: Map<string, Map<string, string>>;
  partitionKeys: Map<string, string> | null;
}

type MapLike = { entries: { key: DuckDBValue; value: DuckDBValue }[] };

function unpackMap(v: DuckDBValue): Map<string, DuckDBValue> {
  const out = new Map<string, DuckDBValue>();
  for (const e of (v as unknown as MapLike).entries) out.set(String(e.key), e.value);
  return out;
}

export function parseCopyStats(row: Row): CopyStats {
  const columns = new Map<string, Map<string, string>>();
  for (const [key, stats] of unpackMap(row.column_statistics ?? null)) {
    const m = new Map<string, string>();
    for (const [k, v] of unpackMap(stats)) if (v !== null) m.set(k, String(v));
    columns.set(key, m);
  }
  const pk = row.partition_keys ?? null;
  return {
    filename: String(row.filename),
    recordCount: BigInt(row.count as bigint),
    fileSizeBytes: BigInt(row.file_size_bytes as bigint),
    footerSizeBytes: BigInt(row.footer_size_bytes as bigint),
    columns,
    partitionKeys: pk === null ? null : new Map([...unpackMap(pk)].map(([k, v]) => [k, String(v)])),
  };
}

/** The metric maps of a DataFile, always present (possibly empty) when floe wrote the file. */
export type ColumnMetrics = {
  [K in 'column_sizes' | 'value_counts' | 'null_value_counts' | 'nan_value_counts' | 'lower_bounds' | 'upper_bounds']-?:
    NonNullable<DataFile[K]>;
};

export interface MetricsOptions {
  /** The metrics mode of a field id (table properties write.metadata.metrics.*). */
  modeFor?: (fieldId: number) => MetricsMode;
}

const isFloating = (t: PrimitiveType) => t === 'float' || t === 'double';

export interface WrittenParquet {
  stats: CopyStats;
  localPath: string;
}

interface BoundRequest {
  file: number;
  leaf: LeafColumn;
  width: number;
  min: string;
  max: string;
}

/**
 * The metrics of written files, in order. Work is batched across files so a write of a
 * thousand small partition files stays a handful of queries: bound text is parsed with one
 * query per column type (parseBounds), and NaNs are counted with one aggregate
 * over just the files whose float columns DuckDB reported NaNs in.
 */
export async function filesMetrics(
  engine: Engine, files: readonly WrittenParquet[], leaves: readonly LeafColumn[], options: MetricsOptions = {},
): Promise<ColumnMetrics[]> {
  const out: ColumnMetrics[] = [];
  const requests: BoundRequest[] = [];
  const nanFiles = new Map<number, LeafColumn[]>();
  files.forEach(({ stats, localPath }, file) => {
    const m: ColumnMetrics = {
      column_sizes: new Map(), value_counts: new Map(), null_value_counts: new Map(),
      nan_value_counts: new Map(), lower_bounds: new Map(), upper_bounds: new Map(),
    };
    out.push(m);
    for (const leaf of leaves) {
      const s = stats.columns.get(leaf.key);
      if (s === undefined) {
        throw corruptError(`DuckDB returned no statistics for column '${leaf.path.join('.')}' of ${localPath}`);
      }
      const mode = options.modeFor?.(leaf.id) ?? DEFAULT_METRICS_MODE;
      if (mode.mode === 'none') continue;
      m.column_sizes.set(leaf.id, count(s, 'column_size_bytes', leaf, localPath));
      if (leaf.inRepeated) continue;
      m.value_counts.set(leaf.id, count(s, 'num_values', leaf, localPath));
      m.null_value_counts.set(leaf.id, count(s, 'null_count', leaf, localPath));
      if (isFloating(leaf.type)) {
        const hasNan = s.get('has_nan');
        if (hasNan === 'false') m.nan_value_counts.set(leaf.id, 0n);
        else if (hasNan === 'true') nanFiles.set(file, [...(nanFiles.get(file) ?? []), leaf]);
      }
      const min = s.get('min');
      const max = s.get('max');
      if (mode.mode === 'counts' || min === undefined || max === undefined) continue;
      requests.push({ file, leaf, width: mode.mode === 'truncate' ? mode.width : Number.POSITIVE_INFINITY, min, max });
    }
  });
  const values = await parseBounds(engine, requests);
  requests.forEach((r, i) => {
    const [lower, upper] = values[i]!;
    const t = r.leaf.type;
    const truncate = Number.isFinite(r.width);
    const lo = lower === null ? null : truncate ? truncateLowerBound(t, lower, r.width) : lower;
    const hi = upper === null ? null : truncate ? truncateUpperBound(t, upper, r.width) : upper;
    if (lo !== null) out[r.file]!.lower_bounds.set(r.leaf.id, toBinary(t, lo));
    if (hi !== null) out[r.file]!.upper_bounds.set(r.leaf.id, toBinary(t, hi));
  });
  if (nanFiles.size > 0) {
    const counts = await countNaNs(engine, [...nanFiles].map(([file, ls]) => ({ path: files[file]!.localPath, leaves: ls })));
    for (const [file, ls] of nanFiles) {
      for (const leaf of ls) out[file]!.nan_value_counts.set(leaf.id, counts.get(files[file]!.localPath)!.get(leaf.id)!);
    }
  }
  return out;
}

function count(s: Map<string, string>, name: string, leaf: LeafColumn, file: string): bigint {
  const v = s.get(name);
  if (v === undefined || !/^\d+$/.test(v)) {
    throw corruptError(`DuckDB returned no ${name} for column '${leaf.path.join('.')}' of ${file}`);
  }
  return BigInt(v);
}

/** Values per parsing query; keeps statements to a few hundred kB however many files there are. */
const PARSE_BATCH = 8192;
/** ASCII unit separator: never part of DuckDB's text for the types that go through CAST. */
const SEP = '\x1f';

/**
 * Turns min/max text into IcebergValues: strings as they are, BLOB hex decoded here, every
 * other type through TRY_CAST in DuckDB, which reads its own text exactly (BC dates, float
 * shortest-repr, TIMESTAMPTZ in the session's UTC). One query per column type: the texts go
 * in as one separator-joined literal, split and cast inside DuckDB (measured: 2200 values in
 * ~15 ms, against ~350 ms as a VALUES list). A value Iceberg cannot hold (an infinite date)
 * drops that bound: omitting one is always safe.
 */
async function parseBounds(engine: Engine, requests: readonly BoundRequest[]): Promise<[IcebergValue, IcebergValue][]> {
  const out: [IcebergValue, IcebergValue][] = requests.map(() => [null, null]);
  const byType = new Map<string, { slot: number; side: 0 | 1; text: string; leaf: LeafColumn }[]>();
  requests.forEach((r, slot) => {
    const kind = parsePrimitive(r.leaf.type).kind;
    ([r.min, r.max] as const).forEach((text, side) => {
      if (kind === 'string') out[slot]![side] = text;
      else if (kind === 'binary' || kind === 'fixed') out[slot]![side] = boundBytes(r.leaf.type, text);
      else if (text.includes(SEP)) throw corruptError(`unexpected ${r.leaf.type} bound text from DuckDB: ${JSON.stringify(text)}`);
      else {
        const sql = duckdbTypeSql(r.leaf.type);
        const list = byType.get(sql) ?? [];
        list.push({ slot, side: side as 0 | 1, text, leaf: r.leaf });
        byType.set(sql, list);
      }
    });
  });
  for (const [sql, items] of byType) {
    for (let start = 0; start < items.length; start += PARSE_BATCH) {
      const batch = items.slice(start, start + PARSE_BATCH);
      const [row] = await engine.all(
        `SELECT list_transform(string_split(${quoteLiteral(batch.map((b) => b.text).join(SEP))}, chr(31)), ` +
          `lambda x: TRY_CAST(x AS ${sql})) AS v`,
        'parse column bounds reported by DuckDB',
        { kind: 'corrupt' },
      );
      const parsed = (row?.v as unknown as { items: DuckDBValue[] } | undefined)?.items ?? [];
      if (parsed.length !== batch.length) throw corruptError(`parsed ${parsed.length} of ${batch.length} column bounds`);
      batch.forEach((b, i) => {
        out[b.slot]![b.side] = boundValue(b.leaf.type, parsed[i] ?? null, b.side === 0 ? 'lower' : 'upper');
      });
    }
  }
  return out;
}

/** BLOB bound text is hex; a fixed[16] column is written as UUID (write-parquet.ts), its bounds as UUID text, in the same byte order. */
function boundBytes(type: PrimitiveType, text: string): Uint8Array {
  return fixedWrittenAsUuid(type) ? uuidToBytes(text) : hexToBytes(text);
}

function boundValue(type: PrimitiveType, raw: DuckDBValue, side: 'lower' | 'upper'): IcebergValue {
  let v: IcebergValue;
  try {
    v = icebergValueOf(type, raw);
  } catch {
    return null;
  }
  if (typeof v === 'number' && isFloating(type)) {
    if (Number.isNaN(v)) return null;
    if (v === 0) return side === 'lower' ? -0 : 0;
  }
  return v;
}

/** Exact NaN counts of float/double columns outside lists and maps, per file. */
async function countNaNs(
  engine: Engine, files: readonly { path: string; leaves: readonly LeafColumn[] }[],
): Promise<Map<string, Map<number, bigint>>> {
  const leaves = [...new Map(files.flatMap((f) => f.leaves).map((l) => [l.id, l])).values()];
  const exprs = leaves.map((leaf, i) => {
    let e = quoteIdent(leaf.path[0]!);
    for (const name of leaf.path.slice(1)) e = `struct_extract(${e}, ${quoteLiteral(name)})`;
    return `count(*) FILTER (WHERE isnan(${e})) AS ${quoteIdent(`n${i}`)}`;
  });
  // Files of one write share their schema (the same casts), so one scan binds them all.
  const rows = await engine.all(
    `SELECT filename, ${exprs.join(', ')} FROM read_parquet([${files.map((f) => quoteLiteral(f.path)).join(', ')}], ` +
      `filename = true) GROUP BY filename`,
    'count NaN values in the written files',
    { kind: 'io' },
  );
  return new Map(rows.map((row) => [String(row.filename), new Map(leaves.map((l, i) => [l.id, BigInt(row[`n${i}`] as bigint)]))]));
}
