/**
 * A TMPDIR that is missing or not a folder (a cron job's environment, a container without
 * /tmp): `floe query` failed with "internal error: ENOENT: ... mkdtemp" and the advice to run
 * --debug, as if floe were broken. It is the machine's set-up: an io error (exit 1) naming the
 * folder and TMPDIR.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-cli-tmpdir-');
beforeAll(assertBuilt);

describe('an unusable TMPDIR', () => {
  it('floe query names the folder and TMPDIR instead of an internal error', async () => {
    const project = await writeProject(await tmp());
    const missing = path.join(project, 'no-such-folder');
    for (const format of ['table', 'csv', 'json']) {
      const r = await floeIn(project, ['query', 'SELECT 42 AS answer', '--format', format], { env: { TMPDIR: missing } });
      expectFailure(r, 1, [`could not create a scratch folder in ${missing}: it does not exist`, `TMPDIR is ${missing}`]);
      expect(r.stderr).not.toContain('internal error');
    }
    const file = path.join(project, 'a-file');
    await writeFile(file, 'x');
    const r = await floeIn(project, ['query', 'SELECT 42 AS answer'], { env: { TMPDIR: file } });
    expectFailure(r, 1, [`could not create a scratch folder in ${file}: it is not a folder`]);
    expect((await floeOk(project, ['query', 'SELECT 42 AS answer', '--format', 'csv'])).stdout).toBe('answer\n42\n');
  });
});
