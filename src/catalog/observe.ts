/**
 * Process-wide observers of catalog changes: every table this process creates (or
 * registers), commits to, or drops, through any catalog opened with openCatalog. The audit
 * log (src/audit) uses it to record exactly what one command changed, whatever other
 * processes commit meanwhile. Observers are told after the catalog change succeeded.
 */
import type { Catalog } from './catalog.js';
import type { TableIdentifier } from '../iceberg/types.js';

export type CatalogChange =
  | { kind: 'create'; id: TableIdentifier; metadataLocation: string }
  | { kind: 'commit'; id: TableIdentifier; previousLocation: string; metadataLocation: string }
  | { kind: 'drop'; id: TableIdentifier };

export type CatalogObserver = (change: CatalogChange) => void;

const observers = new Set<CatalogObserver>();

/** Registers an observer; returns the function that removes it. */
export function observeCatalogChanges(observer: CatalogObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

function notify(change: CatalogChange): void {
  for (const o of observers) {
    try {
      o(change);
    } catch {
      // an observer never changes the outcome of a catalog operation
    }
  }
}

/** The catalog, with its create, compare-and-swap (single or multi-table) and drop reported to the observers. */
export function withObservers<C extends Catalog>(catalog: C): C {
  const create = catalog.createTable.bind(catalog);
  const swap = catalog.swapMetadataLocation.bind(catalog);
  const drop = catalog.dropTable.bind(catalog);
  const commitTables = catalog.commitTables.bind(catalog);
  catalog.createTable = async (id, metadataLocation) => {
    await create(id, metadataLocation);
    notify({ kind: 'create', id, metadataLocation });
  };
  catalog.swapMetadataLocation = async (id, expected, newLocation) => {
    const ok = await swap(id, expected, newLocation);
    if (ok) notify({ kind: 'commit', id, previousLocation: expected, metadataLocation: newLocation });
    return ok;
  };
  catalog.commitTables = async (swaps) => {
    const result = await commitTables(swaps);
    if (result.committed) {
      for (const s of swaps) {
        notify(s.expected === null ? { kind: 'create', id: s.id, metadataLocation: s.newLocation } : { kind: 'commit', id: s.id, previousLocation: s.expected, metadataLocation: s.newLocation });
      }
    }
    return result;
  };
  catalog.dropTable = async (id) => {
    await drop(id);
    notify({ kind: 'drop', id });
  };
  return catalog;
}
