/**
 * `floe check --all` with nothing to check keeps its documented contract (exit 0, an empty
 * report), and says so on stderr as a warning in floe's own form, with the number of pipelines
 * read: the line had no `floe:` prefix, so a CI log filter for floe's lines dropped it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-review-nothing-');
beforeAll(assertBuilt);

describe('floe check --all when no pipeline declares checks', () => {
  it('exits 0 with an empty report and a floe: warning that counts the pipelines read', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    for (const name of ['a', 'b']) {
      await writeFile(path.join(dir, 'pipelines', `${name}.yaml`), `name: ${name}\nsource: { kind: csv, path: ${name}.csv }\ntarget: { table: raw.${name} }\n`);
    }
    const j = await floeIn(dir, ['check', '--all', '--format', 'junit']);
    expect(j.code, show(j)).toBe(0);
    expect(j.stdout).toContain('<testsuites name="floe check" tests="0" failures="0" errors="0"');
    expect(j.stderr).toBe('floe: warning: no pipeline declares checks (2 pipelines read); nothing to check; the report is empty\n');

    // Text: stdout is the report, and an empty one is empty (the explanation is on stderr),
    // as for the other commands whose stdout is data.
    const t = await floeIn(dir, ['check', '--all']);
    expect(t.code, show(t)).toBe(0);
    expect(t.stdout).toBe('');
    expect(t.stderr).toContain('floe: warning: no pipeline declares checks (2 pipelines read)');
  });
});
