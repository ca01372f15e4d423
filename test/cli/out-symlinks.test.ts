/**
 * `floe query --out` and `floe check --out` through a symbolic link: the file the link leads to
 * gets the result, and the link stays. Before, the temporary file was renamed over the link:
 * the link became a plain file and its target kept its old content; a link to /proc/self/fd/1
 * (or /dev/stdout itself, as root) lost the result, and /dev/stdout was replaced for the whole
 * machine (found in an exploratory review).
 */
import { spawnSync } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, collect, FLOE_BIN, spawnFloe } from '../helpers/floe-process.js';

let dir: string;
beforeAll(async () => {
  assertBuilt('test/cli/out-symlinks.test.ts');
  dir = await mkdtemp(join(tmpdir(), 'floe-out-links-'));
  expect((await collect(spawnFloe(['init'], dir))).code).toBe(0);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const isLink = async (p: string) => (await lstat(p)).isSymbolicLink();

describe('--out through a symbolic link', () => {
  it('query: the linked file gets the result; the link stays a link (csv, json, a link to a link)', async () => {
    await writeFile(join(dir, 'target.csv'), 'old\n');
    await symlink('target.csv', join(dir, 'link.csv'));
    const r = await collect(spawnFloe(['query', 'SELECT 42 AS a', '--out', join(dir, 'link.csv')], dir));
    expect(r.code, r.stderr).toBe(0);
    expect(await isLink(join(dir, 'link.csv'))).toBe(true);
    expect(await readFile(join(dir, 'target.csv'), 'utf8')).toBe('a\n42\n');
    await writeFile(join(dir, 'target.json'), 'old\n');
    await symlink('target.json', join(dir, 'hop.json'));
    await symlink(join(dir, 'hop.json'), join(dir, 'link2.json'));
    const j = await collect(spawnFloe(['query', 'SELECT 7 AS b', '--out', join(dir, 'link2.json')], dir));
    expect(j.code, j.stderr).toBe(0);
    expect(await readFile(join(dir, 'target.json'), 'utf8')).toBe('[{"b":7}]\n');
    expect(await isLink(join(dir, 'link2.json'))).toBe(true);
    expect(await isLink(join(dir, 'hop.json'))).toBe(true);
  }, 60_000);

  it('a link to /proc/self/fd/1 writes to the command\'s stdout, redirected to a file as cron does, for query and check', async () => {
    await symlink('/proc/self/fd/1', join(dir, 'so'));
    const sh = (args: string, out: string) => spawnSync('sh', ['-c', `"${process.execPath}" "${FLOE_BIN}" ${args} > "${out}"`], { cwd: dir, env: childEnv(), encoding: 'utf8' });
    const q = sh(`query "SELECT 42 AS a" --format json --out "${join(dir, 'so')}"`, join(dir, 'captured.json'));
    expect(q.status, q.stderr).toBe(0);
    expect(await readFile(join(dir, 'captured.json'), 'utf8')).toBe('[{"a":42}]\n');
    expect(await isLink(join(dir, 'so'))).toBe(true);
    const c = sh(`check t.none --row-count-min 1 --format junit --no-history --out "${join(dir, 'so')}"`, join(dir, 'captured.xml'));
    expect(c.status, c.stderr).toBe(1);
    expect(await readFile(join(dir, 'captured.xml'), 'utf8')).toContain('<testsuites name="floe check"');
    expect(await isLink(join(dir, 'so'))).toBe(true);
  }, 60_000);

  it('check: the linked report file gets the report; the link stays', async () => {
    await writeFile(join(dir, 'report.xml'), 'old\n');
    await symlink('report.xml', join(dir, 'report-link.xml'));
    const c = await collect(spawnFloe(['check', 't.none', '--row-count-min', '1', '--format', 'junit', '--no-history', '--out', join(dir, 'report-link.xml')], dir));
    expect(c.code, c.stderr).toBe(1);
    expect(await isLink(join(dir, 'report-link.xml'))).toBe(true);
    expect(await readFile(join(dir, 'report.xml'), 'utf8')).toContain('<testsuites name="floe check"');
  }, 60_000);
});
