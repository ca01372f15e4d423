/**
 * Writes table metadata JSON (spec: "Appendix C: JSON serialization", Table Metadata and
 * Snapshots), with keys in the order Iceberg Java writes them so files diff cleanly against
 * other engines' files. Longs are written exactly (json.ts).
 *
 * Per format version (spec: "Appendix E"):
 * - v1 also writes the deprecated `schema` and `partition-spec` for old readers, and omits
 *   `last-sequence-number` and snapshot `sequence-number`;
 * - v1/v2 write `current-snapshot-id: -1` when there is none, v3 writes null (Appendix F);
 * - v3 writes `next-row-id` and snapshot `first-row-id` / `added-rows`.
 */
import { randomUUID } from 'node:crypto';
import type { PartitionField, PartitionSpec, Snapshot, SnapshotRef, SortOrder, TableMetadata } from './types.js';
import { jsonLong, markedTree, stringifyJson } from './json.js';
import { schemaToJson } from './schema-json.js';
import type { SnapshotWithManifests } from './metadata-json.js';
import { internalError } from '../errors.js';
import { snapshotsText } from './snapshot-text.js';

function partitionFieldToJson(f: PartitionField): unknown {
  // Appendix C, Partition Specs note 1: multi-argument transforms write only source-ids.
  const multi = f['source-ids'] !== undefined && f['source-ids'].length > 1;
  return {
    ...(multi ? { 'source-ids': f['source-ids'] } : { 'source-id': f['source-id'] }),
    'field-id': f['field-id'],
    name: f.name,
    transform: f.transform,
  };
}

const specToJson = (s: PartitionSpec) => ({ 'spec-id': s['spec-id'], fields: s.fields.map(partitionFieldToJson) });

function sortOrderToJson(o: SortOrder): unknown {
  return {
    'order-id': o['order-id'],
    fields: o.fields.map((f) => {
      const ids = (f as { 'source-ids'?: number[] })['source-ids'];
      return {
        transform: f.transform,
        ...(ids !== undefined && ids.length > 1 ? { 'source-ids': ids } : { 'source-id': f['source-id'] }),
        direction: f.direction,
        'null-order': f['null-order'],
      };
    }),
  };
}

/** A snapshot as JSON, its longs already in stringifyJson's form (snapshots come by the thousand). */
function snapshotToJson(s: Snapshot, version: number): unknown {
  const o: Record<string, unknown> = {};
  // Appendix E: v1 writers should not write sequence-number; v1 snapshots read back as 0.
  if (version > 1 || s['sequence-number'] > 0n) o['sequence-number'] = jsonLong(s['sequence-number']);
  o['snapshot-id'] = jsonLong(s['snapshot-id']);
  if (s['parent-snapshot-id'] !== undefined) o['parent-snapshot-id'] = jsonLong(s['parent-snapshot-id']);
  o['timestamp-ms'] = s['timestamp-ms'];
  // A string map (metadata-json.ts and summary.ts make every value a string).
  o.summary = s.summary;
  const manifests = (s as SnapshotWithManifests).manifests;
  if (s['manifest-list'] === '' && manifests !== undefined) o.manifests = manifests;
  else o['manifest-list'] = s['manifest-list'];
  if (s['schema-id'] !== undefined) o['schema-id'] = s['schema-id'];
  if (s['first-row-id'] !== undefined) o['first-row-id'] = jsonLong(s['first-row-id']);
  if (s['added-rows'] !== undefined) o['added-rows'] = jsonLong(s['added-rows']);
  return markedTree(o);
}

function refToJson(r: SnapshotRef): unknown {
  const o: Record<string, unknown> = { 'snapshot-id': r['snapshot-id'], type: r.type };
  if (r['min-snapshots-to-keep'] !== undefined) o['min-snapshots-to-keep'] = r['min-snapshots-to-keep'];
  if (r['max-snapshot-age-ms'] !== undefined) o['max-snapshot-age-ms'] = r['max-snapshot-age-ms'];
  if (r['max-ref-age-ms'] !== undefined) o['max-ref-age-ms'] = r['max-ref-age-ms'];
  return o;
}

/** The metadata as a JSON object tree (bigints or `jsonLong`s for longs), ready for stringifyJson. */
export function tableMetadataToJson(m: TableMetadata): Record<string, unknown> {
  return metadataTree(m, markedTree(m.snapshots.map((s) => snapshotToJson(s, m['format-version']))));
}

/** The tree of tableMetadataToJson, with `snapshots` as its snapshots value. */
function metadataTree(m: TableMetadata, snapshots: unknown): Record<string, unknown> {
  const v = m['format-version'];
  const current = m['current-snapshot-id'];
  if ((m.refs.main?.['snapshot-id'] ?? null) !== current) {
    throw internalError(`table metadata for ${m.location}: current-snapshot-id ${current ?? 'none'} differs from refs.main`);
  }
  const o: Record<string, unknown> = { 'format-version': v };
  // v1 tables may have no uuid (parse keeps ''); v2 and later require one.
  if (m['table-uuid'] !== '' || v > 1) o['table-uuid'] = m['table-uuid'];
  o.location = m.location;
  if (v > 1) o['last-sequence-number'] = m['last-sequence-number'];
  o['last-updated-ms'] = m['last-updated-ms'];
  o['last-column-id'] = m['last-column-id'];
  if (v === 1) {
    const schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
    if (schema) o.schema = schemaToJson(schema);
  }
  o['current-schema-id'] = m['current-schema-id'];
  o.schemas = m.schemas.map(schemaToJson);
  if (v === 1) {
    const spec = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']);
    if (spec) o['partition-spec'] = spec.fields.map(partitionFieldToJson);
  }
  o['default-spec-id'] = m['default-spec-id'];
  o['partition-specs'] = m['partition-specs'].map(specToJson);
  o['last-partition-id'] = m['last-partition-id'];
  o['default-sort-order-id'] = m['default-sort-order-id'];
  o['sort-orders'] = m['sort-orders'].map(sortOrderToJson);
  o.properties = m.properties;
  o['current-snapshot-id'] = current ?? (v >= 3 ? null : -1);
  if (v >= 3) o['next-row-id'] = m['next-row-id'] ?? 0n;
  o.refs = Object.fromEntries(Object.entries(m.refs).map(([k, r]) => [k, refToJson(r)]));
  o.snapshots = snapshots;
  o.statistics = (m.statistics ?? []).map((s) => ({
    'snapshot-id': s['snapshot-id'],
    'statistics-path': s['statistics-path'],
    'file-size-in-bytes': s['file-size-in-bytes'],
    'file-footer-size-in-bytes': s['file-footer-size-in-bytes'],
    'blob-metadata': s['blob-metadata'],
  }));
  o['partition-statistics'] = m['partition-statistics'] ?? [];
  o['snapshot-log'] = markedTree(m['snapshot-log'].map((e) => ({ 'timestamp-ms': e['timestamp-ms'], 'snapshot-id': jsonLong(e['snapshot-id']) })));
  o['metadata-log'] = markedTree(m['metadata-log'].map((e) => ({ 'timestamp-ms': e['timestamp-ms'], 'metadata-file': e['metadata-file'] })));
  return o;
}

/**
 * Stands for the snapshots array in the tree serializeTableMetadata stringifies; its text is
 * put in its place afterwards. The random part keeps any string a table holds from being it.
 */
const SNAPSHOTS_SLOT = `\u0000floe-snapshots:${randomUUID()}`;
const SNAPSHOTS_SLOT_JSON = JSON.stringify(SNAPSHOTS_SLOT);

/**
 * Serialises table metadata as spec JSON text (longs exact). Compact, as Iceberg Java and
 * PyIceberg write it: a table with a long history has thousands of snapshots, and every
 * commit reads and writes the whole file, so indentation (a quarter of its size) would cost
 * on every commit. `jq .` shows it indented.
 *
 * The same text as `stringifyJson(tableMetadataToJson(m))`, byte for byte. `base`, the
 * metadata `m` was derived from (a commit's base), lets the snapshots array text be reused:
 * when the base's snapshots text is known to this process, only the new snapshots are
 * serialised (snapshot-text.ts).
 */
export function serializeTableMetadata(m: TableMetadata, base?: TableMetadata | null): string {
  const snapshots = snapshotsText(m.snapshots, m['format-version'], snapshotToJson, base?.snapshots);
  const text = stringifyJson(metadataTree(m, SNAPSHOTS_SLOT));
  const at = text.indexOf(SNAPSHOTS_SLOT_JSON);
  if (at < 0) throw internalError(`table metadata for ${m.location}: the snapshots were not written`);
  return text.slice(0, at) + snapshots + text.slice(at + SNAPSHOTS_SLOT_JSON.length);
}
