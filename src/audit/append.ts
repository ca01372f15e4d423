/**
 * Appending rows to a small unpartitioned table without DuckDB: the audit log's row of every
 * command (log.ts). Starting a DuckDB session for one row cost more than the rest of the
 * record together (about 40 ms of instance start in a command that already had DuckDB loaded,
 * 200 ms and more in one that had not, such as `floe table drop`), so the row is written by
 * parquet.ts and committed here with the same steps and semantics as ingest/write-table.ts's
 * writeTable(mode: 'append'):
 *
 * - the table is created with the first append (one catalog step; a create race is joined
 *   when the winner's table has the same layout);
 * - the columns are reconciled with the table's schema by name (reconcileColumns; new columns
 *   are added, a table column missing from the rows is written as NULL, a type that differs
 *   and cannot be promoted fails with the same schema error);
 * - one data file with full column metrics (counts, sizes, bounds truncated to 16 characters,
 *   Iceberg's default metrics mode as writeTable uses it), one manifest, one snapshot,
 *   committed with the table's conflict retries; a failed commit deletes what it wrote.
 *
 * A table this cannot write (partitioned, or with a column type parquet.ts does not cover) is
 * reported as `undefined`, and the caller writes through DuckDB instead.
 */
import { newTableLocation } from '../table/new-table.js';
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { FloeError } from '../errors.js';
import { DEFAULT_METRICS_MODE, truncateLowerBound, truncateUpperBound } from '../iceberg/bounds.js';
import { compareValues, toBinary } from '../iceberg/conversions.js';
import { stringifyJson } from '../iceberg/json.js';
import { createTableChange } from '../iceberg/metadata-builder.js';
import { assignFreshIds } from '../iceberg/schema.js';
import { DataFileContent, type DataFile, type IcebergValue, type NestedField, type PrimitiveType, type Schema, type StructType, type TableIdentifier, type TableMetadata } from '../iceberg/types.js';
import { reconcileColumns } from '../ingest/reconcile.js';
import { joinLocation, type FileIO } from '../io/fileio.js';
import { applyChange } from '../table/apply.js';
import { commitTable, createTable, discardUncommitted } from '../table/commit.js';
import { newFileLocation } from '../table/data-location.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import { buildSnapshotChange, currentSchema, newSnapshotId, nextSchemaId, specById, withEvolvedSchema, writeAddedManifest } from '../table/snapshot-producer.js';
import { ENGINE_VERSION } from '../table/summary.js';
import type { TableChange } from '../table/updates.js';
import { parquetWritable, writeSmallParquet, type SmallParquet } from './parquet.js';

/** A column of the rows to append: its name and Iceberg type (every column is optional). */
export interface RowColumn {
  name: string;
  type: PrimitiveType;
}

export interface AppendRowsOptions {
  catalog: Catalog;
  io: FileIO;
  id: TableIdentifier;
  /** Where a new table goes: `<warehouse>/<namespace>/<table>`. */
  warehouse: string;
  columns: readonly RowColumn[];
  /** Values in column order: string, bigint (long, timestamps in micros), number (int), null. */
  rows: readonly (readonly IcebergValue[])[];
}

export interface AppendRowsResult {
  snapshotId: bigint;
  created: boolean;
  attempts: number;
  /** The table as the append's commit left it (absent when the append created the table). */
  metadata?: TableMetadata;
}

/** The schema of the rows, ids 1..n as a table created from them gets (schemaFromColumns). */
export function rowsSchema(columns: readonly RowColumn[]): Schema {
  const fields: NestedField[] = columns.map((c) => ({ id: 0, name: c.name, required: false, type: c.type }));
  return assignFreshIds({ type: 'struct', 'schema-id': 0, fields }, 1);
}

/** Appends the rows in one snapshot, or returns undefined when the table needs the DuckDB writer. */
export async function appendRowsWithoutEngine(o: AppendRowsOptions): Promise<AppendRowsResult | undefined> {
  return appendOnce(o, true);
}

async function appendOnce(o: AppendRowsOptions, mayJoin: boolean): Promise<AppendRowsResult | undefined> {
  const name = formatTableId(o.id);
  const incoming = rowsSchema(o.columns);
  const { table, pendingCreate } = await loadOrNew(o, incoming);
  const m = table.metadata;
  const r = reconcileColumns(currentSchema(m), incoming, name, 'add_columns', nextSchemaId(m), m['last-column-id']);
  const schema = r.schema;
  const spec = specById(m, m['default-spec-id']);
  // A value cast (reconcile.ts exactValueCast) is SQL: the DuckDB writer applies and checks it.
  if (spec.fields.length > 0 || r.casts.length > 0 || !schema.fields.every((f) => typeof f.type === 'string' && parquetWritable(f.type))) return undefined;

  // Each table column takes the rows' column of its name (reconcileColumns matched it so),
  // promoted to the table's type (int → long); columns the rows lack are NULL.
  const source = schema.fields.map((f) => {
    const i = o.columns.findIndex((c) => c.name === f.name);
    return i >= 0 ? i : o.columns.findIndex((c) => c.name.toLowerCase() === f.name.toLowerCase());
  });
  const values = o.rows.map((row) => schema.fields.map((f, k) => promote(f.type as PrimitiveType, source[k]! >= 0 ? row[source[k]!] ?? null : null)));
  const columns = schema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type as PrimitiveType, required: f.required }));
  const parquet = writeSmallParquet(columns, values, `floe version ${ENGINE_VERSION}`);
  const sortOrder = m['sort-orders'].find((s) => s['order-id'] === m['default-sort-order-id']);

  const location = newFileLocation(m, '', `${randomUUID()}-00000.parquet`);
  const written: string[] = [];
  const metadataFiles: string[] = [];
  // Set when another command created the table meanwhile in another folder than ours.
  let appendToTheirs = false;
  try {
    await o.io.write(location, parquet.bytes, { createOnly: true });
    written.push(location);
    const file: DataFile = {
      content: DataFileContent.DATA,
      file_path: location,
      file_format: 'PARQUET',
      partition: [],
      record_count: BigInt(o.rows.length),
      file_size_in_bytes: BigInt(parquet.bytes.length),
      ...metrics(columns, parquet),
      split_offsets: [parquet.rowGroupOffset],
      ...(sortOrder && sortOrder.fields.length > 0 ? { sort_order_id: sortOrder['order-id'] } : {}),
    };
    const manifest = await writeAddedManifest(table.io, m, [file], 'data', m['default-spec-id'], schema);
    written.push(manifest.location);
    const snapshotId = newSnapshotId(m);
    const build = async (base: LoadedTable): Promise<TableChange> => {
      if (base.metadata['current-schema-id'] !== m['current-schema-id'] || base.metadata['default-spec-id'] !== m['default-spec-id']) {
        throw new FloeError('conflict', `${name}: the schema or partition spec changed while writing; nothing was committed`, { retryable: false, context: { table: name } });
      }
      const change = await buildSnapshotChange(base, { operation: 'append', snapshotId, added: [manifest], addedFiles: [file], written: metadataFiles });
      // The evolved schema commits atomically with the data written in it.
      return r.evolved ? withEvolvedSchema(change, m, schema) : change;
    };
    if (!pendingCreate) {
      const c = await commitTable(o.catalog, o.io, o.id, build);
      return { snapshotId, created: false, attempts: c.attempts, metadata: c.table.metadata };
    }
    // The table and its first snapshot appear in the catalog in one step.
    const first = await build(table);
    try {
      await createTable(o.catalog, o.io, o.id, { requirements: pendingCreate.requirements, updates: [...pendingCreate.updates, ...first.updates] });
      return { snapshotId, created: true, attempts: 1 };
    } catch (e) {
      // Another command created the table meanwhile: append to it when its layout is ours.
      if (!(e instanceof FloeError && e.kind === 'already-exists')) throw e;
      const theirs = await loadTable(o.catalog, o.io, o.id).catch(() => undefined);
      if (!theirs) throw e;
      if (!sameLayout(theirs.metadata, m)) {
        // Their table took another folder (new-table.ts: it found our metadata file there
        // before our catalog entry, or we found theirs), or another layout: the rows are
        // written again, as an append to their table.
        appendToTheirs = mayJoin;
        throw e;
      }
      const unused = metadataFiles.splice(0);
      const c = await commitTable(o.catalog, o.io, o.id, build);
      await Promise.all(unused.map((l) => o.io.delete(l).catch(() => undefined)));
      return { snapshotId, created: false, attempts: 1 + c.attempts, metadata: c.table.metadata };
    }
  } catch (e) {
    // Nothing references these files unless the commit's outcome is unknown (table/commit.ts).
    await discardUncommitted(o.io, [...written, ...metadataFiles], e);
    if (appendToTheirs) {
      const r = await appendOnce(o, false);
      return r && { ...r, attempts: r.attempts + 1 };
    }
    throw e;
  }
}

/** The table, or a new one that exists only in memory until its first commit (as write-table.ts loadOrCreate). */
async function loadOrNew(o: AppendRowsOptions, incoming: StructType): Promise<{ table: LoadedTable; pendingCreate?: TableChange }> {
  if (await o.catalog.tableExists(o.id)) return { table: await loadTable(o.catalog, o.io, o.id) };
  const change = createTableChange({ location: await newTableLocation(o.catalog, o.io, o.warehouse, o.id), schema: incoming });
  const metadata = applyChange(null, change, { metadataLocation: null, now: Date.now() });
  return { table: { id: o.id, metadataLocation: '', metadata, io: o.io }, pendingCreate: change };
}

function sameLayout(theirs: TableMetadata, ours: TableMetadata): boolean {
  const layout = (m: TableMetadata) =>
    stringifyJson([m.location, m['format-version'], currentSchema(m).fields, specById(m, m['default-spec-id']).fields, m['default-sort-order-id']]);
  return layout(theirs) === layout(ours);
}

/** A value in the table column's type: int values of a column the table widened to long become bigint. */
function promote(type: PrimitiveType, v: IcebergValue): IcebergValue {
  if (v === null) return null;
  if ((type === 'long' || type === 'timestamp' || type === 'timestamptz') && typeof v === 'number') return BigInt(v);
  if (type === 'double' && typeof v === 'bigint') return Number(v);
  return v;
}

/** Iceberg's column metrics of the file, in the default mode truncate(16) (spec "Manifests", fields 108-111, 125, 128, 137). */
function metrics(columns: readonly { id: number; type: PrimitiveType }[], p: SmallParquet) {
  const width = DEFAULT_METRICS_MODE.mode === 'truncate' ? DEFAULT_METRICS_MODE.width : Number.POSITIVE_INFINITY;
  const lower = new Map<number, Uint8Array>();
  const upper = new Map<number, Uint8Array>();
  for (const c of columns) {
    const values = p.nonNull.get(c.id) ?? [];
    if (values.length === 0) continue;
    const sorted = [...values].sort((a, b) => compareValues(c.type, a, b));
    const lo = truncateLowerBound(c.type, sorted[0]!, width);
    const hi = truncateUpperBound(c.type, sorted.at(-1)!, width);
    if (lo !== null) lower.set(c.id, toBinary(c.type, lo));
    if (hi !== null) upper.set(c.id, toBinary(c.type, hi));
  }
  return {
    column_sizes: p.columnSizes,
    value_counts: p.valueCounts,
    null_value_counts: p.nullCounts,
    nan_value_counts: p.nanCounts,
    lower_bounds: lower,
    upper_bounds: upper,
  };
}
