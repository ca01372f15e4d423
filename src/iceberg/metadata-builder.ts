/**
 * Building new table metadata (spec: "Table Metadata Fields", "Partitioning", "Sorting"), the
 * same table expressed as a create TableChange (the REST spec's create flow: assert-create,
 * assign-uuid, upgrade-format-version, add-schema, set-current-schema -1, add-spec,
 * set-default-spec -1, add-sort-order, set-default-sort-order -1, set-location,
 * set-properties), and the invariants every metadata floe writes must hold.
 *
 * Like Iceberg Java's TableMetadata.newTableMetadata, a new table gets fresh column ids from 1
 * and partition field ids from 1000; partition fields are named the way Java names them.
 */
import { randomUUID } from 'node:crypto';
import type { NullOrder, PartitionField, PartitionSpec, Schema, SortDirection, SortOrder, StructType, TableMetadata } from './types.js';
import type { TableChange } from '../table/updates.js';
import { assignFreshIds, fieldByPath, highestFieldId, indexById, v3Features } from './schema.js';
import { canTransform, formatTransform, parseTransform } from './transforms/index.js';
import { internalError, schemaError } from '../errors.js';

export const PARTITION_DATA_ID_START = 1000;
export const UNSORTED_ORDER: SortOrder = { 'order-id': 0, fields: [] };

/** A partition field by column name, as a pipeline's `partition_by` gives it. */
export interface UnboundPartitionField {
  /** Dotted column name ('address.country'). */
  sourceName: string;
  /** 'identity', 'bucket[16]', 'truncate[4]', 'year', 'month', 'day', 'hour', 'void'. */
  transform: string;
  name?: string;
}

export interface UnboundSortField {
  sourceName: string;
  transform?: string;
  direction?: SortDirection;
  nullOrder?: NullOrder;
}

/** Iceberg Java's default partition field names (PartitionSpec.Builder): id_bucket, ts_day, ... */
export function partitionFieldName(sourceName: string, transform: string): string {
  const t = parseTransform(transform);
  switch (t.kind) {
    case 'identity':
      return sourceName;
    case 'bucket':
      return `${sourceName}_bucket`;
    case 'truncate':
      return `${sourceName}_trunc`;
    case 'void':
      return `${sourceName}_null`;
    default:
      return `${sourceName}_${t.kind}`;
  }
}

function bindSource(schema: StructType, name: string, transform: string, what: string): number {
  const f = fieldByPath(schema, name);
  if (!f) throw schemaError(`${what} '${name}': no such column`);
  // Spec "Partitioning": sources must be primitive and not inside a map or list.
  if (typeof f.type !== 'string' || f.inRepeated) throw schemaError(`${what} '${name}': source must be a primitive column outside lists and maps`);
  if (!canTransform(transform, f.type)) throw schemaError(`${what} '${name}': transform ${transform} cannot be applied to a ${f.type} column`);
  return f.id;
}

/**
 * Binds partition fields to a schema. Field ids reuse the id of an equivalent field (same
 * source and transform) in `existingSpecs` (spec: "Partition field IDs must be reused if an
 * existing partition spec contains an equivalent field"), else count up from lastPartitionId.
 */
export function buildPartitionSpec(
  schema: StructType,
  fields: readonly UnboundPartitionField[],
  specId = 0,
  lastPartitionId = PARTITION_DATA_ID_START - 1,
  existingSpecs: readonly PartitionSpec[] = [],
): PartitionSpec {
  let last = lastPartitionId;
  const out: PartitionField[] = [];
  const names = new Set<string>();
  for (const u of fields) {
    const transform = formatTransform(u.transform);
    const sourceId = bindSource(schema, u.sourceName, transform, 'partition column');
    const name = u.name ?? partitionFieldName(u.sourceName, transform);
    if (names.has(name)) throw schemaError(`partition field name '${name}' is used twice`);
    const reuse = existingSpecs.flatMap((s) => s.fields).find((f) => f['source-id'] === sourceId && f.transform === transform);
    // Java: a partition name may only equal a column name for an identity partition of that
    // column. A field the table already has keeps its name when its own source column was
    // renamed to it (Java's UpdatePartitionSpec rebinds kept fields by source id, as here).
    const clash = fieldByPath(schema, name);
    const kept = reuse !== undefined && reuse.name === name;
    if (clash && !(clash.id === sourceId && (transform === 'identity' || kept))) {
      throw schemaError(`partition field name '${name}' conflicts with a column of the same name`, { hint: 'give the partition field another name' });
    }
    if (out.some((f) => f['source-id'] === sourceId && f.transform === transform)) {
      throw schemaError(`partition by ${transform}(${u.sourceName}) is listed twice`);
    }
    names.add(name);
    out.push({ 'source-id': sourceId, 'field-id': reuse ? reuse['field-id'] : ++last, name, transform });
  }
  return { 'spec-id': specId, fields: out };
}

/**
 * A column of `after` that takes the name of a partition field of one of `specs` without being
 * that field's source, and did not have that name in `before` (the previous current schema).
 * Iceberg Java rebinds every spec to a new current schema and refuses such a schema ("Cannot
 * create identity partition sourced from different field in schema"); a clash a table already
 * has is left alone.
 */
export function newPartitionNameClash(
  specs: readonly PartitionSpec[],
  before: StructType | undefined,
  after: StructType,
): { spec: PartitionSpec; field: PartitionField; column: { id: number; path: string[] } } | undefined {
  for (const spec of specs) {
    for (const field of spec.fields) {
      const col = fieldByPath(after, field.name);
      if (!col || col.id === field['source-id']) continue;
      if (before && fieldByPath(before, field.name)?.id === col.id) continue;
      return { spec, field, column: { id: col.id, path: col.path } };
    }
  }
  return undefined;
}

/** Binds sort fields; no fields is the unsorted order, id 0. Null order defaults as Java's: asc → nulls-first. */
export function buildSortOrder(schema: StructType, fields: readonly UnboundSortField[], orderId = 1): SortOrder {
  if (fields.length === 0) return UNSORTED_ORDER;
  if (orderId === 0) throw internalError('sort order id 0 is reserved for the unsorted order');
  return {
    'order-id': orderId,
    fields: fields.map((u) => {
      const transform = formatTransform(u.transform ?? 'identity');
      const direction = u.direction ?? 'asc';
      return {
        transform,
        'source-id': bindSource(schema, u.sourceName, transform, 'sort column'),
        direction,
        'null-order': u.nullOrder ?? (direction === 'asc' ? 'nulls-first' : 'nulls-last'),
      };
    }),
  };
}

export interface NewTableOptions {
  location: string;
  schema: StructType;
  partitionBy?: readonly UnboundPartitionField[];
  sortBy?: readonly UnboundSortField[];
  properties?: Record<string, string>;
  formatVersion?: 1 | 2 | 3;
  /** Default: a random UUID. */
  tableUuid?: string;
  /** Assign fresh column ids from 1 (default true, as Java does on create); false keeps the schema's ids. */
  assignIds?: boolean;
  /** last-updated-ms; default Date.now(). */
  now?: number;
}

interface Prepared {
  uuid: string;
  version: 1 | 2 | 3;
  location: string;
  schema: Schema;
  spec: PartitionSpec;
  order: SortOrder;
  properties: Record<string, string>;
}

function prepare(o: NewTableOptions): Prepared {
  const props = { ...(o.properties ?? {}) };
  // Java treats 'format-version' as a reserved property: it picks the version and is not stored.
  const propVersion = props['format-version'];
  delete props['format-version'];
  const version = o.formatVersion ?? (propVersion ? (Number(propVersion) as 1 | 2 | 3) : 2);
  if (![1, 2, 3].includes(version)) throw schemaError(`unsupported format version ${propVersion ?? version}`);
  const fresh = o.assignIds === false ? o.schema : assignFreshIds(o.schema, 1);
  const schema: Schema = { ...(fresh as Schema), 'schema-id': 0 };
  indexById(schema);
  const spec = buildPartitionSpec(schema, o.partitionBy ?? [], 0);
  return {
    uuid: o.tableUuid ?? randomUUID(),
    version,
    location: o.location.replace(/\/+$/, ''),
    schema,
    spec,
    order: buildSortOrder(schema, o.sortBy ?? [], 1),
    properties: props,
  };
}

/** Metadata for a new table with every required v2 field, no snapshots. */
export function newTableMetadata(o: NewTableOptions): TableMetadata {
  const p = prepare(o);
  const m: TableMetadata = {
    'format-version': p.version,
    'table-uuid': p.uuid,
    location: p.location,
    'last-sequence-number': 0n,
    'last-updated-ms': o.now ?? Date.now(),
    'last-column-id': highestFieldId(p.schema),
    schemas: [p.schema],
    'current-schema-id': 0,
    'partition-specs': [p.spec],
    'default-spec-id': 0,
    'last-partition-id': Math.max(PARTITION_DATA_ID_START - 1, ...p.spec.fields.map((f) => f['field-id'])),
    properties: p.properties,
    'current-snapshot-id': null,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [p.order],
    'default-sort-order-id': p.order['order-id'],
    refs: {},
    statistics: [],
    'partition-statistics': [],
  };
  if (p.version >= 3) m['next-row-id'] = 0n;
  validateTableMetadata(m);
  return m;
}

/** The same new table as a create change, for applyChange(null, ...) or a REST catalog. */
export function createTableChange(o: NewTableOptions): TableChange {
  const p = prepare(o);
  return {
    requirements: [{ type: 'assert-create' }],
    updates: [
      { action: 'assign-uuid', uuid: p.uuid },
      { action: 'upgrade-format-version', 'format-version': p.version },
      { action: 'add-schema', schema: p.schema, 'last-column-id': highestFieldId(p.schema) },
      { action: 'set-current-schema', 'schema-id': -1 },
      { action: 'add-spec', spec: p.spec },
      { action: 'set-default-spec', 'spec-id': -1 },
      { action: 'add-sort-order', 'sort-order': p.order },
      { action: 'set-default-sort-order', 'sort-order-id': -1 },
      { action: 'set-location', location: p.location },
      { action: 'set-properties', updates: p.properties },
    ],
  };
}

/**
 * The invariants of table metadata (spec: "Table Metadata Fields"); throws on the first broken
 * one. A broken invariant after applying a change means the change was built wrong (internal),
 * except for schema-level problems a user can cause (schema errors).
 */
export function validateTableMetadata(m: TableMetadata): void {
  const bad = (msg: string) => internalError(`invalid table metadata for ${m.location || '(no location)'}: ${msg}`);
  if (m['format-version'] >= 2 && m['table-uuid'] === '') throw bad('format v2 and later require a table-uuid');
  if (m.location === '') throw bad('no location');
  const schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
  if (!schema) throw bad(`current-schema-id ${m['current-schema-id']} is not in schemas`);
  const spec = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']);
  if (!spec) throw bad(`default-spec-id ${m['default-spec-id']} is not in partition-specs`);
  const order = m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']);
  if (!order) throw bad(`default-sort-order-id ${m['default-sort-order-id']} is not in sort-orders`);
  const main = m.refs.main?.['snapshot-id'] ?? null;
  if (main !== m['current-snapshot-id']) throw bad(`current-snapshot-id ${m['current-snapshot-id'] ?? 'none'} differs from refs.main ${main ?? 'none'}`);
  const ids = new Set<bigint>();
  for (const s of m.snapshots) {
    if (ids.has(s['snapshot-id'])) throw bad(`snapshot ${s['snapshot-id']} is listed twice`);
    ids.add(s['snapshot-id']);
  }
  for (const [name, r] of Object.entries(m.refs)) if (!ids.has(r['snapshot-id'])) throw bad(`ref '${name}' points at missing snapshot ${r['snapshot-id']}`);
  for (const s of m.schemas) {
    if (highestFieldId(s) > m['last-column-id']) throw bad(`schema ${s['schema-id']} uses field ids above last-column-id ${m['last-column-id']}`);
    const v3 = m['format-version'] < 3 ? v3Features(s) : [];
    if (v3.length > 0) throw schemaError(`${v3[0]}, which needs format version 3 (this table is v${m['format-version']})`);
  }
  for (const s of m['partition-specs']) {
    for (const f of s.fields) if (f['field-id'] > m['last-partition-id']) throw bad(`partition field ${f.name} has id ${f['field-id']} above last-partition-id`);
  }
  // Java's checkCompatibility: the default spec and order must bind to the current schema.
  const byId = indexById(schema);
  for (const f of spec.fields) {
    if (f.transform !== 'void' && !byId.has(f['source-id'])) {
      throw schemaError(`partition field '${f.name}' uses column id ${f['source-id']}, which the current schema no longer has`);
    }
  }
  for (const f of order.fields) {
    if (!byId.has(f['source-id'])) throw schemaError(`the default sort order uses column id ${f['source-id']}, which the current schema no longer has`);
  }
}
