/** floe's Avro codec: object container files with the binary encoding Iceberg manifests use. */
export { writeAvroFile, readAvroFile, readAvroBlocks, metaString, type AvroFile, type AvroRawFile, type AvroRawBlock, type AvroWriteOptions } from './container.js';
export { parseAvroSchema, unwrapOptional, findField, type AvroType, type AvroField, type AvroSchemaJson } from './schema.js';
export { decoderFor, encoderFor } from './datum.js';
export { AvroReader, AvroWriter } from './binary.js';
export { snappyDecompress, crc32 } from './codecs.js';
