/**
 * `floe table evolve --remove-property`: a property set once (`floe.maintain.expire.after-run`,
 * `read.parquet.vectorization.enabled`, a PII tag) could be overwritten but never unset.
 * Removal is a `remove-properties` update in the same atomic commit as the other changes.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { newTableMetadata } from '../../src/iceberg/metadata-builder.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { planEvolution } from '../../src/table/evolve/evolve.js';
import { assertBuilt, catalogPointer, expectFailure, floe, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

function table(properties: Record<string, string>): TableMetadata {
  return newTableMetadata({
    location: 'file:///wh/t',
    schema: { type: 'struct', fields: [{ id: 0, name: 'id', required: false, type: 'long' }] },
    partitionBy: [],
    sortBy: [],
    properties,
    tableUuid: 'uuid-1',
    formatVersion: 2,
    now: 1_700_000_000_000,
  });
}

describe('removing properties (pure)', () => {
  it('removes set keys in one update, ignores unset ones, and refuses reserved keys or set-and-remove', () => {
    const m = table({ a: '1', b: '2' });
    const p = planEvolution(m, { removeProperties: ['a', 'zzz', 'a'] }, 'ns.t');
    expect(p.change.updates).toEqual([{ action: 'remove-properties', removals: ['a'] }]);
    expect(p.changes).toEqual(['remove property a (was 1)']);
    expect(planEvolution(m, { removeProperties: ['zzz'] }, 'ns.t').change.updates).toEqual([]);
    const both = planEvolution(m, { setProperties: { c: '3' }, removeProperties: ['b'] }, 'ns.t');
    expect(both.change.updates).toEqual([{ action: 'set-properties', updates: { c: '3' } }, { action: 'remove-properties', removals: ['b'] }]);
    expect(() => planEvolution(m, { removeProperties: ['format-version'] }, 'ns.t')).toThrow("property 'format-version' is reserved");
    const clash = (() => {
      try {
        planEvolution(m, { setProperties: { a: '9' }, removeProperties: ['a'] }, 'ns.t');
      } catch (e) {
        return e as FloeError;
      }
    })();
    expect(clash?.kind).toBe('usage');
    expect(clash?.message).toBe("table ns.t: property 'a' is both set and removed in the same change");
  });
});

describe('floe table evolve --remove-property', () => {
  const tmp = useTmpDirs('floe-review-props-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id\n1\n');
    expect((await floeIn(project, ['load', 'raw.p', path.join(project, 'a.csv')])).code).toBe(0);
  });

  it('is in --help; removes a property set earlier; an unset key changes nothing', async () => {
    expect((await floe(['table', 'evolve', '--help'])).stdout).toContain('--remove-property <key>');
    expect((await floeIn(project, ['table', 'evolve', 'raw.p', '--set-property', 'floe.maintain.expire.after-run=true'])).code).toBe(0);
    const r = await floeIn(project, ['table', 'evolve', 'raw.p', '--remove-property', 'floe.maintain.expire.after-run']);
    expect(r.stdout, show(r)).toContain('remove property floe.maintain.expire.after-run (was true)');
    // (Snapshot ids lose digits in JSON.parse; only the properties are read here.)
    const d = JSON.parse((await floeIn(project, ['describe', 'raw.p', '--json'])).stdout);
    expect(d.metadata.properties).toEqual({});
    const before = catalogPointer(project, 'raw.p');
    const again = await floeIn(project, ['table', 'evolve', 'raw.p', '--remove-property', 'floe.maintain.expire.after-run']);
    expect(again.stdout, show(again)).toContain('nothing to change');
    expect(catalogPointer(project, 'raw.p')).toBe(before);
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.p', '--remove-property', 'x', '--set-property', 'x=1']), 2, ["property 'x' is both set and removed"]);
  });
});
