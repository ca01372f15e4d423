/**
 * A JSON object column typed as a map in one run and as a struct in the next (and the
 * reverse), written by floe in the table's existing type (src/ingest/reconcile.ts
 * structIntoMap, mapIntoStruct), read by PyIceberg — no JVM:
 *
 *   ns.tomap:    run 1, 12 records with a key of their own each → attrs map<string, long>;
 *                run 2, records with the same keys → a struct, written as the map's entries
 *                (a NULL field is no entry)
 *   ns.tostruct: run 1, records with the same keys → attrs struct<color, size>; run 2,
 *                12 records with a key of their own each → a map, read into the struct, its
 *                new keys added as fields with fresh ids
 *
 * PyIceberg reads every row as floe does: the second run's files in the table's type, the
 * first run's rows with NULL in the fields the second run added.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NestedField } from '../../src/iceberg/types.js';
import { type CanonicalRow, type PyIcebergReadResult, assertProvisioned, pyicebergRead } from './oracle.js';
import { FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const varying = (from: number, n: number, keyOf: (i: number) => string, value: (i: number) => unknown) =>
  Array.from({ length: n }, (_, k) => ({ id: from + k, attrs: { [keyOf(k)]: value(k) } }));

let project: FloeProject;
const read: Record<string, { fields: NestedField[]; floe: CanonicalRow[]; py: PyIcebergReadResult; schemas: number }> = {};

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(false);
  project = new FloeProject('json-struct-map');
  const run = async (table: string, first: object[], second: object[]) => {
    const name = table.split('.')[1]!;
    writeFileSync(join(project.dir, 'pipelines', `${name}.yaml`), `source: { kind: jsonl, path: inputs/${name}.jsonl }\ntarget: { table: ${table} }\n`);
    writeFileSync(join(project.inputs, `${name}.jsonl`), lines(first));
    await project.ok(['run', name]);
    writeFileSync(join(project.inputs, `${name}.jsonl`), lines(second));
    await project.ok(['run', name]);
    const described = await project.describe(table);
    const fields = currentFields(described);
    read[table] = { fields, floe: await floeRows(project, table, fields), py: await pyicebergRead({ ...project.catalog, table }), schemas: (described.metadata as { schemas: unknown[] }).schemas.length };
  };
  writeFileSync(join(project.dir, 'floe.yaml'), `warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: ${project.catalogName}\npipelines: pipelines/\n`);
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  await run('ns.tomap', varying(1, 12, (i) => `k${i}`, (i) => i), [{ id: 20, attrs: { k0: 5, promo: 7 } }, { id: 21, attrs: { k0: 6 } }]);
  const keys = ['color', 'size', ...Array.from({ length: 10 }, (_, i) => `k${i}`)];
  await run('ns.tostruct', [{ id: 1, attrs: { color: 'red', size: 'L' } }], varying(10, 12, (i) => keys[i]!, (i) => `v${i}`));
}, 600_000);

afterAll(() => project?.remove());

const byId = (rows: CanonicalRow[]) => new Map(rows.map((r) => [Number(r.id), r]));

describe('a struct batch written into a map column, read by PyIceberg', () => {
  it('keeps one schema; PyIceberg reads the rows floe reads', () => {
    const t = read['ns.tomap']!;
    expect(t.schemas).toBe(1);
    expectSameRows('ns.tomap', t.floe, t.py.rows, 'PyIceberg');
    expect(byId(t.py.rows!).get(20)!.attrs).toEqual([['k0', '5'], ['promo', '7']]);
    expect(byId(t.py.rows!).get(21)!.attrs).toEqual([['k0', '6']]);
    expect(byId(t.py.rows!).get(1)!.attrs).toEqual([['k0', '0']]);
  });
});

describe('a map batch read into a struct column, read by PyIceberg', () => {
  it('PyIceberg sees the added fields by id, NULL in the first run\'s file', () => {
    const t = read['ns.tostruct']!;
    expect(t.schemas).toBe(2);
    expect(t.py.schema.map((f) => [f.name, f.field_id])).toEqual(t.fields.map((f) => [f.name, f.id]));
    expectSameRows('ns.tostruct', t.floe, t.py.rows, 'PyIceberg');
    const rows = byId(t.py.rows!);
    const nulls = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, null]));
    expect(rows.get(1)!.attrs).toEqual({ color: 'red', size: 'L', ...nulls });
    expect(rows.get(10)!.attrs).toEqual({ color: 'v0', size: null, ...nulls });
    expect(rows.get(12)!.attrs).toEqual({ color: null, size: null, ...nulls, k0: 'v2' });
  });
});
