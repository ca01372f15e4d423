import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringifyJson } from '../../src/iceberg/json.js';
import { decodeMetadataFile, parseTableMetadata, serializeTableMetadata } from '../../src/iceberg/metadata-json.js';
import { tableMetadataToJson } from '../../src/iceberg/metadata-json-write.js';
import type { Snapshot, TableMetadata } from '../../src/iceberg/types.js';

// serializeTableMetadata splices in the snapshots array text, remembered per array and reused
// from the commit's base (snapshot-text.ts); these tests hold it to the object-tree form
// (stringifyJson of tableMetadataToJson), byte for byte, on every fixture and on synthetic
// histories, and check that a remembered text is never used for an array that changed.

const ROOT = join(import.meta.dirname, '../../../shared/fixtures/iceberg');
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
const fixtures = walk(ROOT).filter((p) => /\.metadata\.json/.test(p) && !p.endsWith('.crc'));

const reference = (m: TableMetadata) => stringifyJson(tableMetadataToJson(m));

const MAX_LONG = 2n ** 63n - 1n;

/** A v2 (or `version`) table with `n` appends; the last snapshot id is 2^63-1. */
function history(n: number, version: 1 | 2 | 3 = 2): TableMetadata {
  const snapshots: Snapshot[] = [];
  let parent: bigint | undefined;
  for (let i = 0; i < n; i++) {
    const id = i === n - 1 ? MAX_LONG : 4_611_686_018_427_387_904n + BigInt(i) * 7_919n;
    const s: Snapshot = {
      'snapshot-id': id,
      ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
      'sequence-number': version === 1 ? 0n : BigInt(i + 1),
      'timestamp-ms': 1_700_000_000_000 + i,
      'manifest-list': `s3://b/t/metadata/snap-${id}-1-x.avro`,
      summary: { operation: 'append', 'added-data-files': '1', 'total-records': String(i * 1000), 'engine-name': 'floe' },
      'schema-id': 0,
      ...(version === 3 ? { 'first-row-id': BigInt(i) * 1000n, 'added-rows': 1000n } : {}),
    };
    snapshots.push(s);
    parent = id;
  }
  const current = snapshots.at(-1)?.['snapshot-id'] ?? null;
  return {
    'format-version': version,
    'table-uuid': '9c12d441-03fe-4693-9a96-a0705ddf69c1',
    location: 's3://b/t',
    'last-sequence-number': version === 1 ? 0n : BigInt(n),
    'last-updated-ms': 1_700_000_000_000 + n,
    'last-column-id': 1,
    schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'long' }] }],
    'current-schema-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'default-spec-id': 0,
    'last-partition-id': 999,
    properties: { owner: 'crm "team" ✓' },
    'current-snapshot-id': current,
    snapshots,
    'snapshot-log': snapshots.map((s) => ({ 'timestamp-ms': s['timestamp-ms'], 'snapshot-id': s['snapshot-id'] })),
    'metadata-log': Array.from({ length: Math.min(n, 100) }, (_, i) => ({ 'timestamp-ms': 1_700_000_000_000 + i, 'metadata-file': `s3://b/t/metadata/${i}.metadata.json` })),
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    refs: current === null ? {} : { main: { 'snapshot-id': current, type: 'branch' } },
    statistics: [],
    'partition-statistics': [],
    ...(version === 3 ? { 'next-row-id': BigInt(n) * 1000n } : {}),
  };
}

describe('serializeTableMetadata writes what the object-tree form writes, byte for byte', () => {
  it.each(fixtures.map((p) => [relative(ROOT, p), p]))('%s', (_name, path) => {
    let m: TableMetadata;
    try {
      m = decodeMetadataFile(readFileSync(path), path);
    } catch {
      return; // not table metadata (metadata-json.test.ts covers those)
    }
    // Snapshots not read from a file (fresh objects): the object-tree form, byte for byte.
    const fresh = { ...m, snapshots: m.snapshots.map((s) => ({ ...s })) };
    expect(serializeTableMetadata(fresh)).toBe(reference(fresh));
    // As read: the file's own snapshots text may stand in (other writers order keys and space
    // differently), so the value is the same, not the bytes.
    const text = serializeTableMetadata(m);
    expect(JSON.parse(text)).toEqual(JSON.parse(reference(m)));
    expect(parseTableMetadata(text, path)).toEqual(m);
  });

  it.each([1, 2, 3] as const)('v%s with 1,000 snapshots, ids up to 2^63-1, round-trips exactly', (version) => {
    const m = history(1000, version);
    const text = serializeTableMetadata(m);
    expect(text).toBe(reference(m));
    expect(text).toContain(`"snapshot-id":${MAX_LONG}`);
    const back = parseTableMetadata(text, 'roundtrip.metadata.json');
    expect(back.snapshots.at(-1)?.['snapshot-id']).toBe(MAX_LONG);
    expect(back['current-snapshot-id']).toBe(MAX_LONG);
    expect(back.snapshots.map((s) => s['snapshot-id'])).toEqual(m.snapshots.map((s) => s['snapshot-id']));
    expect(serializeTableMetadata(back)).toBe(text);
  });

  it('writes summaries with any string keys and values, an inline v1 manifest list, and an empty table', () => {
    const m = history(3);
    const odd: Record<string, string> = { operation: 'overwrite', '0': 'zero', 'quote"d': 'a\\b\n\u0001\ud800', 'émoji 😀': '😀' };
    Object.defineProperty(odd, '__proto__', { value: 'own', enumerable: true, writable: true, configurable: true });
    const s0 = m.snapshots[0]!;
    m.snapshots = [{ ...s0, summary: odd as Snapshot['summary'] }, ...m.snapshots.slice(1)];
    expect(serializeTableMetadata(m)).toBe(reference(m));

    const v1 = history(2, 1);
    v1.snapshots = [{ ...v1.snapshots[0]!, 'manifest-list': '', manifests: ['s3://b/m1.avro', 's3://b/m2.avro'] } as Snapshot, v1.snapshots[1]!];
    const t1 = serializeTableMetadata(v1);
    expect(t1).toBe(reference(v1));
    expect(t1).toContain('"manifests":["s3://b/m1.avro","s3://b/m2.avro"]');
    expect(t1).not.toContain('sequence-number');

    const empty = history(0);
    expect(serializeTableMetadata(empty)).toBe(reference(empty));
    expect(serializeTableMetadata(empty)).toContain('"current-snapshot-id":-1');
  });
});

describe('serializeTableMetadata with a base reuses the snapshots text, never a stale one', () => {
  it('writes metadata derived from a base exactly as without the base', () => {
    const base = history(50);
    serializeTableMetadata(base);
    const added: Snapshot = { ...base.snapshots[0]!, 'snapshot-id': 17n, 'parent-snapshot-id': MAX_LONG, 'sequence-number': 51n };
    const next: TableMetadata = { ...base, snapshots: [...base.snapshots, added], 'current-snapshot-id': 17n, refs: { main: { 'snapshot-id': 17n, type: 'branch' } } };
    const text = serializeTableMetadata(next, base);
    expect(text).toBe(reference(next));
    expect(text).toContain('"snapshot-id":17,"parent-snapshot-id":9223372036854775807');
  });

  it('learns the base texts from the first serialisation of derived metadata, and reuses them for the next', () => {
    const base = history(20);
    const derive = (id: bigint): TableMetadata => {
      const s: Snapshot = { ...base.snapshots[0]!, 'snapshot-id': id, 'parent-snapshot-id': MAX_LONG, 'sequence-number': 21n, summary: { operation: 'append', n: String(id) } };
      return { ...base, snapshots: [...base.snapshots, s], 'current-snapshot-id': id, refs: { main: { 'snapshot-id': id, type: 'branch' } } };
    };
    const a = derive(1n);
    const b = derive(2n);
    expect(serializeTableMetadata(a, base)).toBe(reference(a));
    expect(serializeTableMetadata(b, base)).toBe(reference(b));
    expect(serializeTableMetadata(base)).toBe(reference(base));
  });

  it('notices an array or an element replaced in place after it was serialised', () => {
    const m = history(10);
    const first = serializeTableMetadata(m);
    // Against the rules (snapshots are replaced by apply.ts, never edited in place), but caught.
    m.snapshots[3] = { ...m.snapshots[3]!, summary: { operation: 'delete' } };
    m.snapshots.reverse();
    const second = serializeTableMetadata(m);
    expect(second).not.toBe(first);
    expect(second).toBe(reference(m));
  });

  it('writes metadata whose snapshots are not an extension of the base (expired, replaced) in full', () => {
    const base = history(30);
    serializeTableMetadata(base);
    const expired: TableMetadata = { ...base, snapshots: base.snapshots.slice(10), 'snapshot-log': base['snapshot-log'].slice(10) };
    expect(serializeTableMetadata(expired, base)).toBe(reference(expired));
    const replaced: TableMetadata = { ...base, snapshots: base.snapshots.map((s, i) => (i === 0 ? { ...s, summary: { operation: 'replace' } } : s)) };
    expect(serializeTableMetadata(replaced, base)).toBe(reference(replaced));
    expect(serializeTableMetadata(base, expired)).toBe(reference(base));
  });

  it('writes a v1 table upgraded to v2 with sequence numbers (texts are per format version)', () => {
    const v1 = history(5, 1);
    serializeTableMetadata(v1);
    const v2: TableMetadata = { ...v1, 'format-version': 2 };
    const text = serializeTableMetadata(v2, v1);
    expect(text).toBe(reference(v2));
    expect(text).toContain('"sequence-number":0');
  });
});

describe('a metadata file read back writes its snapshots as they were read', () => {
  /** Next metadata as a commit makes it: one more snapshot, the base's array extended. */
  const extend = (base: TableMetadata): TableMetadata => {
    const added: Snapshot = { ...base.snapshots[0]!, 'snapshot-id': 17n, 'parent-snapshot-id': MAX_LONG, 'sequence-number': 99n, summary: { operation: 'append' } };
    return { ...base, snapshots: [...base.snapshots, added], 'current-snapshot-id': 17n, refs: { main: { 'snapshot-id': 17n, type: 'branch' } } };
  };
  /** The snapshots array text of a compact file floe wrote. */
  const sliceSnapshots = (t: string) => {
    const from = t.indexOf('"snapshots":') + '"snapshots":'.length;
    return t.slice(from, t.indexOf('],"statistics"', from) + 1);
  };
  /** A file's text with whitespace (`sep`) between its snapshots, as some writers write it. */
  const withSpacedSnapshots = (m: TableMetadata, sep: string) => {
    const text = serializeTableMetadata({ ...m, snapshots: m.snapshots.map((s) => ({ ...s })) });
    const compact = sliceSnapshots(text);
    const spaced = compact.replace(/\},\{"sequence-number"/g, `},${sep}{"sequence-number"`).replace(/^\[/, `[${sep}`).replace(/\]$/, `${sep}]`);
    return { text: text.replace(compact, spaced), spaced };
  };

  it('reuses a file floe wrote byte for byte, and extends it for the next commit', () => {
    const text = serializeTableMetadata({ ...history(40), snapshots: history(40).snapshots.map((s) => ({ ...s })) });
    const read = parseTableMetadata(text, 'f.metadata.json');
    expect(serializeTableMetadata(read)).toBe(text);
    const next = extend(read);
    const written = serializeTableMetadata(next, read);
    expect(written).toBe(reference(next));
    expect(parseTableMetadata(written, 'g.metadata.json')).toEqual(next);
  });

  it('keeps another writer’s spacing on one line for the snapshots it read, with the same values', () => {
    const m = history(5);
    const { text, spaced } = withSpacedSnapshots(m, ' ');
    expect(text).toContain(spaced);
    const read = parseTableMetadata(text, 'f.metadata.json');
    const next = extend(read);
    const written = serializeTableMetadata(next, read);
    // The spaced text is there as read, followed by the new snapshot, and the whole reads back exactly.
    expect(written).toContain(spaced.slice(0, -1));
    expect(written).not.toBe(reference(next));
    expect(parseTableMetadata(written, 'g.metadata.json')).toEqual(next);
    expect(JSON.parse(written)).toEqual(JSON.parse(reference(next)));
  });

  it('writes indented snapshots compact (once: the next commit reuses the compact text)', () => {
    const m = history(5);
    const { text, spaced } = withSpacedSnapshots(m, '\n  ');
    expect(text).toContain(spaced);
    const read = parseTableMetadata(text, 'f.metadata.json');
    const next = extend(read);
    expect(serializeTableMetadata(next, read)).toBe(reference(next));
  });

  it('extends an empty snapshots array written with whitespace', () => {
    const empty = history(0);
    const text = serializeTableMetadata(empty).replace('"snapshots":[]', '"snapshots":[  ]');
    expect(text).toContain('[  ]');
    const read = parseTableMetadata(text, 'f.metadata.json');
    const added: Snapshot = { 'snapshot-id': 5n, 'sequence-number': 1n, 'timestamp-ms': 1, 'manifest-list': 'm.avro', summary: { operation: 'append' } };
    const next: TableMetadata = { ...read, snapshots: [added], 'current-snapshot-id': 5n, refs: { main: { 'snapshot-id': 5n, type: 'branch' } } };
    expect(parseTableMetadata(serializeTableMetadata(next, read), 'g').snapshots).toEqual([added]);
  });

  it.each([
    ['a key floe does not read', (s: Record<string, unknown>) => ({ ...s, 'key-id': 'k1' })],
    ['a number in the summary', (s: Record<string, unknown>) => ({ ...s, summary: { ...(s.summary as object), 'added-records': 7 } })],
    ['a v2 snapshot without sequence-number', (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'sequence-number'))],
    ['a null parent', (s: Record<string, unknown>) => ({ ...s, 'parent-snapshot-id': null })],
  ])('normalises every snapshot when one has %s', (_what, edit) => {
    const m = history(4);
    const tree = JSON.parse(serializeTableMetadata({ ...m, snapshots: m.snapshots.map((s) => ({ ...s })) }).replace(/([:,[])(\d{16,})(?=[,}\]])/g, '$1"$2"')) as Record<string, unknown>;
    const snaps = tree.snapshots as Record<string, unknown>[];
    snaps[1] = edit(snaps[1]!);
    // Longs were quoted to survive JSON.parse; unquote them again.
    const text = JSON.stringify(tree).replace(/"(\d{16,})"/g, '$1');
    const read = parseTableMetadata(text, 'f.metadata.json');
    const written = serializeTableMetadata(read);
    expect(written).toBe(reference(read));
  });
});
