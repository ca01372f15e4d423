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
export type Encoder = (w: AvroWriter, v: unknown) => void;

/** Thrown when a JS value does not fit the schema; a bug in the caller, reported with its path. */
export class AvroEncodeError extends Error {
  constructor(
    readonly detail: string,
    /** Where in the record, e.g. `.data_file.partition.x`; empty for the record itself. */
    readonly path = '',
  ) {
    super(`${path || '<root>'}: ${detail}`);
  }

  /** The same error one level further out. */
  under(segment: string): AvroEncodeError {
    return new AvroEncodeError(this.detail, segment + this.path);
  }
}

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
        if (!d) badBranch(i, branches.length);
        return d(r);
      };
    }
    case 'record': {
      const fields = t.fields.map((f) => [f.name, decoderFor(f.type), f.type] as const);
      // A field literally named __proto__ must not set the prototype: a null-prototype object.
      if (fields.some(([name]) => name === '__proto__')) {
        return (r) => {
          const o = Object.create(null) as Record<string, unknown>;
          for (const [name, d] of fields) o[name] = d(r);
          return o;
        };
      }
      return recordLiteralDecoder(fields);
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

function badBranch(i: number, n: number): never {
  throw new AvroDataError(`union branch ${i} out of range (${n} branches)`);
}

/** Reader calls for the primitive types, as code; `r` is the AvroReader. */
const DIRECT_READS: Partial<Record<AvroType['kind'], string>> = {
  null: 'null',
  boolean: 'r.readBoolean()',
  int: 'r.readInt()',
  long: 'r.readLong()',
  float: 'r.readFloat()',
  double: 'r.readDouble()',
  bytes: 'r.readBytes()',
  string: 'r.readString()',
};

/**
 * A record decoder compiled to one object literal with the field names as keys, its values
 * decoded in schema order (literal properties are evaluated left to right). Every record of
 * the schema then gets the same hidden class at once, with no per-field keyed stores — the
 * hot path of reading manifests and manifest lists. The names are embedded as JSON string
 * literals (escaped), never as code; `__proto__` is excluded by the caller.
 */
function recordLiteralDecoder(fields: readonly (readonly [string, Decoder, AvroType])[]): Decoder {
  // Primitive fields, optional or not, call the reader directly; the others go through their
  // compiled decoder (d[i]). An optional field reads its branch into b; a branch out of range
  // takes the compiled union decoder's error.
  const read = (t: AvroType, i: number): string => {
    const direct = DIRECT_READS[t.kind];
    if (direct) return direct;
    if (t.kind === 'union' && t.branches.length === 2) {
      const nullAt = t.branches.findIndex((b) => b.kind === 'null');
      const other = nullAt >= 0 ? DIRECT_READS[t.branches[1 - nullAt]!.kind] : undefined;
      if (other && other !== 'null') {
        return `((b = r.readSize('union branch')) === ${nullAt} ? null : b === ${1 - nullAt} ? ${other} : badBranch(b, 2))`;
      }
    }
    return `d[${i}](r)`;
  };
  const props = fields.map(([name, , t], i) => `${JSON.stringify(name)}: ${read(t, i)}`).join(', ');
  const build = new Function('d', 'badBranch', `return function decodeRecord(r) { let b; return { ${props} }; };`) as (
    d: Decoder[],
    bad: (i: number, n: number) => never,
  ) => Decoder;
  return build(
    fields.map(([, d]) => d),
    badBranch,
  );
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
  encoders.set(t, (w, v) => impl!(w, v));
  impl = compileEncoder(t);
  encoders.set(t, impl);
  return impl;
}

function fail(t: AvroType, v: unknown): never {
  const shown = typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes[${v.length}]` : String(v);
  throw new AvroEncodeError(`value ${shown} (${typeof v}) does not fit Avro type ${t.kind}`);
}

/**
 * Rethrows an encoding error one level further out, its path prefixed with `segment`: paths
 * are built only on failure, never per value written.
 */
function within(segment: () => string, e: unknown): never {
  if (e instanceof AvroEncodeError) throw e.under(segment());
  throw e;
}

function writeBlock<T>(w: AvroWriter, items: readonly T[], each: (item: T, i: number) => void): void {
  // One block with all items, then the empty block that ends the array or map.
  if (items.length > 0) {
    w.writeSize(items.length);
    for (let i = 0; i < items.length; i++) each(items[i]!, i);
  }
  w.writeSize(0);
}

function compileEncoder(t: AvroType): Encoder {
  switch (t.kind) {
    case 'null':
      return (_w, v) => {
        if (v !== null && v !== undefined) fail(t, v);
      };
    case 'boolean':
      return (w, v) => {
        if (typeof v !== 'boolean') fail(t, v);
        w.writeBoolean(v);
      };
    case 'int':
      return (w, v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < INT_MIN || v > INT_MAX) fail(t, v);
        w.writeInt(v);
      };
    case 'long':
      return (w, v) => {
        if (typeof v !== 'bigint' || v < LONG_MIN || v > LONG_MAX) fail(t, v);
        w.writeLong(v);
      };
    case 'float':
      return (w, v) => {
        if (typeof v !== 'number') fail(t, v);
        w.writeFloat(v);
      };
    case 'double':
      return (w, v) => {
        if (typeof v !== 'number') fail(t, v);
        w.writeDouble(v);
      };
    case 'bytes':
      return (w, v) => {
        if (!(v instanceof Uint8Array)) fail(t, v);
        w.writeBytes(v);
      };
    case 'fixed':
      return (w, v) => {
        if (!(v instanceof Uint8Array) || v.length !== t.size) fail(t, v);
        w.writeFixed(v);
      };
    case 'string':
      return (w, v) => {
        if (typeof v !== 'string') fail(t, v);
        w.writeString(v);
      };
    case 'enum':
      return (w, v) => {
        const i = typeof v === 'string' ? t.symbols.indexOf(v) : -1;
        if (i < 0) fail(t, v);
        w.writeInt(i);
      };
    case 'union': {
      const branches = t.branches.map((b) => [b, encoderFor(b)] as const);
      // The common Iceberg union ["null", X]: test for null directly, no search.
      const nullIndex = t.branches.findIndex((b) => b.kind === 'null');
      const other = branches.length === 2 && nullIndex >= 0 ? branches[1 - nullIndex]! : undefined;
      if (other) {
        const [otherType, otherEncode] = other;
        const otherIndex = 1 - nullIndex;
        return (w, v) => {
          if (v === null || v === undefined) {
            w.writeSize(nullIndex);
            return;
          }
          if (!accepts(otherType, v)) fail(t, v);
          w.writeSize(otherIndex);
          otherEncode(w, v);
        };
      }
      return (w, v) => {
        const i = branches.findIndex(([b]) => accepts(b, v));
        if (i < 0) fail(t, v);
        w.writeSize(i);
        branches[i]![1](w, v);
      };
    }
    case 'record': {
      const names = t.fields.map((f) => f.name);
      const encs = t.fields.map((f) => encoderFor(f.type));
      const n = names.length;
      return (w, v) => {
        if (!accepts(t, v)) fail(t, v);
        const o = v as Record<string, unknown>;
        let i = 0;
        try {
          for (; i < n; i++) encs[i]!(w, o[names[i]!] ?? null);
        } catch (e) {
          within(() => `.${names[i]!}`, e);
        }
      };
    }
    case 'map': {
      const value = encoderFor(t.values);
      return (w, v) => {
        if (!accepts(t, v)) fail(t, v);
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
        let key: unknown;
        try {
          writeBlock(w, entries, ([k, x]) => {
            key = k;
            if (typeof k !== 'string') fail(t, k);
            w.writeString(k);
            value(w, x);
          });
        } catch (e) {
          within(() => (typeof key === 'string' ? `{${key}}` : '{key}'), e);
        }
      };
    }
    case 'array': {
      const item = encoderFor(t.items);
      const kv = t.isMap ? keyValueRecord(t.items) : undefined;
      return (w, v) => {
        if (!accepts(t, v)) fail(t, v);
        // A Map written as Iceberg map-as-array becomes records {key, value} (Appendix A).
        const items: unknown[] =
          kv && v instanceof Map
            ? [...v.entries()].map(([k, x]) => ({ [kv.fields[0]!.name]: k, [kv.fields[1]!.name]: x }))
            : (v as unknown[]);
        let at = 0;
        try {
          writeBlock(w, items, (x, i) => {
            at = i;
            item(w, x);
          });
        } catch (e) {
          within(() => `[${at}]`, e);
        }
      };
    }
  }
}
