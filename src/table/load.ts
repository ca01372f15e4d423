/**
 * Loading a table: catalog pointer → metadata file → TableMetadata, with the table's
 * location mappings applied to every location read afterwards.
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { corruptError, FloeError } from '../errors.js';
import type { Snapshot, TableIdentifier, TableMetadata } from '../iceberg/types.js';
import { decodeMetadataFile } from '../iceberg/metadata-json.js';
import type { FileIO } from '../io/fileio.js';
import { MappedFileIO } from '../io/mapped.js';
import { cachedMetadata, rememberMetadata } from './metadata-cache.js';

export interface LoadedTable {
  id: TableIdentifier;
  metadataLocation: string;
  metadata: TableMetadata;
  /** FileIO for this table's locations (location mappings applied). */
  io: FileIO;
}

export async function loadTable(catalog: Catalog, io: FileIO, id: TableIdentifier): Promise<LoadedTable> {
  const entry = await catalog.getTable(id);
  const mappings = await catalog.getLocationMappings(id);
  const tableIO = mappings.length > 0 ? new MappedFileIO(io, mappings) : io;
  const metadata = await readMetadataFile(tableIO, entry.metadataLocation, formatTableId(id));
  return { id, metadataLocation: entry.metadataLocation, metadata, io: tableIO };
}

export async function readMetadataFile(io: FileIO, location: string, tableName?: string): Promise<TableMetadata> {
  let bytes: Uint8Array;
  try {
    bytes = await io.read(location);
  } catch (e) {
    // A missing bucket is not a missing file: going back to an earlier metadata file cannot help.
    const bucketGone = e instanceof FloeError && e.context.missing === 'bucket';
    if (e instanceof FloeError && e.kind === 'not-found' && tableName && !bucketGone) {
      throw new FloeError('corrupt', `table ${tableName}: its current metadata file is missing: ${location}`, {
        cause: e,
        context: { table: tableName, file: location },
        hint: goBackHint(tableName),
      });
    }
    // Any other failure (storage refused, a scheme floe cannot read, a folder): still a fact
    // about the table whose pointer this is.
    if (e instanceof FloeError && tableName && !e.message.startsWith(`table ${tableName}`)) {
      throw new FloeError(e.kind, `table ${tableName}: cannot read its current metadata file: ${e.message}`, {
        cause: e,
        retryable: e.retryable,
        context: { ...e.context, table: tableName, file: location },
        hint: e.hint,
      });
    }
    throw e;
  }
  // The same bytes as a file this process read or wrote before: its parse (metadata-cache.ts).
  const known = cachedMetadata(location, bytes);
  if (known !== undefined) return known;
  let metadata: TableMetadata;
  try {
    metadata = decodeMetadataFile(bytes, location);
    refuseInconsistentSnapshots(metadata, location);
  } catch (e) {
    throw tableName === undefined || !(e instanceof FloeError) ? e : damagedMetadata(e, tableName, location);
  }
  rememberMetadata(location, bytes, metadata);
  return metadata;
}

/**
 * Damage the decoder lets through but a commit must not build on (Iceberg Java refuses to
 * load both): a snapshot id listed twice (which one would a ref mean?), and a snapshot whose
 * sequence number is above last-sequence-number, "the table's highest assigned sequence
 * number" — the next commit would reuse a number its ancestors already have, and deletes
 * would apply in the wrong order.
 */
function refuseInconsistentSnapshots(m: TableMetadata, location: string): void {
  const seen = new Set<bigint>();
  let top: Snapshot | undefined;
  for (const s of m.snapshots) {
    if (seen.has(s['snapshot-id'])) throw corruptError(`${location}: snapshots lists snapshot ${s['snapshot-id']} twice`, { context: { file: location } });
    seen.add(s['snapshot-id']);
    if (s['sequence-number'] > (top?.['sequence-number'] ?? m['last-sequence-number'])) top = s;
  }
  if (top !== undefined) {
    throw corruptError(
      `${location}: last-sequence-number is ${m['last-sequence-number']}, below the sequence number ${top['sequence-number']} of snapshot ${top['snapshot-id']}`,
      { context: { file: location } },
    );
  }
}

/**
 * A metadata file that does not decode (truncated, not JSON, a format-version from the future,
 * fields that contradict each other), told as a fact about the table the catalog points there.
 */
function damagedMetadata(e: FloeError, table: string, location: string): FloeError {
  return new FloeError(e.kind, `table ${table}: ${e.message}`, {
    cause: e,
    context: { ...e.context, table, file: location },
    hint:
      e.hint ??
      (e.kind === 'corrupt' ? goBackHint(table) : undefined),
  });
}

/** How to point the catalog at an earlier metadata file of the table (its data files stay). */
function goBackHint(table: string): string {
  return `the catalog points at this metadata file; to go back to an earlier one from the same folder, \`floe table drop ${table}\` (without --purge) and \`floe table register ${table} <earlier .metadata.json>\``;
}
