/**
 * Evolving the parts of nested types that have no struct field of their own: a map's value
 * and a list's element may be widened (int → long) and made optional, as Iceberg Java and
 * PyIceberg allow; a map key never changes, and none of them can be renamed or dropped
 * alone. These used to fail with "no such column". The result is read back by floe and by
 * PyIceberg, on a table PyIceberg wrote.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import type { Schema } from '../../src/iceberg/types.js';
import { updateSchema } from '../../src/table/evolve/schema-update.js';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { assertProvisioned, pyicebergRead, pyicebergWrite } from '../interop/oracle.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'tags', required: false, type: { type: 'map', 'key-id': 3, key: 'int', 'value-id': 4, value: 'int', 'value-required': true } },
    { id: 5, name: 'items', required: false, type: { type: 'list', 'element-id': 6, element: 'float', 'element-required': true } },
  ],
};

function refused(f: () => unknown): FloeError {
  try {
    f();
  } catch (e) {
    if (e instanceof FloeError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('map values and list elements (pure)', () => {
  it('widens and makes optional a map value and a list element, with readable change lines', () => {
    const r = updateSchema(schema, 6, { widenColumns: [{ name: 'tags.value', type: 'long' }, { name: 'items.element', type: 'double' }], makeOptional: ['tags.value', 'items.element'] }, 'ns.t');
    expect(r.schema.fields[1]!.type).toEqual({ type: 'map', 'key-id': 3, key: 'int', 'value-id': 4, value: 'long', 'value-required': false });
    expect(r.schema.fields[2]!.type).toEqual({ type: 'list', 'element-id': 6, element: 'double', 'element-required': false });
    expect(r.changes).toEqual(['widen tags.value: int → long', 'widen items.element: float → double', 'make tags.value optional', 'make items.element optional']);
    expect(r.lastColumnId).toBe(6);
    // The base schema is not touched.
    expect(schema.fields[1]!.type).toMatchObject({ value: 'int', 'value-required': true });
  });

  it('refuses changing a map key, narrowing, renaming or dropping an element, key or value', () => {
    expect(refused(() => updateSchema(schema, 6, { widenColumns: [{ name: 'tags.key', type: 'long' }] }, 'ns.t')).message).toBe(`table ns.t: cannot widen 'tags.key': map keys never change (spec "Schema Evolution")`);
    expect(refused(() => updateSchema(schema, 6, { widenColumns: [{ name: 'tags.value', type: 'string' }] }, 'ns.t')).message).toContain("cannot change 'tags.value' from int to string: not an allowed type promotion");
    expect(refused(() => updateSchema(schema, 6, { dropColumns: ['items.element'] }, 'ns.t')).message).toBe("table ns.t: cannot drop 'items.element': it is a list element, which has no name of its own; drop 'items' instead");
    expect(refused(() => updateSchema(schema, 6, { renameColumns: [{ from: 'tags.value', to: 'v' }] }, 'ns.t')).message).toBe("table ns.t: cannot rename 'tags.value': it is a map value, which has no name of its own; rename 'tags' instead");
    expect(refused(() => updateSchema(schema, 6, { makeOptional: ['tags.key'] }, 'ns.t')).message).toContain('map keys never change');
  });
});

describe('floe table evolve on a PyIceberg table with a map and a list', () => {
  const tmp = useTmpDirs('floe-review-nested-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    assertProvisioned(false);
    project = await writeProject(await tmp());
    // floe makes the warehouse and its catalog first; PyIceberg then writes into that catalog.
    await mkdir(path.join(project, 'warehouse'));
    expect((await floeIn(project, ['tables'])).code).toBe(0);
    await pyicebergWrite({
      catalogDb: path.join(project, 'warehouse', 'catalog.db'),
      warehouse: path.join(project, 'warehouse'),
      table: 'raw.nested',
      schema: { type: 'struct', fields: schema.fields },
      appends: [[{ id: '1', tags: [['1', 10], ['2', 20]], items: [1.5, 2.5] }]],
    });
  }, 180_000);

  it('widens tags.value and items.element; floe and PyIceberg read the old file under the new types', async () => {
    const before = catalogPointer(project, 'raw.nested');
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.nested', '--widen-column', 'tags.key=long']), 2, ['map keys never change']);
    expect(catalogPointer(project, 'raw.nested')).toBe(before);
    const r = await floeIn(project, ['table', 'evolve', 'raw.nested', '--widen-column', 'tags.value=long', '--widen-column', 'items.element=double']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('widen tags.value: int → long');
    const q = await floeIn(project, ['query', "SELECT id, tags[2] AS t2, items[1] AS i1, typeof(tags) AS tt, typeof(items) AS it FROM raw.nested", '--format', 'json']);
    expect(JSON.parse(q.stdout), show(q)).toEqual([{ id: 1, t2: 20, i1: 1.5, tt: 'MAP(INTEGER, BIGINT)', it: 'DOUBLE[]' }]);
    const py = await pyicebergRead({ catalogDb: path.join(project, 'warehouse', 'catalog.db'), warehouse: path.join(project, 'warehouse'), table: 'raw.nested' });
    expect(py.schema.map((f) => [f.name, f.type])).toEqual([['id', 'long'], ['tags', 'map<int, long>'], ['items', 'list<double>']]);
    expect(py.row_count).toBe(1);
  });
});
