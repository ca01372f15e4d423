/**
 * A write killed with SIGKILL leaves its staging folder, `data/.staging-<uuid>/`, empty or
 * holding files of the unfinished write: `floe maintain orphans` deleted the files and left the
 * folders forever. Now it also removes the staging folders that are empty once the orphans are
 * gone and older than its threshold; a younger one (a write in progress) and any other folder
 * stay; a dry run says which it would remove.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe maintain orphans and staging folders a killed write left', () => {
  it('removes old empty ones (after the orphans in them), keeps young ones and other folders; a dry run lists them', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n');
    const load = await p.floe(['load', 'raw.t', p.path('data/a.csv')]);
    expect(load.code, show(load)).toBe(0);
    const old = new Date(Date.now() - 5 * 86_400_000);
    const staging = (name: string, files: string[], at?: Date) => {
      const dir = p.path(`warehouse/raw/t/data/${name}`);
      mkdirSync(dir, { recursive: true });
      for (const f of files) {
        writeFileSync(`${dir}/${f}`, 'x');
        if (at) utimesSync(`${dir}/${f}`, at, at);
      }
      if (at) utimesSync(dir, at, at);
      return dir;
    };
    const empty = staging(`.staging-${randomUUID()}`, [], old);
    const withOrphan = staging(`.staging-${randomUUID()}`, ['part-0.parquet'], old);
    const young = staging(`.staging-${randomUUID()}`, []);
    const other = staging('keep-me', [], old);

    const dry = await p.floe(['maintain', 'orphans', 'raw.t', '--older-than', '1d', '--dry-run', '--json']);
    expect(dry.code, show(dry)).toBe(0);
    const planned = dry.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => 'staging_folders' in e);
    expect(planned.staging_folders.map((f: string) => f.split('/').pop()).sort()).toEqual([empty, withOrphan].map((d) => d.split('/').pop()).sort());
    expect(existsSync(empty) && existsSync(withOrphan)).toBe(true);

    const r = await p.floe(['maintain', 'orphans', 'raw.t', '--older-than', '1d']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('raw.t: removed 2 empty staging folders a killed write left');
    expect(existsSync(empty)).toBe(false);
    expect(existsSync(withOrphan)).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(await p.query('SELECT count(*)::INT AS n FROM raw.t')).toEqual([{ n: 1 }]);
  }, 60_000);
});
