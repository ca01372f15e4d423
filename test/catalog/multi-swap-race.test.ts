/**
 * Several OS processes moving the same two tables' pointers together through
 * Catalog.commitTables on one SQLite catalog file: every commit that reports success landed
 * exactly once, none was lost, and a reader sampling the catalog meanwhile (one query: a
 * consistent read in WAL mode) never sees one table moved without the other.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';

const run = promisify(execFile);
const WORKER = join(import.meta.dirname, 'multi-swap-worker.ts');
const dir = mkdtempSync(join(tmpdir(), 'floe-multi-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('processes racing multi-table commits on one catalog file', () => {
  it('lands every commit exactly once, and both tables always move together', async () => {
    const WORKERS = 4;
    const PER_WORKER = 30;
    const dbPath = join(dir, 'catalog.db');
    const setup = await openCatalog({ uri: `sqlite:${dbPath}`, name: 'floe' }, dir);
    await setup.createTable({ namespace: ['race'], name: 'a' }, '/a/0-setup');
    await setup.createTable({ namespace: ['race'], name: 'b' }, '/b/0-setup');
    await setup.close();

    const children = Array.from({ length: WORKERS }, (_, w) =>
      run(process.execPath, ['--import', 'tsx', WORKER, dbPath, `w${w}`, String(PER_WORKER)], { cwd: join(import.meta.dirname, '../..') }),
    );
    const ready = () => Array.from({ length: WORKERS }, (_, w) => existsSync(`${dbPath}.ready-w${w}`)).every(Boolean);
    while (!ready()) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(`${dbPath}.go`, '');
    // A reader beside the writers: both pointers in one query, again and again.
    const reader = new Database(dbPath, { readonly: true });
    const pair = reader.prepare(`SELECT table_name AS t, metadata_location AS m FROM iceberg_tables WHERE table_namespace = 'race' ORDER BY table_name`);
    let done = false;
    const seen: string[] = [];
    const sampling = (async () => {
      while (!done) {
        const rows = pair.all() as { t: string; m: string }[];
        seen.push(`${rows[0]!.m.slice(3)} ${rows[1]!.m.slice(3)}`);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const outputs = await Promise.all(children).finally(() => (done = true));
    await sampling;
    reader.close();

    const results = outputs.map((o) => JSON.parse(o.stdout) as { worker: string; won: number[]; conflicts: number });
    const all = results.flatMap((r) => r.won).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: WORKERS * PER_WORKER }, (_, i) => i + 1));
    expect(results.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThan(0);
    // Every sample shows both tables at the same commit (`<k>-<worker>` alike).
    const mixed = seen.filter((s) => s.split(' ')[0] !== s.split(' ')[1]);
    expect(mixed).toEqual([]);
    expect(new Set(seen).size).toBeGreaterThan(WORKERS);

    const check = await openCatalog({ uri: `sqlite:${dbPath}`, name: 'floe' }, dir);
    const last = WORKERS * PER_WORKER;
    expect((await check.getTable({ namespace: ['race'], name: 'a' })).metadataLocation).toMatch(new RegExp(`^/a/${last}-w\\d$`));
    expect((await check.getTable({ namespace: ['race'], name: 'b' })).previousMetadataLocation).toMatch(new RegExp(`^/b/${last - 1}-`));
    await check.close();
  });
});
