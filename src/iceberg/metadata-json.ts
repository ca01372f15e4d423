/**
 * Table metadata JSON (spec: "Table Metadata Fields", "Appendix C: JSON serialization" /
 * Table Metadata and Snapshots, "Appendix E: Format version changes").
 *
 * Parsing accepts v1, v2 and v3 files and normalises them once, here, to the v2 shape of
 * types.ts, following Appendix E's "Reading v1 metadata for v2" defaults. Serialising writes
 * the spec's keys for the table's own format version.
 *
 * `current-snapshot-id` with no current snapshot: Java writes -1 for v1/v2 (and Java before
 * 1.4 fails on a missing or null value), PyIceberg reads -1 as "none", and Java reads null
 * and -1 alike. So floe writes -1 for v1/v2 and null for v3, as Java does since the spec's
 * note "Assignment of Snapshot IDs and current-snapshot-id" (Appendix F).
 */
import { gunzipSync } from 'node:zlib';
import type {
  MetadataLogEntry,
  PartitionField,
  PartitionSpec,
  Schema,
  Snapshot,
  SnapshotLogEntry,
  SnapshotRef,
  SortField,
  SortOrder,
  StatisticsFile,
  TableMetadata,
} from './types.js';
import { parseJsonMembers, stringifyJson, toLong } from './json.js';
import { rememberSnapshotsText } from './snapshot-text.js';
import { indexFields } from './schema.js';
import { corruptError, isFloeError, unsupportedError } from '../errors.js';
import { type JsonSite, asArray, asInt, asObject, asString, at, corruptAt, parseSchema, schemaToJson } from './schema-json.js';

/** Partition field ids start at 1000 (spec: "Partition Evolution"; v1 did not store them). */
export const PARTITION_DATA_ID_START = 1000;

/**
 * A v1 snapshot may list its manifests inline instead of in a manifest list (spec: "Snapshots",
 * `manifests`). Such a snapshot keeps `manifest-list: ''` and carries the list here, so a
 * reader can read them or say clearly that it cannot.
 */
export type SnapshotWithManifests = Snapshot & { manifests?: string[] };

export function snapshotManifests(s: Snapshot): string[] | undefined {
  return (s as SnapshotWithManifests).manifests;
}

const SUPPORTED_VERSION = 3;

function long(v: unknown, s: JsonSite): bigint {
  try {
    // No path here: the site's path is built only for the error below.
    return toLong(typeof v === 'string' ? undefined : v, '');
  } catch {
    throw corruptAt(s, `must be a long (${v === undefined ? 'missing' : `got ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`})`);
  }
}

/**
 * A millisecond timestamp or an age: a long in JSON, safely a number in JS. The common safe
 * integer is returned as it is (snapshots and log entries come by the thousand).
 */
const millis = (v: unknown, s: JsonSite) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : Number(long(v, s)));

const opt = <T>(o: Record<string, unknown>, key: string, s: JsonSite, read: (v: unknown, s: JsonSite) => T): T | undefined =>
  o[key] === undefined || o[key] === null ? undefined : read(o[key], at(s, key));

function parsePartitionFields(v: unknown, s: JsonSite): PartitionField[] {
  return asArray(v, s).map((x, i) => {
    const fs = at(s, i);
    const o = asObject(x, fs);
    const sourceIds = opt(o, 'source-ids', fs, (a, ss) => asArray(a, ss).map((y, j) => asInt(y, at(ss, j))));
    const sourceId = o['source-id'] !== undefined ? asInt(o['source-id'], at(fs, 'source-id')) : sourceIds?.[0];
    if (sourceId === undefined) throw corruptAt(at(fs, 'source-id'), 'must be an int (missing)');
    const f: PartitionField = {
      'source-id': sourceId,
      // v1 did not store partition field ids; Java assigned them from 1000 in order.
      'field-id': o['field-id'] === undefined ? PARTITION_DATA_ID_START + i : asInt(o['field-id'], at(fs, 'field-id')),
      name: asString(o.name, at(fs, 'name')),
      transform: asString(o.transform, at(fs, 'transform')),
    };
    // A single-argument transform keeps only source-id (Appendix C, Partition Specs note 1).
    if (sourceIds && sourceIds.length > 1) f['source-ids'] = sourceIds;
    return f;
  });
}

function parseSpec(v: unknown, s: JsonSite): PartitionSpec {
  const o = asObject(v, s);
  return { 'spec-id': asInt(o['spec-id'], at(s, 'spec-id')), fields: parsePartitionFields(o.fields, at(s, 'fields')) };
}

function parseSortOrder(v: unknown, s: JsonSite): SortOrder {
  const o = asObject(v, s);
  const fs = at(s, 'fields');
  const fields = asArray(o.fields, fs).map((x, i) => {
    const f = at(fs, i);
    const fo = asObject(x, f);
    const sourceIds = opt(fo, 'source-ids', f, (a, ss) => asArray(a, ss).map((y, j) => asInt(y, at(ss, j))));
    const sourceId = fo['source-id'] !== undefined ? asInt(fo['source-id'], at(f, 'source-id')) : sourceIds?.[0];
    if (sourceId === undefined) throw corruptAt(at(f, 'source-id'), 'must be an int (missing)');
    const direction = asString(fo.direction, at(f, 'direction'));
    const nullOrder = asString(fo['null-order'], at(f, 'null-order'));
    if (direction !== 'asc' && direction !== 'desc') throw corruptAt(at(f, 'direction'), `must be 'asc' or 'desc' (got '${direction}')`);
    if (nullOrder !== 'nulls-first' && nullOrder !== 'nulls-last') {
      throw corruptAt(at(f, 'null-order'), `must be 'nulls-first' or 'nulls-last' (got '${nullOrder}')`);
    }
    const field: SortField & { 'source-ids'?: number[] } = {
      transform: asString(fo.transform, at(f, 'transform')),
      'source-id': sourceId,
      direction,
      'null-order': nullOrder,
    };
    if (sourceIds && sourceIds.length > 1) field['source-ids'] = sourceIds;
    return field;
  });
  return { 'order-id': asInt(o['order-id'], at(s, 'order-id')), fields };
}

function parseSummary(v: unknown, s: JsonSite): Snapshot['summary'] {
  // v1 made the summary optional; Java then reports no operation. 'append' is the only
  // operation a table with no summary can have had (v1 writers without summaries only appended).
  if (v === undefined || v === null) return { operation: 'append' };
  const o = asObject(v, s);
  // The parsed object is this parse's own: kept as it is when every value is already a string
  // (the common case), so a file with thousands of snapshots does not copy every summary.
  let out: Record<string, unknown> = o;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (typeof x === 'string') continue;
    // Some writers put numbers in the summary; the spec says it is a string map.
    if (typeof x !== 'number' && typeof x !== 'bigint' && typeof x !== 'boolean') throw corruptAt(at(s, k), 'must be a string');
    if (out === o) out = { ...o };
    // An own "__proto__" key stays a property (assignment would set the prototype).
    Object.defineProperty(out, k, { value: String(x), enumerable: true, writable: true, configurable: true });
  }
  if (typeof out.operation !== 'string') throw corruptAt(at(s, 'operation'), 'must be a string (missing)');
  return out as Snapshot['summary'];
}

/** The keys of a snapshot that floe reads; a snapshot with others is not written back as read. */
const SNAPSHOT_KEYS = new Set(['sequence-number', 'snapshot-id', 'parent-snapshot-id', 'timestamp-ms', 'summary', 'manifest-list', 'manifests', 'schema-id', 'first-row-id', 'added-rows']);

/**
 * Whether writing `snap` (parsed from `o`) back gives the same JSON value as `o`: no key floe
 * drops, no summary value turned into a string, no default filled in. Only then may the text
 * a snapshot was read from stand for it when the metadata is written again (snapshot-text.ts).
 */
function writesBackAsRead(o: Record<string, unknown>, snap: Snapshot, version: number): boolean {
  for (const k in o) if (!SNAPSHOT_KEYS.has(k) || o[k] === null) return false;
  if (snap.summary !== o.summary || typeof o['timestamp-ms'] !== 'number') return false;
  // v1 files omit sequence-number, and floe writes it back only when it is above 0.
  return version === 1 ? o['sequence-number'] === undefined : o['sequence-number'] !== undefined;
}

function parseSnapshot(v: unknown, s: JsonSite): Snapshot {
  const o = asObject(v, s);
  const snap: SnapshotWithManifests = {
    'snapshot-id': long(o['snapshot-id'], at(s, 'snapshot-id')),
    // Appendix E: "Snapshot field sequence-number must default to 0".
    'sequence-number': o['sequence-number'] === undefined ? 0n : long(o['sequence-number'], at(s, 'sequence-number')),
    'timestamp-ms': millis(o['timestamp-ms'], at(s, 'timestamp-ms')),
    'manifest-list': '',
    summary: parseSummary(o.summary, at(s, 'summary')),
  };
  const parent = opt(o, 'parent-snapshot-id', s, long);
  if (parent !== undefined) snap['parent-snapshot-id'] = parent;
  if (o['manifest-list'] !== undefined && o['manifest-list'] !== null) {
    snap['manifest-list'] = asString(o['manifest-list'], at(s, 'manifest-list'));
  } else if (o.manifests !== undefined) {
    const ms = at(s, 'manifests');
    snap.manifests = asArray(o.manifests, ms).map((m, i) => asString(m, at(ms, i)));
  } else {
    throw corruptAt(at(s, 'manifest-list'), 'must be a string (missing, and no v1 manifests list either)');
  }
  const schemaId = opt(o, 'schema-id', s, asInt);
  if (schemaId !== undefined) snap['schema-id'] = schemaId;
  const firstRowId = opt(o, 'first-row-id', s, long);
  if (firstRowId !== undefined) snap['first-row-id'] = firstRowId;
  const addedRows = opt(o, 'added-rows', s, long);
  if (addedRows !== undefined) snap['added-rows'] = addedRows;
  return snap;
}

function parseRef(v: unknown, s: JsonSite): SnapshotRef {
  const o = asObject(v, s);
  const type = asString(o.type, at(s, 'type'));
  if (type !== 'branch' && type !== 'tag') throw corruptAt(at(s, 'type'), `must be 'branch' or 'tag' (got '${type}')`);
  const ref: SnapshotRef = { 'snapshot-id': long(o['snapshot-id'], at(s, 'snapshot-id')), type };
  const keep = opt(o, 'min-snapshots-to-keep', s, asInt);
  if (keep !== undefined) ref['min-snapshots-to-keep'] = keep;
  const snapAge = opt(o, 'max-snapshot-age-ms', s, millis);
  if (snapAge !== undefined) ref['max-snapshot-age-ms'] = snapAge;
  const refAge = opt(o, 'max-ref-age-ms', s, millis);
  if (refAge !== undefined) ref['max-ref-age-ms'] = refAge;
  return ref;
}

function parseStatistics(v: unknown, s: JsonSite): StatisticsFile {
  const o = asObject(v, s);
  return {
    'snapshot-id': long(o['snapshot-id'], at(s, 'snapshot-id')),
    'statistics-path': asString(o['statistics-path'], at(s, 'statistics-path')),
    'file-size-in-bytes': long(o['file-size-in-bytes'], at(s, 'file-size-in-bytes')),
    'file-footer-size-in-bytes': long(o['file-footer-size-in-bytes'], at(s, 'file-footer-size-in-bytes')),
    'blob-metadata': o['blob-metadata'] === undefined ? [] : asArray(o['blob-metadata'], at(s, 'blob-metadata')),
  };
}

const list = <T>(o: Record<string, unknown>, key: string, s: JsonSite, read: (v: unknown, s: JsonSite) => T): T[] => {
  const v = o[key];
  if (v === undefined || v === null) return [];
  const ls = at(s, key);
  return asArray(v, ls).map((x, i) => read(x, at(ls, i)));
};

/*
 * The table's id counters (spec "Table Metadata Fields": last-column-id is "the highest assigned
 * column ID for the table", last-partition-id "the highest assigned partition field ID across
 * all partition specs", next-row-id the first row id the next snapshot may assign) must not lie
 * below an id already assigned: the next change would give a new column, partition field or row
 * an id that is taken. The spec offers no repair, so such a file is refused as damaged.
 */

/**
 * Also refuses a schema that gives one field id to two fields (spec "Schemas": ids are unique
 * in the table schema): a data file's column could be either one.
 */
function refuseColumnIdsAbove(lastColumnId: number, schemas: readonly Schema[], s: JsonSite, schemaSite: (i: number) => JsonSite): void {
  let top: { id: number; path: string; schemaId: number } | undefined;
  schemas.forEach((schema, i) => {
    const seen = new Map<number, string>();
    for (const f of indexFields(schema)) {
      const path = f.path.join('.');
      const other = seen.get(f.id);
      if (other !== undefined) throw corruptAt(schemaSite(i), `(schema ${schema['schema-id']}) gives field id ${f.id} to both '${other}' and '${path}'`);
      seen.set(f.id, path);
      if (f.id > (top?.id ?? lastColumnId)) top = { id: f.id, path, schemaId: schema['schema-id'] };
    }
  });
  if (top !== undefined) {
    throw corruptAt(s, `is ${lastColumnId}, below field id ${top.id} ('${top.path}' in schema ${top.schemaId}); it must be at least the highest field id the schemas assign`);
  }
}

function refusePartitionIdsAbove(lastPartitionId: number, specs: readonly PartitionSpec[], s: JsonSite): void {
  let top: { id: number; name: string; specId: number } | undefined;
  for (const spec of specs) {
    for (const f of spec.fields) if (f['field-id'] > (top?.id ?? lastPartitionId)) top = { id: f['field-id'], name: f.name, specId: spec['spec-id'] };
  }
  if (top !== undefined) {
    throw corruptAt(
      s,
      `is ${lastPartitionId}, below partition field id ${top.id} ('${top.name}' in partition spec ${top.specId}); it must be at least the highest partition field id the specs assign`,
    );
  }
}

function refuseRowIdsAbove(nextRowId: bigint, snapshots: readonly Snapshot[], s: JsonSite): void {
  for (const snap of snapshots) {
    const first = snap['first-row-id'];
    if (first === undefined) continue;
    const end = first + (snap['added-rows'] ?? 0n);
    if (end > nextRowId) {
      throw corruptAt(s, `is ${nextRowId}, below the row ids snapshot ${snap['snapshot-id']} assigned (first-row-id ${first}, added-rows ${snap['added-rows'] ?? 0n})`);
    }
  }
}

/**
 * An id listed twice among schemas, partition specs or sort orders: which one would
 * current-schema-id, default-spec-id, a manifest's spec id or a data file's sort order mean?
 * (Floe would take the first; Iceberg Java refuses to index such a list.)
 */
function refuseRepeatedIds<T>(items: readonly T[], idOf: (x: T) => number, s: JsonSite, key: string, what: string): void {
  const first = new Map<number, number>();
  items.forEach((x, i) => {
    const id = idOf(x);
    const seen = first.get(id);
    if (seen !== undefined) throw corruptAt(at(at(s, i), key), `is ${id}, the id of ${s.path}[${seen}] too: each ${what} needs its own id`);
    first.set(id, i);
  });
}

/**
 * A parent-snapshot-id chain that comes back to a snapshot it passed: history is a tree
 * ("Snapshots": each snapshot's parent was the table's state before it), and a loop has no
 * first snapshot to expire towards or to read changes from. One pass: a snapshot whose chain
 * was already walked is not walked again.
 */
function refuseParentLoops(snapshots: readonly Snapshot[], s: JsonSite): void {
  const index = new Map<bigint, number>();
  snapshots.forEach((snap, i) => index.set(snap['snapshot-id'], i));
  const walkOf = new Map<bigint, number>();
  snapshots.forEach((start, walk) => {
    const chain: bigint[] = [];
    let id: bigint | undefined = start['snapshot-id'];
    while (id !== undefined && index.has(id) && !walkOf.has(id)) {
      walkOf.set(id, walk);
      chain.push(id);
      id = snapshots[index.get(id)!]!['parent-snapshot-id'];
    }
    if (id === undefined || walkOf.get(id) !== walk) return;
    // The chain came back to `id` in this walk: a loop; name the snapshot whose parent closes it.
    const loop = chain.slice(chain.indexOf(id));
    const last = loop[loop.length - 1]!;
    const shown = loop.length > 6 ? [...loop.slice(0, 5), '…'] : loop;
    throw corruptAt(
      at(at(s, index.get(last)!), 'parent-snapshot-id'),
      `is ${id}, which makes the snapshot history a loop (${[...shown, id].join(' → ')})`,
    );
  });
}

/** Parses metadata JSON text read from `location` (named in every error). */
export function parseTableMetadata(text: string, location: string): TableMetadata {
  const root: JsonSite = { file: location, path: '' };
  const parsed = parseJsonMembers(text, location, ['snapshots']);
  const o = asObject(parsed.value, root);
  const need = (key: string) => {
    if (o[key] === undefined || o[key] === null) throw corruptAt(at(root, key), 'is required but missing');
    return o[key];
  };

  const version = asInt(need('format-version'), at(root, 'format-version'));
  if (version < 1) throw corruptAt(at(root, 'format-version'), `must be 1, 2 or 3 (got ${version})`);
  if (version > SUPPORTED_VERSION) {
    // "Implementations must throw an exception if a table's version is higher than the supported version."
    throw unsupportedError(`${location}: format-version ${version} is newer than floe supports (${SUPPORTED_VERSION})`, {
      context: { file: location },
    });
  }
  const v1 = version === 1;
  // Spec "Encryption Keys" (v3): floe cannot decrypt manifests or data, and rewriting the
  // metadata without the keys would lose them, so refuse such tables up front.
  if (Array.isArray(o['encryption-keys']) && o['encryption-keys'].length > 0) {
    throw unsupportedError(`${location}: the table is encrypted (encryption-keys), which floe does not support`, { context: { file: location } });
  }
  const field = (key: string, read: (v: unknown, s: JsonSite) => unknown) => read(need(key), at(root, key));

  // Schemas: v1 may carry only the deprecated `schema` (Appendix E).
  let schemas = list(o, 'schemas', root, (v, s) => parseSchema(v, s));
  let currentSchemaId: number;
  let fromSchemaField = false;
  if (schemas.length > 0 || !v1) {
    if (schemas.length === 0) throw corruptAt(at(root, 'schemas'), 'must list at least one schema');
    currentSchemaId =
      o['current-schema-id'] === undefined && v1 ? (schemas[0]?.['schema-id'] ?? 0) : (field('current-schema-id', asInt) as number);
  } else {
    const schema = parseSchema(need('schema'), at(root, 'schema'));
    fromSchemaField = true;
    schemas = [schema];
    currentSchemaId = schema['schema-id'];
  }
  refuseRepeatedIds(schemas, (x) => x['schema-id'], at(root, 'schemas'), 'schema-id', 'schema');
  if (!schemas.some((s) => s['schema-id'] === currentSchemaId)) {
    throw corruptAt(at(root, 'current-schema-id'), `names schema ${currentSchemaId}, which is not in schemas`);
  }
  const lastColumnId = field('last-column-id', asInt) as number;
  // A v1 file may carry its one schema as `schema` (read above when `schemas` is absent).
  const schemaSite = (i: number) => (fromSchemaField ? at(root, 'schema') : at(at(root, 'schemas'), i));
  refuseColumnIdsAbove(lastColumnId, schemas, at(root, 'last-column-id'), schemaSite);

  // Partition specs: v1 may carry only the deprecated `partition-spec` field list.
  let specs = list(o, 'partition-specs', root, parseSpec);
  let defaultSpecId: number;
  if (specs.length > 0 || !v1) {
    if (specs.length === 0) throw corruptAt(at(root, 'partition-specs'), 'must list at least one spec');
    defaultSpecId = o['default-spec-id'] === undefined && v1 ? (specs[0]?.['spec-id'] ?? 0) : (field('default-spec-id', asInt) as number);
  } else {
    specs = [{ 'spec-id': 0, fields: parsePartitionFields(need('partition-spec'), at(root, 'partition-spec')) }];
    defaultSpecId = 0;
  }
  refuseRepeatedIds(specs, (x) => x['spec-id'], at(root, 'partition-specs'), 'spec-id', 'partition spec');
  if (!specs.some((s) => s['spec-id'] === defaultSpecId)) {
    throw corruptAt(at(root, 'default-spec-id'), `names spec ${defaultSpecId}, which is not in partition-specs`);
  }
  const highestPartitionId = Math.max(PARTITION_DATA_ID_START - 1, ...specs.flatMap((s) => s.fields.map((f) => f['field-id'])));
  const lastPartitionId = o['last-partition-id'] === undefined ? highestPartitionId : (field('last-partition-id', asInt) as number);
  refusePartitionIdsAbove(lastPartitionId, specs, at(root, 'last-partition-id'));

  let sortOrders = list(o, 'sort-orders', root, parseSortOrder);
  // Missing sort orders mean unsorted; order id 0 is reserved for it (spec: "Sorting").
  if (sortOrders.length === 0) sortOrders = [{ 'order-id': 0, fields: [] }];
  const defaultSortOrderId = o['default-sort-order-id'] === undefined ? (sortOrders[0]?.['order-id'] ?? 0) : (field('default-sort-order-id', asInt) as number);
  refuseRepeatedIds(sortOrders, (x) => x['order-id'], at(root, 'sort-orders'), 'order-id', 'sort order');
  if (!sortOrders.some((s) => s['order-id'] === defaultSortOrderId)) {
    throw corruptAt(at(root, 'default-sort-order-id'), `names sort order ${defaultSortOrderId}, which is not in sort-orders`);
  }

  const properties: Record<string, string> = {};
  if (o.properties !== undefined && o.properties !== null) {
    const ps = at(root, 'properties');
    for (const [k, v] of Object.entries(asObject(o.properties, ps))) properties[k] = asString(v, at(ps, k));
  }

  const snapshots = list(o, 'snapshots', root, parseSnapshot);
  // The snapshots array as written in the file stands for itself when the metadata is written
  // again, so a commit does not serialise the table's whole history (snapshot-text.ts).
  const snapshotsText = parsed.members.get('snapshots');
  // Indented text is written again compact, once (the next commit then reuses that).
  if (snapshotsText !== undefined && snapshotsText.startsWith('[') && !snapshotsText.includes('\n')) {
    const raw = o.snapshots as Record<string, unknown>[];
    if (snapshots.every((snap, i) => writesBackAsRead(raw[i]!, snap, version))) rememberSnapshotsText(snapshots, version, snapshotsText);
  }
  // Appendix F: -1, null and a missing value all mean "no current snapshot".
  const currentSnapshotId0: bigint | null = o['current-snapshot-id'] === undefined || o['current-snapshot-id'] === null
    ? null
    : long(o['current-snapshot-id'], at(root, 'current-snapshot-id'));
  const currentSnapshotId = currentSnapshotId0 === -1n ? null : currentSnapshotId0;

  const refs: Record<string, SnapshotRef> = {};
  if (o.refs !== undefined && o.refs !== null) {
    const rs = at(root, 'refs');
    for (const [name, r] of Object.entries(asObject(o.refs, rs))) refs[name] = parseRef(r, at(rs, name));
  }
  // "There is always a main branch reference pointing to the current-snapshot-id even if the refs map is null."
  const main = refs.main;
  if (main === undefined) {
    if (currentSnapshotId !== null) refs.main = { 'snapshot-id': currentSnapshotId, type: 'branch' };
  } else if (main.type !== 'branch') {
    // "There is always a main branch reference": a tag cannot move, so no commit could follow it.
    throw corruptAt(at(at(root, 'refs'), 'main'), `must be a branch (got type '${main.type}')`);
  } else if (main['snapshot-id'] !== currentSnapshotId) {
    // Java rejects this too ("Current snapshot ID does not match main branch").
    throw corruptAt(at(root, 'current-snapshot-id'), `is ${currentSnapshotId ?? 'unset'} but refs.main points at snapshot ${main['snapshot-id']}`);
  }
  const snapshotIds = new Set(snapshots.map((s) => s['snapshot-id']));
  for (const [name, ref] of Object.entries(refs)) {
    if (!snapshotIds.has(ref['snapshot-id'])) {
      // A main branch floe made from current-snapshot-id is that field's damage, not a ref's.
      const where = name === 'main' && main === undefined ? at(root, 'current-snapshot-id') : at(at(root, 'refs'), name);
      throw corruptAt(where, `points at snapshot ${ref['snapshot-id']}, which is not in snapshots`);
    }
  }

  refuseParentLoops(snapshots, at(root, 'snapshots'));
  const tableLocation = field('location', asString) as string;
  // Every file of the table is written under it; an empty one would put them nowhere.
  if (tableLocation.trim() === '') throw corruptAt(at(root, 'location'), 'must not be empty');

  const metadata: TableMetadata = {
    'format-version': version as 1 | 2 | 3,
    // v1 made the uuid optional; '' marks "none" and is not written back.
    'table-uuid': v1 && o['table-uuid'] === undefined ? '' : (field('table-uuid', asString) as string),
    location: tableLocation,
    // Appendix E: "Table metadata field last-sequence-number must default to 0".
    'last-sequence-number': v1 && o['last-sequence-number'] === undefined ? 0n : (field('last-sequence-number', long) as bigint),
    'last-updated-ms': field('last-updated-ms', millis) as number,
    'last-column-id': lastColumnId,
    schemas,
    'current-schema-id': currentSchemaId,
    'partition-specs': specs,
    'default-spec-id': defaultSpecId,
    'last-partition-id': lastPartitionId,
    properties,
    'current-snapshot-id': currentSnapshotId,
    snapshots,
    'snapshot-log': list(o, 'snapshot-log', root, (v, s): SnapshotLogEntry => {
      const e = asObject(v, s);
      return { 'timestamp-ms': millis(e['timestamp-ms'], at(s, 'timestamp-ms')), 'snapshot-id': long(e['snapshot-id'], at(s, 'snapshot-id')) };
    }),
    'metadata-log': list(o, 'metadata-log', root, (v, s): MetadataLogEntry => {
      const e = asObject(v, s);
      return { 'timestamp-ms': millis(e['timestamp-ms'], at(s, 'timestamp-ms')), 'metadata-file': asString(e['metadata-file'], at(s, 'metadata-file')) };
    }),
    'sort-orders': sortOrders,
    'default-sort-order-id': defaultSortOrderId,
    refs,
    statistics: list(o, 'statistics', root, parseStatistics),
    // Kept as read: floe does not use partition statistics, but must not drop them on rewrite.
    'partition-statistics': o['partition-statistics'] == null ? [] : asArray(o['partition-statistics'], at(root, 'partition-statistics')),
  };
  if (version >= 3) {
    // "When a table is upgraded to v3, next-row-id should be initialized to 0" (Appendix E).
    metadata['next-row-id'] = o['next-row-id'] === undefined || o['next-row-id'] === null ? 0n : long(o['next-row-id'], at(root, 'next-row-id'));
    refuseRowIdsAbove(metadata['next-row-id'], snapshots, at(root, 'next-row-id'));
  }
  return metadata;
}

/**
 * Decodes a metadata file's bytes: gunzips when they start with the GZIP magic 0x1f 0x8b
 * (Appendix C: "A metadata JSON file may be compressed with GZIP"; Appendix F names both
 * `.gz.metadata.json` and `.metadata.json.gz`), then parses.
 */
export function decodeMetadataFile(bytes: Uint8Array, location: string): TableMetadata {
  let data = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      data = gunzipSync(bytes);
    } catch (e) {
      throw corruptError(`${location}: metadata file looks gzip-compressed but does not decompress`, { cause: e, context: { file: location } });
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch (e) {
    throw corruptError(`${location}: metadata file is not UTF-8 text`, { cause: e, context: { file: location } });
  }
  try {
    return parseTableMetadata(text, location);
  } catch (e) {
    if (isFloeError(e)) throw e;
    throw corruptError(`${location}: cannot read table metadata: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export { serializeTableMetadata } from './metadata-json-write.js';
