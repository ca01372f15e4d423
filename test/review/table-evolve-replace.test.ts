/**
 * Replacing a column in one `floe table evolve`: drop it and add a column of the same name
 * (a new field id, so old files read NULL for it — the spec's way to change a type no
 * promotion allows), or rename a column and give its old name to a new one. Both used to be
 * refused ("a column with that name already exists") because adds were applied first.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newTableMetadata } from '../../src/iceberg/metadata-builder.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { planEvolution } from '../../src/table/evolve/evolve.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

function table(): TableMetadata {
  return newTableMetadata({
    location: 'file:///wh/t',
    schema: {
      type: 'struct',
      fields: [
        { id: 0, name: 'id', required: false, type: 'long' },
        { id: 0, name: 'amount', required: false, type: 'double' },
        { id: 0, name: 'name', required: false, type: 'string' },
      ],
    },
    partitionBy: [],
    sortBy: [],
    tableUuid: 'uuid-1',
    formatVersion: 2,
    now: 1_700_000_000_000,
  });
}

describe('replace a column in one change (pure)', () => {
  it('drop + add of one name gives the new column a fresh id at the end', () => {
    const p = planEvolution(table(), { dropColumns: ['amount'], addColumns: [{ name: 'amount', type: 'decimal(12,2)' }] }, 'ns.t');
    expect(p.schema.fields.map((f) => [f.id, f.name, f.type])).toEqual([[1, 'id', 'long'], [3, 'name', 'string'], [4, 'amount', 'decimal(12,2)']]);
    expect(p.changes).toEqual(['drop column amount (id 2)', 'add column amount decimal(12,2) (id 4)']);
  });

  it('rename + add of the old name; the add may be placed after the renamed column by its new name', () => {
    const p = planEvolution(table(), { renameColumns: [{ from: 'name', to: 'customer' }], addColumns: [{ name: 'name', type: 'string', position: { after: 'id' } }] }, 'ns.t');
    expect(p.schema.fields.map((f) => [f.id, f.name])).toEqual([[1, 'id'], [4, 'name'], [2, 'amount'], [3, 'customer']]);
  });

  it('still refuses a name that stays taken', () => {
    expect(() => planEvolution(table(), { renameColumns: [{ from: 'name', to: 'customer' }], addColumns: [{ name: 'customer', type: 'string' }] }, 'ns.t')).toThrow(
      "cannot add column 'customer': a column with that name already exists",
    );
  });
});

describe('floe table evolve: replace a column end to end', () => {
  const tmp = useTmpDirs('floe-review-replace-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,code\n1,x1\n2,x2\n');
    expect((await floeIn(project, ['load', 'raw.rep', path.join(project, 'a.csv')])).code).toBe(0);
  });

  it('old rows read NULL for the new column; new rows fill it', async () => {
    const r = await floeIn(project, ['table', 'evolve', 'raw.rep', '--drop-column', 'code', '--add-column', 'code int']);
    expect(r.stdout, show(r)).toContain('add column code int (id 3)');
    await writeFile(path.join(project, 'b.csv'), 'id,code\n3,7\n');
    const l = await floeIn(project, ['load', 'raw.rep', path.join(project, 'b.csv')]);
    expect(l.code, show(l)).toBe(0);
    const q = await floeIn(project, ['query', 'SELECT id, code FROM raw.rep ORDER BY id', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('id,code\n1,\n2,\n3,7\n');
  });
});
