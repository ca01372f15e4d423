/**
 * `floe compact --where` that no row matches: the snapshot still has data files, so the
 * command must not say it has none (it said "snapshot N has no data files").
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const T = 'ns.w';
const tmp = useTmpDirs('floe-compact-where-cli-');
let project: string;

const ok = async (args: string[]) => {
  const r = await floeIn(project, args);
  expect(r.code, show(r)).toBe(0);
  return r;
};

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  for (const [i, region] of ['eu', 'us', 'eu'].entries()) {
    const file = path.join(project, `p${i}.csv`);
    await writeFile(file, `id,region\n${i * 2},${region}\n${i * 2 + 1},${region}\n`);
    await ok(['load', T, file]);
  }
}, 120_000);

describe('floe compact --where matching no row', () => {
  it('says that no data file holds a matching row, not that the snapshot has none', async () => {
    const pointer = catalogPointer(project, T);
    const snapshot = JSON.parse((await ok(['snapshots', T, '--json'])).stdout.replace(/(:\s*)(\d{16,})/g, '$1"$2"')).at(-1)["snapshot-id"] as string;
    const r = await ok(['compact', T, '--where', "region = 'sa'", '--min-input-files', '2']);
    expect(r.stdout).toBe(`${T}: nothing to compact: none of the 3 data files of snapshot ${snapshot} holds a row matching --where: region = 'sa'\n`);
    expect(catalogPointer(project, T)).toBe(pointer);
    // A matching predicate still compacts the files that hold its rows.
    const eu = await ok(['compact', T, '--where', "region = 'eu'", '--min-input-files', '2']);
    expect(eu.stdout).toMatch(/^compacted ns\.w \(binpack\): 2 data files \(.*\) → 1 \(.*\), 4 rows; snapshot \d+\n$/);
  }, 120_000);
});
