/**
 * The setup of the library-level write tests (writeTable, mergeTable): a temp folder holding
 * a SQLite catalog, and a one-thread DuckDB engine. Tables go under `join(dir, 'wh')`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';

export interface WriteLab {
  dir: string;
  catalog: Catalog;
  engine: Engine;
  /** Closes the engine and the catalog, then removes the folder. */
  close(): Promise<void>;
}

/** Opens a lab in a new temp folder named `prefix` plus a random suffix. */
export async function openWriteLab(prefix: string): Promise<WriteLab> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const catalog = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
  const engine = await openEngine({ threads: 1 });
  return {
    dir,
    catalog,
    engine,
    close: async () => {
      engine.close();
      await catalog.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
