import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../src/errors.js';
import { parseTableMetadata, serializeTableMetadata, snapshotManifests } from '../../src/iceberg/metadata-json.js';

// parseTableMetadata revives long literals (16+ digits, beyond 2^53) field by field in the
// snapshots and both logs, and with a pass over everything else: these documents put such
// literals in every kind of place and check the exact values, or the error naming the field.

const BIG = '9223372036854775807'; // 2^63-1
const BIG2 = '9007199254740993'; // 2^53+1: the nearest double is 2^53
const SAFE16 = '1234567890123456'; // 16 digits, still a safe integer

/** A v2 document as text, with `snapshot` as its only snapshot (id BIG) unless overridden. */
function doc(over: { snapshot?: string; root?: string; snapshotLog?: string; metadataLog?: string } = {}): string {
  const snapshot =
    over.snapshot ??
    `{"sequence-number":1,"snapshot-id":${BIG},"parent-snapshot-id":${BIG2},"timestamp-ms":1700000000000,"summary":{"operation":"append","added-records":${BIG2},"total-records":"7","odd":${SAFE16}},"manifest-list":"s3://b/snap.avro","schema-id":0}`;
  return (
    `{"format-version":2,"table-uuid":"u","location":"s3://b/t","last-sequence-number":1,"last-updated-ms":1700000000001,` +
    `"last-column-id":1,"current-schema-id":0,"schemas":[{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"a","required":false,"type":"long"}]}],` +
    `"default-spec-id":0,"partition-specs":[{"spec-id":0,"fields":[]}],"last-partition-id":999,"default-sort-order-id":0,"sort-orders":[{"order-id":0,"fields":[]}],` +
    `"properties":{},"current-snapshot-id":${BIG},"refs":{"main":{"snapshot-id":${BIG},"type":"branch","max-ref-age-ms":${SAFE16}}},` +
    `"snapshots":[${snapshot}],` +
    `"statistics":[{"snapshot-id":${BIG},"statistics-path":"s3://b/s.puffin","file-size-in-bytes":${BIG2},"file-footer-size-in-bytes":10,"blob-metadata":[{"type":"t","snapshot-id":${BIG},"sequence-number":1,"fields":[1]}]}],` +
    `"partition-statistics":[{"snapshot-id":${BIG},"statistics-path":"s3://b/p.parquet","file-size-in-bytes":${BIG2}}],` +
    `"snapshot-log":${over.snapshotLog ?? `[{"timestamp-ms":1700000000000,"snapshot-id":${BIG}}]`},` +
    `"metadata-log":${over.metadataLog ?? `[{"timestamp-ms":${SAFE16},"metadata-file":"s3://b/t/metadata/0.metadata.json"}]`}` +
    `${over.root ?? ''}}`
  );
}

const corrupt = (text: string, message: RegExp) => {
  let err: unknown;
  try {
    parseTableMetadata(text, 'm.json');
  } catch (e) {
    err = e;
  }
  expect(isFloeError(err, 'corrupt')).toBe(true);
  expect((err as Error).message).toMatch(message);
};

describe('long literals in table metadata are exact wherever they are', () => {
  it('in snapshots, summaries, refs, statistics, partition statistics and both logs', () => {
    const m = parseTableMetadata(doc(), 'm.json');
    const s = m.snapshots[0]!;
    expect(s['snapshot-id']).toBe(BigInt(BIG));
    expect(s['parent-snapshot-id']).toBe(BigInt(BIG2));
    // Numbers in a summary become their exact decimal text.
    expect(s.summary['added-records']).toBe(BIG2);
    expect(s.summary.odd).toBe(SAFE16);
    expect(s.summary['total-records']).toBe('7');
    expect(m['current-snapshot-id']).toBe(BigInt(BIG));
    expect(m.refs.main?.['max-ref-age-ms']).toBe(Number(SAFE16));
    expect(m.statistics?.[0]?.['file-size-in-bytes']).toBe(BigInt(BIG2));
    expect((m.statistics?.[0]?.['blob-metadata'][0] as Record<string, unknown>)['snapshot-id']).toBe(BigInt(BIG));
    expect((m['partition-statistics']?.[0] as Record<string, unknown>)['file-size-in-bytes']).toBe(BigInt(BIG2));
    expect(m['snapshot-log'][0]?.['snapshot-id']).toBe(BigInt(BIG));
    expect(m['metadata-log'][0]?.['timestamp-ms']).toBe(Number(SAFE16));
    // Written back exactly.
    const text = serializeTableMetadata(m);
    expect(text).toContain(`"snapshot-id":${BIG},"parent-snapshot-id":${BIG2}`);
    expect(text).toContain(`"added-records":"${BIG2}"`);
    expect(text).toContain(`"file-size-in-bytes":${BIG2}`);
    expect(serializeTableMetadata(parseTableMetadata(text, 'again.json'))).toBe(text);
  });

  it('in v3 row lineage fields and an inline v1 manifest list', () => {
    const v3 = doc({
      snapshot: `{"sequence-number":1,"snapshot-id":${BIG},"timestamp-ms":1,"summary":{"operation":"append"},"manifest-list":"l","first-row-id":${BIG2},"added-rows":${SAFE16}}`,
      root: `,"next-row-id":${BIG}`,
    }).replace('"format-version":2', '"format-version":3');
    const m = parseTableMetadata(v3, 'm.json');
    expect(m.snapshots[0]?.['first-row-id']).toBe(BigInt(BIG2));
    expect(m.snapshots[0]?.['added-rows']).toBe(BigInt(SAFE16));
    expect(m['next-row-id']).toBe(BigInt(BIG));

    const v1 = doc({ snapshot: `{"snapshot-id":${BIG},"timestamp-ms":1,"manifests":["s3://b/m1.avro"]}` });
    expect(snapshotManifests(parseTableMetadata(v1, 'm.json').snapshots[0]!)).toEqual(['s3://b/m1.avro']);
  });

  it.each([
    ['a snapshot that is a number', doc({ snapshot: BIG }), new RegExp(`snapshots\\[0\\] must be an object \\(got ${BIG}\\)`)],
    ['a manifest-list that is a number', doc({ snapshot: `{"snapshot-id":1,"timestamp-ms":1,"manifest-list":${BIG},"summary":{"operation":"append"}}` }), new RegExp(`snapshots\\[0\\].manifest-list must be a string \\(got ${BIG}\\)`)],
    ['an inline manifest that is a number', doc({ snapshot: `{"snapshot-id":${BIG},"timestamp-ms":1,"manifests":[${BIG}]}` }), /snapshots\[0\].manifests\[0\] must be a string/],
    ['a schema-id beyond an int', doc({ snapshot: `{"snapshot-id":${BIG},"timestamp-ms":1,"manifest-list":"l","schema-id":${BIG}}` }), /snapshots\[0\].schema-id must be an int/],
    ['a summary that is a number', doc({ snapshot: `{"snapshot-id":${BIG},"timestamp-ms":1,"manifest-list":"l","summary":${BIG}}` }), /snapshots\[0\].summary must be an object/],
    ['a metadata-file that is a number', doc({ metadataLog: `[{"timestamp-ms":1,"metadata-file":${BIG}}]` }), new RegExp(`metadata-log\\[0\\].metadata-file must be a string \\(got ${BIG}\\)`)],
    ['a snapshot-log that is a number', doc({ snapshotLog: BIG }), /snapshot-log must be a list/],
    ['a property that is a number', doc().replace('"properties":{}', `"properties":{"p":${BIG}}`), new RegExp(`properties.p must be a string \\(got ${BIG}\\)`)],
    ['a format-version that is a long', doc().replace('"format-version":2', `"format-version":${BIG}`), /format-version must be an int/],
  ])('names the field of %s', (_what, text, message) => {
    corrupt(text, message);
  });

  it('keeps strings that look like marked longs as strings', () => {
    // An escaped NUL sends the text to the exact parser, which marks nothing.
    const text = doc().replace('"total-records":"7"', '"total-records":"\\u0000floe-long:5"');
    expect(parseTableMetadata(text, 'm.json').snapshots[0]?.summary['total-records']).toBe('\u0000floe-long:5');
  });
});
