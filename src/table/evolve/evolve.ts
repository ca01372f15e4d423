/**
 * One table evolution as a TableChange (REST spec names): schema, partition spec, sort order
 * and properties, with the requirements that make it safe to apply on a table another writer
 * may have changed meanwhile. Pure: `planEvolution(metadata, request)` → change + readable
 * lines. A forbidden evolution throws a schema error naming the table, the column and the
 * rule; nothing is built, so nothing changes.
 */
import { FloeError, schemaError, usageError } from '../../errors.js';
import { newPartitionNameClash, type UnboundSortField } from '../../iceberg/metadata-builder.js';
import { columnName, fieldByPath } from '../../iceberg/schema.js';
import type { PartitionSpec, Schema, SortOrder, TableMetadata } from '../../iceberg/types.js';
import { nextSchemaId } from '../snapshot-producer.js';
import type { TableChange, TableRequirement, TableUpdate } from '../updates.js';
import { missingLayoutSources } from '../../iceberg/partition-rules.js';
import { leftInPlaceError } from './missing-source.js';
import { hasPartitionChanges, updatePartitionSpec, type PartitionChanges } from './partition-update.js';
import { hasSchemaChanges, updateSchema, type SchemaChanges } from './schema-update.js';
import { updateSortOrder } from './sort-update.js';

export interface EvolveRequest extends SchemaChanges, PartitionChanges {
  /** Replace the sort order; an empty list makes the table unsorted. */
  sortBy?: UnboundSortField[];
  setProperties?: Record<string, string>;
  /** Property keys to remove; a key the table does not have is not a change. */
  removeProperties?: string[];
}

export interface EvolutionPlan {
  change: TableChange;
  /** One readable line per change; empty when the request changes nothing. */
  changes: string[];
  schema: Schema;
}

/** Properties a change must not set directly (the format version is an update of its own). */
const RESERVED_PROPERTIES = new Set(['format-version', 'uuid', 'snapshot-count', 'current-snapshot-id', 'current-schema', 'default-partition-spec', 'default-sort-order']);

export function planEvolution(m: TableMetadata, req: EvolveRequest, table: string): EvolutionPlan {
  const base = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
  if (!base) throw schemaError(`table ${table}: current schema ${m['current-schema-id']} is missing`);
  const requirements: TableRequirement[] = [];
  const updates: TableUpdate[] = [];
  const changes: string[] = [];

  let schema = base;
  let dropped: number[] = [];
  if (hasSchemaChanges(req)) {
    const s = updateSchema(base, m['last-column-id'], req, table);
    dropped = s.dropped;
    if (s.changes.length) {
      schema = { ...s.schema, 'schema-id': nextSchemaId(m) };
      changes.push(...s.changes);
      requirements.push(
        { type: 'assert-current-schema-id', 'current-schema-id': m['current-schema-id'] },
        { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': m['last-column-id'] },
      );
      updates.push({ action: 'add-schema', schema, 'last-column-id': s.lastColumnId }, { action: 'set-current-schema', 'schema-id': -1 });
    }
  }

  // A dropped column must not be a partition source in any spec: files written with that spec
  // keep partition values derived from it, and readers bind every spec to the current schema.
  for (const id of dropped) {
    for (const spec of m['partition-specs']) {
      const f = spec.fields.find((x) => x['source-id'] === id);
      if (f) {
        throw schemaError(
          `table ${table}: cannot drop column '${columnName(base, id)}': partition field '${f.name}' of spec ${spec['spec-id']} uses it`,
          { context: { table, column: columnName(base, id) }, hint: spec['spec-id'] === m['default-spec-id'] ? 'drop the partition field first (--drop-partition-field); the column stays needed while files of that spec exist' : 'files written with that spec still depend on the column' },
        );
      }
    }
  }

  if (schema !== base) refusePartitionNameClash(m, base, schema, req, table);

  // The default spec and sort order this change makes; unset: the table's own stay.
  let specAfter: PartitionSpec | undefined;
  let orderAfter: SortOrder | undefined;
  if (hasPartitionChanges(req)) {
    const p = droppedHere(() => updatePartitionSpec(m, schema, req, table), req.dropColumns, table, 'partition by');
    if (p.spec) {
      specAfter = p.spec;
      changes.push(...p.changes);
      requirements.push(
        { type: 'assert-default-spec-id', 'default-spec-id': m['default-spec-id'] },
        { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': m['last-partition-id'] },
      );
      if (p.reused) updates.push({ action: 'set-default-spec', 'spec-id': p.spec['spec-id'] });
      else updates.push({ action: 'add-spec', spec: p.spec }, { action: 'set-default-spec', 'spec-id': -1 });
    }
  }

  const currentOrder = m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']);
  if (req.sortBy !== undefined) {
    const s = droppedHere(() => updateSortOrder(m, schema, req.sortBy!, table), req.dropColumns, table, 'sort by');
    if (s.order) {
      orderAfter = s.order;
      changes.push(...s.changes);
      requirements.push({ type: 'assert-default-sort-order-id', 'default-sort-order-id': m['default-sort-order-id'] });
      if (s.reused) updates.push({ action: 'set-default-sort-order', 'sort-order-id': s.order['order-id'] });
      else updates.push({ action: 'add-sort-order', 'sort-order': s.order }, { action: 'set-default-sort-order', 'sort-order-id': -1 });
    }
  } else if (currentOrder) {
    const used = currentOrder.fields.find((f) => dropped.includes(f['source-id']));
    if (used) {
      throw schemaError(`table ${table}: cannot drop column '${columnName(base, used['source-id'])}': the table's sort order ${currentOrder['order-id']} uses it`, {
        context: { table, column: columnName(base, used['source-id']) },
        hint: 'change the sort order first (--sort-by)',
      });
    }
  }

  // The default spec and sort order this change leaves must bind to the schema it leaves
  // (Java's checkCompatibility). Only a table another tool left that way fails here; the
  // message names what to drop, which this same command can do.
  const after = missingLayoutSources(m, { schema, spec: specAfter, order: orderAfter });
  if (after.length > 0) throw leftInPlaceError(m, table, after);

  const props = req.setProperties ?? {};
  const keys = Object.keys(props);
  for (const k of keys) {
    if (RESERVED_PROPERTIES.has(k)) throw usageError(`table ${table}: property '${k}' is reserved and cannot be set with --set-property`, { context: { table } });
  }
  for (const k of req.removeProperties ?? []) {
    if (RESERVED_PROPERTIES.has(k)) throw usageError(`table ${table}: property '${k}' is reserved and cannot be removed with --remove-property`, { context: { table } });
    if (k in props) throw usageError(`table ${table}: property '${k}' is both set and removed in the same change`, { context: { table } });
  }
  const changedProps = Object.fromEntries(Object.entries(props).filter(([k, v]) => m.properties[k] !== v));
  if (Object.keys(changedProps).length) {
    updates.push({ action: 'set-properties', updates: changedProps });
    for (const [k, v] of Object.entries(changedProps)) changes.push(`set property ${k}=${v}`);
  }
  const removals = [...new Set(req.removeProperties ?? [])].filter((k) => Object.prototype.hasOwnProperty.call(m.properties, k));
  if (removals.length) {
    updates.push({ action: 'remove-properties', removals });
    for (const k of removals) changes.push(`remove property ${k} (was ${m.properties[k]})`);
  }
  return { change: { requirements, updates }, changes, schema };
}

/**
 * A partition or sort field over a column this same change drops binds to the new schema and
 * finds "no such column": say that the column is dropped here, not that it never existed.
 */
function droppedHere<T>(f: () => T, drops: readonly string[] | undefined, table: string, verb: string): T {
  try {
    return f();
  } catch (e) {
    const name = e instanceof FloeError && e.kind === 'schema' ? /'([^']+)': no such column/.exec(e.message)?.[1] : undefined;
    if (name !== undefined && (drops ?? []).includes(name)) {
      throw schemaError(`table ${table}: cannot ${verb} '${name}': the same change drops that column`, { context: { table, column: name } });
    }
    throw e;
  }
}

/**
 * A column this change adds or renames must not take the name of a partition field of any
 * spec, unless that field is sourced from the very column (an identity partition keeps its
 * column's name). Iceberg Java rebinds every spec to the new current schema and refuses such a
 * schema ("Cannot create identity partition sourced from different field in schema"), and floe
 * refuses every later partition change of a table that has one; iceberg-rust refuses it too.
 * A clash the table already has (another tool made it) is left alone.
 */
function refusePartitionNameClash(m: TableMetadata, base: Schema, schema: Schema, req: EvolveRequest, table: string): void {
  const clash = newPartitionNameClash(m['partition-specs'], base, schema);
  if (!clash) return;
  const { spec, field: f, column: col } = clash;
  const renamed = (req.renameColumns ?? []).find((r) => r.to === col.path[col.path.length - 1] && fieldByPath(base, r.from)?.id === col.id);
  const what = renamed ? `rename '${renamed.from}' to '${renamed.to}'` : `add column '${f.name}'`;
  const source = layoutSourceText(m, schema, f['source-id']);
  throw schemaError(`table ${table}: cannot ${what}: partition field '${f.name}' of spec ${spec['spec-id']} (${f.transform === 'identity' ? source : `${f.transform}(${source})`}) has that name`, {
    context: { table, column: f.name },
    hint: 'Iceberg refuses a column named like a partition field of the table that is not sourced from it; pick another name',
  });
}

function layoutSourceText(m: TableMetadata, schema: Schema, id: number): string {
  return columnName(schema, id) ?? m.schemas.map((s) => columnName(s, id)).find((n) => n !== undefined) ?? `column id ${id}`;
}
