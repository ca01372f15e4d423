/**
 * A file source's path or a `floe load` input written as a URL floe does not read
 * (`https://…` with a password and a token, `gs://…`): it became a local path under the
 * project folder (`./https:/user:pw@host/x.csv?token=…`), `floe validate` said the pipeline
 * was valid, and the run failed with "no file matches /…/https:/user:pw@host/…", printing the
 * password. Now `floe validate` and `floe run` refuse it at source.path's line:col (exit 2) and
 * `floe load` as a usage error (exit 2), neither printing the URL.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const newDir = useTmpDirs('floe-url-paths-');
beforeAll(() => assertBuilt());

const SECRET_URL = 'https://user:hunter2pw@example.invalid/x.csv?token=tok3nsecret';

async function project(sourcePath: string): Promise<string> {
  const dir = await writeProject(await newDir());
  await mkdir(path.join(dir, 'pipelines'), { recursive: true });
  await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  await writeFile(path.join(dir, 'pipelines', 'x.yaml'), `name: x\nsource: { kind: csv, path: ${JSON.stringify(sourcePath)} }\ntarget: { table: raw.x }\n`);
  return dir;
}

describe('paths that are URLs floe does not read', () => {
  it('a pipeline path https://… is refused by validate and run at its line:col, without the URL', async () => {
    const dir = await project(SECRET_URL);
    for (const args of [['validate'], ['run', 'x']]) {
      const r = await floeIn(dir, args);
      expect(r.code, show(r)).toBe(2);
      const out = r.stdout + r.stderr;
      expect(out).toContain('pipelines/x.yaml:2:28: source.path: https:// paths are not read (a path is a local file, a glob or an s3:// URL): download the file first, or read an HTTP API with a pipeline whose source is { kind: http }');
      expect(out).not.toContain('hunter2pw');
      expect(out).not.toContain('tok3nsecret');
    }
  }, 60_000);

  it('a pipeline path list with gs://… is refused at the list item', async () => {
    const dir = await project('data/a.csv');
    await writeFile(path.join(dir, 'pipelines', 'x.yaml'), 'name: x\nsource:\n  kind: csv\n  path:\n    - data/a.csv\n    - gs://bucket/b.csv\ntarget: { table: raw.x }\n');
    const r = await floeIn(dir, ['validate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout + r.stderr).toContain('pipelines/x.yaml:6:7: source.path[1]: gs:// paths are not read (a path is a local file, a glob or an s3:// URL)');
  }, 60_000);

  it('floe load of an https:// URL is a usage error that does not print it', async () => {
    const dir = await project('data/a.csv');
    const r = await floeIn(dir, ['load', 'raw.z', SECRET_URL]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('floe: input https://…: https:// paths are not read');
    expect(r.stderr).not.toContain('hunter2pw');
    expect(r.stderr).not.toContain('tok3nsecret');
  }, 60_000);

  it('local paths, file: URLs and s3:// URLs are still paths', async () => {
    const dir = await project('data/a.csv');
    await mkdir(path.join(dir, 'data'));
    await writeFile(path.join(dir, 'data', 'a.csv'), 'id\n1\n');
    await writeFile(path.join(dir, 'pipelines', 'x.yaml'), `name: x\nsource: { kind: csv, path: ["data/a.csv", "file://${path.join(dir, 'data', 'a.csv')}"] }\ntarget: { table: raw.x }\n`);
    const v = await floeIn(dir, ['validate']);
    expect(v.code, show(v)).toBe(0);
    const l = await floeIn(dir, ['load', 'raw.y', `file://${path.join(dir, 'data', 'a.csv')}`]);
    expect(l.code, show(l)).toBe(0);
  }, 60_000);
});
