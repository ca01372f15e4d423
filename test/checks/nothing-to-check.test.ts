/**
 * `floe check --all` that finds nothing to check still exits 0 with an empty report
 * (docs/CHECKS.md), so stderr must say why, truly: with ad-hoc flags the checks are given,
 * and what is missing is a table to run them on.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-nothing-');
beforeAll(assertBuilt);

describe('floe check --all with ad-hoc flags in a project without pipelines', () => {
  it('says that no pipeline writes a table, not that none declares checks', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    const r = await floeIn(dir, ['check', '--all', '--not-null', 'id', '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'pass', results: [] });
    expect(r.stderr).toBe('floe: no pipeline writes a table for --all to check with the ad-hoc checks; nothing to check (name the tables instead)\n');
  });
});
