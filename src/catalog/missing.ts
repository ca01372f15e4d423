/**
 * The catalog a read-only command sees when the project has none yet (openCatalog with
 * `create: false`): no SQLite file, or a database without the catalog tables. It lists no
 * tables and namespaces, and a table it is asked for does not exist, with a message that
 * says why. Opening it creates nothing: `floe plan`, `floe tables` or `floe describe` in a
 * new project must leave the folder (or the Postgres schema) as it was.
 */
import type { Catalog, CatalogTableEntry, CommitTablesResult, LocationMapping, TableSwap } from './catalog.js';
import { FloeError, notFound } from '../errors.js';
import type { TableIdentifier } from '../iceberg/types.js';
import { formatTableIdentifier } from './identifier.js';

export class MissingCatalog implements Catalog {
  /**
   * @param where what is missing, as a message names it: `SQLite catalog /p/warehouse/catalog.db`
   *   or `Postgres catalog host:5432/db` (never a password).
   */
  constructor(
    readonly name: string,
    readonly where: string,
  ) {}

  /** `no catalog at …`: what a command that needs a table says besides its own message. */
  get why(): string {
    return `there is no ${this.where} yet`;
  }

  async listNamespaces(): Promise<string[][]> {
    return [];
  }

  async namespaceExists(): Promise<boolean> {
    return false;
  }

  async listTables(): Promise<TableIdentifier[]> {
    return [];
  }

  async getTable(id: TableIdentifier): Promise<CatalogTableEntry> {
    const table = formatTableIdentifier(id);
    throw notFound(`table ${table} does not exist: ${this.why}`, {
      context: { table, catalog: this.name },
      hint: '`floe run`, `floe load` or `floe table create` creates the catalog with its first table; if it should exist, check catalog.uri in floe.yaml',
    });
  }

  async tableExists(): Promise<boolean> {
    return false;
  }

  async getLocationMappings(): Promise<LocationMapping[]> {
    return [];
  }

  // A read-only command never writes: reaching one of these is a bug in the command.
  createNamespace(): Promise<void> {
    return this.refuse('create a namespace');
  }

  createTable(): Promise<void> {
    return this.refuse('create a table');
  }

  dropTable(): Promise<void> {
    return this.refuse('drop a table');
  }

  swapMetadataLocation(): Promise<boolean> {
    return this.refuse('commit');
  }

  commitTables(_swaps: readonly TableSwap[]): Promise<CommitTablesResult> {
    return this.refuse('commit');
  }

  setLocationMappings(): Promise<void> {
    return this.refuse('set location mappings');
  }

  async close(): Promise<void> {}

  private async refuse(what: string): Promise<never> {
    throw new FloeError('internal', `cannot ${what}: the catalog was opened read-only and ${this.why}`);
  }
}
