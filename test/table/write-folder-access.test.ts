/**
 * A local warehouse whose table folder the user running floe may not write (a cron job's user,
 * a folder created by another account): the write stages its data files under the table's
 * `data/` folder first, and the mkdir's EACCES reached the user as `internal error` (run
 * --json: `kind: internal`). It is an io error naming the folder, with what to fix, and the
 * table is unchanged.
 *
 * Root ignores file modes, so as root the CLI runs as nobody (setpriv); otherwise the folder
 * is made read-only for the owner.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, collect, FLOE_BIN } from '../helpers/floe-process.js';
import { watchChild } from '../helpers/hang-watch.js';

const root = process.getuid?.() === 0;
const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), 'floe-write-folder-access-'));
chmodSync(dir, 0o755);
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function floeAs(args: string[], cwd: string, asNobody: boolean) {
  const [cmd, pre] = root && asNobody ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath]] : [process.execPath, []];
  const child = spawn(cmd, [...pre, FLOE_BIN, ...args], { cwd, env: childEnv({ HOME: cwd }), stdio: ['ignore', 'pipe', 'pipe'] });
  watchChild(child, { label: `floe ${args.join(' ')}`, kind: 'node' });
  return collect(child);
}

/** Every file and folder under `p`, owned by nobody when running as root (so only the folder under test is closed). */
function giveAway(p: string): void {
  if (!root) return;
  chownSync(p, NOBODY, NOBODY);
  for (const e of readdirSync(p, { withFileTypes: true })) {
    if (e.isDirectory()) giveAway(join(p, e.name));
    else chownSync(join(p, e.name), NOBODY, NOBODY);
  }
}

describe('a table folder floe may not write', () => {
  it('load and run exit 1 naming the folder, as an io error; the table is unchanged', async () => {
    assertBuilt('test/table/write-folder-access.test.ts');
    const project = join(dir, 'proj');
    const init = await floeAs(['init', project], dir, false);
    expect(init.code, init.stderr).toBe(0);
    writeFileSync(join(project, 'data', 'a.csv'), 'id\n1\n');
    const first = await floeAs(['run', '--all'], project, false);
    expect(first.code, first.stderr).toBe(0);
    giveAway(project);
    const data = join(project, 'warehouse', 'raw', 'example', 'data');
    // Closed to the user floe runs as: owned by root (as root), or read-only for its owner.
    if (root) chownSync(data, 0, 0);
    chmodSync(data, 0o555);
    try {
      for (const args of [['load', 'raw.example', 'data/a.csv'], ['run', '--all', '--json']]) {
        const r = await floeAs(args, project, true);
        // --json: the error is an event on stdout.
        const said = r.stdout + r.stderr;
        const what = `floe ${args.join(' ')}: ${said}`;
        expect(r.code, what).toBe(1);
        expect(said, what).toContain(`cannot create the folder ${data}/.staging-`);
        expect(said, what).toContain('EACCES (permission denied)');
        // The hint is on stderr; the --json error event has none.
        if (!args.includes('--json')) expect(r.stderr, what).toContain("the user running floe needs write access to the warehouse's table folders");
        expect(said, what).not.toContain('internal');
        if (args.includes('--json')) expect(r.stdout, what).toContain('"kind":"io"');
      }
    } finally {
      chmodSync(data, 0o755);
    }
    const count = await floeAs(['query', 'SELECT count(*) AS n FROM raw.example', '--format', 'csv'], project, false);
    expect(count.stdout.trim().split('\n')).toEqual(['n', '1']);
  }, 120_000);
});
