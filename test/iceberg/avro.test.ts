import { describe, expect, it } from 'vitest';
import { AvroReader, AvroWriter } from '../../src/iceberg/avro/binary.js';
import { readAvroFile, writeAvroFile, metaString } from '../../src/iceberg/avro/container.js';
import { crc32, snappyDecompress } from '../../src/iceberg/avro/codecs.js';
import { isFloeError } from '../../src/errors.js';
import { snappyCompress } from './avro-test-utils.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function roundTripLong(v: bigint): bigint {
  const w = new AvroWriter();
  w.writeLong(v);
  return new AvroReader(w.toBytes()).readLong();
}

describe('Avro binary encoding', () => {
  it('encodes longs as zig-zag varints, as in the Avro spec examples', () => {
    const enc = (v: bigint) => {
      const w = new AvroWriter();
      w.writeLong(v);
      return hex(w.toBytes());
    };
    expect(enc(0n)).toBe('00');
    expect(enc(-1n)).toBe('01');
    expect(enc(1n)).toBe('02');
    expect(enc(-2n)).toBe('03');
    expect(enc(2n)).toBe('04');
    expect(enc(-64n)).toBe('7f');
    expect(enc(64n)).toBe('8001');
    expect(enc(-(1n << 63n))).toBe('ffffffffffffffffff01');
    expect(enc((1n << 63n) - 1n)).toBe('feffffffffffffffff01');
  });

  it('round-trips long extremes and values around every varint width as bigint', () => {
    const values = [0n, 1n, -1n, (1n << 63n) - 1n, -(1n << 63n), 8656952484400131532n, -8656952484400131532n];
    for (let bits = 6n; bits < 63n; bits += 7n) {
      for (const d of [-1n, 0n, 1n]) values.push((1n << bits) + d, -(1n << bits) + d);
    }
    values.push(BigInt(Number.MAX_SAFE_INTEGER) + 2n, -BigInt(Number.MAX_SAFE_INTEGER) - 2n);
    for (const v of values) {
      const back = roundTripLong(v);
      expect(typeof back).toBe('bigint');
      expect(back).toBe(v);
    }
  });

  it('round-trips int extremes, floats, doubles, strings and bytes', () => {
    const w = new AvroWriter();
    const ints = [0, -1, 1, 63, 64, -65, 0x7fffffff, -0x80000000];
    ints.forEach((v) => w.writeInt(v));
    w.writeFloat(1.5);
    w.writeFloat(-0);
    w.writeDouble(Number.NaN);
    w.writeDouble(-Infinity);
    w.writeDouble(Math.PI);
    w.writeString('');
    w.writeString('grüße 🐇');
    w.writeBytes(new Uint8Array(0));
    w.writeBytes(Uint8Array.of(0, 255, 7));
    w.writeBoolean(true);
    const r = new AvroReader(w.toBytes());
    expect(ints.map(() => r.readInt())).toEqual(ints);
    expect(r.readFloat()).toBe(1.5);
    expect(Object.is(r.readFloat(), -0)).toBe(true);
    expect(r.readDouble()).toBeNaN();
    expect(r.readDouble()).toBe(-Infinity);
    expect(r.readDouble()).toBe(Math.PI);
    expect(r.readString()).toBe('');
    expect(r.readString()).toBe('grüße 🐇');
    expect(r.readBytes()).toEqual(new Uint8Array(0));
    expect(r.readBytes()).toEqual(Uint8Array.of(0, 255, 7));
    expect(r.readBoolean()).toBe(true);
    expect(r.remaining).toBe(0);
  });
});

/** A schema using every Avro type, with Iceberg's id attributes. */
const ALL_TYPES_SCHEMA = {
  type: 'record',
  name: 'all_types',
  fields: [
    { name: 'n', type: 'null', 'field-id': 1 },
    { name: 'b', type: 'boolean', 'field-id': 2 },
    { name: 'i', type: 'int', 'field-id': 3 },
    { name: 'l', type: 'long', 'field-id': 4 },
    { name: 'f', type: 'float', 'field-id': 5 },
    { name: 'd', type: 'double', 'field-id': 6 },
    { name: 'by', type: 'bytes', 'field-id': 7 },
    { name: 's', type: 'string', 'field-id': 8 },
    { name: 'e', type: { type: 'enum', name: 'color', symbols: ['RED', 'GREEN'] }, 'field-id': 9 },
    { name: 'fx', type: { type: 'fixed', name: 'decimal_9_2', size: 4, logicalType: 'decimal', precision: 9, scale: 2 }, 'field-id': 10 },
    { name: 'fx2', type: ['null', 'decimal_9_2'], default: null, 'field-id': 11 },
    { name: 'arr', type: { type: 'array', items: 'long', 'element-id': 13 }, 'field-id': 12 },
    { name: 'smap', type: { type: 'map', values: ['null', 'int'], 'key-id': 15, 'value-id': 16 }, 'field-id': 14 },
    {
      name: 'imap',
      type: ['null', {
        type: 'array',
        logicalType: 'map',
        items: { type: 'record', name: 'k18_v19', fields: [{ name: 'key', type: 'int', 'field-id': 18 }, { name: 'value', type: 'bytes', 'field-id': 19 }] },
      }],
      default: null,
      'field-id': 17,
    },
    { name: 'u', type: ['null', 'string', 'long'], default: null, 'field-id': 20 },
    { name: 'rec', type: { type: 'record', name: 'r21', fields: [{ name: 'x', type: ['null', 'int'], default: null, 'field-id': 22 }] }, 'field-id': 21 },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true }, 'field-id': 23 },
  ],
};

const rowA = {
  n: null,
  b: true,
  i: -0x80000000,
  l: -(1n << 63n),
  f: 0.5,
  d: -1e300,
  by: Uint8Array.of(1, 2, 3),
  s: 'hello',
  e: 'GREEN',
  fx: Uint8Array.of(0xff, 0xff, 0xfe, 0x0c),
  fx2: Uint8Array.of(0, 0, 0, 1),
  arr: [1n, (1n << 63n) - 1n],
  smap: new Map<string, number | null>([['a', 1], ['b', null]]),
  imap: new Map<number, Uint8Array>([[1, Uint8Array.of(9)], [2, new Uint8Array(0)]]),
  u: 42n,
  rec: { x: 7 },
  ts: 1_700_000_000_000_000n,
};
const rowB = {
  ...rowA,
  b: false,
  i: 0x7fffffff,
  l: (1n << 63n) - 1n,
  e: 'RED',
  fx2: null,
  arr: [],
  smap: new Map(),
  imap: null,
  u: 'text',
  rec: { x: null },
};

/** Compare decoded values as plain data (bigint, bytes and Map made JSON-comparable). */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) =>
  typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x instanceof Map ? [...x.entries()] : x));

describe('Avro object container', () => {
  for (const codec of ['null', 'deflate'] as const) {
    it(`round-trips every Avro type with the ${codec} codec, across several blocks`, () => {
      const rows = Array.from({ length: 50 }, (_, k) => (k % 2 ? rowB : rowA));
      const bytes = writeAvroFile(rows, { schema: ALL_TYPES_SCHEMA, codec, blockBytes: 100 });
      const file = readAvroFile(bytes, 'mem://all.avro');
      expect(file.codec).toBe(codec);
      expect(file.records).toHaveLength(50);
      expect(plain(file.records)).toEqual(plain(rows));
      const first = file.records[0] as typeof rowA;
      expect(typeof first.l).toBe('bigint');
      expect(first.imap).toBeInstanceOf(Map);
      expect([...first.imap.keys()]).toEqual([1, 2]);
      expect(first.smap).toBeInstanceOf(Map);
    });
  }

  it('writes deflate by default and keeps id attributes verbatim in the header schema', () => {
    const bytes = writeAvroFile([rowA], { schema: ALL_TYPES_SCHEMA, metadata: { 'format-version': '2' } });
    const file = readAvroFile(bytes, 'mem://ids.avro');
    expect(metaString(file, 'avro.codec')).toBe('deflate');
    expect(metaString(file, 'format-version')).toBe('2');
    const schema = JSON.parse(metaString(file, 'avro.schema')!);
    expect(schema).toEqual(ALL_TYPES_SCHEMA);
    expect(schema.fields[11].type['element-id']).toBe(13);
    expect(schema.fields[12].type['key-id']).toBe(15);
    expect(schema.fields[12].type['value-id']).toBe(16);
    expect(schema.fields[13].type[1].logicalType).toBe('map');
  });

  it('writes an empty file with no blocks', () => {
    const file = readAvroFile(writeAvroFile([], { schema: ALL_TYPES_SCHEMA }), 'mem://empty.avro');
    expect(file.records).toEqual([]);
  });

  it('refuses to encode a number where a long is declared', () => {
    expect(() => writeAvroFile([{ ...rowA, l: 5 }], { schema: ALL_TYPES_SCHEMA })).toThrow(/\.l: value 5/);
  });

  it('reads snappy blocks and verifies their CRC', () => {
    const nullFile = writeAvroFile([rowA, rowB, rowA], { schema: ALL_TYPES_SCHEMA, codec: 'null', syncMarker: new Uint8Array(16).fill(7) });
    const snappy = recodeAsSnappy(nullFile);
    const file = readAvroFile(snappy, 'mem://snappy.avro');
    expect(file.codec).toBe('snappy');
    expect(plain(file.records)).toEqual(plain([rowA, rowB, rowA]));
    // Flip one payload bit: the CRC must catch it.
    const bad = snappy.slice();
    bad[bad.length - 16 - 5]! ^= 1;
    expect(() => readAvroFile(bad, 'mem://snappy-bad.avro')).toThrow(/snappy-bad\.avro/);
  });

  it('decompresses overlapping snappy copies', () => {
    // "abcd" literal, then a 1-byte-offset copy of length 8 at offset 4, then 2-byte offset copy.
    const block = Uint8Array.of(16, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x11, 0x04, 0x0e, 0x0a, 0x00);
    expect(new TextDecoder().decode(snappyDecompress(block))).toBe('abcdabcdabcdcdab');
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  describe('corrupt files give a corrupt FloeError naming the file', () => {
    const good = writeAvroFile([rowA, rowB], { schema: ALL_TYPES_SCHEMA, codec: 'deflate' });
    const expectCorrupt = (bytes: Uint8Array, what: RegExp, kind: 'corrupt' | 'unsupported' = 'corrupt') => {
      try {
        readAvroFile(bytes, 's3://bucket/metadata/broken-m0.avro');
      } catch (e) {
        expect(isFloeError(e, kind)).toBe(true);
        expect((e as Error).message).toContain('s3://bucket/metadata/broken-m0.avro');
        expect((e as Error).message).toMatch(what);
        expect((e as { context: Record<string, unknown> }).context.file).toBe('s3://bucket/metadata/broken-m0.avro');
        return;
      }
      throw new Error('expected a failure');
    };
    it('bad magic', () => expectCorrupt(Uint8Array.of(0x50, 0x41, 0x52, 0x31, 0, 0), /magic/));
    it('empty file', () => expectCorrupt(new Uint8Array(0), /magic/));
    it('truncated in the header', () => expectCorrupt(good.subarray(0, 40), /truncated/));
    it('truncated in a block', () => expectCorrupt(good.subarray(0, good.length - 30), /truncated/));
    it('bad sync marker', () => {
      const b = good.slice();
      b[b.length - 1]! ^= 0xff;
      expectCorrupt(b, /sync marker/);
    });
    it('garbage in a deflate block', () => {
      const b = good.slice();
      for (let i = b.length - 40; i < b.length - 20; i++) b[i] = 0xff;
      expectCorrupt(b, /./);
    });
    it('unknown codec', () => expectCorrupt(withCodec(good, 'lzma77'), /unknown Avro codec 'lzma77'/));
    it('zstandard is valid Avro but unsupported', () => expectCorrupt(withCodec(good, 'zstandard'), /zstandard/, 'unsupported'));
    it('schema that is not JSON', () => {
      const w = new AvroWriter();
      w.writeFixed(Uint8Array.of(0x4f, 0x62, 0x6a, 1));
      w.writeSize(1);
      w.writeString('avro.schema');
      w.writeString('{"type": record');
      w.writeSize(0);
      w.writeFixed(new Uint8Array(16));
      expectCorrupt(w.toBytes(), /invalid JSON/);
    });
  });
});

/** Splits a container into header fields and blocks (for rewriting test files). */
function parseContainer(bytes: Uint8Array) {
  const r = new AvroReader(bytes);
  r.pos = 4;
  const meta: [string, Uint8Array][] = [];
  for (let n = r.readSize(''); n !== 0; n = r.readSize('')) for (let i = 0; i < n; i++) meta.push([r.readString(), r.readBytes()]);
  const sync = r.readFixed(16);
  const blocks: { count: number; data: Uint8Array }[] = [];
  while (r.remaining > 0) {
    const count = r.readSize('');
    const data = r.readFixed(r.readSize(''));
    r.readFixed(16);
    blocks.push({ count, data });
  }
  return { meta, sync, blocks };
}

function buildContainer(meta: [string, Uint8Array][], sync: Uint8Array, blocks: { count: number; data: Uint8Array }[]) {
  const w = new AvroWriter();
  w.writeFixed(Uint8Array.of(0x4f, 0x62, 0x6a, 1));
  w.writeSize(meta.length);
  for (const [k, v] of meta) {
    w.writeString(k);
    w.writeBytes(v);
  }
  w.writeSize(0);
  w.writeFixed(sync);
  for (const b of blocks) {
    w.writeSize(b.count);
    w.writeBytes(b.data);
    w.writeFixed(sync);
  }
  return w.toBytes();
}

function withCodec(bytes: Uint8Array, codec: string): Uint8Array {
  const c = parseContainer(bytes);
  const meta = c.meta.map(([k, v]) => [k, k === 'avro.codec' ? new TextEncoder().encode(codec) : v] as [string, Uint8Array]);
  return buildContainer(meta, c.sync, c.blocks);
}

function recodeAsSnappy(nullCodecFile: Uint8Array): Uint8Array {
  const c = parseContainer(nullCodecFile);
  const meta = c.meta.map(([k, v]) => [k, k === 'avro.codec' ? new TextEncoder().encode('snappy') : v] as [string, Uint8Array]);
  const blocks = c.blocks.map(({ count, data }) => {
    const z = snappyCompress(data);
    const crc = crc32(data);
    const out = new Uint8Array(z.length + 4);
    out.set(z);
    new DataView(out.buffer).setUint32(z.length, crc, false);
    return { count, data: out };
  });
  return buildContainer(meta, c.sync, blocks);
}
