/**
 * Block codecs of the Avro object container (Avro 1.11 spec, "Required Codecs" and
 * "Optional Codecs"): `null`, `deflate` (raw RFC 1951, no zlib header) and `snappy`.
 *
 * Iceberg Java writes deflate by default (`write.avro.compression-codec`), but may be set to
 * snappy, so floe reads snappy and writes deflate. The snappy decompressor is a small pure-TS
 * implementation of the raw block format (google/snappy format_description.txt); Avro appends
 * a 4-byte big-endian CRC-32 of the uncompressed block, which is verified.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { AvroDataError } from './binary.js';
import { internalError } from '../../errors.js';

export type AvroCodecName = 'null' | 'deflate' | 'snappy';

/** Codecs that are valid Avro but that floe cannot decode (Node 20 has no zstd, bzip2 or xz). */
export const KNOWN_UNSUPPORTED_CODECS = new Set(['zstandard', 'bzip2', 'xz']);

export function isSupportedCodec(c: string): c is AvroCodecName {
  return c === 'null' || c === 'deflate' || c === 'snappy';
}

export function compressBlock(codec: AvroCodecName, data: Uint8Array): Uint8Array {
  switch (codec) {
    case 'null':
      return data;
    case 'deflate':
      return new Uint8Array(deflateRawSync(data));
    case 'snappy':
      // Writing snappy is not needed: floe always writes deflate (or null for tests).
      throw internalError('floe does not write snappy Avro blocks; use deflate');
  }
}

export function decompressBlock(codec: AvroCodecName, data: Uint8Array): Uint8Array {
  switch (codec) {
    case 'null':
      return data;
    case 'deflate':
      try {
        return new Uint8Array(inflateRawSync(data));
      } catch (e) {
        throw new AvroDataError(`deflate block cannot be inflated: ${(e as Error).message}`);
      }
    case 'snappy': {
      if (data.length < 4) throw new AvroDataError('snappy block shorter than its checksum');
      const body = data.subarray(0, data.length - 4);
      const out = snappyDecompress(body);
      const t = data.length - 4;
      const expected = ((data[t]! << 24) | (data[t + 1]! << 16) | (data[t + 2]! << 8) | data[t + 3]!) >>> 0;
      if (crc32(out) !== expected) throw new AvroDataError('snappy block checksum mismatch');
      return out;
    }
  }
}

/** Decompresses one raw snappy block (no framing): varint length, then literals and copies. */
export function snappyDecompress(src: Uint8Array): Uint8Array {
  let pos = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length || shift > 28) throw new AvroDataError('snappy: bad length preamble');
    const b = src[pos++]!;
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  const out = new Uint8Array(len);
  let o = 0;
  const need = (n: number) => {
    if (pos + n > src.length) throw new AvroDataError('snappy: truncated block');
  };
  while (pos < src.length) {
    const tag = src[pos++]!;
    const type = tag & 3;
    if (type === 0) {
      // Literal: length-1 in the upper 6 bits, or in the next 1..4 bytes (little-endian).
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        need(bytes);
        n = 0;
        for (let i = 0; i < bytes; i++) n += src[pos++]! * 2 ** (8 * i);
      }
      n += 1;
      need(n);
      if (o + n > len) throw new AvroDataError('snappy: literal overruns the output');
      out.set(src.subarray(pos, pos + n), o);
      pos += n;
      o += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (type === 1) {
      need(1);
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++]!;
    } else if (type === 2) {
      need(2);
      n = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      need(4);
      n = (tag >>> 2) + 1;
      offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > o || o + n > len) throw new AvroDataError('snappy: bad copy');
    // Byte by byte: a copy may overlap its own output (offset < n repeats a pattern).
    for (let i = 0; i < n; i++, o++) out[o] = out[o - offset]!;
  }
  if (o !== len) throw new AvroDataError(`snappy: produced ${o} bytes, expected ${len}`);
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as java.util.zip.CRC32), used by Avro's snappy codec. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of data) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
