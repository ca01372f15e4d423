/**
 * Avro binary encoding of primitive values (Avro 1.11 spec, "Binary Encoding").
 *
 * - int and long are zig-zag varints. Longs are always bigint: Iceberg snapshot ids are
 *   random 63-bit values, so a JS number would silently lose digits.
 * - float/double are little-endian IEEE 754; bytes and string are a long length + raw bytes.
 *
 * The reader never throws anything but `AvroEof`/`AvroDataError`; the container turns them
 * into a corrupt-file error that names the file, which this layer does not know.
 */

/** Thrown when the input ends in the middle of a value. */
export class AvroEof extends Error {
  constructor(what: string) {
    super(`unexpected end of data while reading ${what}`);
  }
}

/** Thrown for bytes that cannot be a valid encoding (overlong varint, bad UTF-8, bad branch). */
export class AvroDataError extends Error {}

// ignoreBOM: a leading U+FEFF is part of the value, not a byte order mark to drop.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export class AvroReader {
  pos = 0;
  readonly buf: Uint8Array;
  private dataView: DataView | undefined;

  constructor(buf: Uint8Array) {
    // A plain Uint8Array view even for a Node Buffer: Buffer#slice aliases instead of copying,
    // and decoded bytes values should be plain Uint8Arrays.
    this.buf = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private nodeBuffer: Buffer | undefined;

  /** The same bytes as a Node Buffer (no copy), for its native UTF-8 decoding. */
  private get bytesAsBuffer(): Buffer {
    return (this.nodeBuffer ??= Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  /** Created on first use: most manifests have no float or double at all. */
  private get view(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  /** A view (not a copy) of the next `size` bytes, for framing such as blocks and sync markers. */
  readView(size: number, what: string): Uint8Array {
    this.need(size, what);
    const out = this.buf.subarray(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new AvroEof(what);
  }

  readBoolean(): boolean {
    this.need(1, 'boolean');
    const b = this.buf[this.pos++]!;
    if (b > 1) throw new AvroDataError(`invalid boolean byte ${b}`);
    return b === 1;
  }

  /** A 32-bit zig-zag varint (at most 5 bytes). */
  readInt(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (i === 5) throw new AvroDataError('int varint longer than 5 bytes');
      this.need(1, 'int');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    // n < 2^35 is exact in a double; undo zig-zag without 32-bit bit operations.
    const v = n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    if (v < -0x80000000 || v > 0x7fffffff) throw new AvroDataError(`int out of range: ${v}`);
    return v;
  }

  /** A 64-bit zig-zag varint (at most 10 bytes), always as bigint. */
  readLong(): bigint {
    // Fast path: up to 7 bytes (49 bits) accumulate exactly in a double.
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      this.need(1, 'long');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return BigInt(n % 2 === 0 ? n / 2 : -(n + 1) / 2);
      mul *= 128;
    }
    let big = BigInt(n);
    let shift = 49n;
    for (let i = 7; ; i++) {
      if (i === 10) throw new AvroDataError('long varint longer than 10 bytes');
      this.need(1, 'long');
      const b = this.buf[this.pos++]!;
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
    }
    big = BigInt.asUintN(64, big);
    return (big >> 1n) ^ -(big & 1n);
  }

  /**
   * A long used as a length, count or union branch. Read without BigInt (these are most of
   * the varints in a file); at most 7 bytes, i.e. |v| < 2^48, which no real size exceeds.
   */
  readSize(what: string): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (i === 7) throw new AvroDataError(`${what} out of range`);
      this.need(1, what);
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  readFloat(): number {
    this.need(4, 'float');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readDouble(): number {
    this.need(8, 'double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  readFixed(size: number): Uint8Array {
    this.need(size, `fixed(${size})`);
    // A copy, so values do not pin (or alias) the decompressed block buffer.
    const out = this.buf.slice(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }

  readBytes(): Uint8Array {
    const len = this.readSize('bytes length');
    if (len < 0) throw new AvroDataError(`negative bytes length ${len}`);
    return this.readFixed(len);
  }

  readString(): string {
    const len = this.readSize('string length');
    if (len < 0) throw new AvroDataError(`negative string length ${len}`);
    this.need(len, 'string');
    const start = this.pos;
    this.pos += len;
    // Node's native UTF-8 decoding is much cheaper per value than a fatal TextDecoder call, but
    // replaces invalid bytes by U+FFFD: only text that then contains U+FFFD (invalid, or a
    // real U+FFFD) is decoded again by the fatal decoder, which decides.
    const text = this.bytesAsBuffer.toString('utf8', start, this.pos);
    if (!text.includes('\ufffd')) return text;
    try {
      return utf8Decoder.decode(this.buf.subarray(start, this.pos));
    } catch {
      throw new AvroDataError('string is not valid UTF-8');
    }
  }
}

export class AvroWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** The bytes written so far (a copy). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }

  writeBoolean(v: boolean): void {
    this.ensure(1);
    this.buf[this.length++] = v ? 1 : 0;
  }

  writeInt(v: number): void {
    // Zig-zag in double arithmetic: exact for the whole int32 range.
    this.writeUnsignedVarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  writeLong(v: bigint): void {
    // |v| < 2^51: zig-zag stays below 2^53, exact in double arithmetic.
    if (v > -0x8000000000000n && v < 0x8000000000000n) {
      const n = Number(v);
      this.writeUnsignedVarint(n >= 0 ? n * 2 : -n * 2 - 1);
      return;
    }
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (z >= 0x80n) {
      this.buf[this.length++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.length++] = Number(z);
  }

  private writeUnsignedVarint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.length++] = n;
  }

  /** A non-negative length/count, as a long. */
  writeSize(n: number): void {
    this.writeUnsignedVarint(n * 2);
  }

  writeFloat(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }

  writeDouble(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  writeFixed(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  writeBytes(b: Uint8Array): void {
    this.writeSize(b.length);
    this.writeFixed(b);
  }

  writeString(s: string): void {
    this.writeBytes(utf8Encoder.encode(s));
  }
}
