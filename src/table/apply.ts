/**
 * The one place that turns a TableChange into new table metadata: checks every requirement,
 * then applies every update with the semantics of the REST spec's TableUpdate
 * (open-api/rest-catalog-open-api.yaml) and of Iceberg Java's TableMetadata.Builder, which
 * REST servers use to apply them.
 *
 * Pure: no IO, no clock, no randomness; `base` is never mutated (collections are copied
 * before they change, their elements are replaced, not edited).
 *
 * Invariant on every result: `current-snapshot-id` equals `refs.main['snapshot-id']`, or is
 * null when there is no main branch (spec: "Table Metadata Fields", current-snapshot-id).
 */
import type { PartitionSpec, Schema, SnapshotRef, SortOrder, TableMetadata } from '../iceberg/types.js';
import type { TableChange, TableUpdate } from './updates.js';
import { checkRequirements } from './requirements.js';
import { highestFieldId, indexById, schemasEqual } from '../iceberg/schema.js';
import { newPartitionNameClash, validateTableMetadata } from '../iceberg/metadata-builder.js';
import { conflictError, FloeError, internalError, notFound, schemaError, unsupportedError } from '../errors.js';
import { NAME_MAPPING_PROPERTY, type NameMapping, parseNameMapping, serializeNameMapping, updateNameMapping } from '../iceberg/name-mapping.js';

export interface ApplyOptions {
  /** The file `base` was read from; recorded in the new metadata-log. Null on create. */
  metadataLocation: string | null;
  /** Milliseconds since the epoch: the commit time, for last-updated-ms and the snapshot log. */
  now: number;
}

/** Table property capping the metadata-log (Iceberg Java TableProperties). */
export const PREVIOUS_VERSIONS_MAX = 'write.metadata.previous-versions-max';
const PREVIOUS_VERSIONS_MAX_DEFAULT = 100;
const SUPPORTED_FORMAT_VERSION = 3;
const PARTITION_DATA_ID_START = 1000;

/** What a table looks like before a create change runs (Java's TableMetadata.buildFromEmpty). */
function emptyMetadata(): TableMetadata {
  return {
    'format-version': 2,
    'table-uuid': '',
    location: '',
    'last-sequence-number': 0n,
    'last-updated-ms': 0,
    'last-column-id': 0,
    schemas: [],
    'current-schema-id': -1,
    'partition-specs': [],
    'default-spec-id': -1,
    'last-partition-id': PARTITION_DATA_ID_START - 1,
    properties: {},
    'current-snapshot-id': null,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [],
    'default-sort-order-id': -1,
    refs: {},
    statistics: [],
    'partition-statistics': [],
  };
}

/** Mutable state of one application: the draft plus what this change added so far. */
interface Draft {
  m: TableMetadata;
  creating: boolean;
  now: number;
  lastAddedSchemaId?: number;
  lastAddedSpecId?: number;
  lastAddedOrderId?: number;
  addedSnapshots: Set<bigint>;
  /** Snapshots added by this change and then set as main, in order (for the snapshot log). */
  mainSetToAdded: bigint[];
  removedSnapshots: boolean;
}

const nextId = (ids: number[], min = 0) => ids.reduce((a, b) => Math.max(a, b + 1), min);

/** Field lists equal position by position on the given keys (compared as JSON, absent = null). */
function sameFields<F extends object>(a: readonly F[], b: readonly F[], keys: readonly (keyof F)[]): boolean {
  const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  return a.length === b.length && a.every((f, i) => b[i] !== undefined && keys.every((k) => same(f[k], b[i]![k])));
}

// Spec "Partitioning": equivalent specs have the same fields' source ids, transforms and names.
const samePartitionFields = (a: PartitionSpec, b: PartitionSpec) =>
  sameFields(a.fields, b.fields, ['source-id', 'transform', 'name', 'source-ids']);

const sameSortFields = (a: SortOrder, b: SortOrder) =>
  sameFields(a.fields, b.fields, ['source-id', 'transform', 'direction', 'null-order']);

function resolveLastAdded(kind: string, id: number, lastAdded: number | undefined): number {
  if (id !== -1) return id;
  if (lastAdded === undefined) throw internalError(`cannot set the current ${kind} to -1 (last added): this change added no ${kind}`);
  return lastAdded;
}

/**
 * A schema change on a table with a name mapping updates the mapping as Iceberg Java's
 * SchemaUpdate does (MappingUtil.update): renamed and added columns get their names, so files
 * another engine adds by name afterwards (add_files) map to them. A mapping that does not
 * parse is left as it is; reading a file that needs it reports it.
 */
function keepNameMappingInStep(m: TableMetadata, schema: Schema): void {
  const text = m.properties[NAME_MAPPING_PROPERTY];
  const current = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
  if (text === undefined || !current) return;
  let mapping: NameMapping;
  try {
    mapping = parseNameMapping(text);
  } catch (e) {
    if (e instanceof FloeError) return;
    throw e;
  }
  const updated = updateNameMapping(mapping, current, schema);
  if (updated !== mapping) m.properties = { ...m.properties, [NAME_MAPPING_PROPERTY]: serializeNameMapping(updated) };
}

function applyUpdate(d: Draft, u: TableUpdate): void {
  const m = d.m;
  switch (u.action) {
    case 'assign-uuid':
      // REST spec: re-assigning the uuid of an existing table is not safe.
      if (!d.creating && m['table-uuid'] !== '' && m['table-uuid'] !== u.uuid) {
        throw internalError(`cannot change the uuid of table ${m.location} from ${m['table-uuid']} to ${u.uuid}`);
      }
      m['table-uuid'] = u.uuid;
      return;
    case 'upgrade-format-version': {
      const v = u['format-version'];
      if (v > SUPPORTED_FORMAT_VERSION) throw unsupportedError(`cannot upgrade to format version ${v}: floe supports up to ${SUPPORTED_FORMAT_VERSION}`);
      if (!d.creating && v < m['format-version']) throw schemaError(`cannot downgrade a v${m['format-version']} table to v${v}`);
      m['format-version'] = v;
      // Appendix E, Version 3: "When a table is upgraded to v3, next-row-id should be initialized to 0".
      if (v >= 3 && m['next-row-id'] === undefined) m['next-row-id'] = 0n;
      return;
    }
    case 'add-schema': {
      indexById(u.schema); // throws on duplicate field ids
      const newLast = Math.max(m['last-column-id'], u['last-column-id'] ?? 0, highestFieldId(u.schema));
      if (u['last-column-id'] !== undefined && u['last-column-id'] < m['last-column-id']) {
        throw schemaError(`invalid last-column-id ${u['last-column-id']}: the table already assigned ids up to ${m['last-column-id']}`);
      }
      m['last-column-id'] = newLast;
      keepNameMappingInStep(m, u.schema);
      const existing = m.schemas.find((s) => schemasEqual(s, u.schema));
      if (existing) {
        d.lastAddedSchemaId = existing['schema-id'];
        return;
      }
      const id = nextId(m.schemas.map((s) => s['schema-id']));
      const schema: Schema = { ...u.schema, 'schema-id': id };
      m.schemas = [...m.schemas, schema];
      d.lastAddedSchemaId = id;
      return;
    }
    case 'set-current-schema': {
      const id = resolveLastAdded('schema', u['schema-id'], d.lastAddedSchemaId);
      if (!m.schemas.some((s) => s['schema-id'] === id)) throw notFound(`cannot set current schema: no schema with id ${id}`);
      refusePartitionNameClash(m, id);
      m['current-schema-id'] = id;
      return;
    }
    case 'add-spec': {
      const existing = m['partition-specs'].find((s) => samePartitionFields(s, u.spec));
      if (existing) {
        d.lastAddedSpecId = existing['spec-id'];
        return;
      }
      if (m['format-version'] >= 2) {
        // Spec "Partitioning": in v2 a partition field id is unique across all specs, so an id
        // may only come back for the same source and transform (a reused field).
        const known = m['partition-specs'].flatMap((s) => s.fields);
        for (const f of u.spec.fields) {
          const prior = known.find((k) => k['field-id'] === f['field-id']);
          if (prior && (prior['source-id'] !== f['source-id'] || prior.transform !== f.transform)) {
            throw schemaError(`partition field '${f.name}' reuses field id ${f['field-id']} of '${prior.name}', a different partition field`);
          }
        }
      }
      // The spec id in the update is a placeholder: ids are assigned here (Java reuseOrCreateNewSpecId).
      const id = nextId(m['partition-specs'].map((s) => s['spec-id']));
      m['partition-specs'] = [...m['partition-specs'], { ...u.spec, 'spec-id': id }];
      m['last-partition-id'] = Math.max(m['last-partition-id'], ...u.spec.fields.map((f) => f['field-id']));
      d.lastAddedSpecId = id;
      return;
    }
    case 'set-default-spec': {
      const id = resolveLastAdded('partition spec', u['spec-id'], d.lastAddedSpecId);
      if (!m['partition-specs'].some((s) => s['spec-id'] === id)) throw notFound(`cannot set default partition spec: no spec with id ${id}`);
      m['default-spec-id'] = id;
      return;
    }
    case 'add-sort-order': {
      const order = u['sort-order'];
      // Order id 0 is reserved for the unsorted order (spec: "Sorting").
      const existing = order.fields.length === 0
        ? m['sort-orders'].find((o) => o['order-id'] === 0)
        : m['sort-orders'].find((o) => o.fields.length > 0 && sameSortFields(o, order));
      if (existing) {
        d.lastAddedOrderId = existing['order-id'];
        return;
      }
      const id = order.fields.length === 0 ? 0 : nextId(m['sort-orders'].map((o) => o['order-id']), 1);
      m['sort-orders'] = [...m['sort-orders'], { ...order, 'order-id': id }];
      d.lastAddedOrderId = id;
      return;
    }
    case 'set-default-sort-order': {
      const id = resolveLastAdded('sort order', u['sort-order-id'], d.lastAddedOrderId);
      if (!m['sort-orders'].some((o) => o['order-id'] === id)) throw notFound(`cannot set default sort order: no sort order with id ${id}`);
      m['default-sort-order-id'] = id;
      return;
    }
    case 'add-snapshot':
      return addSnapshot(d, u.snapshot);
    case 'set-snapshot-ref':
      return setRef(d, u);
    case 'remove-snapshots': {
      const drop = new Set(u['snapshot-ids']);
      const before = m.snapshots.length;
      m.snapshots = m.snapshots.filter((s) => !drop.has(s['snapshot-id']));
      if (m.snapshots.length !== before) d.removedSnapshots = true;
      m.statistics = (m.statistics ?? []).filter((s) => !drop.has(s['snapshot-id']));
      m['partition-statistics'] = (m['partition-statistics'] ?? []).filter((s) => !dropsStats(s, drop));
      // Refs to removed snapshots go too (Java rewriteSnapshotsInternal removes dangling refs).
      for (const [name, ref] of Object.entries(m.refs)) if (drop.has(ref['snapshot-id'])) removeRef(d, name);
      return;
    }
    case 'remove-snapshot-ref':
      removeRef(d, u['ref-name']);
      return;
    case 'set-location':
      if (u.location === '') throw internalError('cannot set an empty table location');
      m.location = u.location;
      return;
    case 'set-properties':
      m.properties = { ...m.properties, ...u.updates };
      return;
    case 'remove-properties': {
      const props = { ...m.properties };
      for (const k of u.removals) delete props[k];
      m.properties = props;
      return;
    }
    case 'set-statistics': {
      const id = u.statistics['snapshot-id'];
      m.statistics = [...(m.statistics ?? []).filter((s) => s['snapshot-id'] !== id), u.statistics];
      return;
    }
    case 'remove-statistics':
      m.statistics = (m.statistics ?? []).filter((s) => s['snapshot-id'] !== u['snapshot-id']);
      return;
  }
}

function dropsStats(s: unknown, drop: Set<bigint>): boolean {
  const id = (s as { 'snapshot-id'?: unknown } | null)?.['snapshot-id'];
  return (typeof id === 'bigint' || typeof id === 'number') && drop.has(BigInt(id));
}

function addSnapshot(d: Draft, s: TableMetadata['snapshots'][number]): void {
  const m = d.m;
  const id = s['snapshot-id'];
  if (m.schemas.length === 0 || m['partition-specs'].length === 0 || m['sort-orders'].length === 0) {
    throw internalError(`cannot add snapshot ${id} before the table has a schema, partition spec and sort order`);
  }
  if (m.snapshots.some((x) => x['snapshot-id'] === id)) {
    throw conflictError(`cannot add snapshot ${id}: the table already has a snapshot with that id`, { retryable: false, context: { snapshot: String(id) } });
  }
  const seq = s['sequence-number'];
  if (m['format-version'] >= 2) {
    // A snapshot planned on stale metadata carries a stale sequence number; the writer must
    // rebuild its manifest list on the new base (spec: "Sequence Numbers").
    if (seq <= m['last-sequence-number']) {
      throw conflictError(
        `snapshot ${id} has sequence number ${seq}, but the table's last sequence number is already ${m['last-sequence-number']}`,
        { context: { snapshot: String(id) } },
      );
    }
    m['last-sequence-number'] = seq;
  }
  if (m['format-version'] >= 3) {
    // Spec "Snapshot Row IDs": first-row-id is the table's next-row-id at commit.
    const first = s['first-row-id'];
    const next = m['next-row-id'] ?? 0n;
    if (first === undefined) throw internalError(`snapshot ${id} has no first-row-id, which v3 tables require`);
    if (first < next) {
      throw conflictError(`snapshot ${id} has first-row-id ${first}, behind the table's next-row-id ${next}`, { context: { snapshot: String(id) } });
    }
    m['next-row-id'] = next + (s['added-rows'] ?? 0n);
  }
  m.snapshots = [...m.snapshots, s];
  d.addedSnapshots.add(id);
}

function setRef(d: Draft, u: Extract<TableUpdate, { action: 'set-snapshot-ref' }>): void {
  const m = d.m;
  const name = u['ref-name'];
  const id = u['snapshot-id'];
  const snapshot = m.snapshots.find((s) => s['snapshot-id'] === id);
  if (!snapshot) throw notFound(`cannot point ref '${name}' at snapshot ${id}: no such snapshot`, { context: { snapshot: String(id) } });
  if (name === 'main' && u.type !== 'branch') throw schemaError(`ref 'main' must be a branch, not a ${u.type}`);
  const ref: SnapshotRef = { 'snapshot-id': id, type: u.type };
  // Spec "Snapshot References": snapshot retention settings apply to branches only.
  if (u.type === 'branch' && u['min-snapshots-to-keep'] !== undefined) ref['min-snapshots-to-keep'] = u['min-snapshots-to-keep'];
  if (u.type === 'branch' && u['max-snapshot-age-ms'] !== undefined) ref['max-snapshot-age-ms'] = u['max-snapshot-age-ms'];
  if (u['max-ref-age-ms'] !== undefined) ref['max-ref-age-ms'] = u['max-ref-age-ms'];
  const old = m.refs[name];
  if (old && sameRef(old, ref)) return;
  m.refs = { ...m.refs, [name]: ref };
  if (name === 'main') {
    m['current-snapshot-id'] = id;
    // Java logs a snapshot added in this change at its own timestamp, a rollback at commit time.
    const added = d.addedSnapshots.has(id);
    m['snapshot-log'] = [...m['snapshot-log'], { 'timestamp-ms': added ? snapshot['timestamp-ms'] : d.now, 'snapshot-id': id }];
    if (added) d.mainSetToAdded.push(id);
  }
}

/** Whether two refs point at the same snapshot with the same type and retention settings. */
export function sameRef(a: SnapshotRef, b: SnapshotRef): boolean {
  return JSON.stringify(refKey(a)) === JSON.stringify(refKey(b));
}

const refKey = (r: SnapshotRef) => [String(r['snapshot-id']), r.type, r['min-snapshots-to-keep'] ?? null, r['max-snapshot-age-ms'] ?? null, r['max-ref-age-ms'] ?? null];

function removeRef(d: Draft, name: string): void {
  const refs = { ...d.m.refs };
  delete refs[name];
  d.m.refs = refs;
  if (name === 'main') d.m['current-snapshot-id'] = null;
}

/**
 * Snapshot log clean-up at the end of a change, as Java's updateSnapshotLog: drop entries of
 * snapshots this change added as main and then replaced (they were never current to readers),
 * and when snapshots were removed, drop every entry up to the last one naming a removed
 * snapshot (spec: "all entries before a snapshot that has expired should be removed"), so the
 * log never claims a later snapshot was current during a gap.
 */
function finishSnapshotLog(d: Draft): void {
  const m = d.m;
  const current = m['current-snapshot-id'];
  const intermediate = new Set(d.mainSetToAdded.filter((id) => id !== current));
  if (intermediate.size === 0 && !d.removedSnapshots) return;
  const live = new Set(m.snapshots.map((s) => s['snapshot-id']));
  let log: TableMetadata['snapshot-log'] = [];
  for (const e of m['snapshot-log']) {
    if (live.has(e['snapshot-id'])) {
      if (!intermediate.has(e['snapshot-id'])) log.push(e);
    } else if (d.removedSnapshots) {
      log = [];
    }
  }
  m['snapshot-log'] = log;
}

/** Appends the previous metadata file to the metadata-log, keeping at most the configured number. */
function finishMetadataLog(d: Draft, base: TableMetadata, location: string): void {
  const raw = Number.parseInt(d.m.properties[PREVIOUS_VERSIONS_MAX] ?? '', 10);
  const max = Math.max(1, Number.isFinite(raw) ? raw : PREVIOUS_VERSIONS_MAX_DEFAULT);
  const log = [...d.m['metadata-log'], { 'timestamp-ms': base['last-updated-ms'], 'metadata-file': location }];
  d.m['metadata-log'] = log.slice(Math.max(0, log.length - max));
}

/**
 * Applies `change` to `base` (null: the table does not exist yet, for a create) and returns
 * the new metadata. Throws a conflict error when a requirement fails.
 */
export function applyChange(base: TableMetadata | null, change: TableChange, opts: ApplyOptions): TableMetadata {
  checkRequirements(base, change.requirements);
  const from = base ?? emptyMetadata();
  const d: Draft = {
    m: { ...from },
    creating: base === null,
    now: opts.now,
    addedSnapshots: new Set(),
    mainSetToAdded: [],
    removedSnapshots: false,
  };
  for (const u of change.updates) applyUpdate(d, u);
  finishSnapshotLog(d);
  if (base !== null && opts.metadataLocation !== null) finishMetadataLog(d, base, opts.metadataLocation);
  // last-updated-ms never goes backwards: Java rejects metadata whose metadata-log is newer than
  // last-updated-ms (by more than a minute), which a writer with a slow clock would produce.
  d.m['last-updated-ms'] = Math.max(opts.now, base?.['last-updated-ms'] ?? 0);
  validateTableMetadata(d.m);
  return d.m;
}

/**
 * A new current schema must not give a column the name of a partition field that is not
 * sourced from it (Iceberg Java refuses such a schema when it rebinds the specs); a clash the
 * table already has is left alone. Catches columns a write adds (on_schema_change: add_columns).
 */
function refusePartitionNameClash(m: TableMetadata, id: number): void {
  const before = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
  const after = m.schemas.find((s) => s['schema-id'] === id)!;
  const clash = newPartitionNameClash(m['partition-specs'], before, after);
  if (!clash) return;
  throw schemaError(
    `column '${clash.column.path.join('.')}' (id ${clash.column.id}) would take the name of partition field '${clash.field.name}' of spec ${clash.spec['spec-id']} (${clash.field.transform} of column id ${clash.field['source-id']}); Iceberg refuses a column named like a partition field that is not sourced from it`,
    { context: { column: clash.column.path.join('.') }, hint: `give the column another name, e.g. in the pipeline: columns: { ${clash.column.path.join('.')}: { rename: <new name> } }` },
  );
}
