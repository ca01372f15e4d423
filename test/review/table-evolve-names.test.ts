/**
 * Column names that differ only in case. Iceberg compares names case-sensitively, but DuckDB
 * (floe query), Spark and Trino resolve them without case: a table with `id` and `ID` reads
 * one column where the user meant the other (`SELECT ID` returned `id`'s values). floe
 * refuses to create such a clash, by evolve or by table create, and keeps working on tables
 * that already have one.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaFromColumns } from '../../src/cli/commands/table-create.js';
import { FloeError } from '../../src/errors.js';
import { newTableMetadata } from '../../src/iceberg/metadata-builder.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { planEvolution, type EvolveRequest } from '../../src/table/evolve/evolve.js';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

function table(names: string[]): TableMetadata {
  return newTableMetadata({
    location: 'file:///wh/t',
    schema: {
      type: 'struct',
      fields: [
        ...names.map((name) => ({ id: 0, name, required: false, type: 'string' })),
        { id: 0, name: 'pt', required: false, type: { type: 'struct' as const, fields: [{ id: 0, name: 'x', required: false, type: 'double' }] } },
      ],
    },
    partitionBy: [],
    sortBy: [],
    tableUuid: 'uuid-1',
    formatVersion: 2,
    now: 1_700_000_000_000,
  });
}

function refused(m: TableMetadata, req: EvolveRequest): FloeError {
  try {
    planEvolution(m, req, 'ns.t');
  } catch (e) {
    if (e instanceof FloeError) return e;
    throw e;
  }
  throw new Error('expected the evolution to be refused');
}

describe('names that differ only in case (pure)', () => {
  it('refuses adding or renaming to a sibling\'s name in another case, at the top level and in a struct', () => {
    const m = table(['id', 'name']);
    const add = refused(m, { addColumns: [{ name: 'ID', type: 'long' }] });
    expect(add.kind).toBe('schema');
    expect(add.message).toBe("table ns.t: cannot add column 'ID': it differs from column 'id' only in case");
    expect(add.hint).toContain('DuckDB');
    expect(refused(m, { renameColumns: [{ from: 'name', to: 'Id' }] }).message).toBe("table ns.t: cannot rename 'name' to 'Id': it differs from column 'id' only in case");
    expect(refused(m, { addColumns: [{ name: 'pt.X', type: 'double' }] }).message).toBe("table ns.t: cannot add column 'pt.X': it differs from column 'x' only in case");
    // Two added columns that clash with each other.
    expect(refused(m, { addColumns: [{ name: 'email', type: 'string' }, { name: 'EMAIL', type: 'string' }] }).message).toContain("cannot add column 'EMAIL': it differs from column 'email' only in case");
  });

  it('allows changing the case of a column\'s own name, and a same-named column in another struct', () => {
    const m = table(['id', 'name']);
    expect(planEvolution(m, { renameColumns: [{ from: 'name', to: 'Name' }] }, 'ns.t').changes).toEqual(['rename column name → Name (id 2)']);
    expect(planEvolution(m, { addColumns: [{ name: 'pt.ID', type: 'long' }] }, 'ns.t').changes).toEqual(['add column pt.ID long (id 5)']);
  });

  it('a table that already has a clash (written by another engine) can still evolve other columns', () => {
    const m = table(['id', 'ID']);
    expect(planEvolution(m, { addColumns: [{ name: 'email', type: 'string' }], renameColumns: [{ from: 'ID', to: 'id2' }] }, 'ns.t').changes).toHaveLength(2);
  });

  it('table create refuses two --column names that differ only in case', () => {
    expect(() => schemaFromColumns(['a long', 'A string'])).toThrow("--column 'A string': column 'A' differs from column 'a' only in case");
  });
});

describe('floe table evolve / create: case clashes end to end', () => {
  const tmp = useTmpDirs('floe-review-names-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,name\n1,a\n2,b\n');
    const r = await floeIn(project, ['load', 'raw.names', path.join(project, 'a.csv')]);
    expect(r.code, show(r)).toBe(0);
  });

  it('exit 2, the table unchanged; SELECT still reads the right column', async () => {
    const before = catalogPointer(project, 'raw.names');
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.names', '--rename-column', 'name=ID']), 2, ["cannot rename 'name' to 'ID': it differs from column 'id' only in case"]);
    expectFailure(await floeIn(project, ['table', 'evolve', 'raw.names', '--add-column', 'Name string']), 2, ["cannot add column 'Name': it differs from column 'name' only in case"]);
    expect(catalogPointer(project, 'raw.names')).toBe(before);
    const q = await floeIn(project, ['query', 'SELECT name FROM raw.names ORDER BY id', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('name\na\nb\n');
    expectFailure(await floeIn(project, ['table', 'create', 'raw.c', '--column', 'a long', '--column', 'A string']), 2, ["column 'A' differs from column 'a' only in case"]);
  });
});
