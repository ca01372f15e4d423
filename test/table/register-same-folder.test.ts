/**
 * `floe table register` of a table in place, reached by another spelling of its folder: a
 * symlink to the warehouse (`/mnt/wh` → `/data/wh`). The check that refuses a copy whose
 * original is still in place (mgmt-review-register) compared the path as typed with the
 * table's location and refused the table itself as "a copy" (exit 2); the two are now
 * compared as the folders they resolve to. A real copy is still refused.
 */
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-register-same-');
beforeAll(() => assertBuilt());

async function count(project: string, table: string): Promise<number> {
  const r = await floeOk(project, ['query', `SELECT count(*) AS n FROM ${table}`, '--format', 'json']);
  return (JSON.parse(r.stdout) as { n: number }[])[0]!.n;
}

describe('register of a table through a symlinked folder', () => {
  it('adopts the table in place, and still refuses a copy', async () => {
    const writer = await writeProject(await tmp());
    await writeFile(path.join(writer, 'a.csv'), 'id,name\n1,a\n2,b\n');
    await floeOk(writer, ['load', 'ns.orig', path.join(writer, 'a.csv')]);
    const links = await tmp();
    const link = path.join(links, 'wh');
    await symlink(path.join(writer, 'warehouse'), link);

    const reader = await writeProject(await tmp());
    const r = await floeIn(reader, ['table', 'register', 'ns.orig', path.join(link, 'ns', 'orig')]);
    expect(r.code, show(r)).toBe(0);
    expect(await count(reader, 'ns.orig')).toBe(2);

    // A copy elsewhere, with the original in place, is still refused.
    const copies = await tmp();
    await mkdir(copies, { recursive: true });
    await cp(path.join(writer, 'warehouse', 'ns', 'orig'), path.join(copies, 'orig'), { recursive: true });
    expectFailure(await floeIn(reader, ['table', 'register', 'cp.orig', path.join(copies, 'orig')]), 2, [
      `its metadata says the table lives at ${path.join(writer, 'warehouse', 'ns', 'orig')}, not at ${path.join(copies, 'orig')}`,
    ]);
  }, 60_000);
});
