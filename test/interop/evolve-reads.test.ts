/**
 * Reads after schema evolution, held against PyIceberg: sequences a user runs on a live table
 * (widen a partition source, then merge-on-read) where floe's answer must be PyIceberg's.
 *
 * ns.promoted: partitioned by identity(g) with g an int; g widened to long; a merge-on-read
 * merge then writes position deletes whose manifest types g as long, while the data files'
 * manifest types it as int. The deletes apply to the older files all the same.
 *
 * ns.twins: written by PyIceberg with columns `Name` and `name` (Iceberg allows names that
 * differ only in case), one file each. floe's view spells them `Name` and `name_1`, and
 * DuckDB resolves `name` to `Name`: pruning must use that column's metrics, not `name`'s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, assertProvisioned, pyicebergRead, pyicebergWrite } from './oracle.js';
import { FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

let project: FloeProject;
const floe: Record<string, CanonicalRow[]> = {};
const py: Record<string, PyIcebergReadResult> = {};
const twins: { where?: Record<string, unknown>[]; all?: Record<string, unknown>[]; py?: PyIcebergReadResult } = {};

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(false);
  project = new FloeProject('evolve-reads');
  const base = join(project.inputs, 'base.parquet');
  await writeParquet(base, `SELECT i::BIGINT AS id, (i % 2)::INT AS g, 'n' || i AS note FROM range(0, 10) t(i)`);
  await project.load('ns.promoted', [base], { partitionBy: ['g'] });
  await project.ok(['table', 'evolve', 'ns.promoted', '--widen-column', 'g=long', '--set-property', 'write.merge.mode=merge-on-read']);
  const changes = join(project.inputs, 'changes.parquet');
  await writeParquet(changes, `SELECT * FROM (VALUES (1::BIGINT, 1::BIGINT, 'upd1', false), (2::BIGINT, 0::BIGINT, '', true)) t(id, g, note, gone)`);
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  writeFileSync(
    join(project.dir, 'pipelines', 'promoted.yaml'),
    ['source:', '  kind: parquet', `  path: ${JSON.stringify(changes)}`, 'target:', '  table: ns.promoted', '  mode: merge', '  key: [id]', '  delete_column: gone', ''].join('\n'),
  );
  await project.ok(['run', '--all']);
  await pyicebergWrite({
    ...project.catalog,
    table: 'ns.twins',
    schema: {
      type: 'struct',
      fields: [
        { id: 1, name: 'Name', type: 'string', required: false },
        { id: 2, name: 'name', type: 'string', required: false },
      ],
    },
    appends: [[{ Name: 'x', name: 'p' }], [{ Name: 'y', name: 'x' }]],
  });
  twins.where = await project.query(`SELECT * FROM ns.twins WHERE name = 'x'`);
  twins.all = await project.query(`SELECT count(*) FILTER (WHERE name = 'x') AS n FROM ns.twins`);
  twins.py = await pyicebergRead({ ...project.catalog, table: 'ns.twins', filter: "Name = 'x'" });
  for (const t of ['ns.promoted']) {
    floe[t] = await floeRows(project, t, currentFields(await project.describe(t)));
    py[t] = await pyicebergRead({ ...project.catalog, table: t });
  }
}, 600_000);

afterAll(() => project?.remove());

describe('deletes after an int → long promotion of an identity partition source', () => {
  it('floe applies the merge-on-read deletes to files written before the promotion, as PyIceberg does', () => {
    const rows = floe['ns.promoted']!;
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(ids).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows.find((r) => Number(r.id) === 1)?.note).toBe('upd1');
    expectSameRows('ns.promoted', rows, py['ns.promoted']!.rows, 'PyIceberg');
  });
});

describe('columns whose names differ only in case', () => {
  it("a WHERE on `name` prunes by the column DuckDB compares (Name), and returns PyIceberg's row", () => {
    expect(twins.where).toEqual([{ Name: 'x', name_1: 'p' }]);
    expect(Number(twins.all![0]!.n)).toBe(1);
    expect(twins.py!.rows).toEqual([{ Name: 'x', name: 'p' }]);
  });
});
