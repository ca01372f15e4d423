/**
 * A table that is not in the catalog reads the same with and without --mask (not-found,
 * exit 1), `floe describe` names the closest table as a misspelt pipeline name does, and
 * `floe table describe` points at `floe describe`. --mask still refuses DuckDB's own tables.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floe, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-missing-table-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await mkdir(path.join(project, 'data'));
  await writeFile(path.join(project, 'data', 'mg.csv'), 'id,v\n1,a\n');
  const r = await floeIn(project, ['load', 'raw.mg', path.join(project, 'data', 'mg.csv')]);
  expect(r.code, show(r)).toBe(0);
}, 60_000);

describe('a table that is not in the catalog', () => {
  it('floe query: not-found, exit 1, with and without --mask', async () => {
    const plain = await floeIn(project, ['query', 'select * from raw.nope']);
    expectFailure(plain, 1, ['table raw.nope does not exist in']);
    const masked = await floeIn(project, ['query', 'select * from raw.nope', '--mask']);
    expectFailure(masked, 1, ['table raw.nope does not exist in']);
    expect(masked.stderr).not.toContain('Files, DuckDB catalog functions');
  });

  it('--mask still refuses DuckDB\'s own tables next to a missing one (exit 2)', async () => {
    const r = await floeIn(project, ['query', 'select * from raw.nope, main.x', '--mask']);
    expectFailure(r, 2, ['main.x (not a catalog table)']);
    const mem = await floeIn(project, ['query', 'select * from memory.x', '--mask']);
    expectFailure(mem, 2, ['memory.x (not a catalog table)']);
  });

  it('floe describe suggests the closest table', async () => {
    const caseOnly = await floeIn(project, ['describe', 'raw.MG']);
    expectFailure(caseOnly, 1, ['table raw.MG does not exist', "(did you mean 'raw.mg'?)"]);
    const typo = await floeIn(project, ['describe', 'raw.mgg']);
    expectFailure(typo, 1, ["(did you mean 'raw.mg'?)"]);
    const far = await floeIn(project, ['describe', 'raw.zzzzzzzz']);
    expectFailure(far, 1, ['table raw.zzzzzzzz does not exist']);
    expect(far.stderr).not.toContain('did you mean');
  });

  it('floe table describe points at floe describe', async () => {
    const r = await floe(['table', 'describe', 'raw.mg']);
    expectFailure(r, 2, ["unknown command 'describe'", 'floe describe <table>']);
  });
});
