/**
 * PII at ingest: a pipeline's rows pass through the policies of its `apply: ingest`
 * columns before they are written, and the table's properties record every tag
 * (floe.pii.<column>). Tags are set when the table is created and kept in step on later
 * runs (a run that adds, changes or removes a tag commits the property change).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { commitTable } from '../table/commit.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import type { TableUpdate } from '../table/updates.js';
import { applyPoliciesSql } from './apply.js';
import { PII_PREFIX, piiProperties, type PiiColumn } from './policy.js';
import type { Env } from './salt.js';

/** The rows to write with the `apply: ingest` policies applied. */
export function ingestPiiSql(selectSql: string, columns: readonly PiiColumn[], table: string, env: Env = process.env): string {
  return applyPoliciesSql(selectSql, columns.filter((c) => c.apply === 'ingest'), table, env);
}

/** Pure: the property updates that make `current` record exactly `columns`' tags. */
export function piiPropertyUpdates(current: Readonly<Record<string, string>>, columns: readonly PiiColumn[]): TableUpdate[] {
  const wanted = piiProperties(columns);
  const set = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current[k] !== v));
  const removals = Object.keys(current).filter((k) => k.startsWith(PII_PREFIX) && !(k in wanted));
  const updates: TableUpdate[] = [];
  if (Object.keys(set).length) updates.push({ action: 'set-properties', updates: set });
  if (removals.length) updates.push({ action: 'remove-properties', removals });
  return updates;
}

/**
 * Commits the tag properties when the table's differ; nothing when they match. `table`: the
 * table as the caller's own commit just left it, so it need not be loaded again.
 */
export async function syncPiiProperties(catalog: Catalog, io: FileIO, id: TableIdentifier, columns: readonly PiiColumn[], table?: LoadedTable): Promise<void> {
  const t = table ?? (await loadTable(catalog, io, id));
  if (piiPropertyUpdates(t.metadata.properties, columns).length === 0) return;
  await commitTable(catalog, io, id, async (base) => ({ requirements: [], updates: piiPropertyUpdates(base.metadata.properties, columns) }), { base: t });
}
