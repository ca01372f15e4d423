import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeMetadataFile,
  parseTableMetadata,
  serializeTableMetadata,
  snapshotManifests,
} from '../../src/iceberg/metadata-json.js';
import { isFloeError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '../../../shared/fixtures/iceberg');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// Files named *.metadata.json* that are not table metadata: a data file, a BigQuery stub with
// no format-version, and Avro headers dumped as JSON by the icebird tests.
const NOT_TABLE_METADATA = [
  'duckdb-iceberg/bad_data/bad_iceberg_metadata.json',
  'duckdb-iceberg/big_query_error/metadata/v0.metadata.json',
  'icebird/snap-8656952484400131532-1-a85973e4-4009-4cba-875e-5278a2c6027d.metadata.json',
  'icebird/a85973e4-4009-4cba-875e-5278a2c6027d-m0.metadata.json',
];

const all = walk(ROOT).filter((p) => /\.metadata\.json/.test(p) && !p.endsWith('.crc'));
const tables = all.filter((p) => !NOT_TABLE_METADATA.includes(relative(ROOT, p)));
const rel = (p: string) => relative(ROOT, p);

/** Snapshot ids as written in the file's text, before any number parsing. */
function rawSnapshotIds(text: string): string[] {
  return [...text.matchAll(/"snapshot-id"\s*:\s*(-?\d+)/g)].map((m) => m[1] as string);
}

describe('every fixture metadata file', () => {
  it('finds the fixtures, including gzip ones', () => {
    expect(tables.length).toBeGreaterThan(100);
    expect(tables.some((p) => p.endsWith('.gz.metadata.json'))).toBe(true);
  });

  it.each(tables.map((p) => [rel(p), p]))('%s parses and round-trips', (_name, path) => {
    const bytes = readFileSync(path);
    const m = decodeMetadataFile(bytes, path);
    expect(m['current-snapshot-id']).toBe(m.refs.main?.['snapshot-id'] ?? null);
    expect(m.schemas.some((s) => s['schema-id'] === m['current-schema-id'])).toBe(true);
    const text = serializeTableMetadata(m);
    expect(parseTableMetadata(text, 'roundtrip')).toEqual(m);
    // Identity on the second pass too: serialise is a fixed point.
    expect(serializeTableMetadata(parseTableMetadata(text, 'roundtrip'))).toBe(text);
    // Every snapshot id in the file survives exactly (they exceed 2^53).
    const source = bytes[0] === 0x1f ? '' : bytes.toString('utf8');
    if (source) {
      const ids = new Set(rawSnapshotIds(source).filter((id) => id !== '-1'));
      const mine = new Set(rawSnapshotIds(text).filter((id) => id !== '-1'));
      expect(mine).toEqual(ids);
    }
  });

  it.each(NOT_TABLE_METADATA.map((p) => [p]))('%s is rejected as corrupt, naming the file', (name) => {
    const path = join(ROOT, name);
    let err: unknown;
    try {
      decodeMetadataFile(readFileSync(path), path);
    } catch (e) {
      err = e;
    }
    expect(isFloeError(err, 'corrupt')).toBe(true);
    expect((err as Error).message).toContain(path);
  });
});

describe('normalising older versions (spec: Appendix E)', () => {
  const legacy = join(ROOT, 'duckdb-iceberg/iceberg_v1_deprecated/default/legacy_v1/metadata');

  it('keeps a v1 snapshot that lists manifests instead of a manifest list', () => {
    const m = decodeMetadataFile(readFileSync(join(legacy, 'v2.metadata.json')), 'v2.metadata.json');
    const s = m.snapshots[0]!;
    expect(s['snapshot-id']).toBe(2456114553637229296n);
    expect(s['sequence-number']).toBe(0n);
    expect(s['manifest-list']).toBe('');
    expect(snapshotManifests(s)).toEqual(['data/persistent/iceberg_v1_deprecated/default/legacy_v1/metadata/d65f86b0-b799-467f-b1f4-9c697e4c4fc7-m0.avro']);
    expect(m['last-sequence-number']).toBe(0n);
    expect(m['partition-specs']).toEqual([{ 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'category', transform: 'identity' }] }]);
    expect(m['sort-orders']).toEqual([{ 'order-id': 0, fields: [] }]);
    expect(m['default-sort-order-id']).toBe(0);
    const out = JSON.parse(serializeTableMetadata(m));
    expect(out.snapshots[0].manifests).toHaveLength(1);
    expect(out.snapshots[0]['manifest-list']).toBeUndefined();
    // v1 files keep the deprecated fields for old readers and omit sequence numbers.
    expect(out.schema.fields).toHaveLength(3);
    expect(out['partition-spec']).toHaveLength(1);
    expect(out['last-sequence-number']).toBeUndefined();
  });

  it('reads a minimal v1 file: schema, partition-spec without field ids, no refs, -1 snapshot', () => {
    const text = JSON.stringify({
      'format-version': 1,
      location: 's3://b/t',
      'last-updated-ms': 1,
      'last-column-id': 2,
      schema: { type: 'struct', fields: [{ id: 1, name: 'a', required: false, type: 'int' }, { id: 2, name: 'b', required: false, type: 'date' }] },
      'partition-spec': [{ name: 'a', transform: 'identity', 'source-id': 1 }, { name: 'b_day', transform: 'day', 'source-id': 2 }],
      'current-snapshot-id': -1,
    });
    const m = parseTableMetadata(text, 'v1.metadata.json');
    expect(m['table-uuid']).toBe('');
    expect(m.schemas).toHaveLength(1);
    expect(m.schemas[0]!['schema-id']).toBe(0);
    expect(m['current-schema-id']).toBe(0);
    expect(m['partition-specs'][0]!.fields.map((f) => f['field-id'])).toEqual([1000, 1001]);
    expect(m['last-partition-id']).toBe(1001);
    expect(m['current-snapshot-id']).toBeNull();
    expect(m.refs).toEqual({});
    expect(m.properties).toEqual({});
    expect(m.snapshots).toEqual([]);
    expect(m['snapshot-log']).toEqual([]);
    expect(m.statistics).toEqual([]);
    const out = JSON.parse(serializeTableMetadata(m));
    expect(out['table-uuid']).toBeUndefined();
    expect(out['current-snapshot-id']).toBe(-1);
    expect(parseTableMetadata(serializeTableMetadata(m), 'x')).toEqual(m);
  });

  it('creates refs.main from current-snapshot-id when refs are missing (BigQuery)', () => {
    const p = join(ROOT, 'duckdb-iceberg/big_query_error/metadata/v1749025517.metadata.json');
    const m = decodeMetadataFile(readFileSync(p), p);
    expect(m.refs).toEqual({ main: { 'snapshot-id': 5128775320967886225n, type: 'branch' } });
    expect(m['current-snapshot-id']).toBe(5128775320967886225n);
    expect(m['metadata-log']).toEqual([]);
  });

  it('reads v3 next-row-id and writes null for no current snapshot', () => {
    const p = join(ROOT, 'duckdb-iceberg/timestamptz_ns/metadata/v1.metadata.json');
    const m = decodeMetadataFile(readFileSync(p), p);
    expect(m['format-version']).toBe(3);
    expect(typeof m['next-row-id']).toBe('bigint');
    const empty = { ...m, 'current-snapshot-id': null, refs: {}, snapshots: [], 'snapshot-log': [] };
    expect(JSON.parse(serializeTableMetadata(empty))['current-snapshot-id']).toBeNull();
    expect(JSON.parse(serializeTableMetadata({ ...empty, 'format-version': 2 }))['current-snapshot-id']).toBe(-1);
  });
});

describe('gzip', () => {
  it('gunzips by magic bytes, whatever the name', () => {
    const p = join(ROOT, 'duckdb-iceberg/iceberg/lineitem_iceberg/metadata/v2.metadata.json');
    const plain = readFileSync(p);
    expect(decodeMetadataFile(gzipSync(plain), 'x.metadata.json')).toEqual(decodeMetadataFile(plain, 'x.metadata.json'));
  });

  it('reports a broken gzip stream as corrupt', () => {
    expect(() => decodeMetadataFile(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 'v9.gz.metadata.json')).toThrow(
      /v9.gz.metadata.json: metadata file looks gzip-compressed but does not decompress/,
    );
  });
});

describe('errors name the file and the field', () => {
  const base = {
    'format-version': 2,
    'table-uuid': 'u',
    location: 'l',
    'last-sequence-number': 0,
    'last-updated-ms': 1,
    'last-column-id': 1,
    'current-schema-id': 0,
    schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'int' }] }],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'last-partition-id': 999,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
  };
  const parse = (o: object) => () => parseTableMetadata(JSON.stringify(o), 'm.json');

  it('accepts the minimal v2 document', () => {
    expect(parse(base)()['current-snapshot-id']).toBeNull();
  });

  it.each([
    [{ ...base, 'table-uuid': undefined }, /m.json: table-uuid is required but missing/],
    [{ ...base, 'last-sequence-number': undefined }, /m.json: last-sequence-number is required but missing/],
    [{ ...base, 'last-column-id': 'x' }, /m.json: last-column-id must be an int \(got "x"\)/],
    [{ ...base, 'current-schema-id': 4 }, /m.json: current-schema-id names schema 4, which is not in schemas/],
    [{ ...base, schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', type: 'int' }] }] }, /schemas\[0\].fields\[0\].required must be a boolean \(missing\)/],
    [{ ...base, snapshots: [{ 'snapshot-id': 1, 'timestamp-ms': 1, summary: { operation: 'append' }, 'sequence-number': 1 }] }, /snapshots\[0\].manifest-list must be a string/],
    [{ ...base, 'current-snapshot-id': 5 }, /current-snapshot-id points at snapshot 5, which is not in snapshots/],
    [{ ...base, refs: { main: { 'snapshot-id': 5, type: 'branch' } } }, /current-snapshot-id is unset but refs.main points at snapshot 5/],
    [{ ...base, refs: { t: { 'snapshot-id': 5, type: 'label' } } }, /refs.t.type must be 'branch' or 'tag'/],
    [{ ...base, 'sort-orders': [{ 'order-id': 0, fields: [{ transform: 'identity', 'source-id': 1, direction: 'up', 'null-order': 'nulls-first' }] }] }, /sort-orders\[0\].fields\[0\].direction/],
    [{ ...base, properties: { a: 1 } }, /m.json: properties.a must be a string/],
  ])('%#', (doc, message) => {
    expect(parse(doc)).toThrow(message);
    try {
      parse(doc)();
    } catch (e) {
      expect(isFloeError(e, 'corrupt')).toBe(true);
    }
  });

  it('refuses a format version newer than it supports', () => {
    expect(parse({ ...base, 'format-version': 4 })).toThrow(/format-version 4 is newer than floe supports/);
  });

  it('refuses encrypted tables rather than drop their keys on rewrite', () => {
    expect(parse({ ...base, 'format-version': 3, 'next-row-id': 0, 'encryption-keys': [{ 'key-id': 'k', 'encrypted-key-metadata': 'AA==' }] })).toThrow(
      /m.json: the table is encrypted/,
    );
  });

  it('refuses an unknown column type as unsupported', () => {
    const doc = { ...base, schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'int128' }] }] };
    expect(parse(doc)).toThrow(/schemas\[0\].fields\[0\].type has a type floe does not know: 'int128'/);
  });

  it('reports invalid JSON with line and column', () => {
    expect(() => parseTableMetadata('{\n "a": }', 'bad.json')).toThrow(/bad.json: invalid JSON at line 2, column 7/);
  });
});
