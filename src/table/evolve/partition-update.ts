/**
 * Partition spec evolution (spec: "Partitioning", "Partition Evolution"). Pure.
 *
 * - Every change makes a new spec; data files keep the spec they were written with.
 * - A partition field equivalent to one in any earlier spec (same source column and
 *   transform) reuses that field's id (v2: "Partition field IDs must be reused if an existing
 *   partition spec contains an equivalent field"); other new fields count up from
 *   `last-partition-id`, so ids never collide.
 * - v1 tables: a removed field stays in the spec with the void transform (v1 readers match
 *   partition fields by position), and new fields are appended after it. A void field whose
 *   name a new field wants is renamed `<name>_<field-id>`, as Iceberg Java does.
 * - A spec equal to an existing one is not added again: that spec is made the default.
 */
import { FloeError, schemaError, usageError } from '../../errors.js';
import { buildPartitionSpec, type UnboundPartitionField } from '../../iceberg/metadata-builder.js';
import { lastKnownName, layoutColumnLabel, missingLayoutSources, partitionExprText, redundantPartitionFields } from '../../iceberg/partition-rules.js';
import { columnName } from '../../iceberg/schema.js';
import type { PartitionField, PartitionSpec, Schema, TableMetadata } from '../../iceberg/types.js';
import { leftInPlaceError } from './missing-source.js';

export interface PartitionChanges {
  /** Replace the partition fields with exactly these (an empty list: unpartitioned). */
  partitionBy?: UnboundPartitionField[];
  addPartitionFields?: UnboundPartitionField[];
  /** Partition field names, or expressions such as 'day(ts)' as formatted by describeField. */
  dropPartitionFields?: string[];
}

export const hasPartitionChanges = (c: PartitionChanges): boolean =>
  c.partitionBy !== undefined || (c.addPartitionFields?.length ?? 0) > 0 || (c.dropPartitionFields?.length ?? 0) > 0;

export interface PartitionUpdateResult {
  /** The new default spec (spec-id is the id it will have), or undefined when nothing changes. */
  spec?: PartitionSpec;
  /** True when `spec` equals an existing spec, which is then only made the default. */
  reused: boolean;
  lastPartitionId: number;
  changes: string[];
}

const same = (a: PartitionField, b: PartitionField) => a['source-id'] === b['source-id'] && a.transform === b.transform;

/** `day(ts)`, `bucket[16](id)`, `country`: a field as a person reads it. */
function describeField(f: PartitionField, schema: Schema, m?: TableMetadata): string {
  const col = layoutColumnLabel(schema, f['source-id'], m);
  return f.transform === 'identity' ? col : `${f.transform}(${col})`;
}

/** `m`, when given, names a column the schema no longer has by its last name. */
export function describeSpec(spec: PartitionSpec, schema: Schema, m?: TableMetadata): string {
  return spec.fields.length ? spec.fields.map((f) => `${describeField(f, schema, m)} as ${f.name}`).join(', ') : 'unpartitioned';
}

export function updatePartitionSpec(m: TableMetadata, schema: Schema, c: PartitionChanges, table: string): PartitionUpdateResult {
  const current = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']);
  if (!current) throw schemaError(`table ${table}: default partition spec ${m['default-spec-id']} is missing`);
  const v1 = m['format-version'] === 1;
  const live = current.fields.filter((f) => f.transform !== 'void');
  // The wanted fields, unbound: start from the replacement list or the current live fields.
  // A current field whose column the schema lacks (another tool dropped it) can only be
  // dropped: it is named by its old column name for --drop-partition-field "day(ts)".
  const missing = new Map<UnboundPartitionField, PartitionField>();
  const wanted: UnboundPartitionField[] = c.partitionBy
    ? [...c.partitionBy]
    : live.map((f) => {
        const column = columnName(schema, f['source-id']);
        const u = { sourceName: column ?? lastKnownName(m, f['source-id']) ?? `#${f['source-id']}`, transform: f.transform, name: f.name };
        if (column === undefined) missing.set(u, f);
        return u;
      });
  const fromCurrent = new Set(c.partitionBy ? [] : wanted);
  const dropped = new Set<string>();
  for (const name of c.dropPartitionFields ?? []) {
    if (dropped.has(name)) throw schemaError(`table ${table}: partition field '${name}' is dropped twice in the same change`, { context: { table } });
    dropped.add(name);
    // By name first, then by expression as the user types it ('bucket(16, id)', 'day(ts)') or as floe prints it ('bucket[16](id)').
    const byName = wanted.findIndex((w) => w.name === name);
    const i = byName >= 0 ? byName : wanted.findIndex((w) => exprOf(w) === name || defaultMatches(w, name));
    if (i < 0) {
      const have = live.map((f) => `${f.name} (${describeField(f, schema)})`).join(', ') || 'none';
      throw schemaError(`table ${table}: cannot drop partition field '${name}': the current spec has no such field (it has: ${have})`, { context: { table } });
    }
    wanted.splice(i, 1);
  }
  for (const a of c.addPartitionFields ?? []) {
    const dup = wanted.find((w) => w.sourceName === a.sourceName && w.transform === a.transform);
    if (dup) {
      const twice = (c.addPartitionFields ?? []).filter((x) => x.sourceName === a.sourceName && x.transform === a.transform).length > 1;
      if (twice) throw schemaError(`table ${table}: partition field ${exprOf(a)} is added twice in the same change`, { context: { table } });
      throw schemaError(`table ${table}: cannot add partition field ${exprOf(a)}: the spec already has it${dup.name ? ` as '${dup.name}'` : ''}`, { context: { table } });
    }
    wanted.push(a);
  }

  const kept = wanted.filter((w) => missing.has(w));
  if (kept.length > 0) {
    const problems = missingLayoutSources(m, { schema, spec: { ...current, fields: kept.map((w) => missing.get(w)!) }, order: { 'order-id': 0, fields: [] } });
    throw leftInPlaceError(m, table, problems);
  }
  refuseRedundant(wanted, new Set(wanted.filter((w) => !fromCurrent.has(w))), table);

  const bound = bind(schema, wanted, m, v1 ? [current] : m['partition-specs'], table);
  let fields: PartitionField[];
  if (v1) {
    const names = new Set(bound.fields.map((f) => f.name));
    const kept = current.fields.map((f) => {
      const b = bound.fields.find((x) => same(x, f) && f.transform !== 'void');
      if (b) return b;
      const voided = { ...f, transform: 'void' };
      return names.has(f.name) ? { ...voided, name: `${f.name}_${f['field-id']}` } : voided;
    });
    fields = [...kept, ...bound.fields.filter((b) => !current.fields.some((f) => same(f, b)))];
  } else {
    fields = bound.fields;
  }
  const lastPartitionId = Math.max(m['last-partition-id'], ...fields.map((f) => f['field-id']));
  const candidate: PartitionSpec = { 'spec-id': 0, fields };
  const equal = (s: PartitionSpec) =>
    s.fields.length === fields.length &&
    s.fields.every((f, i) => same(f, fields[i]!) && f.name === fields[i]!.name && f['field-id'] === fields[i]!['field-id']);
  if (equal(current)) return { reused: false, lastPartitionId: m['last-partition-id'], changes: [] };
  const existing = m['partition-specs'].find(equal);
  const specId = existing ? existing['spec-id'] : Math.max(...m['partition-specs'].map((s) => s['spec-id'])) + 1;
  const spec = { ...candidate, 'spec-id': specId };
  const line = `partition spec ${current['spec-id']} [${describeSpec(current, schema, m)}] → ${existing ? 'existing ' : ''}spec ${specId} [${describeSpec(spec, schema)}]`;
  return { spec, reused: existing !== undefined, lastPartitionId: existing ? m['last-partition-id'] : lastPartitionId, changes: [line] };
}

/**
 * Refuses a spec with redundant fields (partition-rules.ts), when the pair involves a field
 * this change adds: `hour(ts)` added to a spec with `day(ts)`, or both in one --partition-by.
 * A redundant pair the table already has (another engine made it) is left alone.
 */
function refuseRedundant(fields: readonly UnboundPartitionField[], added: ReadonlySet<UnboundPartitionField> | null, table: string): void {
  const pair = redundantPartitionFields(
    fields.map((f) => ({ source: f.sourceName, transform: f.transform, f })),
    added ? (x) => added.has(x.f) : undefined,
  );
  if (!pair) return;
  const text = (f: UnboundPartitionField) => `${partitionExprText(f.sourceName, f.transform)}${f.name ? ` as ${f.name}` : ''}`;
  const [a, b] = [pair.first.f, pair.second.f];
  const old = added && !added.has(a) ? a : undefined;
  const message = old
    ? `table ${table}: cannot add partition field ${text(b)}: it is redundant with the spec's field ${text(a)}: ${pair.reason}`
    : `table ${table}: partition fields ${text(a)} and ${text(b)} are redundant: ${pair.reason}`;
  const hint = old
    ? `replace it in the same change: --drop-partition-field ${a.name ?? `"${partitionExprText(a.sourceName, a.transform)}"`} --add-partition-field "${partitionExprText(b.sourceName, b.transform)}"`
    : 'keep one of them; Iceberg refuses redundant partition fields';
  throw schemaError(message, { context: { table, column: a.sourceName }, hint });
}

/** The same check for a new table's --partition-by: a slip on the command line (usage, exit 2). */
export function refuseRedundantOption(fields: readonly UnboundPartitionField[], table: string): void {
  try {
    refuseRedundant(fields, null, table);
  } catch (e) {
    if (e instanceof FloeError && e.kind === 'schema') throw usageError(e.message, { cause: e, hint: e.hint, context: e.context });
    throw e;
  }
}

function exprOf(w: UnboundPartitionField): string {
  return w.transform === 'identity' ? w.sourceName : `${w.transform}(${w.sourceName})`;
}

/** `day(ts)` or `bucket(16, id)` as a user would type it, matched against a field's transform. */
function defaultMatches(w: UnboundPartitionField, text: string): boolean {
  // Spaces around the parts only: a column name may hold spaces ('my col').
  const m = /^\s*([a-z]+)\s*\(\s*(?:(\d+)\s*,\s*)?(.+?)\s*\)\s*$/i.exec(text);
  if (!m) return false;
  const fn = m[1]!.toLowerCase().replace(/s$/, '');
  const transform = m[2] ? `${fn}[${m[2]}]` : fn;
  return w.sourceName === m[3] && w.transform === transform;
}

function bind(schema: Schema, wanted: UnboundPartitionField[], m: TableMetadata, reuseFrom: readonly PartitionSpec[], table: string): PartitionSpec {
  try {
    return buildPartitionSpec(schema, wanted, 0, m['last-partition-id'], reuseFrom);
  } catch (e) {
    if (e instanceof FloeError && e.kind === 'schema') throw schemaError(`table ${table}: ${e.message}`, { cause: e, hint: e.hint, context: { table } });
    throw e;
  }
}
