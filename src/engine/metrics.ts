/**
 * Iceberg column metrics for a Parquet file DuckDB wrote, from `COPY ... (RETURN_STATS)`
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
 *   aggregate over the written file; never guessed;
 * - a float bound of zero is widened to -0.0 (lower) / +0.0 (upper), because DuckDB orders
 *   -0.0 and 0.0 as equal and may report either, while Iceberg orders -0.0 first.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { DataFile, IcebergValue, PrimitiveType, StructType } from '../iceberg/types.js';
import { indexFields } from '../iceberg/schema.js';
import { parsePrimitive } from '../iceberg/primitive.js';
import { hexToBytes, toBinary } from '../iceberg/conversions.js';
import { DEFAULT_METRICS_MODE, type MetricsMode, truncateLowerBound, truncateUpperBound } from '../iceberg/bounds.js';
import { corruptError } from '../errors.js';
import type { Engine, Row } from './duckdb.js';
import { quoteIdent, quoteLiteral, statsKey } from './sql.js';
import { duckdbTypeSql, icebergValueOf } from './types.js';

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

/**
 * The metrics of one written file. `localPath` is read back only when a float column has
 * NaNs (to count them); bounds text is parsed by DuckDB itself with one CAST per bound, so
 * no date, timestamp or float text is ever re-parsed in JS.
 */
export async function fileMetrics(
  engine: Engine, stats: CopyStats, localPath: string, leaves: readonly LeafColumn[], options: MetricsOptions = {},
): Promise<ColumnMetrics> {
  const m: ColumnMetrics = {
    column_sizes: new Map(), value_counts: new Map(), null_value_counts: new Map(),
    nan_value_counts: new Map(), lower_bounds: new Map(), upper_bounds: new Map(),
  };
  const nanColumns: LeafColumn[] = [];
  const bounds: { leaf: LeafColumn; width: number; min: string; max: string }[] = [];
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
      else if (hasNan === 'true') nanColumns.push(leaf);
    }
    const min = s.get('min');
    const max = s.get('max');
    if (mode.mode === 'counts' || min === undefined || max === undefined) continue;
    bounds.push({ leaf, width: mode.mode === 'truncate' ? mode.width : Number.POSITIVE_INFINITY, min, max });
  }
  const values = await parseBounds(engine, bounds, localPath);
  bounds.forEach((b, i) => {
    const [lower, upper] = values[i]!;
    const t = b.leaf.type;
    const lo = lower === null ? null : Number.isFinite(b.width) ? truncateLowerBound(t, lower, b.width) : lower;
    const hi = upper === null ? null : Number.isFinite(b.width) ? truncateUpperBound(t, upper, b.width) : upper;
    if (lo !== null) m.lower_bounds.set(b.leaf.id, toBinary(t, lo));
    if (hi !== null) m.upper_bounds.set(b.leaf.id, toBinary(t, hi));
  });
  if (nanColumns.length > 0) {
    for (const [id, n] of await countNaNs(engine, localPath, nanColumns)) m.nan_value_counts.set(id, n);
  }
  return m;
}

function count(s: Map<string, string>, name: string, leaf: LeafColumn, file: string): bigint {
  const v = s.get(name);
  if (v === undefined || !/^\d+$/.test(v)) {
    throw corruptError(`DuckDB returned no ${name} for column '${leaf.path.join('.')}' of ${file}`);
  }
  return BigInt(v);
}

/**
 * Turns min/max text into IcebergValues: strings as they are, BLOB hex decoded here, every
 * other type through CAST in DuckDB (which reads its own text exactly: BC dates, float
 * shortest-repr, TIMESTAMPTZ in the session's UTC). A value Iceberg cannot hold (an infinite
 * date) drops that bound: omitting a bound is always safe.
 */
async function parseBounds(
  engine: Engine, bounds: readonly { leaf: LeafColumn; min: string; max: string }[], file: string,
): Promise<[IcebergValue, IcebergValue][]> {
  const params: string[] = [];
  const selects: string[] = [];
  // Each bound is either parsed here or becomes one CAST column; `slot` remembers which.
  const slots = bounds.map(({ leaf, min, max }) =>
    [min, max].map((text) => {
      const kind = parsePrimitive(leaf.type).kind;
      if (kind === 'string') return { value: text as IcebergValue };
      if (kind === 'binary' || kind === 'fixed') return { value: hexToBytes(text) as IcebergValue };
      params.push(text);
      selects.push(`CAST($${params.length} AS ${duckdbTypeSql(leaf.type)}) AS ${quoteIdent(`v${params.length}`)}`);
      return { column: `v${params.length}` };
    }),
  );
  const row: Row = selects.length === 0 ? {} :
    (await engine.all(`SELECT ${selects.join(', ')}`, `parse the column bounds of ${file}`, { kind: 'corrupt', params }))[0]!;
  const resolve = (leaf: LeafColumn, slot: { value?: IcebergValue; column?: string }, side: 'lower' | 'upper'): IcebergValue => {
    if (slot.column === undefined) return slot.value ?? null;
    let v: IcebergValue;
    try {
      v = icebergValueOf(leaf.type, row[slot.column] ?? null);
    } catch {
      return null;
    }
    if (typeof v === 'number' && isFloating(leaf.type)) {
      if (Number.isNaN(v)) return null;
      if (v === 0) return side === 'lower' ? -0 : 0;
    }
    return v;
  };
  return bounds.map(({ leaf }, i) => [resolve(leaf, slots[i]![0]!, 'lower'), resolve(leaf, slots[i]![1]!, 'upper')]);
}

/** Exact NaN counts of float/double columns outside lists and maps, from the written file. */
async function countNaNs(engine: Engine, file: string, leaves: readonly LeafColumn[]): Promise<Map<number, bigint>> {
  const exprs = leaves.map((leaf, i) => {
    let e = quoteIdent(leaf.path[0]!);
    for (const name of leaf.path.slice(1)) e = `struct_extract(${e}, ${quoteLiteral(name)})`;
    return `count(*) FILTER (WHERE isnan(${e})) AS ${quoteIdent(`n${i}`)}`;
  });
  const [row] = await engine.all(
    `SELECT ${exprs.join(', ')} FROM read_parquet(${quoteLiteral(file)})`,
    `count NaN values in ${file}`,
    { kind: 'io' },
  );
  return new Map(leaves.map((leaf, i) => [leaf.id, BigInt(row![`n${i}`] as bigint)]));
}
