/**
 * A default partition spec or sort order whose source column is gone from the schema.
 * floe never leaves a table so: `table evolve --drop-column` of a column the default spec or
 * sort order uses exits 2 naming the table, the column and the spec or order id, changing
 * nothing. Another tool can, though: then `floe load` and `floe run` refuse before writing
 * a file, naming the table, the spec and order ids, the fields and the columns, and the
 * `floe table evolve` options that repair it — which work.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTableMetadata } from '../../src/iceberg/metadata-json.js';
import { serializeTableMetadata } from '../../src/iceberg/metadata-json-write.js';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

describe('a layout over a missing column', () => {
  const tmp = useTmpDirs('floe-review-layout-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,ts,n\n1,2024-01-01T10:00:00Z,5\n2,2024-01-02T10:00:00Z,6\n');
    await writeFile(path.join(project, 'b.csv'), 'id\n3\n');
    const c = await floeIn(project, ['table', 'create', 'raw.t', '--column', 'id long', '--column', 'ts timestamptz', '--column', 'n int', '--partition-by', 'day(ts)', '--sort-by', 'n']);
    expect(c.code, show(c)).toBe(0);
    const l = await floeIn(project, ['load', 'raw.t', path.join(project, 'a.csv')]);
    expect(l.code, show(l)).toBe(0);
  });

  it('table evolve --drop-column of the partition source or the sort column: exit 2, named, nothing changes', async () => {
    const before = catalogPointer(project, 'raw.t');
    const p = await floeIn(project, ['table', 'evolve', 'raw.t', '--drop-column', 'ts']);
    expectFailure(p, 2, ["table raw.t: cannot drop column 'ts': partition field 'ts_day' of spec 0 uses it"]);
    const s = await floeIn(project, ['table', 'evolve', 'raw.t', '--drop-column', 'n']);
    expectFailure(s, 2, ["table raw.t: cannot drop column 'n': the table's sort order 1 uses it"]);
    expect(catalogPointer(project, 'raw.t')).toBe(before);
  });

  it('written to after another tool dropped the columns: refused before any file; repaired by table evolve', async () => {
    // Another tool's commit: schema 1 without ts and n, the layout left as it was.
    const current = catalogPointer(project, 'raw.t')!;
    const m = parseTableMetadata(await readFile(current, 'utf8'), current);
    const s0 = m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;
    const next = { ...m, schemas: [...m.schemas, { ...s0, 'schema-id': 1, fields: s0.fields.filter((f) => f.name === 'id') }], 'current-schema-id': 1 };
    const brokenFile = path.join(path.dirname(current), '00009-other-tool.metadata.json');
    await writeFile(brokenFile, serializeTableMetadata(next));
    const db = new Database(path.join(project, 'warehouse', 'catalog.db'));
    db.prepare("UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ? WHERE table_namespace = 'raw' AND table_name = 't'").run(brokenFile, current);
    db.close();
    const dataDir = path.join(project, 'warehouse', 'raw', 't', 'data');
    const filesBefore = (await readdir(dataDir, { recursive: true })).sort();

    const l = await floeIn(project, ['load', 'raw.t', path.join(project, 'b.csv')]);
    expectFailure(l, 1, [
      "cannot write to table raw.t: the default partition spec 0 uses partition field 'ts_day' (day of column 'ts', id 2), and the default sort order 1 uses sort field 1 (column 'n', id 3), which the current schema 1 does not have",
      'hint: change the layout first: floe table evolve raw.t --drop-partition-field ts_day --sort-by none',
    ]);
    expect(catalogPointer(project, 'raw.t')).toBe(brokenFile);
    expect((await readdir(dataDir, { recursive: true })).sort()).toEqual(filesBefore);

    // The table still reads.
    const q = await floeIn(project, ['query', 'SELECT count(*) AS n FROM raw.t', '--format', 'csv']);
    expect(q.stdout, show(q)).toBe('n\n2\n');

    const e = await floeIn(project, ['table', 'evolve', 'raw.t', '--drop-partition-field', 'ts_day', '--sort-by', 'none']);
    expect(e.code, show(e)).toBe(0);
    const again = await floeIn(project, ['load', 'raw.t', path.join(project, 'b.csv')]);
    expect(again.code, show(again)).toBe(0);
    const q2 = await floeIn(project, ['query', 'SELECT id FROM raw.t ORDER BY id', '--format', 'csv']);
    expect(q2.stdout, show(q2)).toBe('id\n1\n2\n3\n');
  });
});
