/**
 * Several OS processes committing to one SQLite catalog file: every compare-and-swap that
 * reports success must have landed exactly once, and none may be lost (WAL + busy_timeout).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';

const run = promisify(execFile);
const WORKER = join(import.meta.dirname, 'cas-worker.ts');
const dir = mkdtempSync(join(tmpdir(), 'floe-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('processes racing on one catalog file', () => {
  it('lands every increment exactly once', async () => {
    const WORKERS = 4;
    const PER_WORKER = 40;
    const dbPath = join(dir, 'catalog.db');
    const id = { namespace: ['race'], name: 'counter' };
    const setup = await openCatalog({ uri: `sqlite:${dbPath}`, name: 'floe' }, dir);
    await setup.createTable(id, '/v/0-setup');
    await setup.close();

    const children = Array.from({ length: WORKERS }, (_, w) =>
      run(process.execPath, ['--import', 'tsx', WORKER, dbPath, `w${w}`, String(PER_WORKER)], { cwd: join(import.meta.dirname, '../..') }),
    );
    // Release all workers at once, when every one has opened the catalog.
    const ready = () => Array.from({ length: WORKERS }, (_, w) => existsSync(`${dbPath}.ready-w${w}`)).every(Boolean);
    while (!ready()) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(`${dbPath}.go`, '');
    const outputs = await Promise.all(children);
    const results = outputs.map((o) => JSON.parse(o.stdout) as { worker: string; won: number[]; conflicts: number });
    const all = results.flatMap((r) => r.won).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: WORKERS * PER_WORKER }, (_, i) => i + 1));
    for (const r of results) expect(r.won).toHaveLength(PER_WORKER);
    // The workers really raced: some swaps lost and were retried.
    expect(results.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThan(0);

    const check = await openCatalog({ uri: `sqlite:${dbPath}`, name: 'floe' }, dir);
    const entry = await check.getTable(id);
    await check.close();
    expect(entry.metadataLocation).toMatch(new RegExp(`^/v/${WORKERS * PER_WORKER}-w\\d$`));
    expect(entry.previousMetadataLocation).toMatch(new RegExp(`^/v/${WORKERS * PER_WORKER - 1}-`));
  });
});
