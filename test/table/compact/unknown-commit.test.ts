/**
 * `floe compact` when its commit fails without an answer: an unknown outcome (the pointer
 * cannot be read back) keeps every file the compaction wrote — the table may reference them —
 * while a commit that certainly did not happen still removes them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FloeError } from '../../../src/errors.js';
import { readManifestList } from '../../../src/iceberg/manifest-list.js';
import { toLocalPath } from '../../../src/io/local.js';
import { RoutingFileIO } from '../../../src/io/resolve.js';
import { compactTable } from '../../../src/table/compact/execute.js';
import { loadTable } from '../../../src/table/load.js';
import { planScan } from '../../../src/table/scan.js';
import { fourAppends, lostSwapCatalog, sqliteWorkspace } from '../../helpers/lost-swap.js';

const ws = sqliteWorkspace('floe-compact-unknown-');
const io = new RoutingFileIO();
const id = (name: string) => ({ namespace: ['cu'], name });

/** The real catalog; its first swap loses its answer (after committing, when `landed`), and then every read fails. */
const flaky = (landed: boolean) => lostSwapCatalog(ws.catalog, { landed, readsFail: true });

const parquetIn = (name: string) => readdirSync(join(ws.dir, 'cu', name, 'data')).filter((f) => f.endsWith('.parquet'));

describe('compact with an unknown commit outcome', () => {
  it('keeps the files of a commit that landed: the table stays readable', async () => {
    await fourAppends(ws, io, id('landed'));
    const e = await compactTable({ catalog: flaky(true), io, engine: ws.engine, id: id('landed'), strategy: { kind: 'binpack' }, minInputFiles: 2 }).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBe('unknown');
    expect(e?.message).toMatch(/cu\.landed: the commit of .* may or may not have happened/);

    const t = await loadTable(ws.catalog, io, id('landed'));
    const current = t.metadata.snapshots.at(-1)!;
    expect(current.summary.operation).toBe('replace');
    const list = readManifestList(await t.io.read(current['manifest-list']), current['manifest-list']);
    for (const m of list) expect(existsSync(toLocalPath(m.manifest_path))).toBe(true);
    const plan = await planScan({ io: t.io, metadata: t.metadata, table: 'cu.landed' });
    expect(plan.dataFiles).toHaveLength(1);
    const live = toLocalPath(plan.dataFiles[0]!.file.file_path);
    expect(existsSync(live)).toBe(true);
    const rows = await ws.engine.all(`SELECT v FROM read_parquet('${live}') ORDER BY v`, 'read');
    expect(rows.map((r) => Number(r.v))).toEqual([0, 1, 2, 3]);
  });

  it('a commit that did not happen still removes its new files', async () => {
    await fourAppends(ws, io, id('lost'));
    const before = (await ws.catalog.getTable(id('lost'))).metadataLocation;
    // The swap did not land and the pointer reads back unchanged: a definite "no".
    const lost = lostSwapCatalog(ws.catalog, { landed: false, readsFail: false });
    const e = await compactTable({ catalog: lost, io, engine: ws.engine, id: id('lost'), strategy: { kind: 'binpack' }, minInputFiles: 2 }).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBeUndefined();
    expect((await ws.catalog.getTable(id('lost'))).metadataLocation).toBe(before);
    expect(parquetIn('lost')).toHaveLength(4);
  });
});
