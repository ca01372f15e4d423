import { describe, expect, it } from 'vitest';
import { parseTableMetadata, serializeTableMetadata } from '../../src/iceberg/metadata-json.js';

// Metadata JSON with a history: the summary fast path and the compact form.

const snapshot = (id: string, parent: string | null, summary: string) =>
  `{"sequence-number":1,"snapshot-id":${id},${parent ? `"parent-snapshot-id":${parent},` : ''}"timestamp-ms":1700000000000,"summary":${summary},"manifest-list":"s3://b/t/metadata/snap-${id}-1.avro","schema-id":0}`;

const text = (snapshots: string[], current: string) => `{
  "format-version": 2, "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1", "location": "s3://b/t",
  "last-sequence-number": 2, "last-updated-ms": 1700000000001, "last-column-id": 1, "current-schema-id": 0,
  "schemas": [{"type": "struct", "schema-id": 0, "fields": [{"id": 1, "name": "id", "required": true, "type": "long"}]}],
  "default-spec-id": 0, "partition-specs": [{"spec-id": 0, "fields": []}], "last-partition-id": 999,
  "default-sort-order-id": 0, "sort-orders": [{"order-id": 0, "fields": []}], "properties": {},
  "current-snapshot-id": ${current}, "refs": {"main": {"snapshot-id": ${current}, "type": "branch"}},
  "snapshots": [${snapshots.join(', ')}],
  "snapshot-log": [{"timestamp-ms": 1700000000000, "snapshot-id": ${current}}], "metadata-log": []
}`;

describe('snapshot summaries', () => {
  it('keeps string maps as they are and turns numbers and booleans into strings', () => {
    const m = parseTableMetadata(
      text(
        [
          snapshot('8656952484400131532', null, '{"operation": "append", "added-data-files": "3", "__proto__": "x"}'),
          snapshot('1234567890123456789', '8656952484400131532', '{"operation": "overwrite", "total-records": 12, "big": 12345678901234567890, "flag": true}'),
        ],
        '1234567890123456789',
      ),
      'm.json',
    );
    const [a, b] = m.snapshots;
    expect(a!.summary).toEqual({ operation: 'append', 'added-data-files': '3', ['__proto__']: 'x' });
    expect(Object.getPrototypeOf(a!.summary)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(a!.summary, '__proto__')?.value).toBe('x');
    expect(b!.summary).toEqual({ operation: 'overwrite', 'total-records': '12', big: '12345678901234567890', flag: 'true' });
    expect(b!['parent-snapshot-id']).toBe(8656952484400131532n);
  });

  it('refuses a summary value that is not a scalar, and one without an operation', () => {
    const bad = (summary: string) => () => parseTableMetadata(text([snapshot('5', null, summary)], '5'), 'm.json');
    expect(bad('{"operation": "append", "x": {"y": 1}}')).toThrow(/m\.json: snapshots\[0\]\.summary\.x must be a string/);
    expect(bad('{"added-data-files": "1"}')).toThrow(/m\.json: snapshots\[0\]\.summary\.operation must be a string \(missing\)/);
  });
});

describe('serializeTableMetadata', () => {
  it('writes compact JSON (as Iceberg Java does) that reads back to the same metadata', () => {
    const m = parseTableMetadata(text([snapshot('8656952484400131532', null, '{"operation": "append"}')], '8656952484400131532'), 'm.json');
    const out = serializeTableMetadata(m);
    expect(out).not.toMatch(/\n/);
    expect(out).toContain('"current-snapshot-id":8656952484400131532,');
    expect(out.startsWith('{"format-version":2,"table-uuid":"9c12d441-03fe-4693-9a96-a0705ddf69c1","location":"s3://b/t",')).toBe(true);
    expect(parseTableMetadata(out, 'again')).toEqual(m);
  });
});
