/**
 * Avro object container files (Avro 1.11 spec, "Object Container Files"): the format of
 * Iceberg manifests and manifest lists.
 *
 *   file   := magic 'Obj\x01', header metadata map<bytes>, 16-byte sync marker, block*
 *   block  := long record count, long byte size, (compressed) records, sync marker
 *
 * Why floe has its own small Avro codec instead of avsc: Iceberg needs bigint longs
 * everywhere (snapshot ids are random 63-bit values), the `field-id` / `element-id` /
 * `key-id` / `value-id` attributes kept verbatim in the header schema (readers such as
 * PyIceberg resolve columns by them), a container header written by hand with Iceberg's
 * key-value metadata, and decoding driven by the *writer's* schema found in each foreign
 * file (Java, Spark, PyIceberg and others differ in names, optionality and record naming).
 * avsc would need a custom long type, a hand-written header and schema handling around it
 * for all of these, so the part of avsc floe would still use is small; this codec covers
 * the whole of Avro's binary encoding that manifests use, in a few hundred lines, with no
 * dependency.
 */
import { randomBytes } from 'node:crypto';
import { corruptError, internalError, unsupportedError } from '../../errors.js';
import { parseJson } from '../json.js';
import { AvroDataError, AvroEof, AvroReader, AvroWriter } from './binary.js';
import { type AvroCodecName, KNOWN_UNSUPPORTED_CODECS, compressBlock, decompressBlock, isSupportedCodec } from './codecs.js';
import { AvroEncodeError, decoderFor, encoderFor } from './datum.js';
import { type AvroSchemaJson, type AvroType, AvroSchemaError, parseAvroSchema } from './schema.js';

const MAGIC = Uint8Array.of(0x4f, 0x62, 0x6a, 0x01); // 'Obj' 1
const SYNC_SIZE = 16;
/** Uncompressed bytes per block before it is flushed; the default sync interval of Avro's Java writer. */
const DEFAULT_BLOCK_BYTES = 64_000;

export interface AvroWriteOptions {
  /** Written verbatim (JSON.stringify) as `avro.schema`, so Iceberg's id attributes survive. */
  schema: AvroSchemaJson | Record<string, unknown>;
  /** Extra header metadata, e.g. Iceberg's `schema`, `partition-spec`, `format-version`. */
  metadata?: Record<string, string | Uint8Array>;
  /** Defaults to deflate, as Iceberg Java writes. */
  codec?: 'null' | 'deflate';
  /** For reproducible test output only; files get a random marker by default. */
  syncMarker?: Uint8Array;
  blockBytes?: number;
  /**
   * Blocks of another file (`readAvroBlocks`) written after the encoded records, as they are:
   * that file must have this file's exact schema text and codec (block bytes are then valid
   * here; only the sync marker after each block becomes this file's).
   */
  rawBlocks?: AvroRawFile;
}

const utf8 = new TextEncoder();

/** Writes records (JS values shaped as described in datum.ts) into an object container file. */
export function writeAvroFile(records: Iterable<unknown>, opts: AvroWriteOptions): Uint8Array {
  const codec = opts.codec ?? 'deflate';
  const sync = opts.syncMarker ?? randomBytes(SYNC_SIZE);
  if (sync.length !== SYNC_SIZE) throw internalError(`Avro sync marker must be ${SYNC_SIZE} bytes`);
  const schemaText = JSON.stringify(opts.schema);
  let type: AvroType;
  try {
    type = parseAvroSchema(opts.schema);
  } catch (e) {
    throw internalError(`invalid Avro schema for writing: ${(e as Error).message}`, { cause: e });
  }
  const encode = encoderFor(type);
  const carried = opts.rawBlocks;
  if (carried && (carried.schemaText !== schemaText || carried.codec !== codec)) {
    throw internalError('Avro blocks can only be copied between files with the same schema and codec');
  }

  const out = new AvroWriter();
  out.writeFixed(MAGIC);
  const meta: [string, Uint8Array][] = Object.entries(opts.metadata ?? {}).map(([k, v]) => [
    k,
    typeof v === 'string' ? utf8.encode(v) : v,
  ]);
  meta.push(['avro.schema', utf8.encode(schemaText)], ['avro.codec', utf8.encode(codec)]);
  out.writeSize(meta.length);
  for (const [k, v] of meta) {
    out.writeString(k);
    out.writeBytes(v);
  }
  out.writeSize(0);
  out.writeFixed(sync);

  // A data block: its record count, its size, its (compressed) bytes, the sync marker.
  const writeBlock = (n: number, data: Uint8Array) => {
    if (n === 0) return;
    out.writeSize(n);
    out.writeSize(data.length);
    out.writeFixed(data);
    out.writeFixed(sync);
  };
  const block = new AvroWriter();
  let count = 0;
  const flush = () => {
    if (count === 0) return;
    writeBlock(count, compressBlock(codec, block.toBytes()));
    block.reset();
    count = 0;
  };
  const limit = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
  for (const rec of records) {
    try {
      encode(block, rec);
    } catch (e) {
      if (e instanceof AvroEncodeError) throw internalError(`cannot encode Avro record ${count}: ${e.message}`, { cause: e });
      throw e;
    }
    count++;
    if (block.length >= limit) flush();
  }
  flush();
  for (const b of carried?.blocks ?? []) writeBlock(b.count, b.data);
  return out.toBytes();
}

export interface AvroFile {
  /** The writer's schema, resolved; drives decoding. */
  schema: AvroType;
  /** The writer's schema JSON as found in the header (ids and logical types included). */
  schemaJson: unknown;
  metadata: Map<string, Uint8Array>;
  codec: AvroCodecName;
  records: unknown[];
}

/** One data block as stored: its record count and its (still compressed) bytes. */
export interface AvroRawBlock {
  count: number;
  data: Uint8Array;
}

/**
 * A container file split into its header and its data blocks, nothing decoded: what a writer
 * needs to carry blocks into a new file with the same schema and codec (`rawBlocks`).
 */
export interface AvroRawFile {
  metadata: Map<string, Uint8Array>;
  /** `avro.schema` exactly as written in the header. */
  schemaText: string;
  codec: AvroCodecName;
  /** The file's sync marker (16 bytes), found after the header and after every block. */
  sync: Uint8Array;
  blocks: AvroRawBlock[];
}

function corruptFile(location: string, msg: string, cause?: unknown) {
  return corruptError(`${location}: not a readable Avro file: ${msg}`, { cause, context: { file: location } });
}

/** Turns the codec layer's own errors into a corrupt-file error that names the file. */
function framed<T>(location: string, where: () => string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof AvroEof) throw corruptFile(location, `truncated (${e.message} at ${where()})`, e);
    if (e instanceof AvroDataError || e instanceof AvroSchemaError) throw corruptFile(location, e.message, e);
    throw e;
  }
}

/**
 * Reads the header and the block framing of a container file (each block's count, size and
 * sync marker are checked) without decompressing or decoding any block.
 */
export function readAvroBlocks(bytes: Uint8Array, location: string): AvroRawFile {
  const r = new AvroReader(bytes);
  return framed(location, () => `byte ${r.pos} of ${bytes.length}`, () => {
    if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
      throw corruptFile(location, 'bad magic bytes (expected Obj\\x01)');
    }
    r.pos = MAGIC.length;
    const metadata = new Map<string, Uint8Array>();
    readMapBlocks(r, () => metadata.set(r.readString(), r.readBytes()));
    const sync = r.readView(SYNC_SIZE, 'sync marker');

    const schemaBytes = metadata.get('avro.schema');
    if (!schemaBytes) throw corruptFile(location, 'header has no avro.schema');
    const schemaText = new TextDecoder().decode(schemaBytes);
    const codecName = metadata.has('avro.codec') ? new TextDecoder().decode(metadata.get('avro.codec')) : 'null';
    if (!isSupportedCodec(codecName)) {
      if (KNOWN_UNSUPPORTED_CODECS.has(codecName)) {
        throw unsupportedError(`${location}: Avro codec '${codecName}' is not supported (floe reads null, deflate, snappy)`, {
          context: { file: location },
        });
      }
      throw corruptFile(location, `unknown Avro codec '${codecName}'`);
    }

    const blocks: AvroRawBlock[] = [];
    for (let blockNo = 0; r.remaining > 0; blockNo++) {
      const count = r.readSize('block count');
      const size = r.readSize('block size');
      if (count < 0 || size < 0) throw corruptFile(location, `block ${blockNo} has a negative count or size`);
      // A view: decoding copies values out of it, and a writer copies the block as it is.
      const data = r.readView(size, 'block');
      const marker = r.readView(SYNC_SIZE, 'sync marker');
      for (let i = 0; i < SYNC_SIZE; i++) {
        if (marker[i] !== sync[i]) throw corruptFile(location, `block ${blockNo} is not followed by the sync marker`);
      }
      blocks.push({ count, data });
    }
    return { metadata, schemaText, codec: codecName, sync, blocks };
  });
}

/** Reads a whole object container file; `location` names the file in errors. */
export function readAvroFile(bytes: Uint8Array, location: string): AvroFile {
  const raw = readAvroBlocks(bytes, location);
  let schemaJson: unknown;
  try {
    schemaJson = parseJson(raw.schemaText, 'avro.schema');
  } catch (e) {
    throw corruptFile(location, (e as Error).message, e);
  }
  let br = new AvroReader(new Uint8Array(0));
  let blockNo = 0;
  return framed(location, () => `byte ${br.pos} of block ${blockNo}`, () => {
    const schema = parseAvroSchema(schemaJson);
    const decode = decoderFor(schema);
    const records: unknown[] = [];
    for (; blockNo < raw.blocks.length; blockNo++) {
      const { count, data } = raw.blocks[blockNo]!;
      br = new AvroReader(decompressBlock(raw.codec, data));
      for (let i = 0; i < count; i++) records.push(decode(br));
      if (br.remaining !== 0) throw corruptFile(location, `block ${blockNo} has ${br.remaining} bytes after its ${count} records`);
    }
    return { schema, schemaJson, metadata: raw.metadata, codec: raw.codec, records };
  });
}

/** The header metadata map uses the same block structure as any Avro map. */
function readMapBlocks(r: AvroReader, item: () => void): void {
  for (;;) {
    let n = r.readSize('map block count');
    if (n === 0) return;
    if (n < 0) {
      n = -n;
      r.readSize('map block size');
    }
    for (let i = 0; i < n; i++) item();
  }
}

/** A header metadata value as UTF-8 text, or undefined when absent. */
export function metaString(file: Pick<AvroFile, 'metadata'>, key: string): string | undefined {
  const v = file.metadata.get(key);
  return v === undefined ? undefined : new TextDecoder().decode(v);
}
