/**
 * `floe init` where it cannot write: a folder the user may not write (EACCES reached the user
 * as `internal error`), a file in the way of the path (`internal error: ENOTDIR`), and a path
 * under /proc, where Node's recursive mkdir never returned (floe init spun until killed).
 *
 * Root ignores file modes, so as root the CLI runs as nobody (setpriv), as
 * test/table/write-folder-access does; otherwise the folder is made read-only for its owner.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, collect, FLOE_BIN } from '../helpers/floe-process.js';
import { watchChild } from '../helpers/hang-watch.js';

const root = process.getuid?.() === 0;
const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), 'floe-init-review-'));
chmodSync(dir, 0o755);
beforeAll(() => assertBuilt('test/cli/plan-review-init.test.ts'));
afterAll(() => {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir)) chmodSync(join(dir, e), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function init(target: string, asNobody = false) {
  const [cmd, pre] = root && asNobody ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath]] : [process.execPath, []];
  const child = spawn(cmd, [...pre, FLOE_BIN, 'init', target], { cwd: dir, env: childEnv({ HOME: dir }), stdio: ['ignore', 'pipe', 'pipe'] });
  watchChild(child, { label: `floe init ${target}`, kind: 'node' });
  return collect(child);
}

describe('floe init where it cannot write', () => {
  it('a folder the user may not write: an io error naming the folder, with a hint, nothing written', async () => {
    const closed = join(dir, 'closed');
    mkdirSync(closed);
    // Closed to the user floe runs as: owned by root, entered by all (as root, floe runs as nobody), or read-only for its owner.
    chmodSync(closed, 0o555);
    for (const [target, folder] of [[closed, join(closed, 'pipelines')], [join(closed, 'proj'), join(closed, 'proj')]] as const) {
      const r = await init(target, true);
      const said = `${r.code}\n${r.stdout}\n${r.stderr}`;
      expect(r.code, said).toBe(1);
      expect(r.stderr, said).toContain(`floe: cannot create the folder ${folder}: EACCES (permission denied)`);
      expect(r.stderr, said).toContain(`hint: floe init writes floe.yaml, pipelines/ and data/ into ${target}: the user running it needs write access there`);
      expect(r.stderr, said).not.toContain('internal');
    }
    expect(readdirSync(closed)).toEqual([]);
  }, 30_000);

  it('a file in the way of the path: a config error naming the file (exit 2)', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x\n');
    const r = await init(join(file, 'sub', 'proj'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`floe: ${file} is not a folder`);
    expect(r.stderr).not.toContain('internal');
  }, 30_000);

  it('a path no folder can be made at (/proc): an error at once, not a command that never returns', async () => {
    const target = `/proc/floe-init-review-${process.pid}`;
    const r = await init(target);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`floe: cannot create the folder ${target}: ENOENT`);
    expect(existsSync(target)).toBe(false);
  }, 20_000);

  it('a new folder several levels deep is created, and the project validates', async () => {
    const target = join(dir, 'new', 'deep', 'proj');
    const r = await init(target);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(target).sort()).toEqual(['data', 'floe.yaml', 'pipelines']);
    const v = await collect(spawn(process.execPath, [FLOE_BIN, '--project', target, 'validate'], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('1 pipeline valid: example');
  }, 30_000);
});
