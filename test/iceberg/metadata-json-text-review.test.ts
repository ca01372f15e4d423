import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { stringifyJson } from '../../src/iceberg/json.js';
import { decodeMetadataFile, parseTableMetadata, serializeTableMetadata } from '../../src/iceberg/metadata-json.js';
import { tableMetadataToJson } from '../../src/iceberg/metadata-json-write.js';
import type { Snapshot, TableMetadata } from '../../src/iceberg/types.js';

// Review tests for the reuse of a metadata file's snapshots array text (metadata-json.ts,
// snapshot-text.ts): whatever the file holds, the metadata floe writes next must be valid JSON
// with exactly the snapshots floe parsed, as the object-tree form would write them.

const reference = (m: TableMetadata) => stringifyJson(tableMetadataToJson(m));

const snap = (id: string, extra = '', seq = true) =>
  `{${seq ? `"sequence-number":${id.length > 3 ? 1 : id},` : ''}"snapshot-id":${id},"timestamp-ms":1700000000000,"summary":{"operation":"append"${extra}},"manifest-list":"s3://b/t/m${id}.avro","schema-id":0}`;

/** A one-line v2 (or v1) metadata file whose snapshots member text is `snapshots` (key included). */
const file = (snapshots: string, current: string, version = 2) =>
  `{"format-version":${version},"table-uuid":"9c12d441-03fe-4693-9a96-a0705ddf69c1","location":"s3://b/t",` +
  `${version > 1 ? '"last-sequence-number":2,' : ''}"last-updated-ms":1700000000000,"last-column-id":1,"current-schema-id":0,` +
  `"schemas":[{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"a","required":false,"type":"long"}]}],"default-spec-id":0,` +
  `"partition-specs":[{"spec-id":0,"fields":[]}],"last-partition-id":999,"default-sort-order-id":0,"sort-orders":[{"order-id":0,"fields":[]}],` +
  `"properties":{},"current-snapshot-id":${current},"refs":{"main":{"snapshot-id":${current},"type":"branch"}},${snapshots},"snapshot-log":[],"metadata-log":[]}`;

/** Metadata a commit derives from `base`: one more snapshot on main. */
function extend(base: TableMetadata): TableMetadata {
  const added: Snapshot = {
    'snapshot-id': 9_000_000_000_000_000_001n,
    'parent-snapshot-id': base['current-snapshot-id']!,
    'sequence-number': base['last-sequence-number'] + 1n,
    'timestamp-ms': 1_700_000_000_001,
    'manifest-list': 's3://b/t/next.avro',
    summary: { operation: 'append' },
  };
  return {
    ...base,
    'last-sequence-number': added['sequence-number'],
    snapshots: [...base.snapshots, added],
    'current-snapshot-id': added['snapshot-id'],
    refs: { main: { 'snapshot-id': added['snapshot-id'], type: 'branch' } },
  };
}

/** Written text holds exactly `m`: valid JSON for any reader, and the same value as the object-tree form. */
function expectWrittenAs(text: string, m: TableMetadata) {
  expect(() => JSON.parse(text)).not.toThrow();
  expect(parseTableMetadata(text, 'written.metadata.json')).toEqual(m);
  expect(JSON.parse(text)).toEqual(JSON.parse(reference(m)));
}

describe('a read snapshots array text stands in only for the array that was parsed', () => {
  it('writes the snapshots JSON.parse kept when the key is written twice, once with escapes', () => {
    const text = file(`"snapshots":[${snap('1')},${snap('2')}],"snap\\u0073hots":[${snap('1')},${snap('2', ',"x":"second"')}]`, '2');
    const read = parseTableMetadata(text, 'f.metadata.json');
    expect(read.snapshots[1]!.summary.x).toBe('second');
    expectWrittenAs(serializeTableMetadata(read), read);
    const next = extend(read);
    expectWrittenAs(serializeTableMetadata(next, read), next);
  });

  it('writes valid JSON when a summary string holds a raw control character (the exact parser accepts it)', () => {
    // JSON.parse (and Java, PyIceberg) reject a raw tab in a string; floe reads the file
    // leniently, but must not copy the raw character into the file it writes.
    const text = file(`"snapshots":[${snap('1')},${snap('2', ',"note":"a\tb"')}]`, '2');
    expect(() => JSON.parse(text)).toThrow();
    const read = parseTableMetadata(text, 'f.metadata.json');
    expect(read.snapshots[1]!.summary.note).toBe('a\tb');
    expectWrittenAs(serializeTableMetadata(read), read);
    const next = extend(read);
    expectWrittenAs(serializeTableMetadata(next, read), next);
  });

  it('reuses one-line text with CR-only breaks, escaped quotes and a __proto__ summary key, value for value', () => {
    const odd = ',"__proto__":"p","q\\u0022":"\\"9223372036854775807\\\\","n":"-9223372036854775808"';
    const snaps = `[\r${snap('9223372036854775807', odd)},\r\t${snap('-9223372036854775808')}\r]`;
    const text = file(`"snapshots" :\r${snaps}`, '-9223372036854775808');
    const read = parseTableMetadata(text, 'f.metadata.json');
    expect(read.snapshots.map((s) => s['snapshot-id'])).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
    expect(Object.keys(read.snapshots[0]!.summary)).toContain('__proto__');
    const written = serializeTableMetadata(read);
    // The text as read stands in (a reused text, not floe's spacing).
    expect(written).toContain(snaps);
    expectWrittenAs(written, read);
    const next = extend(read);
    expectWrittenAs(serializeTableMetadata(next, read), next);
  });

  it('writes a read v1 file upgraded to v2 with sequence numbers on every snapshot', () => {
    const text = file(`"snapshots":[${snap('5', '', false)},${snap('6', '', false)}]`, '6', 1);
    const read = parseTableMetadata(text, 'f.metadata.json');
    expect(serializeTableMetadata(read)).toContain(`[${snap('5', '', false)},`);
    const v2: TableMetadata = { ...read, 'format-version': 2 };
    const written = serializeTableMetadata(v2, read);
    const snaps = (JSON.parse(written) as { snapshots: Record<string, unknown>[] }).snapshots;
    expect(snaps.map((s) => s['sequence-number'])).toEqual([0, 0]);
    expectWrittenAs(written, v2);
  });

  it.each([
    ['null', 'null'],
    ['missing', ''],
    ['empty', '[]'],
  ])('writes a table whose snapshots array is %s, and extends it', (_what, value) => {
    const text = file(value === '' ? '"x":1' : `"snapshots":${value}`, '-1').replace(',"refs":{"main":{"snapshot-id":-1,"type":"branch"}}', ',"refs":{}');
    const read = parseTableMetadata(text, 'f.metadata.json');
    expect(read.snapshots).toEqual([]);
    const added: Snapshot = { 'snapshot-id': 3n, 'sequence-number': 1n, 'timestamp-ms': 1, 'manifest-list': 'm.avro', summary: { operation: 'append' } };
    const next: TableMetadata = { ...read, 'last-sequence-number': 1n, snapshots: [...read.snapshots, added], 'current-snapshot-id': 3n, refs: { main: { 'snapshot-id': 3n, type: 'branch' } } };
    expectWrittenAs(serializeTableMetadata(next, read), next);
  });

  it('reads a gzip file with a BOM and CRLF line ends around one-line snapshots, and writes the same snapshots', () => {
    const snaps = `[${snap('9223372036854775806')},${snap('-9007199254740993')}]`;
    const text = `\uFEFF${file(`"snapshots":${snaps}`, '-9007199254740993')}`.replace(/,"(schemas|properties|refs|snapshot-log)"/g, ',\r\n  "$1"');
    const read = decodeMetadataFile(gzipSync(Buffer.from(text, 'utf8')), 'f.gz.metadata.json');
    expect(read.snapshots.map((s) => s['snapshot-id'])).toEqual([9223372036854775806n, -9007199254740993n]);
    const written = serializeTableMetadata(read);
    expect(written).toContain(snaps);
    expectWrittenAs(written, read);
    const next = extend(read);
    expectWrittenAs(serializeTableMetadata(next, read), next);
  });

  it('writes summary and property strings that look like long markers as strings', () => {
    const text = file(`"snapshots":[${snap('1', ',"x":"\\u0000bigint:5"')},${snap('9223372036854775807')}]`, '9223372036854775807').replace('"properties":{}', '"properties":{"p":"\\u0000bigint:7"}');
    const read = parseTableMetadata(text, 'f.metadata.json');
    expect(read.snapshots[0]!.summary.x).toBe('\u0000bigint:5');
    expect(read.properties.p).toBe('\u0000bigint:7');
    // Fresh snapshot objects: the snapshots are serialised, not their text reused.
    const fresh = { ...read, snapshots: read.snapshots.map((s) => ({ ...s })) };
    expectWrittenAs(serializeTableMetadata(fresh), fresh);
    const next = extend(read);
    expectWrittenAs(serializeTableMetadata(next, read), next);
  });
});
