import { describe, expect, it } from 'vitest';
import { AvroReader, AvroWriter } from '../../src/iceberg/avro/binary.js';
import { readAvroFile, writeAvroFile } from '../../src/iceberg/avro/container.js';
import { decoderFor, encoderFor } from '../../src/iceberg/avro/datum.js';
import { parseAvroSchema } from '../../src/iceberg/avro/schema.js';
import { isFloeError } from '../../src/errors.js';

// The compiled record codec: fields read in schema order into one object literal, optional
// primitives read inline, encoding errors that name the path of the value.

const SCHEMA = {
  type: 'record',
  name: 'r',
  fields: [
    { name: 'a', type: 'long' },
    { name: 'opt_first', type: ['null', 'string'] },
    { name: 'opt_last', type: ['int', 'null'] },
    { name: 'both', type: ['string', 'long'] },
    { name: 'quoted "name" \\ here', type: 'boolean' },
    { name: 'nested', type: { type: 'record', name: 'n', fields: [{ name: 'x', type: ['null', 'double'] }, { name: 'b', type: 'bytes' }] } },
    { name: 'items', type: { type: 'array', items: ['null', 'float'] } },
    { name: 'm', type: { type: 'map', values: 'string' } },
    { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X', 'Y'] } },
    { name: 'f', type: { type: 'fixed', name: 'F', size: 2 } },
    { name: 'nothing', type: 'null' },
  ],
};

const row = {
  a: -9223372036854775808n,
  opt_first: 'é and ascii',
  opt_last: null,
  both: 42n,
  'quoted "name" \\ here': true,
  nested: { x: 1.5, b: Uint8Array.of(1, 2, 3) },
  items: [0.5, null, -2],
  m: new Map([['k', 'v']]),
  e: 'Y',
  f: Uint8Array.of(9, 8),
  nothing: null,
};

describe('compiled record codec', () => {
  it('round-trips every field kind, optional fields with null first or last', () => {
    const back = readAvroFile(writeAvroFile([row, { ...row, opt_first: null, opt_last: -7, both: 'text', nested: { x: null, b: new Uint8Array(0) } }], { schema: SCHEMA }), 'f.avro').records;
    expect(back[0]).toEqual(row);
    expect(back[1]).toEqual({ ...row, opt_first: null, opt_last: -7, both: 'text', nested: { x: null, b: new Uint8Array(0) } });
    expect(Object.keys(back[0] as object)).toEqual(SCHEMA.fields.map((f) => f.name));
  });

  it('keeps a field named __proto__ an own property', () => {
    const schema = { type: 'record', name: 'p', fields: [{ name: '__proto__', type: ['null', 'string'] }, { name: 'y', type: 'int' }] };
    const [back] = readAvroFile(writeAvroFile([Object.fromEntries([['__proto__', 'v'], ['y', 1]])], { schema }), 'p.avro').records as Record<string, unknown>[];
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe('v');
    expect(back!.y).toBe(1);
  });

  it('reports an optional field with a union branch out of range', () => {
    const t = parseAvroSchema({ type: 'record', name: 'o', fields: [{ name: 'x', type: ['null', 'long'] }] });
    const w = new AvroWriter();
    w.writeSize(5);
    expect(() => decoderFor(t)(new AvroReader(w.toBytes()))).toThrow(/union branch 5 out of range \(2 branches\)/);
  });

  it('names the path of a value that does not fit, built on failure', () => {
    const bad = (v: Record<string, unknown>) => () => encoderFor(parseAvroSchema(SCHEMA))(new AvroWriter(), { ...row, ...v });
    expect(bad({ items: [1, 'x'] })).toThrow(/^\.items\[1\]: value x \(string\) does not fit Avro type union$/);
    expect(bad({ nested: { x: 1, b: 'no' } })).toThrow(/^\.nested\.b: value no \(string\) does not fit Avro type bytes$/);
    expect(bad({ m: new Map([['k', 3]]) })).toThrow(/^\.m\{k\}: value 3 \(number\) does not fit Avro type string$/);
    expect(bad({ e: 'Z' })).toThrow(/^\.e: value Z \(string\) does not fit Avro type enum$/);
    expect(bad({ a: 1 })).toThrow(/^\.a: value 1 \(number\) does not fit Avro type long$/);
    let err: unknown;
    try {
      writeAvroFile([row, { ...row, opt_last: 1.5 }], { schema: SCHEMA });
    } catch (e) {
      err = e;
    }
    expect(isFloeError(err, 'internal')).toBe(true);
    expect((err as Error).message).toBe('cannot encode Avro record 1: .opt_last: value 1.5 (number) does not fit Avro type union');
  });
});

describe('AvroReader.readString', () => {
  const encoded = (bytes: number[]) => {
    const w = new AvroWriter();
    w.writeBytes(Uint8Array.from(bytes));
    return new AvroReader(w.toBytes());
  };

  it('decodes ASCII, multi-byte text, a real U+FFFD and a leading BOM as they are', () => {
    expect(encoded([...Buffer.from('s3://b/t/metadata/m0.avro')]).readString()).toBe('s3://b/t/metadata/m0.avro');
    expect(encoded([...Buffer.from('Zürich € 🧊')]).readString()).toBe('Zürich € 🧊');
    expect(encoded([...Buffer.from('a\ufffdb')]).readString()).toBe('a\ufffdb');
    expect(encoded([...Buffer.from('\ufeffa\ufffd')]).readString()).toBe('\ufeffa\ufffd');
    expect(encoded([0xef, 0xbb, 0xbf, 0x61]).readString()).toBe('\ufeffa');
  });

  it.each([
    ['an overlong form', [0x61, 0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a lone continuation byte', [0x80]],
  ])('refuses %s', (_what, bytes) => {
    expect(() => encoded(bytes).readString()).toThrow(/string is not valid UTF-8/);
  });
});
