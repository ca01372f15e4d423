/**
 * floe reads format v3 tables but does not write v3 row lineage yet. A load, a pipeline run
 * (append, overwrite, merge) into a v3 table is refused as unsupported before any file is
 * written: before, each wrote its data files and then failed at the commit with an internal
 * error ("snapshot … has no first-row-id").
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, show, smallCsv, tableState, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-v3-writes-');
beforeAll(() => assertBuilt());

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out;
}

describe('writes into a format v3 table', () => {
  let dir: string;
  const T = 'raw.v3';
  const dataDir = () => path.join(dir, 'warehouse', 'raw', 'v3', 'data');
  beforeAll(async () => {
    dir = await writeProject(await tmp());
    await writeFile(path.join(dir, 'in.csv'), smallCsv(3));
    const r = await floeIn(dir, ['table', 'create', T, '--column', 'id long', '--column', 'name string', '--column', 'amount double', '--property', 'format-version=3']);
    expect(r.code, show(r)).toBe(0);
  });

  it('floe load is refused as unsupported, naming the table; no file is written', async () => {
    const before = await tableState(dir, T);
    const r = await floeIn(dir, ['load', T, path.join(dir, 'in.csv')]);
    expectFailure(r, 1, [`table ${T} is format v3`, 'row lineage']);
    expect(r.stderr).not.toMatch(/first-row-id|internal/i);
    expect(await tableState(dir, T)).toEqual(before);
    expect(await filesUnder(dataDir())).toEqual([]);
  });

  it('floe run, append and merge, is refused the same way', async () => {
    const before = await tableState(dir, T);
    await mkdir(path.join(dir, 'pipelines'), { recursive: true });
    for (const mode of ['mode: append', 'mode: overwrite', 'mode: merge\n  key: [id]']) {
      await writeFile(path.join(dir, 'pipelines', 'p.yaml'), `name: p\nsource: { kind: csv, path: in.csv }\ntarget:\n  table: ${T}\n  ${mode}\n`);
      const r = await floeIn(dir, ['run', 'p']);
      expectFailure(r, 1, [`table ${T} is format v3`, 'row lineage']);
      expect(r.stderr, mode).not.toMatch(/first-row-id|internal/i);
    }
    expect(await tableState(dir, T)).toEqual(before);
    expect(await filesUnder(dataDir())).toEqual([]);
  });
});
