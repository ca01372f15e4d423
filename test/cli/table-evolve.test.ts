/**
 * `floe table evolve` end to end: help, dry run, JSON, a committed evolution read back by
 * query and describe, and refused evolutions (exit 2, table unchanged).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floe, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const T = 'raw.evo';
const tmp = useTmpDirs('floe-cli-evolve-');
let project: string;

async function metadata(): Promise<Record<string, any>> {
  const pointer = catalogPointer(project, T)!;
  return JSON.parse(await readFile(pointer.replace(/^file:(\/\/)?/, ''), 'utf8'));
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  const input = path.join(project, 'a.csv');
  await writeFile(input, 'id,qty,ts,name\n1,5,2024-01-01 10:00:00,a\n2,3,2024-02-01 11:00:00,b\n');
  const r = await floeIn(project, ['load', T, input, '--partition-by', 'day(ts)']);
  expect(r.code, show(r)).toBe(0);
});

describe('floe table evolve', () => {
  it('--help lists every option and exits 0', async () => {
    const r = await floe(['table', 'evolve', '--help']);
    expect(r.code, show(r)).toBe(0);
    for (const o of ['--add-column', '--rename-column', '--drop-column', '--widen-column', '--make-optional', '--partition-by', '--add-partition-field', '--drop-partition-field', '--sort-by', '--set-property', '--dry-run', '--json']) {
      expect(r.stdout).toContain(o);
    }
  });

  it('--dry-run shows the changes and commits nothing', async () => {
    const before = catalogPointer(project, T);
    const r = await floeIn(project, ['table', 'evolve', T, '--add-column', 'email string after id', '--partition-by', 'month(ts)', '--dry-run']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('would evolve raw.evo:');
    expect(r.stdout).toContain('add column email string (id 5) after id');
    expect(r.stdout).toContain('partition spec 0 [day(ts) as ts_day] → spec 1 [month(ts) as ts_month]');
    expect(r.stdout).toContain('dry run');
    const j = await floeIn(project, ['table', 'evolve', T, '--partition-by', 'none', '--widen-column', 'qty=long', '--dry-run', '--json']);
    expect(j.code, show(j)).toBe(0);
    const plan = JSON.parse(j.stdout);
    expect(plan.dry_run).toBe(true);
    expect(plan.committed).toBe(false);
    expect(plan.changes).toEqual(['partition spec 0 [day(ts) as ts_day] → spec 1 [unpartitioned]']);
    expect(plan.result.spec).toEqual({ 'spec-id': 1, fields: [] });
    expect(catalogPointer(project, T)).toBe(before);
  });

  it('refuses what the spec forbids: exit 2, names table and column, changes nothing', async () => {
    const before = catalogPointer(project, T);
    const cases: [string[], RegExp[]][] = [
      [['--widen-column', 'qty=int'], [/raw\.evo/, /'qty'/, /long to int/]],
      [['--drop-column', 'ts'], [/raw\.evo/, /cannot drop column 'ts': partition field 'ts_day'/]],
      [['--rename-column', 'name=qty'], [/raw\.evo/, /a column named 'qty' already exists/]],
      [['--add-column', 'must long required'], [/raw\.evo/, /required column 'must' without a default/]],
      [['--add-column', 'name string'], [/already exists/]],
      [['--drop-partition-field', 'nope'], [/no such field/]],
      [['--add-column', 'oops'], [/--add-column 'oops'/]],
      [[], [/nothing to change/]],
    ];
    for (const [args, mentions] of cases) {
      const r = await floeIn(project, ['table', 'evolve', T, ...args]);
      expectFailure(r, 2, mentions);
    }
    expect(catalogPointer(project, T)).toBe(before);
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.nope', '--add-column', 'x int']), 1, [/raw\.nope/]);
  });

  it('commits schema, spec, sort order and properties in one metadata version; data reads back', async () => {
    const r = await floeIn(project, [
      'table', 'evolve', T,
      '--add-column', "email string after id doc 'contact'",
      '--rename-column', 'name=label',
      '--partition-by', 'month(ts)', 'bucket(4, id)',
      '--sort-by', 'qty desc',
      '--set-property', 'write.target-file-size-bytes=1048576',
      '--json',
    ]);
    expect(r.code, show(r)).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.committed).toBe(true);
    expect(j.updates.map((u: { action: string }) => u.action)).toEqual([
      'add-schema', 'set-current-schema', 'add-spec', 'set-default-spec', 'add-sort-order', 'set-default-sort-order', 'set-properties',
    ]);
    const m = await metadata();
    expect(m['current-schema-id']).toBe(1);
    expect(m['last-column-id']).toBe(5);
    expect(m.schemas[1].fields.map((f: { id: number; name: string }) => [f.id, f.name])).toEqual([[1, 'id'], [5, 'email'], [2, 'qty'], [3, 'ts'], [4, 'label']]);
    expect(m['default-spec-id']).toBe(1);
    expect(m['partition-specs'][1].fields).toEqual([
      { name: 'ts_month', transform: 'month', 'source-id': 3, 'field-id': 1001 },
      { name: 'id_bucket', transform: 'bucket[4]', 'source-id': 1, 'field-id': 1002 },
    ]);
    expect(m['default-sort-order-id']).toBe(1);
    expect(m.properties['write.target-file-size-bytes']).toBe('1048576');
    const q = await floeIn(project, ['query', `SELECT id, email, qty, label FROM ${T} ORDER BY id`, '--format', 'csv']);
    expect(q.stdout.trim()).toBe('id,email,qty,label\n1,,5,a\n2,,3,b');

    // Back to day(ts): the existing spec 0 becomes the default again, no third spec.
    const back = await floeIn(project, ['table', 'evolve', T, '--partition-by', 'day(ts)']);
    expect(back.code, show(back)).toBe(0);
    expect(back.stdout).toContain('→ existing spec 0');
    const m2 = await metadata();
    expect(m2['partition-specs'].length).toBe(2);
    expect(m2['default-spec-id']).toBe(0);

    const again = await floeIn(project, ['table', 'evolve', T, '--partition-by', 'day(ts)']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toContain('nothing to change');
  });
});
