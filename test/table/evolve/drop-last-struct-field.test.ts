import { describe, expect, it } from 'vitest';
import { FloeError } from '../../../src/errors.js';
import type { Schema } from '../../../src/iceberg/types.js';
import { updateSchema } from '../../../src/table/evolve/schema-update.js';

// DuckDB has no empty STRUCT type: a struct<> column would make every later read of the table fail.
const base: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'long' },
    { id: 2, name: 'st', required: false, type: { type: 'struct', fields: [{ id: 4, name: 'a', required: false, type: 'int' }, { id: 5, name: 'b', required: false, type: 'string' }] } },
    {
      id: 3,
      name: 'li',
      required: false,
      type: { type: 'list', 'element-id': 6, 'element-required': false, element: { type: 'struct', fields: [{ id: 7, name: 'x', required: false, type: 'int' }] } },
    },
  ],
};

function refused(dropColumns: string[], addColumns: { name: string; type: string }[] = []): FloeError {
  try {
    updateSchema(structuredClone(base), 7, { dropColumns, addColumns }, 'ns.t');
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    return e as FloeError;
  }
  throw new Error('the change was not refused');
}

describe('dropping the last field of a struct', () => {
  it('is refused, naming the field and the struct, for a struct column and a list element struct', () => {
    const e = refused(['st.a', 'st.b']);
    expect(e.kind).toBe('schema');
    expect(e.message).toContain("cannot drop 'st.b': it is the last field of struct 'st'");
    expect(e.hint).toContain("drop 'st' itself");
    expect(refused(['li.element.x']).message).toContain("struct 'li.element'");
  });

  it('is allowed when the same change adds a field to it, or drops the struct itself', () => {
    const r = updateSchema(structuredClone(base), 7, { dropColumns: ['st.a', 'st.b'], addColumns: [{ name: 'st.c', type: 'long' }] }, 'ns.t');
    const st = r.schema.fields.find((f) => f.name === 'st')!.type as { fields: { name: string; id: number }[] };
    expect(st.fields.map((f) => [f.name, f.id])).toEqual([['c', 8]]);
    expect(updateSchema(structuredClone(base), 7, { dropColumns: ['st'] }, 'ns.t').schema.fields.map((f) => f.name)).toEqual(['id', 'li']);
    expect(updateSchema(structuredClone(base), 7, { dropColumns: ['st.a'] }, 'ns.t').dropped).toEqual([4]);
  });
});
