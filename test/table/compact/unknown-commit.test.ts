/**
 * `floe compact` when its commit fails without an answer: an unknown outcome (the pointer
 * cannot be read back) keeps every file the compaction wrote — the table may reference them —
 * while a commit that certainly did not happen still removes them.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../src/catalog/catalog.js';
import { openCatalog } from '../../../src/catalog/open.js';
import { openEngine, type Engine } from '../../../src/engine/duckdb.js';
import { FloeError } from '../../../src/errors.js';
import { readManifestList } from '../../../src/iceberg/manifest-list.js';
import { writeTable } from '../../../src/ingest/write-table.js';
import { toLocalPath } from '../../../src/io/local.js';
import { RoutingFileIO } from '../../../src/io/resolve.js';
import { compactTable } from '../../../src/table/compact/execute.js';
import { loadTable } from '../../../src/table/load.js';
import { planScan } from '../../../src/table/scan.js';

let engine: Engine;
let dir: string;
let real: Catalog;
const io = new RoutingFileIO();
const id = (name: string) => ({ namespace: ['cu'], name });

beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'floe-compact-unknown-'));
  real = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
});
afterAll(async () => {
  await real?.close();
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real catalog; its first swap loses its answer (after committing, when `landed`), and then every read fails. */
function flaky(landed: boolean): Catalog {
  let once = true;
  let readsFail = false;
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'swapMetadataLocation') {
        return async (tid: { namespace: string[]; name: string }, expected: string, next: string) => {
          if (!once) return target.swapMetadataLocation(tid, expected, next);
          once = false;
          if (landed) await target.swapMetadataLocation(tid, expected, next);
          readsFail = true;
          throw new FloeError('io', 'connection terminated unexpectedly');
        };
      }
      if (prop === 'getTable' && readsFail) return async () => Promise.reject(new FloeError('io', 'server unreachable'));
      return Reflect.get(target, prop, receiver);
    },
  });
}

async function fourFiles(name: string) {
  for (let v = 0; v < 4; v++) {
    await writeTable({ catalog: real, io, engine, id: id(name), selectSql: `SELECT ${v}::BIGINT AS v`, mode: 'append', warehouse: dir });
  }
}
const parquetIn = (name: string) => readdirSync(join(dir, 'cu', name, 'data')).filter((f) => f.endsWith('.parquet'));

describe('compact with an unknown commit outcome', () => {
  it('keeps the files of a commit that landed: the table stays readable', async () => {
    await fourFiles('landed');
    const e = await compactTable({ catalog: flaky(true), io, engine, id: id('landed'), strategy: { kind: 'binpack' }, minInputFiles: 2 }).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBe('unknown');
    expect(e?.message).toMatch(/cu\.landed: the commit of .* may or may not have happened/);

    const t = await loadTable(real, io, id('landed'));
    const current = t.metadata.snapshots.at(-1)!;
    expect(current.summary.operation).toBe('replace');
    const list = readManifestList(await t.io.read(current['manifest-list']), current['manifest-list']);
    for (const m of list) expect(existsSync(toLocalPath(m.manifest_path))).toBe(true);
    const plan = await planScan({ io: t.io, metadata: t.metadata, table: 'cu.landed' });
    expect(plan.dataFiles).toHaveLength(1);
    const live = toLocalPath(plan.dataFiles[0]!.file.file_path);
    expect(existsSync(live)).toBe(true);
    const rows = await engine.all(`SELECT v FROM read_parquet('${live}') ORDER BY v`, 'read');
    expect(rows.map((r) => Number(r.v))).toEqual([0, 1, 2, 3]);
  });

  it('a commit that did not happen still removes its new files', async () => {
    await fourFiles('lost');
    const before = (await real.getTable(id('lost'))).metadataLocation;
    // The swap did not land and the pointer reads back unchanged: a definite "no".
    let once = true;
    const lost = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'swapMetadataLocation') {
          return async (tid: { namespace: string[]; name: string }, expected: string, next: string) => {
            if (!once) return target.swapMetadataLocation(tid, expected, next);
            once = false;
            throw new FloeError('io', 'connection terminated unexpectedly');
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const e = await compactTable({ catalog: lost, io, engine, id: id('lost'), strategy: { kind: 'binpack' }, minInputFiles: 2 }).then(
      () => undefined,
      (x: unknown) => x as FloeError,
    );
    expect(e?.kind).toBe('io');
    expect(e?.context.commitState).toBeUndefined();
    expect((await real.getTable(id('lost'))).metadataLocation).toBe(before);
    expect(parquetIn('lost')).toHaveLength(4);
  });
});
