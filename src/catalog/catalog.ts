/**
 * The catalog keeps one pointer per table: the location of its current metadata file.
 * Committing is an atomic compare-and-swap of that pointer (see table/commit.ts for the
 * retry loop). The SQL catalog (sql.ts) uses the same tables as Iceberg Java's JdbcCatalog
 * and PyIceberg's SqlCatalog, so those engines open floe's catalog directly.
 */
import type { TableIdentifier } from '../iceberg/types.js';

export interface CatalogTableEntry {
  id: TableIdentifier;
  metadataLocation: string;
  previousMetadataLocation: string | null;
}

/**
 * One table's part of a multi-table commit (Catalog.commitTables): move the pointer from
 * `expected` to `newLocation`, or, with `expected` null, insert the table's entry (a table
 * created by the commit; it must not exist yet).
 */
export interface TableSwap {
  id: TableIdentifier;
  expected: string | null;
  newLocation: string;
}

/**
 * What a multi-table commit did: all swaps, or none. `stale` names the tables whose
 * expected location was no longer the pointer (or, for a create, that already existed).
 */
export type CommitTablesResult = { committed: true } | { committed: false; stale: TableIdentifier[] };

/** A prefix rewrite for a registered table whose stored locations point elsewhere. */
export interface LocationMapping {
  from: string;
  to: string;
}

export interface Catalog {
  readonly name: string;
  createNamespace(namespace: string[], properties?: Record<string, string>): Promise<void>;
  listNamespaces(): Promise<string[][]>;
  namespaceExists(namespace: string[]): Promise<boolean>;
  listTables(namespace?: string[]): Promise<TableIdentifier[]>;
  /** Throws a `not-found` FloeError naming the table when it is not in the catalog. */
  getTable(id: TableIdentifier): Promise<CatalogTableEntry>;
  tableExists(id: TableIdentifier): Promise<boolean>;
  /** Inserts the pointer; `already-exists` if the table is there. */
  createTable(id: TableIdentifier, metadataLocation: string): Promise<void>;
  dropTable(id: TableIdentifier): Promise<void>;
  /**
   * Compare-and-swap: set the pointer to `newLocation` only if it is still `expected`.
   * Returns false when another writer got there first (the caller reloads and retries).
   */
  swapMetadataLocation(id: TableIdentifier, expected: string, newLocation: string): Promise<boolean>;
  /**
   * Several compare-and-swaps (and creates) in one database transaction: every pointer
   * moves, or none does. When any table's expected location is stale nothing is changed and
   * the stale tables are named (the caller reloads and retries, table/commit-many.ts). A
   * failure without an answer (a dropped connection around COMMIT) is thrown like a single
   * swap's: the caller reads the tables back to decide.
   */
  commitTables(swaps: readonly TableSwap[]): Promise<CommitTablesResult>;
  /** floe's own side table: stored-location prefixes remapped at read time (`table register --map-location`). */
  getLocationMappings(id: TableIdentifier): Promise<LocationMapping[]>;
  /**
   * Whether `folder` is the folder of a table in this catalog database, under any catalog name
   * (table/new-table.ts: such a folder is not a dropped table's). Optional: without it, only
   * the table of the name being created is looked at.
   */
  isTableFolder?(folder: string): Promise<boolean>;
  setLocationMappings(id: TableIdentifier, mappings: LocationMapping[]): Promise<void>;
  close(): Promise<void>;
}

export function formatTableId(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}
