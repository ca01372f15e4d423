/**
 * The JSON text of a table's snapshots array, remembered per array so that a commit does not
 * serialise its whole history again (metadata-json-write.ts).
 *
 * New metadata carries its base's snapshot objects over: apply.ts appends to a copy of the
 * array and replaces elements, never edits them. So when the base's array text is known (the
 * base was committed or serialised by this process), the text of `[...base, s1, …]` is that
 * text with the new snapshots' text appended; only those are serialised. A remembered text is
 * used only while every element is still the very object it was made from (arrays edited in
 * place are caught that way); a Snapshot object must not be edited once it is in metadata.
 *
 * Snapshots are serialised by one native JSON.stringify over their object trees (the
 * `snapshotJson` of metadata-json-write.ts), much faster than building text in script.
 */
import type { Snapshot } from './types.js';
import { markedTree, stringifyJson } from './json.js';

interface Known {
  version: number;
  /** The elements the text was made from, in order. */
  items: readonly Snapshot[];
  text: string;
}

const known = new WeakMap<readonly Snapshot[], Known>();

/** The remembered text of exactly `list`, if every element is still the object it was made from. */
function rememberedText(list: readonly Snapshot[], version: number): string | undefined {
  const k = known.get(list);
  if (k === undefined || k.version !== version || k.items.length !== list.length) return undefined;
  for (let i = 0; i < list.length; i++) if (k.items[i] !== list[i]) return undefined;
  return k.text;
}

/**
 * Remembers `text` as the snapshots array text of `list`, for format version `version`: the
 * array as read from a metadata file (metadata-json.ts), when every snapshot in it writes back
 * as it was read. The text may then differ from what floe would write in spacing and key order,
 * never in value.
 */
export function rememberSnapshotsText(list: readonly Snapshot[], version: number, text: string): void {
  known.set(list, { version, items: list.slice(), text });
}

/** Whether an array text (a read one may hold whitespace) has no elements. */
const isEmptyArray = (t: string) => /^\[\s*\]$/.test(t);

/** `a` and `b` are array texts: one array text with the elements of both. */
function concatArrays(a: string, b: string): string {
  if (isEmptyArray(a)) return b;
  if (isEmptyArray(b)) return a;
  return `${a.slice(0, -1)},${b.slice(1)}`;
}

/**
 * The JSON text of `snapshots` written for format version `version`; `toJson` gives a
 * snapshot's object tree (longs as `jsonLong`). `base` is the snapshots array of the
 * metadata these were derived from: when it is a prefix of `snapshots`, its text is reused
 * (or made and remembered now, for the next commit on the same base).
 */
export function snapshotsText(
  snapshots: readonly Snapshot[],
  version: number,
  toJson: (s: Snapshot, version: number) => unknown,
  base?: readonly Snapshot[],
): string {
  const own = rememberedText(snapshots, version);
  if (own !== undefined) return own;
  const write = (list: readonly Snapshot[]) => stringifyJson(markedTree(list.map((s) => toJson(s, version))));
  let text: string;
  const isPrefix = base !== undefined && base.length <= snapshots.length && base.every((s, i) => snapshots[i] === s);
  if (isPrefix) {
    let head = rememberedText(base, version);
    if (head === undefined) {
      head = write(base);
      rememberSnapshotsText(base, version, head);
    }
    text = concatArrays(head, write(snapshots.slice(base.length)));
  } else {
    text = write(snapshots);
  }
  rememberSnapshotsText(snapshots, version, text);
  return text;
}
