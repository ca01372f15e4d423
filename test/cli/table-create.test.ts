/**
 * `floe table create`: an empty table with the given columns (field ids in order), partition
 * spec, sort order and properties; loads then append to it, and PyIceberg reads the table
 * through the same catalog. Bad columns, fields over missing columns and an existing table
 * are errors that create nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaFromColumns } from '../../src/cli/commands/table-create.js';
import { FloeError } from '../../src/errors.js';
import { pyicebergRead } from '../interop/oracle.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

const newProject = useProjects();
beforeAll(assertBuilt);

describe('schemaFromColumns', () => {
  it('numbers fields from 1 in order, with required and doc', () => {
    expect(schemaFromColumns(['id long required', "amount decimal(12, 2) doc 'in EUR'", 'tags string'])).toEqual({
      type: 'struct',
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'amount', required: false, type: 'decimal(12,2)', doc: 'in EUR' },
        { id: 3, name: 'tags', required: false, type: 'string' },
      ],
    });
  });

  it('refuses no columns, unknown types, duplicates, positions and nested names as usage errors', () => {
    const usage = (cols: string[], text: RegExp) => {
      try {
        schemaFromColumns(cols);
      } catch (e) {
        expect(e).toBeInstanceOf(FloeError);
        expect((e as FloeError).kind).toBe('usage');
        expect((e as FloeError).message).toMatch(text);
        return;
      }
      throw new Error(`accepted ${JSON.stringify(cols)}`);
    };
    usage([], /at least one --column/);
    usage(['id lung'], /unknown type 'lung'.*did you mean 'long'/);
    usage(['id long', 'id string'], /'id' is given twice/);
    usage(['id long first'], /first\/after do not apply/);
    usage(['a.b long'], /nested columns/);
    usage(['x decimal(40, 2)'], /precision must be 1..38/);
  });
});

describe('floe table create', () => {
  it('creates an empty table that describe shows, loads append to, and PyIceberg reads', async () => {
    const p = await newProject();
    const r = await p.floe([
      'table', 'create', 'crm.people',
      '--column', 'id long required', '--column', "email string doc 'work email'", '--column', 'signup_ts timestamptz',
      '--partition-by', 'day(signup_ts)', '--sort-by', 'id desc', '--property', 'write.merge.mode=merge-on-read', '--json',
    ]);
    expect(r.code, show(r)).toBe(0);
    const end = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(end).toMatchObject({ event: 'end', table: 'crm.people', created: true, columns: 3 });
    const d = await p.floe(['describe', 'crm.people', '--json']);
    expect(d.code, show(d)).toBe(0);
    const desc = JSON.parse(d.stdout);
    expect(JSON.stringify(desc)).toContain('signup_ts_day');
    expect(JSON.stringify(desc)).toContain('merge-on-read');
    expect(await p.query('SELECT count(*) AS n FROM crm.people')).toEqual([{ n: 0 }]);
    const empty = await pyicebergRead({ catalogDb: p.path('warehouse/catalog.db'), warehouse: p.path('warehouse'), table: 'crm.people' });
    expect(empty.row_count).toBe(0);
    await p.write('in.csv', 'id,email,signup_ts\n2,b@x.com,2024-01-02T00:00:00Z\n1,a@x.com,2024-01-02T03:00:00Z\n');
    const l = await p.floe(['load', 'crm.people', p.path('in.csv')]);
    expect(l.code, show(l)).toBe(0);
    expect(await p.query('SELECT id, email FROM crm.people ORDER BY id')).toEqual([
      { id: 1, email: 'a@x.com' },
      { id: 2, email: 'b@x.com' },
    ]);
    const read = await pyicebergRead({ catalogDb: p.path('warehouse/catalog.db'), warehouse: p.path('warehouse'), table: 'crm.people' });
    expect(read.row_count).toBe(2);
  });

  it('an existing table is an error (exit 1) unless --if-not-exists; bad input exits 2 and creates nothing', async () => {
    const p = await newProject();
    expect((await p.floe(['table', 'create', 'a.t', '--column', 'id long'])).code).toBe(0);
    const again = await p.floe(['table', 'create', 'a.t', '--column', 'id long']);
    expect(again.code, show(again)).toBe(1);
    expect(again.stderr).toMatch(/table a\.t already exists/);
    const ok = await p.floe(['table', 'create', 'a.t', '--column', 'other string', '--if-not-exists']);
    expect(ok.code, show(ok)).toBe(0);
    expect(ok.stdout).toMatch(/already exists; nothing changed/);
    const badField = await p.floe(['table', 'create', 'a.u', '--column', 'id long', '--partition-by', 'day(ts)']);
    expect(badField.code, show(badField)).toBe(2);
    expect(badField.stderr).toMatch(/a\.u: partition column 'ts'/);
    const badType = await p.floe(['table', 'create', 'a.u', '--column', 'id lung']);
    expect(badType.code, show(badType)).toBe(2);
    const tables = await p.floe(['tables']);
    expect(tables.stdout).not.toMatch(/a\.u/);
  });
});
