/**
 * Scenario 6's table template and its restore-before-every-run (bench/scenarios/merge-upsert.ts),
 * on tiny tables built with floe's library: no build of the CLI, no timing.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../bench/lib/types.js';
import { restore, setTableProperties, template } from '../../bench/scenarios/merge-upsert.js';
import { openCatalog } from '../../src/catalog/open.js';

const repo = join(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function context(): ScenarioContext {
  const cacheDir = mkdtempSync(join(tmpdir(), 'floe-bench-merge-'));
  dirs.push(cacheDir);
  return { repoRoot: repo, cacheDir, quick: true, log: () => undefined };
}

async function metadataLocation(dir: string, name: string): Promise<string> {
  const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, dir);
  try {
    return (await catalog.getTable({ namespace: ['bench'], name })).metadataLocation;
  } finally {
    await catalog.close();
  }
}

describe('bench merge-upsert restore', () => {
  it('puts the table back when given a relative folder: original files kept, added ones deleted', async () => {
    const { dir } = await template(context(), 1000);
    const original = JSON.parse(readFileSync(join(dir, 'ORIGINAL.json'), 'utf8')) as { metadataLocation: string; files: string[] };
    expect(original.files.some((f) => f.endsWith('.parquet'))).toBe(true);

    // What a run leaves behind: a new metadata file the catalog points at, and a new data file.
    await setTableProperties(dir, { 'write.merge.mode': 'merge-on-read' });
    expect(await metadataLocation(dir, 'big')).not.toBe(original.metadataLocation);
    const stray = join(dir, 'warehouse', 'bench', 'big', 'data', 'added-by-a-run.parquet');
    writeFileSync(stray, 'x');

    const rel = relative(process.cwd(), dir);
    expect(rel.startsWith('/')).toBe(false);
    await restore(rel);

    expect(await metadataLocation(dir, 'big')).toBe(original.metadataLocation);
    expect(original.files.filter((f) => !existsSync(f))).toEqual([]);
    expect(existsSync(stray)).toBe(false);
  });

  it('refuses, deleting nothing, a folder that holds none of the files ORIGINAL.json lists', async () => {
    const ctx = context();
    const { dir } = await template(ctx, 1000);
    // A copy of the template elsewhere: its ORIGINAL.json still names the first folder's files.
    const copy = join(ctx.cacheDir, 'copy');
    cpSync(dir, copy, { recursive: true });
    const copied = join(copy, 'warehouse', 'bench', 'big');
    const before = readdirSync(copied, { recursive: true });
    await expect(restore(copy)).rejects.toThrow(/none of the files saved in ORIGINAL\.json is in .*copy/);
    expect(readdirSync(copied, { recursive: true })).toEqual(before);
  });
});
