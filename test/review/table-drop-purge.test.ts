/**
 * `floe table drop --purge` on a local warehouse leaves no empty folders behind (data/, its
 * partition folders, metadata/, the table folder); a table folder that still holds something
 * floe did not write is kept, and said so. Nothing above the table folder is touched.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogTables, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

describe('floe table drop --purge: folders', () => {
  const tmp = useTmpDirs('floe-review-purge-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,ts\n1,2024-01-01T10:00:00Z\n2,2024-01-02T10:00:00Z\n');
  });

  it('removes the table folder with its data/, partition and metadata/ folders', async () => {
    const l = await floeIn(project, ['load', 'raw.gone', path.join(project, 'a.csv'), '--partition-by', 'day(ts)']);
    expect(l.code, show(l)).toBe(0);
    const folder = path.join(project, 'warehouse', 'raw', 'gone');
    expect((await readdir(path.join(folder, 'data'))).sort()).toEqual(['ts_day=2024-01-01', 'ts_day=2024-01-02']);
    const r = await floeIn(project, ['table', 'drop', 'raw.gone', '--purge']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^dropped raw\.gone and deleted \d+ files under /);
    expect(r.stderr, show(r)).toBe('');
    expect(existsSync(folder), show(r)).toBe(false);
    // The namespace folder and the warehouse are not the table's.
    expect(existsSync(path.join(project, 'warehouse', 'raw'))).toBe(true);
    expect(catalogTables(project)).not.toContain('raw.gone');
  });

  it('keeps a table folder that holds a folder floe did not write, and says so', async () => {
    const l = await floeIn(project, ['load', 'raw.kept', path.join(project, 'a.csv')]);
    expect(l.code, show(l)).toBe(0);
    const folder = path.join(project, 'warehouse', 'raw', 'kept');
    await mkdir(path.join(folder, 'notes'));
    const r = await floeIn(project, ['table', 'drop', 'raw.kept', '--purge']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr, show(r)).toContain(`floe: kept the folder ${folder}: it is not empty`);
    expect(await readdir(folder)).toEqual(['notes']);
  });
});
