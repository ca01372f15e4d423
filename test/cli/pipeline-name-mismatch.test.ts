import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsError, noPipelineNamed } from '../../src/pipeline/diagnostics.js';
import { assertBuilt, floe, useTmpDirs } from './helpers.js';

const tmp = useTmpDirs('floe-name-mismatch-');

describe('a pipeline file whose name: differs from its file name', () => {
  it('selecting it by the file name says which name the file declares and how to run it', () => {
    const files = [
      { file: '/p/pipelines/p.yaml', name: 'other' },
      { file: '/p/pipelines/orders.yaml', name: 'orders' },
    ];
    expect(noPipelineNamed('p', files)).toBe("no pipeline named 'p': p.yaml declares name 'other' (run it as `floe run other`, or change its name: to 'p')");
    expect(noPipelineNamed('p', files, '../x.yaml')).toContain('`floe --project ../x.yaml run other`');
    // No such file: the suggestion among the names, as before.
    expect(noPipelineNamed('order', files)).toBe("no pipeline named 'order' (did you mean 'orders'?)");
  });
});

describe('floe run <file name> of a pipeline that declares another name', () => {
  beforeAll(assertBuilt);

  it('says which name the file declares, exit 2', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\n');
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'pipelines', 'p.yaml'), 'name: other\nsource: { kind: csv, path: a.csv }\ntarget: { table: raw.a }\n');
    const r = await floe(['run', 'p'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no pipeline named 'p': p.yaml declares name 'other' (run it as `floe run other`, or change its name: to 'p')");
  });
});

describe('commands suggested in messages keep --project', () => {
  beforeAll(assertBuilt);

  it('the validate hint of a broken floe.yaml repeats --project as given', async () => {
    const root = await tmp();
    const dir = path.join(root, 'proj');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'x.yaml'), 'warehouse: ./warehouse\ncatalog: { name: 3x }\nbogus: 1\n');
    const work = path.join(root, 'work');
    await mkdir(work);
    const r = await floe(['--project', '../proj/x.yaml', 'tables'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('floe --project ../proj/x.yaml validate');
    expect(r.stderr).not.toMatch(/`floe validate`/);
  });

  it('quotes a --project path that the shell would split', () => {
    const e = diagnosticsError([{ file: '/a b/floe.yaml', line: 1, col: 1, path: '', message: 'bad', severity: 'error' }], "/a b/it's");
    expect(e.hint).toBe(`run \`floe --project '/a b/it'\\''s' validate\` to see every problem, warnings included`);
    expect(diagnosticsError([]).hint).toBe('run `floe validate` to see every problem, warnings included');
  });
});
