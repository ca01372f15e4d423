/**
 * The JSON text of the snapshots and of the log entries in table metadata, written directly
 * (metadata-json-write.ts): exactly what JSON.stringify gives for the object trees
 * `snapshotToJson` and the log mappers build, longs as exact integer literals.
 *
 * The snapshots' texts are remembered per snapshots array (a WeakMap keyed by the array, so
 * one entry per metadata version, not one per snapshot). New metadata carries its base's
 * snapshot objects over (apply.ts copies the array and replaces elements, never edits them),
 * so serialising it with its base reuses the text of every snapshot the two share, and only
 * the new snapshots are written: a commit's serialisation no longer grows with the history
 * when the base was serialised or committed in this process before. A remembered text is used
 * only for the very object it was made from at the same position (arrays edited in place are
 * caught that way); a Snapshot object must not be edited after it is in table metadata.
 */
import type { MetadataLogEntry, Snapshot, SnapshotLogEntry } from './types.js';
import type { SnapshotWithManifests } from './metadata-json.js';

/** A long's JSON text: a bigint as its exact integer literal; anything else as JSON.stringify writes it. */
const long = (v: unknown): string | undefined => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));

/** `{"k":v,…}` from entries whose text is already JSON; entries without text are left out, as JSON.stringify does. */
function objectText(entries: readonly (readonly [string, string | undefined])[]): string {
  const parts: string[] = [];
  for (const [k, text] of entries) if (text !== undefined) parts.push(`"${k}":${text}`);
  return `{${parts.join(',')}}`;
}

/** A snapshot as metadata JSON text for format version `version` (keys in Iceberg Java's order). */
export function snapshotText(snapshot: Snapshot, version: number): string {
  const s = snapshot as SnapshotWithManifests;
  // Appendix E: v1 writers should not write sequence-number; v1 snapshots read back as 0.
  const writesSequence = version > 1 || s['sequence-number'] > 0n;
  const inline = s['manifest-list'] === '' && s.manifests !== undefined;
  return objectText([
    ['sequence-number', writesSequence ? long(s['sequence-number']) : undefined],
    ['snapshot-id', long(s['snapshot-id'])],
    ['parent-snapshot-id', s['parent-snapshot-id'] === undefined ? undefined : long(s['parent-snapshot-id'])],
    ['timestamp-ms', JSON.stringify(s['timestamp-ms'])],
    // A string map (metadata-json.ts and summary.ts make every value a string).
    ['summary', JSON.stringify(s.summary)],
    inline ? ['manifests', JSON.stringify(s.manifests)] : ['manifest-list', JSON.stringify(s['manifest-list'])],
    ['schema-id', JSON.stringify(s['schema-id'])],
    ['first-row-id', s['first-row-id'] === undefined ? undefined : long(s['first-row-id'])],
    ['added-rows', s['added-rows'] === undefined ? undefined : long(s['added-rows'])],
  ]);
}

/** Texts of a snapshots array, element by element: the elements as they were, and the format version. */
interface Texts {
  version: number;
  items: readonly Snapshot[];
  texts: readonly string[];
}

const known = new WeakMap<readonly Snapshot[], Texts>();

/** The remembered text of `snapshots[i]`, if that element is still the object it was made from. */
function knownText(t: Texts | undefined, version: number, i: number, s: Snapshot): string | undefined {
  return t !== undefined && t.version === version && t.items[i] === s ? t.texts[i] : undefined;
}

/**
 * The texts of `snapshots` for `version`, reusing those remembered for the same array or for
 * `base` (the snapshots of the metadata it was derived from) wherever the same object sits at
 * the same position. Both arrays have their texts remembered afterwards.
 */
export function snapshotTexts(snapshots: readonly Snapshot[], version: number, base?: readonly Snapshot[]): string[] {
  const own = known.get(snapshots);
  const from = base === undefined ? undefined : known.get(base);
  let sharesBase = base !== undefined && base.length <= snapshots.length;
  const texts = snapshots.map((s, i) => {
    if (sharesBase && base![i] !== s && i < base!.length) sharesBase = false;
    return knownText(own, version, i, s) ?? knownText(from, version, i, s) ?? snapshotText(s, version);
  });
  known.set(snapshots, { version, items: snapshots.slice(), texts });
  // The base's snapshots are a prefix of these: their texts are known now too.
  if (base !== undefined && sharesBase) known.set(base, { version, items: base.slice(), texts: texts.slice(0, base.length) });
  return texts;
}

export function snapshotLogEntryText(e: SnapshotLogEntry): string {
  const ts = e['timestamp-ms'];
  const id = e['snapshot-id'];
  if (typeof id === 'bigint' && Number.isSafeInteger(ts)) return `{"timestamp-ms":${ts},"snapshot-id":${id}}`;
  return objectText([
    ['timestamp-ms', JSON.stringify(ts)],
    ['snapshot-id', long(id)],
  ]);
}

export function metadataLogEntryText(e: MetadataLogEntry): string {
  const ts = e['timestamp-ms'];
  const file = e['metadata-file'];
  if (typeof file === 'string' && Number.isSafeInteger(ts)) return `{"timestamp-ms":${ts},"metadata-file":${JSON.stringify(file)}}`;
  return objectText([
    ['timestamp-ms', JSON.stringify(ts)],
    ['metadata-file', JSON.stringify(file)],
  ]);
}
