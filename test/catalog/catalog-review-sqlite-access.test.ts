/**
 * A SQLite catalog the user running floe may read but not write beside: a cron job's user
 * without write access to the catalog's folder. SQLite needs the WAL-mode catalog's -shm file
 * even to read it, so reads fail too; the error must be an io error naming the file and what
 * to fix, not an internal error naming nothing (which `floe tables` gave).
 *
 * Root ignores file modes, so as root the CLI runs as nobody (setpriv); otherwise the folder
 * is made read-only for the owner.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { assertBuilt, childEnv, collect, FLOE_BIN } from '../helpers/floe-process.js';
import { watchChild } from '../helpers/hang-watch.js';

const root = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-review-access-'));
chmodSync(dir, 0o755);
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function floeWithoutWriteAccess(args: string[], cwd: string) {
  const [cmd, pre] = root
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]]
    : [process.execPath, []];
  const child = spawn(cmd, [...pre, FLOE_BIN, ...args], { cwd, env: childEnv({ HOME: cwd }), stdio: ['ignore', 'pipe', 'pipe'] });
  watchChild(child, { label: `floe ${args.join(' ')} (no write access)`, kind: 'node' });
  return collect(child);
}

describe('a SQLite catalog in a folder floe may not write', () => {
  it('tables and load exit 1 naming the catalog file and the access it needs; nothing changes', async () => {
    assertBuilt('test/catalog/catalog-review-sqlite-access.test.ts');
    const project = join(dir, 'proj');
    const catalogPath = join(project, 'catalog.db');
    const c = await openCatalog({ uri: `sqlite:${catalogPath}`, name: 'floe' }, dir);
    await c.createNamespace(['raw']);
    await c.close();
    writeFileSync(join(project, 'floe.yaml'), `warehouse: ${join(dir, 'wh')}\ncatalog: { uri: "sqlite:./catalog.db" }\n`);
    writeFileSync(join(project, 'a.csv'), 'id\n1\n');
    for (const f of ['catalog.db-wal', 'catalog.db-shm']) expect(existsSync(join(project, f)), f).toBe(false);
    chmodSync(catalogPath, 0o444);
    chmodSync(project, 0o555);
    try {
      for (const args of [['tables'], ['load', 'raw.t', 'a.csv']]) {
        const r = await floeWithoutWriteAccess(args, project);
        const what = `floe ${args.join(' ')}: ${r.stderr}`;
        expect(r.code, what).toBe(1);
        expect(r.stderr, what).toContain(`floe: cannot open the SQLite catalog ${catalogPath}: attempt to write a readonly database (SQLITE_READONLY`);
        expect(r.stderr, what).toContain(`write access to ${catalogPath}, its catalog.db-wal and catalog.db-shm files and the folder ${project}`);
        expect(r.stderr, what).not.toContain('internal error');
      }
    } finally {
      chmodSync(project, 0o755);
    }
    expect(existsSync(join(dir, 'wh', 'raw', 't')), 'no table folder').toBe(false);
  }, 60_000);
});
