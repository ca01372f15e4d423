/**
 * Datum encoding and decoding driven by a resolved Avro schema (Avro 1.11 spec, "Binary
 * Encoding"). Each schema node is compiled once into a closure, so a manifest with thousands
 * of entries does not re-interpret the schema per value.
 *
 * JS shapes of decoded values:
 *   null → null; boolean; int → number; long → bigint (always); float/double → number;
 *   bytes/fixed → Uint8Array; string → string; enum → symbol string;
 *   record → plain object keyed by field name; array → array;
 *   map → Map<string, V>; Iceberg map-as-array (`logicalType: map`) → Map<K, V>;
 *   union → the branch's value (["null", X] therefore reads as X-or-null).
 *
 * Logical types (decimal, uuid, date, timestamps) stay in their physical form here; the
 * Iceberg layer, which knows the Iceberg type, converts them.
 */
import { AvroDataError, type AvroReader, type AvroWriter } from './binary.js';
import { type AvroType, keyValueRecord } from './schema.js';

export type Decoder = (r: AvroReader) => unknown;
export type Encoder = (w: AvroWriter, v: unknown, path: string) => void;

/** Thrown when a JS value does not fit the schema; a bug in the caller, reported with its path. */
export class AvroEncodeError extends Error {}

const decoders = new WeakMap<AvroType, Decoder>();
const encoders = new WeakMap<AvroType, Encoder>();

/** Reads the block-structured items of an array or map (negative count: a byte size follows). */
function readBlocks(r: AvroReader, item: () => void): void {
  for (;;) {
    let n = r.readSize('block count');
    if (n === 0) return;
    if (n < 0) {
      n = -n;
      r.readSize('block size');
    }
    for (let i = 0; i < n; i++) item();
  }
}

export function decoderFor(t: AvroType): Decoder {
  const hit = decoders.get(t);
  if (hit) return hit;
  // Register a trampoline first: a recursive record then finds itself while being compiled.
  let impl: Decoder | undefined;
  const tramp: Decoder = (r) => impl!(r);
  decoders.set(t, tramp);
  impl = compileDecoder(t);
  decoders.set(t, impl);
  return impl;
}

function compileDecoder(t: AvroType): Decoder {
  switch (t.kind) {
    case 'null':
      return () => null;
    case 'boolean':
      return (r) => r.readBoolean();
    case 'int':
      return (r) => r.readInt();
    case 'long':
      return (r) => r.readLong();
    case 'float':
      return (r) => r.readFloat();
    case 'double':
      return (r) => r.readDouble();
    case 'bytes':
      return (r) => r.readBytes();
    case 'string':
      return (r) => r.readString();
    case 'fixed':
      return (r) => r.readFixed(t.size);
    case 'enum':
      return (r) => {
        const i = r.readInt();
        const s = t.symbols[i];
        if (s === undefined) throw new AvroDataError(`enum ${t.name}: index ${i} out of range`);
        return s;
      };
    case 'union': {
      const branches = t.branches.map(decoderFor);
      return (r) => {
        const i = r.readSize('union branch');
        const d = branches[i];
        if (!d) throw new AvroDataError(`union branch ${i} out of range (${branches.length} branches)`);
        return d(r);
      };
    }
    case 'record': {
      const fields = t.fields.map((f) => [f.name, decoderFor(f.type)] as const);
      // Plain objects filled in schema order share one hidden class, which keeps decoding fast;
      // a field literally named __proto__ must not set the prototype, so it gets a null-prototype object.
      if (fields.some(([name]) => name === '__proto__')) {
        return (r) => {
          const o = Object.create(null) as Record<string, unknown>;
          for (const [name, d] of fields) o[name] = d(r);
          return o;
        };
      }
      return (r) => {
        const o: Record<string, unknown> = {};
        for (const [name, d] of fields) o[name] = d(r);
        return o;
      };
    }
    case 'map': {
      const value = decoderFor(t.values);
      return (r) => {
        const m = new Map<string, unknown>();
        readBlocks(r, () => {
          const k = r.readString();
          m.set(k, value(r));
        });
        return m;
      };
    }
    case 'array': {
      const item = decoderFor(t.items);
      const kv = t.isMap ? keyValueRecord(t.items) : undefined;
      if (kv) {
        // Iceberg map-as-array: the first field is the key, the second the value (Appendix A).
        const [kName, vName] = [kv.fields[0]!.name, kv.fields[1]!.name];
        return (r) => {
          const m = new Map<unknown, unknown>();
          readBlocks(r, () => {
            const e = item(r) as Record<string, unknown> | null;
            if (e !== null) m.set(e[kName], e[vName]);
          });
          return m;
        };
      }
      return (r) => {
        const a: unknown[] = [];
        readBlocks(r, () => a.push(item(r)));
        return a;
      };
    }
  }
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

/** Whether a union branch can hold this value; the first match wins, as in other Avro libraries. */
function accepts(t: AvroType, v: unknown): boolean {
  switch (t.kind) {
    case 'null':
      return v === null || v === undefined;
    case 'boolean':
      return typeof v === 'boolean';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX;
    case 'long':
      return typeof v === 'bigint';
    case 'float':
    case 'double':
      return typeof v === 'number';
    case 'bytes':
      return v instanceof Uint8Array;
    case 'fixed':
      return v instanceof Uint8Array && v.length === t.size;
    case 'string':
      return typeof v === 'string';
    case 'enum':
      return typeof v === 'string' && t.symbols.includes(v);
    case 'array':
      return Array.isArray(v) || (t.isMap && v instanceof Map);
    case 'map':
      return v instanceof Map || (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array));
    case 'record':
      return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array);
    case 'union':
      return t.branches.some((b) => accepts(b, v));
  }
}

export function encoderFor(t: AvroType): Encoder {
  const hit = encoders.get(t);
  if (hit) return hit;
  let impl: Encoder | undefined;
  encoders.set(t, (w, v, p) => impl!(w, v, p));
  impl = compileEncoder(t);
  encoders.set(t, impl);
  return impl;
}

function fail(t: AvroType, v: unknown, path: string): never {
  const shown = typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes[${v.length}]` : String(v);
  throw new AvroEncodeError(`${path || '<root>'}: value ${shown} (${typeof v}) does not fit Avro type ${t.kind}`);
}

function writeBlock<T>(w: AvroWriter, items: readonly T[], each: (item: T, i: number) => void): void {
  // One block with all items, then the empty block that ends the array or map.
  if (items.length > 0) {
    w.writeSize(items.length);
    items.forEach(each);
  }
  w.writeSize(0);
}

function compileEncoder(t: AvroType): Encoder {
  const check = (ok: boolean, v: unknown, p: string) => ok || fail(t, v, p);
  switch (t.kind) {
    case 'null':
      return (_w, v, p) => void check(v === null || v === undefined, v, p);
    case 'boolean':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeBoolean(v as boolean);
    case 'int':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeInt(v as number);
    case 'long':
      return (w, v, p) => {
        check(typeof v === 'bigint' && v >= LONG_MIN && v <= LONG_MAX, v, p);
        w.writeLong(v as bigint);
      };
    case 'float':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeFloat(v as number);
    case 'double':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeDouble(v as number);
    case 'bytes':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeBytes(v as Uint8Array);
    case 'fixed':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeFixed(v as Uint8Array);
    case 'string':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeString(v as string);
    case 'enum':
      return (w, v, p) => check(accepts(t, v), v, p) && w.writeInt(t.symbols.indexOf(v as string));
    case 'union': {
      const branches = t.branches.map((b) => [b, encoderFor(b)] as const);
      return (w, v, p) => {
        const i = branches.findIndex(([b]) => accepts(b, v));
        if (i < 0) fail(t, v, p);
        w.writeSize(i);
        branches[i]![1](w, v, p);
      };
    }
    case 'record': {
      const fields = t.fields.map((f) => [f.name, encoderFor(f.type)] as const);
      return (w, v, p) => {
        check(accepts(t, v), v, p);
        const o = v as Record<string, unknown>;
        for (const [name, e] of fields) e(w, o[name] ?? null, `${p}.${name}`);
      };
    }
    case 'map': {
      const value = encoderFor(t.values);
      return (w, v, p) => {
        check(accepts(t, v), v, p);
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
        writeBlock(w, entries, ([k, x]) => {
          if (typeof k !== 'string') fail(t, k, `${p}{key}`);
          w.writeString(k);
          value(w, x, `${p}{${k}}`);
        });
      };
    }
    case 'array': {
      const item = encoderFor(t.items);
      const kv = t.isMap ? keyValueRecord(t.items) : undefined;
      return (w, v, p) => {
        check(accepts(t, v), v, p);
        // A Map written as Iceberg map-as-array becomes records {key, value} (Appendix A).
        const items: unknown[] =
          kv && v instanceof Map
            ? [...v.entries()].map(([k, x]) => ({ [kv.fields[0]!.name]: k, [kv.fields[1]!.name]: x }))
            : (v as unknown[]);
        writeBlock(w, items, (x, i) => item(w, x, `${p}[${i}]`));
      };
    }
  }
}
