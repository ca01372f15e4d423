/**
 * Field access by Iceberg field id on records decoded with a foreign writer's schema.
 *
 * Manifests and manifest lists from different writers differ in field names
 * (`added_data_files_count` vs `added_files_count`), order, optionality and extra fields;
 * the field ids are what the spec fixes (spec: "Manifests", "Manifest Lists"), so readers go
 * through here. Values are normalised to floe's types: longs to bigint, ints to number,
 * Iceberg map-as-array to Map<number, …>.
 */
import { corruptError, type FloeError } from '../errors.js';
import { type AvroType, findField, unwrapOptional } from './avro/schema.js';

export function corruptAt(location: string, msg: string): FloeError {
  return corruptError(`${location}: ${msg}`, { context: { file: location } });
}

type RecordType = Extract<AvroType, { kind: 'record' }>;

export class RecordView {
  private readonly names = new Map<number, string | undefined>();

  private constructor(
    readonly type: RecordType,
    readonly location: string,
  ) {}

  static of(t: AvroType, location: string, what: string): RecordView {
    const r = unwrapOptional(t);
    if (r.kind !== 'record') throw corruptAt(location, `${what} is not an Avro record`);
    return new RecordView(r, location);
  }

  field(id: number, name: string) {
    return findField(this.type, id, name);
  }

  /** The writer's name of the field with this id (or this name, for writers without ids). */
  nameOf(id: number, name: string): string | undefined {
    if (!this.names.has(id)) this.names.set(id, this.field(id, name)?.name);
    return this.names.get(id);
  }

  wrap(raw: unknown, at: string): FieldReader {
    return new FieldReader(this, raw as Record<string, unknown> | null, at);
  }
}

export class FieldReader {
  constructor(
    private readonly view: RecordView,
    private readonly rec: Record<string, unknown> | null,
    private readonly at: string,
  ) {}

  get isNull(): boolean {
    return this.rec === null || this.rec === undefined;
  }

  private fail(name: string, id: number, what: string): never {
    throw corruptAt(this.view.location, `${this.at}: field ${name} (id ${id}) ${what}`);
  }

  raw(id: number, name: string): unknown {
    const n = this.view.nameOf(id, name);
    const v = n === undefined || !this.rec ? null : this.rec[n];
    return v === undefined ? null : v;
  }

  private get<T>(id: number, name: string, required: boolean, conv: (v: unknown) => T | undefined): T | null {
    const v = this.raw(id, name);
    if (v === null) return required ? this.fail(name, id, 'is required but missing or null') : null;
    const out = conv(v);
    return out === undefined ? this.fail(name, id, `has an unexpected value type (${typeof v})`) : out;
  }

  int(id: number, name: string, required: true): number;
  int(id: number, name: string, required?: boolean): number | null;
  int(id: number, name: string, required = false): number | null {
    return this.get(id, name, required, toInt);
  }

  long(id: number, name: string, required: true): bigint;
  long(id: number, name: string, required?: boolean): bigint | null;
  long(id: number, name: string, required = false): bigint | null {
    return this.get(id, name, required, toLong);
  }

  bool(id: number, name: string, required = false): boolean | null {
    return this.get(id, name, required, (v) => (typeof v === 'boolean' ? v : undefined));
  }

  string(id: number, name: string, required: true): string;
  string(id: number, name: string, required?: boolean): string | null;
  string(id: number, name: string, required = false): string | null {
    return this.get(id, name, required, (v) => (typeof v === 'string' ? v : undefined));
  }

  bytes(id: number, name: string): Uint8Array | null {
    return this.get(id, name, false, (v) => (v instanceof Uint8Array ? v : undefined));
  }

  longMap(id: number, name: string): Map<number, bigint> | null {
    return this.get(id, name, false, (v) => toIdMap(v, toLong));
  }

  bytesMap(id: number, name: string): Map<number, Uint8Array> | null {
    return this.get(id, name, false, (v) => toIdMap(v, (x) => (x instanceof Uint8Array ? x : undefined)));
  }

  longList(id: number, name: string): bigint[] | null {
    return this.get(id, name, false, (v) => toList(v, toLong));
  }

  intList(id: number, name: string): number[] | null {
    return this.get(id, name, false, (v) => toList(v, toInt));
  }

  /** A list of records, each read through `view`. */
  records(id: number, name: string, view: RecordView): FieldReader[] | null {
    return this.get(id, name, false, (v) =>
      Array.isArray(v) ? v.filter((x) => x !== null).map((x, i) => view.wrap(x, `${this.at}, ${name}[${i}]`)) : undefined,
    );
  }
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  // Some writers use long where the spec says int (e.g. equality_ids items); ids fit an int.
  if (typeof v === 'bigint' && v >= -0x80000000n && v <= 0x7fffffffn) return Number(v);
  return undefined;
}

function toLong(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

/** An Iceberg map<int, V> decoded as Map; entries with a null value carry no information and are dropped. */
function toIdMap<V>(v: unknown, conv: (x: unknown) => V | undefined): Map<number, V> | undefined {
  if (!(v instanceof Map)) return undefined;
  // Usually the decoded map already has number keys and well-typed values: keep it as it is.
  let ok = true;
  for (const [k, x] of v) {
    if (typeof k !== 'number' || x === null || conv(x) !== x) {
      ok = false;
      break;
    }
  }
  if (ok) return v as Map<number, V>;
  const out = new Map<number, V>();
  for (const [k, x] of v) {
    if (x === null || x === undefined) continue;
    const key = toInt(k);
    const val = conv(x);
    if (key === undefined || val === undefined) return undefined;
    out.set(key, val);
  }
  return out;
}

function toList<V>(v: unknown, conv: (x: unknown) => V | undefined): V[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: V[] = [];
  for (const x of v) {
    if (x === null) continue;
    const c = conv(x);
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}
