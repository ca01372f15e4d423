/**
 * An append-only ASCII byte buffer that flushes to a file handle. The CSV generator writes
 * numbers digit by digit into it instead of building a string per row: at 10M rows the
 * string version spent most of its time in the garbage collector, this one allocates
 * nothing per row.
 */
import type { FileHandle } from 'node:fs/promises';

const ZERO = 0x30;

export class ByteWriter {
  private readonly buf: Buffer;
  private pos = 0;
  bytes = 0;

  /** `slack` is the most bytes one row can take; a flush happens before a row could overflow. */
  constructor(
    private readonly fh: FileHandle,
    size = 4 << 20,
    private readonly slack = 4096,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  get needsFlush(): boolean {
    return this.pos > this.buf.length - this.slack;
  }

  async flush(): Promise<void> {
    let off = 0;
    while (off < this.pos) off += (await this.fh.write(this.buf, off, this.pos - off)).bytesWritten;
    this.bytes += this.pos;
    this.pos = 0;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Pre-encoded bytes (words, constants). */
  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A non-negative integer below 2^53 in decimal. */
  uint(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = ZERO + n;
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    do {
      const q = Math.floor(n / 10);
      this.buf[--p] = ZERO + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  int(n: number): void {
    if (n < 0) {
      this.buf[this.pos++] = 0x2d;
      n = -n;
    }
    this.uint(n);
  }

  /** n (0 ≤ n < 10^width) left-padded with zeros to `width` digits. */
  padded(n: number, width: number): void {
    let p = this.pos + width;
    this.pos = p;
    for (let k = 0; k < width; k++) {
      const q = Math.floor(n / 10);
      this.buf[--p] = ZERO + (n - q * 10);
      n = q;
    }
  }
}
