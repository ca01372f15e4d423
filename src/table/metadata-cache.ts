/**
 * The metadata files this process read or wrote last, parsed: a table's metadata file grows
 * with its history (every snapshot and log entry), and parsing it is most of a commit's work
 * on a long-lived table. Reading a table again — the next commit in the same process, the
 * load after a commit, a retry — finds the file's bytes here and reuses their parse.
 *
 * Keyed by location, but a hit needs the bytes just read to equal the remembered ones, so a
 * file changed, replaced or gone is never served from memory (metadata files are written once
 * under unique names, so in practice only the parse is saved; the read still happens, and
 * still fails when the file is missing). The parsed TableMetadata is shared between the
 * loads that get it: like every loaded metadata it must be treated as immutable (apply.ts
 * copies what it changes).
 *
 * Small: the few files a process works on; least recently used ones are dropped beyond
 * MAX_ENTRIES files or MAX_BYTES of metadata text.
 */
import type { TableMetadata } from '../iceberg/types.js';

const MAX_ENTRIES = 8;
const MAX_BYTES = 64 * 1024 * 1024;

interface Entry {
  bytes: Uint8Array;
  metadata: TableMetadata;
}

const entries = new Map<string, Entry>();
let totalBytes = 0;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The metadata parsed from exactly these bytes of `location`, if remembered. */
export function cachedMetadata(location: string, bytes: Uint8Array): TableMetadata | undefined {
  const e = entries.get(location);
  if (e === undefined) return undefined;
  if (!sameBytes(e.bytes, bytes)) {
    forget(location);
    return undefined;
  }
  // Most recently used last.
  entries.delete(location);
  entries.set(location, e);
  return e.metadata;
}

/** Remembers that `bytes` of `location` parse to `metadata` (which nobody may edit afterwards). */
export function rememberMetadata(location: string, bytes: Uint8Array, metadata: TableMetadata): void {
  if (bytes.byteLength > MAX_BYTES) return;
  forget(location);
  // A copy: the caller's buffer (a FileIO's own, for one) may change after this.
  entries.set(location, { bytes: bytes.slice(), metadata });
  totalBytes += bytes.byteLength;
  for (const [oldest, e] of entries) {
    if (entries.size <= MAX_ENTRIES && totalBytes <= MAX_BYTES) break;
    entries.delete(oldest);
    totalBytes -= e.bytes.byteLength;
  }
}

function forget(location: string): void {
  const e = entries.get(location);
  if (e === undefined) return;
  entries.delete(location);
  totalBytes -= e.bytes.byteLength;
}

/** Drops everything remembered (tests). */
export function clearMetadataCache(): void {
  entries.clear();
  totalBytes = 0;
}

/** How many files are remembered (tests). */
export function metadataCacheSize(): number {
  return entries.size;
}
