/**
 * Benchmark tables built once through floe's library (src/) and cached under .cache/bench: a
 * floe project whose one table receives its data files in append commits made the way
 * `floe load` commits (writeAddedManifest → buildSnapshotChange → commitTable). A READY
 * marker is written last, so a later run reuses a complete table and an interrupted build is
 * redone from scratch.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCatalog } from '../../src/catalog/open.js';
import { type NewTableOptions, createTableChange } from '../../src/iceberg/metadata-builder.js';
import type { DataFile, TableIdentifier } from '../../src/iceberg/types.js';
import { LocalFileIO } from '../../src/io/local.js';
import { commitTable, createTable } from '../../src/table/commit.js';
import { buildSnapshotChange, newSnapshotId, writeAddedManifest } from '../../src/table/snapshot-producer.js';
import { writeProject } from '../scenarios/common.js';
import { fmtMs } from './format.js';
import type { ScenarioContext } from './types.js';

export interface SyntheticTable {
  /** The project folder; nothing is done when it already holds a READY marker. */
  dir: string;
  id: TableIdentifier;
  /** What the log names while building, e.g. "a table of 1k files". */
  what: string;
  /** The table to create (its location is the project warehouse's). */
  table: Omit<NewTableOptions, 'location'>;
  /**
   * The data files of each append commit, in order (a generator keeps only one batch in
   * memory); called once the project folder exists.
   */
  batches(location: string): Iterable<DataFile[]> | Promise<Iterable<DataFile[]>>;
}

/** Where the table of `id` lives in the project at `dir` (the warehouse of `writeProject`). */
export function tableLocation(dir: string, id: TableIdentifier): string {
  return join(dir, 'warehouse', ...id.namespace, id.name);
}

/** Builds the project of `t` unless it is cached (READY); returns its folder. */
export async function syntheticTable(ctx: ScenarioContext, t: SyntheticTable): Promise<string> {
  if (existsSync(join(t.dir, 'READY'))) return t.dir;
  rmSync(t.dir, { recursive: true, force: true });
  mkdirSync(t.dir, { recursive: true });
  writeProject(t.dir);
  const started = performance.now();
  ctx.log(`building ${t.what} in ${t.dir}`);
  const location = tableLocation(t.dir, t.id);
  const batches = await t.batches(location);
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, t.dir);
  try {
    const io = new LocalFileIO();
    await createTable(catalog, io, t.id, createTableChange({ ...t.table, location }));
    for (const batch of batches) {
      await commitTable(catalog, io, t.id, async (base) => {
        const manifest = await writeAddedManifest(base.io, base.metadata, batch);
        return buildSnapshotChange(base, { operation: 'append', snapshotId: newSnapshotId(base.metadata), added: [manifest], addedFiles: batch });
      });
    }
  } finally {
    await catalog.close();
  }
  writeFileSync(join(t.dir, 'READY'), '');
  ctx.log(`built in ${fmtMs(performance.now() - started)}`);
  return t.dir;
}
