/**
 * Thrift's compact protocol, write side only, for the Parquet footer and page headers
 * (parquet.ts). A struct is a list of fields in ascending id order; absent optional fields
 * are left out. Only the field types Parquet's metadata uses are here.
 *
 * Encoding (Thrift compact protocol spec): a field header is one byte `delta << 4 | type`
 * when the id is 1..15 above the previous one, else the type byte and the id as a zigzag
 * varint; i16/i32/i64 are zigzag varints; binary is a varint length and the bytes; a list is
 * `size << 4 | elementType` (size < 15) or `0xF0 | elementType` and a varint size; booleans
 * of a struct live in the field header's type (1 true, 2 false); a struct ends with 0.
 */

export type ThriftValue =
  | { t: 'bool'; v: boolean }
  | { t: 'i8'; v: number }
  | { t: 'i32'; v: number }
  | { t: 'i64'; v: bigint }
  | { t: 'binary'; v: Uint8Array }
  | { t: 'struct'; v: ThriftStruct }
  | { t: 'list'; elem: 'i32' | 'binary' | 'struct'; v: ThriftValue[] };

/** [field id, value]; undefined values are optional fields left out. */
export type ThriftStruct = readonly (readonly [number, ThriftValue | undefined])[];

const TYPE = { bool: 1, i8: 3, i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;

export const bool = (v: boolean): ThriftValue => ({ t: 'bool', v });
export const i8 = (v: number): ThriftValue => ({ t: 'i8', v });
export const i32 = (v: number): ThriftValue => ({ t: 'i32', v });
export const i64 = (v: bigint | number): ThriftValue => ({ t: 'i64', v: BigInt(v) });
export const binary = (v: Uint8Array): ThriftValue => ({ t: 'binary', v });
export const str = (v: string): ThriftValue => ({ t: 'binary', v: new TextEncoder().encode(v) });
export const struct = (v: ThriftStruct): ThriftValue => ({ t: 'struct', v });
export const list = (elem: 'i32' | 'binary' | 'struct', v: ThriftValue[]): ThriftValue => ({ t: 'list', elem, v });

class Out {
  private bytes: number[] = [];

  byte(b: number): void {
    this.bytes.push(b & 0xff);
  }

  varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  zigzag(n: bigint): void {
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n);
  }

  raw(b: Uint8Array): void {
    for (const x of b) this.bytes.push(x);
  }

  result(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function writeValue(out: Out, value: ThriftValue): void {
  switch (value.t) {
    case 'bool':
      // Only inside lists (not used by Parquet's metadata); struct fields carry it in the header.
      out.byte(value.v ? 1 : 2);
      return;
    case 'i8':
      out.byte(value.v);
      return;
    case 'i32':
      out.zigzag(BigInt(value.v));
      return;
    case 'i64':
      out.zigzag(value.v);
      return;
    case 'binary':
      out.varint(BigInt(value.v.length));
      out.raw(value.v);
      return;
    case 'struct':
      writeStruct(out, value.v);
      return;
    case 'list': {
      const n = value.v.length;
      const elem = TYPE[value.elem];
      if (n < 15) out.byte((n << 4) | elem);
      else {
        out.byte(0xf0 | elem);
        out.varint(BigInt(n));
      }
      for (const v of value.v) writeValue(out, v);
    }
  }
}

function writeStruct(out: Out, fields: ThriftStruct): void {
  let last = 0;
  for (const [id, value] of fields) {
    if (value === undefined) continue;
    const type = value.t === 'bool' ? (value.v ? 1 : 2) : TYPE[value.t];
    const delta = id - last;
    if (delta > 0 && delta <= 15) out.byte((delta << 4) | type);
    else {
      out.byte(type);
      out.zigzag(BigInt(id));
    }
    if (value.t !== 'bool') writeValue(out, value);
    last = id;
  }
  out.byte(0);
}

/** The compact-protocol bytes of one struct. */
export function encodeStruct(fields: ThriftStruct): Uint8Array {
  const out = new Out();
  writeStruct(out, fields);
  return out.result();
}
