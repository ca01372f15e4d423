/**
 * Redundant partition fields (spec "Partitioning"; the rule of Iceberg's PartitionSpec builder
 * in Java, PyIceberg and iceberg-rust): two fields of one spec over the same source column are
 * redundant when their transforms have the same dedup name. The time transforms year, month,
 * day and hour share one dedup name, since each is a coarser view of the others (a table
 * partitioned by day(ts) and hour(ts) has one hour folder per day folder); every other
 * transform is its own (`identity`, `bucket[16]`, `truncate[4]`). So `day(ts)` with
 * `hour(ts)` is redundant, as is `bucket(16, id)` twice, while `id` with `bucket(16, id)`,
 * or `bucket(16, id)` with `bucket(8, id)`, is not. Pure.
 */
import { allFieldIds, columnName } from './schema.js';
import type { PartitionSpec, Schema, SortOrder, TableMetadata } from './types.js';

const TIME_TRANSFORMS = new Set(['year', 'month', 'day', 'hour']);
const canonical = (transform: string) => transform.replace(/\s+/g, '').toLowerCase();

/** The transform's dedup name: `time` for year/month/day/hour, else the transform itself. */
export function dedupName(transform: string): string {
  const t = canonical(transform);
  return TIME_TRANSFORMS.has(t) ? 'time' : t;
}

/** A partition field for this rule: its source (a column id or name) and its transform. */
export interface DedupField {
  source: number | string;
  transform: string;
}

export interface RedundantPair<T> {
  first: T;
  second: T;
  /** Why, in words, to follow "are redundant: ". */
  reason: string;
}

/**
 * The first pair of redundant fields, in order, or undefined. Void fields (v1 tables keep a
 * removed field as void) partition nothing and are never redundant. With `added`, only a
 * pair in which at least one field is added counts (a table another engine made redundant is
 * left alone until a change touches the pair).
 */
export function redundantPartitionFields<T extends DedupField>(fields: readonly T[], added?: (f: T) => boolean): RedundantPair<T> | undefined {
  const live = fields.filter((f) => dedupName(f.transform) !== 'void');
  for (let j = 1; j < live.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = live[i]!;
      const b = live[j]!;
      if (a.source !== b.source || dedupName(a.transform) !== dedupName(b.transform)) continue;
      if (added && !added(a) && !added(b)) continue;
      const same = canonical(a.transform) === canonical(b.transform);
      return { first: a, second: b, reason: same ? 'the same transform of one column twice' : 'a column takes only one of the time transforms year, month, day and hour' };
    }
  }
  return undefined;
}

/** `day(ts)`, `bucket(16, id)`, `country`: a field as the user writes it. */
export function partitionExprText(source: string, transform: string): string {
  const m = /^(bucket|truncate)\[(\d+)\]$/.exec(transform);
  if (m) return `${m[1]}(${m[2]}, ${source})`;
  return transform === 'identity' ? source : `${transform}(${source})`;
}

/**
 * A default partition field or sort field whose source column the schema does not have.
 * Iceberg binds the default spec and sort order to the current schema ("Partitioning",
 * "Sorting"; Java's checkCompatibility): such a table cannot be written until its layout is
 * changed. It arises when another tool drops a column the layout uses (floe refuses that).
 */
export interface MissingLayoutSource {
  what: 'partition spec' | 'sort order';
  /** Spec id or sort order id. */
  id: number;
  /** The partition field's name, or the sort field's position (1-based) as text. */
  field: string;
  transform: string;
  sourceId: number;
  /** The column's name in the newest schema that still has it, when one does. */
  lastName?: string;
}

/** The newest schema's name for a field id (dotted), for messages about a dropped column. */
export function lastKnownName(m: TableMetadata, id: number): string | undefined {
  const schemas = [...m.schemas].sort((a, b) => b['schema-id'] - a['schema-id']);
  for (const s of schemas) {
    const name = columnName(s, id);
    if (name !== undefined) return name;
  }
  return undefined;
}

/**
 * A layout field's column as messages show it: its name in `schema`; else, with `m`, its last
 * name marked `[dropped]`; else `#<id>`.
 */
export function layoutColumnLabel(schema: Schema, id: number, m?: TableMetadata): string {
  const col = columnName(schema, id);
  if (col !== undefined) return col;
  const gone = m ? lastKnownName(m, id) : undefined;
  return gone !== undefined ? `${gone} [dropped]` : `#${id}`;
}

/**
 * The default spec's and sort order's fields whose source is not in `schema` (default: the
 * current schema). Void partition fields (v1's removed fields) need no source.
 */
export function missingLayoutSources(
  m: TableMetadata,
  layout: { schema?: Schema; spec?: PartitionSpec; order?: SortOrder } = {},
): MissingLayoutSource[] {
  const schema = layout.schema ?? m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
  if (!schema) return [];
  const spec = layout.spec ?? m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']);
  const order = layout.order ?? m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']);
  const out: MissingLayoutSource[] = [];
  const ids = new Set(allFieldIds(schema));
  const known = (id: number) => ids.has(id);
  for (const f of spec?.fields ?? []) {
    if (f.transform === 'void' || known(f['source-id'])) continue;
    out.push({ what: 'partition spec', id: spec!['spec-id'], field: f.name, transform: f.transform, sourceId: f['source-id'], lastName: lastKnownName(m, f['source-id']) });
  }
  (order?.fields ?? []).forEach((f, i) => {
    if (known(f['source-id'])) return;
    out.push({ what: 'sort order', id: order!['order-id'], field: String(i + 1), transform: f.transform, sourceId: f['source-id'], lastName: lastKnownName(m, f['source-id']) });
  });
  return out;
}

/** "partition field 'ts_day' (day of column 'ts', id 2)" or "sort field 1 (column id 3)". */
export function describeMissingSource(p: MissingLayoutSource): string {
  const column = p.lastName !== undefined ? `column '${p.lastName}', id ${p.sourceId}` : `column id ${p.sourceId}`;
  const of = p.transform === 'identity' ? column : `${p.transform} of ${column}`;
  return p.what === 'partition spec' ? `partition field '${p.field}' (${of})` : `sort field ${p.field} (${of})`;
}
