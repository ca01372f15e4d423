/**
 * `floe maintain manifests` when its commit fails without an answer and the pointer cannot
 * be read back: the outcome is unknown, so the manifests it wrote are kept (the table may
 * reference them); a commit that certainly did not happen removes them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FloeError } from '../../src/errors.js';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { toLocalPath } from '../../src/io/local.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { rewriteManifests } from '../../src/table/rewrite-manifests-run.js';
import { planScan } from '../../src/table/scan.js';
import { fourAppends, lostSwapCatalog, sqliteWorkspace } from '../helpers/lost-swap.js';

const ws = sqliteWorkspace('floe-rm-unknown-');
const io = new RoutingFileIO();
const id = (name: string) => ({ namespace: ['rmu'], name });

/** The real catalog; its first swap throws (after committing when `landed`); with `readsFail` every later read fails too. */
const flaky = (landed: boolean, readsFail: boolean) => lostSwapCatalog(ws.catalog, { landed, readsFail });

const manifestsIn = (name: string) => readdirSync(join(ws.dir, 'rmu', name, 'metadata')).filter((f) => f.endsWith('.avro') && !f.startsWith('snap-'));

describe('rewrite manifests with an unknown commit outcome', () => {
  it('keeps the manifests of a commit that landed: the table stays readable', async () => {
    await fourAppends(ws, io, id('landed'));
    const e = await rewriteManifests(flaky(true, true), io, id('landed')).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBe('unknown');

    const t = await loadTable(ws.catalog, io, id('landed'));
    const current = t.metadata.snapshots.at(-1)!;
    expect(current.summary.operation).toBe('replace');
    const list = readManifestList(await t.io.read(current['manifest-list']), current['manifest-list']);
    expect(list).toHaveLength(1);
    for (const m of list) expect(existsSync(toLocalPath(m.manifest_path))).toBe(true);
    const plan = await planScan({ io: t.io, metadata: t.metadata, table: 'rmu.landed' });
    expect(plan.dataFiles).toHaveLength(4);
  });

  it('a commit that did not happen removes the manifests it wrote', async () => {
    await fourAppends(ws, io, id('lost'));
    const before = (await ws.catalog.getTable(id('lost'))).metadataLocation;
    const manifestsBefore = manifestsIn('lost').sort();
    const e = await rewriteManifests(flaky(false, false), io, id('lost')).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBeUndefined();
    expect((await ws.catalog.getTable(id('lost'))).metadataLocation).toBe(before);
    expect(manifestsIn('lost').sort()).toEqual(manifestsBefore);
  });
});
