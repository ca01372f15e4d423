/**
 * Scenario 6's table template and its restore-before-every-run (bench/scenarios/merge-upsert.ts),
 * on tiny tables built with floe's library: no build of the CLI, no timing.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../bench/generate/csv.js';
import type { CaseResult, ContenderResult, ScenarioContext } from '../../bench/lib/types.js';
import { mergeUpsert, narrowTemplate, restore, setTableProperties, wideTemplate } from '../../bench/scenarios/merge-upsert.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';

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
    const { dir } = await narrowTemplate(context(), 1000);
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
    const { dir } = await narrowTemplate(ctx, 1000);
    // A copy of the template elsewhere: its ORIGINAL.json still names the first folder's files.
    const copy = join(ctx.cacheDir, 'copy');
    cpSync(dir, copy, { recursive: true });
    const copied = join(copy, 'warehouse', 'bench', 'big');
    const before = readdirSync(copied, { recursive: true });
    await expect(restore(copy)).rejects.toThrow(/none of the files saved in ORIGINAL\.json is in .*copy/);
    expect(readdirSync(copied, { recursive: true })).toEqual(before);
  });
});

describe('bench merge-upsert wide table', () => {
  it("is scenario 1's CSV with 1% of the most recent keys changed: half updates, half new, in the table's types", async () => {
    const ctx = context();
    const t = await wideTemplate(ctx, 1000);
    expect(t.table).toEqual({ namespace: ['bench'], name: 'wide' });
    const original = JSON.parse(readFileSync(join(t.dir, 'ORIGINAL.json'), 'utf8')) as { table: unknown; files: string[] };
    expect(original.table).toEqual(t.table);
    // Built from the generator's cached CSV (scenario 1's seed) and 10 changed rows (the next seed).
    expect(readdirSync(ctx.cacheDir).filter((f) => f.endsWith('.csv')).sort()).toEqual(['csv-v1-1000rows-seed20240601.csv', 'csv-v1-10rows-seed20240602.csv']);

    const data = `read_parquet([${original.files.filter((f) => f.endsWith('.parquet')).map(quoteLiteral).join(', ')}])`;
    const changes = `read_parquet(${quoteLiteral(join(t.dir, 'changes.parquet'))})`;
    const merged = `read_parquet(${quoteLiteral(t.merged)})`;
    const one = `read_parquet(${quoteLiteral(join(t.dir, 'one.parquet'))})`;
    const engine = await openEngine();
    try {
      const types = async (from: string) => (await engine.columns(`SELECT * FROM ${from}`, 'columns')).map((c) => `${c.name} ${c.type.toString()}`);
      const tableTypes = await types(data);
      expect(tableTypes.map((c) => c.split(' ')[0])).toEqual([...CSV_COLUMNS]);
      expect(await types(changes)).toEqual(tableTypes);
      expect(await types(merged)).toEqual(tableTypes);
      expect(await types(one)).toEqual(tableTypes);
      const q = async (sql: string) => (await engine.all(sql, 'check')).map((r) => Object.values(r).map(Number));
      expect(await q(`SELECT count(*), min(id), max(id) FROM ${data}`)).toEqual([[1000, 1, 1000]]);
      expect(await q(`SELECT count(*), min(id), max(id) FROM ${changes}`)).toEqual([[10, 996, 1005]]);
      // The five updates carry other values than the rows they replace.
      expect(await q(`SELECT count(*) FROM ${changes} c JOIN ${data} d USING (id) WHERE c.customer_id <> d.customer_id`)).toEqual([[5]]);
      expect(await q(`SELECT count(*), count(DISTINCT id), min(id), max(id) FROM ${merged}`)).toEqual([[1005, 1005, 1, 1005]]);
      expect(await q(`SELECT count(*) FROM (SELECT * FROM ${merged} WHERE id > 995 EXCEPT SELECT * FROM ${changes})`)).toEqual([[0]]);
      expect(await q(`SELECT count(*) FROM (SELECT * FROM ${merged} WHERE id <= 995 EXCEPT SELECT * FROM ${data})`)).toEqual([[0]]);
      expect(await q(`SELECT count(*) FROM (SELECT * FROM ${one} EXCEPT SELECT * FROM ${changes} WHERE id = 1000)`)).toEqual([[0]]);
      expect(await q(`SELECT count(*) FROM ${one}`)).toEqual([[1]]);
    } finally {
      engine.close();
    }
    for (const p of ['upsert', 'upsert-one']) expect(readFileSync(join(t.dir, 'pipelines', `${p}.yaml`), 'utf8')).toMatch(/table: bench\.wide\n\s+mode: merge\n\s+key: \[id\]/);

    // restore() and setTableProperties() act on the table ORIGINAL.json names.
    const before = await metadataLocation(t.dir, 'wide');
    await setTableProperties(t.dir, { 'write.merge.mode': 'merge-on-read' });
    expect(await metadataLocation(t.dir, 'wide')).not.toBe(before);
    await restore(relative(process.cwd(), t.dir));
    expect(await metadataLocation(t.dir, 'wide')).toBe(before);
    expect(original.files.filter((f) => !existsSync(f))).toEqual([]);
  });
});

describe('bench merge-upsert goals', () => {
  const contender = (id: string, wall: number): ContenderResult => ({
    id,
    label: id,
    role: id === 'floe-overwrite' || id === 'floe-merge-one-row' ? 'baseline' : 'candidate',
    command: '',
    status: 'ok',
    runs: [],
    median_wall_ms: wall,
    peak_rss_bytes: null,
    median_peak_rss_bytes: null,
    candidate_over_this: null,
  });
  const result = (id: string, merge: number, mor: number, one: number, overwrite: number): CaseResult => ({
    id,
    label: id,
    params: {},
    contenders: [contender('floe-merge', merge), contender('floe-merge-on-read', mor), contender('floe-merge-one-row', one), contender('floe-overwrite', overwrite)],
  });

  it('judges each table against its own overwrite, and names the table in every goal', () => {
    // The wide case first: goals find their case by id, not by position.
    const cases = [result('wide-rows-10m', 1000, 500, 400, 10_000), result('rows-10m', 1500, 900, 750, 3000)];
    const goals = mergeUpsert.goals!(cases, { repoRoot: repo, cacheDir: '', quick: false, log: () => undefined });
    expect(goals.map((g) => [g.id, g.value, g.met])).toEqual([
      ['vs-overwrite', 0.5, false],
      ['mor-vs-overwrite', 0.3, false],
      ['one-row-vs-overwrite', 0.25, null],
      ['wide-vs-overwrite', 0.1, true],
      ['wide-mor-vs-overwrite', 0.05, true],
      ['wide-one-row-vs-overwrite', 0.04, null],
    ]);
    for (const g of goals.slice(0, 3)) expect(g.text).toMatch(/^10M rows × 4 narrow columns: /);
    for (const g of goals.slice(3)) expect(g.text).toMatch(/^10M rows × 10 columns: /);
  });

  it('leaves the wide goals not judged when its case did not run, still judging the narrow one', () => {
    const goals = mergeUpsert.goals!([result('rows-200k', 100, 100, 100, 1000)], { repoRoot: repo, cacheDir: '', quick: true, log: () => undefined });
    expect(goals.map((g) => [g.id, g.met])).toEqual([
      ['vs-overwrite', true],
      ['mor-vs-overwrite', true],
      ['one-row-vs-overwrite', null],
      ['wide-vs-overwrite', null],
      ['wide-mor-vs-overwrite', null],
      ['wide-one-row-vs-overwrite', null],
    ]);
    expect(goals[3]!.text).toMatch(/^200k rows × 10 columns: /);
  });
});
