/**
 * Expiry after a pipeline run, driven by table properties (docs/MAINTENANCE.md):
 * `floe.maintain.expire.after-run=true` makes every successful `floe run` commit to the table
 * be followed by `floe maintain expire` with the table's own defaults
 * (`history.expire.max-snapshot-age-ms`, `history.expire.min-snapshots-to-keep`, per-ref
 * settings). The run's commit stands whatever happens here: the caller reports a failure as
 * a warning.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { TableIdentifier, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { type ExpireResult, expireSnapshots } from './expire-run.js';
import { loadTable } from './load.js';

export const EXPIRE_AFTER_RUN = 'floe.maintain.expire.after-run';

export function expireAfterRunEnabled(metadata: TableMetadata): boolean {
  return (metadata.properties[EXPIRE_AFTER_RUN] ?? '').trim().toLowerCase() === 'true';
}

/** Runs the expiry when the table asks for it; null when it does not. */
export async function expireAfterRun(catalog: Catalog, io: FileIO, id: TableIdentifier, now?: () => number): Promise<ExpireResult | null> {
  const t = await loadTable(catalog, io, id);
  if (!expireAfterRunEnabled(t.metadata)) return null;
  return expireSnapshots(catalog, io, id, { now, base: t });
}
