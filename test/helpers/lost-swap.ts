/**
 * The setting of the "commit outcome unknown" tests (test/concurrency/commit-state,
 * test/table/compact/unknown-commit, test/table/rewrite-manifests-unknown): a SQLite catalog
 * and a DuckDB engine in a fresh directory, and that catalog seen through a proxy whose
 * compare-and-swap loses its answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import type { FileIO } from '../../src/io/fileio.js';

export interface Workspace {
  /** The catalog as it really is (the proxies below wrap it). */
  catalog: Catalog;
  engine: Engine;
  /** The temporary directory: catalog database and warehouse. */
  dir: string;
}

/** Opens a workspace before the file's tests and removes it after them; its fields are set once beforeAll ran. */
export function sqliteWorkspace(prefix: string): Workspace {
  const ws = {} as Workspace;
  beforeAll(async () => {
    ws.engine = await openEngine({ threads: 1 });
    ws.dir = mkdtempSync(join(tmpdir(), prefix));
    ws.catalog = await openCatalog({ uri: `sqlite:${join(ws.dir, 'catalog.db')}`, name: 'floe' }, ws.dir);
  });
  afterAll(async () => {
    await ws.catalog?.close();
    ws.engine?.close();
    if (ws.dir) rmSync(ws.dir, { recursive: true, force: true });
  });
  return ws;
}

export interface LostSwap {
  /** The first swap did happen before its answer was lost. */
  landed: boolean;
  /** After the lost answer every getTable fails too (the pointer cannot be read back). */
  readsFail: boolean;
}

/** `real`, whose first swap throws an io error without an answer; later swaps behave. */
export function lostSwapCatalog(real: Catalog, o: LostSwap): Catalog {
  let once = true;
  let readsFail = false;
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'swapMetadataLocation') {
        return async (tid: { namespace: string[]; name: string }, expected: string, next: string) => {
          if (!once) return target.swapMetadataLocation(tid, expected, next);
          once = false;
          if (o.landed) await target.swapMetadataLocation(tid, expected, next);
          readsFail = o.readsFail;
          throw new FloeError('io', 'connection terminated unexpectedly');
        };
      }
      if (prop === 'getTable' && readsFail) return async () => Promise.reject(new FloeError('io', 'server unreachable'));
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** Four appends of one row each (v = 0, 1, 2, 3): four data files in four manifests. */
export async function fourAppends(ws: Workspace, io: FileIO, id: TableIdentifier): Promise<void> {
  for (let v = 0; v < 4; v++) {
    await writeTable({ catalog: ws.catalog, io, engine: ws.engine, id, selectSql: `SELECT ${v}::BIGINT AS v`, mode: 'append', warehouse: ws.dir });
  }
}
