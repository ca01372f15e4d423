/**
 * `floe maintain manifests` when its commit fails without an answer and the pointer cannot
 * be read back: the outcome is unknown, so the manifests it wrote are kept (the table may
 * reference them); a commit that certainly did not happen removes them.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine, type Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { toLocalPath } from '../../src/io/local.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { rewriteManifests } from '../../src/table/rewrite-manifests-run.js';
import { planScan } from '../../src/table/scan.js';

let engine: Engine;
let dir: string;
let real: Catalog;
const io = new RoutingFileIO();
const id = (name: string) => ({ namespace: ['rmu'], name });

beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'floe-rm-unknown-'));
  real = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
});
afterAll(async () => {
  await real?.close();
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real catalog; its first swap throws (after committing when `landed`); with `readsFail` every later read fails too. */
function flaky(landed: boolean, readsFailAfter: boolean): Catalog {
  let once = true;
  let readsFail = false;
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'swapMetadataLocation') {
        return async (tid: { namespace: string[]; name: string }, expected: string, next: string) => {
          if (!once) return target.swapMetadataLocation(tid, expected, next);
          once = false;
          if (landed) await target.swapMetadataLocation(tid, expected, next);
          readsFail = readsFailAfter;
          throw new FloeError('io', 'connection terminated unexpectedly');
        };
      }
      if (prop === 'getTable' && readsFail) return async () => Promise.reject(new FloeError('io', 'server unreachable'));
      return Reflect.get(target, prop, receiver);
    },
  });
}

async function fourAppends(name: string) {
  for (let v = 0; v < 4; v++) {
    await writeTable({ catalog: real, io, engine, id: id(name), selectSql: `SELECT ${v}::BIGINT AS v`, mode: 'append', warehouse: dir });
  }
}
const manifestsIn = (name: string) => readdirSync(join(dir, 'rmu', name, 'metadata')).filter((f) => f.endsWith('.avro') && !f.startsWith('snap-'));

describe('rewrite manifests with an unknown commit outcome', () => {
  it('keeps the manifests of a commit that landed: the table stays readable', async () => {
    await fourAppends('landed');
    const e = await rewriteManifests(flaky(true, true), io, id('landed')).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBe('unknown');

    const t = await loadTable(real, io, id('landed'));
    const current = t.metadata.snapshots.at(-1)!;
    expect(current.summary.operation).toBe('replace');
    const list = readManifestList(await t.io.read(current['manifest-list']), current['manifest-list']);
    expect(list).toHaveLength(1);
    for (const m of list) expect(existsSync(toLocalPath(m.manifest_path))).toBe(true);
    const plan = await planScan({ io: t.io, metadata: t.metadata, table: 'rmu.landed' });
    expect(plan.dataFiles).toHaveLength(4);
  });

  it('a commit that did not happen removes the manifests it wrote', async () => {
    await fourAppends('lost');
    const before = (await real.getTable(id('lost'))).metadataLocation;
    const manifestsBefore = manifestsIn('lost').sort();
    const e = await rewriteManifests(flaky(false, false), io, id('lost')).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBeUndefined();
    expect((await real.getTable(id('lost'))).metadataLocation).toBe(before);
    expect(manifestsIn('lost').sort()).toEqual(manifestsBefore);
  });
});
