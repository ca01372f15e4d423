/**
 * Table properties read as Iceberg Java reads them (src/table/table-properties.ts):
 * - `gc.enabled` other than `true` (`no`, `0`, `off`) disables deletes, as Java's
 *   Boolean.parseBoolean reads it: floe took only `false` as off, and expire deleted files of
 *   a table Java would not touch. `table drop --purge` now refuses such a table too.
 * - A size property that is no positive long (`128MB`, `abc`, `0`, `-1`) is refused naming the
 *   table, property and value (exit 2), as Long.parseLong would; compact planned 512 MiB files
 *   and maintain manifests 8 MiB manifests without a word.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { gcEnabled, positiveLongProperty } from '../../src/table/table-properties.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-table-props-');

describe('reading the properties', () => {
  it('gc.enabled is on only when unset or "true" in any case', () => {
    expect(gcEnabled({})).toBe(true);
    for (const v of ['true', 'TRUE', 'True']) expect(gcEnabled({ 'gc.enabled': v })).toBe(true);
    for (const v of ['false', 'no', '0', 'off', ' true', 'yes', '']) expect(gcEnabled({ 'gc.enabled': v })).toBe(false);
  });

  it('a size is a positive long or a usage error naming table, property and value', () => {
    expect(positiveLongProperty({}, 'k', 'ns.t')).toBeUndefined();
    expect(positiveLongProperty({ k: '134217728' }, 'k', 'ns.t')).toBe(134217728n);
    expect(positiveLongProperty({ k: '9223372036854775807' }, 'k', 'ns.t')).toBe(2n ** 63n - 1n);
    for (const v of ['128MB', 'abc', '0', '-1', '1.5', ' 5', '9223372036854775808']) {
      const e = (() => {
        try {
          positiveLongProperty({ k: v }, 'k', 'ns.t');
        } catch (x) {
          return x;
        }
        return undefined;
      })();
      expect(e, v).toBeInstanceOf(FloeError);
      expect((e as FloeError).kind).toBe('usage');
      expect((e as FloeError).message).toContain(`table ns.t: property k='${v}' is not a positive integer`);
    }
  });
});

describe('commands on a table with such properties', () => {
  async function table(props: string[]) {
    assertBuilt();
    const project = await writeProject(await tmp());
    const csv = path.join(project, 'a.csv');
    await import('node:fs/promises').then((fs) => fs.writeFile(csv, 'id,v\n1,a\n2,b\n'));
    for (const args of [['load', 'ns.t', csv], ['load', 'ns.t', csv, '--mode', 'overwrite'], ['table', 'evolve', 'ns.t', ...props.flatMap((p) => ['--set-property', p])]]) {
      const r = await floeIn(project, args);
      expect(r.code, show(r)).toBe(0);
    }
    const files = async () => (await readdir(path.join(project, 'warehouse', 'ns', 't'), { recursive: true })).sort();
    return { project, csv, files };
  }

  it('gc.enabled=no: expire, orphans and drop --purge refuse (exit 2) and delete nothing', async () => {
    const t = await table(['gc.enabled=no']);
    const before = await t.files();
    const expire = await floeIn(t.project, ['maintain', 'expire', 'ns.t', '--older-than', '0s']);
    expect(expire.code, show(expire)).toBe(2);
    expect(expire.stderr).toContain("cannot expire snapshots of table ns.t: its property gc.enabled is 'no', which Iceberg reads as false");
    const orphans = await floeIn(t.project, ['maintain', 'orphans', 'ns.t', '--older-than', '0s', '--allow-recent']);
    expect(orphans.code, show(orphans)).toBe(2);
    const purge = await floeIn(t.project, ['table', 'drop', 'ns.t', '--purge']);
    expect(purge.code, show(purge)).toBe(2);
    expect(purge.stderr).toContain('cannot purge table ns.t');
    expect(purge.stderr).toContain('drop it without --purge');
    expect(await t.files()).toEqual(before);
    expect((await floeIn(t.project, ['tables'])).stdout).toContain('ns.t');
  });

  it('write.target-file-size-bytes=128MB: compact and a load refuse (exit 2) naming it; nothing is written', async () => {
    const t = await table(['write.target-file-size-bytes=128MB', 'commit.manifest.target-size-bytes=xyz']);
    const before = await t.files();
    const compact = await floeIn(t.project, ['compact', 'ns.t', '--dry-run']);
    expect(compact.code, show(compact)).toBe(2);
    expect(compact.stderr).toContain("table ns.t: property write.target-file-size-bytes='128MB' is not a positive integer");
    const load = await floeIn(t.project, ['load', 'ns.t', t.csv]);
    expect(load.code, show(load)).toBe(2);
    expect(load.stderr).toContain("write.target-file-size-bytes='128MB'");
    const manifests = await floeIn(t.project, ['maintain', 'manifests', 'ns.t']);
    expect(manifests.code, show(manifests)).toBe(2);
    expect(manifests.stderr).toContain("table ns.t: property commit.manifest.target-size-bytes='xyz' is not a positive integer");
    expect(await t.files()).toEqual(before);
  });
});
