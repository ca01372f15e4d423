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

  const block = new AvroWriter();
  let count = 0;
  const flush = () => {
    if (count === 0) return;
    const data = compressBlock(codec, block.toBytes());
    out.writeSize(count);
    out.writeSize(data.length);
    out.writeFixed(data);
    out.writeFixed(sync);
    block.reset();
    count = 0;
  };
  const limit = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
  for (const rec of records) {
    try {
      encode(block, rec, '');
    } catch (e) {
      if (e instanceof AvroEncodeError) throw internalError(`cannot encode Avro record ${count}: ${e.message}`, { cause: e });
      throw e;
    }
    count++;
    if (block.length >= limit) flush();
  }
  flush();
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

/** Reads a whole object container file; `location` names the file in errors. */
export function readAvroFile(bytes: Uint8Array, location: string): AvroFile {
  const corrupt = (msg: string, cause?: unknown) =>
    corruptError(`${location}: not a readable Avro file: ${msg}`, { cause, context: { file: location } });
  const r = new AvroReader(bytes);
  try {
    if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt('bad magic bytes (expected Obj\\x01)');
    r.pos = MAGIC.length;
    const metadata = new Map<string, Uint8Array>();
    readMapBlocks(r, () => metadata.set(r.readString(), r.readBytes()));
    const sync = r.readFixed(SYNC_SIZE);

    const schemaBytes = metadata.get('avro.schema');
    if (!schemaBytes) throw corrupt('header has no avro.schema');
    let schemaJson: unknown;
    try {
      schemaJson = parseJson(new TextDecoder().decode(schemaBytes), 'avro.schema');
    } catch (e) {
      throw corrupt((e as Error).message, e);
    }
    const schema = parseAvroSchema(schemaJson);
    const codecName = metadata.has('avro.codec') ? new TextDecoder().decode(metadata.get('avro.codec')) : 'null';
    if (!isSupportedCodec(codecName)) {
      if (KNOWN_UNSUPPORTED_CODECS.has(codecName)) {
        throw unsupportedError(`${location}: Avro codec '${codecName}' is not supported (floe reads null, deflate, snappy)`, {
          context: { file: location },
        });
      }
      throw corrupt(`unknown Avro codec '${codecName}'`);
    }

    const decode = decoderFor(schema);
    const records: unknown[] = [];
    for (let blockNo = 0; r.remaining > 0; blockNo++) {
      const count = r.readSize('block count');
      const size = r.readSize('block size');
      if (count < 0 || size < 0) throw corrupt(`block ${blockNo} has a negative count or size`);
      // A view: decoded values are copied out of it, so the input is never aliased.
      const data = decompressBlock(codecName, r.readView(size, 'block'));
      const br = new AvroReader(data);
      for (let i = 0; i < count; i++) records.push(decode(br));
      if (br.remaining !== 0) throw corrupt(`block ${blockNo} has ${br.remaining} bytes after its ${count} records`);
      const marker = r.readView(SYNC_SIZE, 'sync marker');
      for (let i = 0; i < SYNC_SIZE; i++) {
        if (marker[i] !== sync[i]) throw corrupt(`block ${blockNo} is not followed by the sync marker`);
      }
    }
    return { schema, schemaJson, metadata, codec: codecName, records };
  } catch (e) {
    if (e instanceof AvroEof) throw corrupt(`truncated (${e.message} at byte ${r.pos} of ${bytes.length})`, e);
    if (e instanceof AvroDataError || e instanceof AvroSchemaError) throw corrupt(e.message, e);
    throw e;
  }
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
export function metaString(file: AvroFile, key: string): string | undefined {
  const v = file.metadata.get(key);
  return v === undefined ? undefined : new TextDecoder().decode(v);
}
