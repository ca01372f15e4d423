/**
 * A merge key the rows read do not have (a typo in target.key, a column the source stopped
 * sending) on a scheduled run: the run failed with DuckDB's binder error, whose "Candidate
 * bindings" were floe's own staging columns (`__floe_raw`, `__floe_issue`, ...), never the
 * pipeline's. Now a config error (exit 2) names the pipeline, the key and the columns the rows
 * have, and nothing is written. A key in another case than its column (`ID` for `id`) passed
 * the first run and failed every later one (the merge reads the table's key by exact name):
 * it is refused on the first run too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (key: string) => `source: { kind: csv, path: data/in.csv }\ncolumns:\n  id: { rename: contact_id }\ntarget: { table: ns.t, mode: merge, key: [${key}] }\n`;

describe('a merge key the rows do not have', () => {
  it('on the first run: exit 2 naming the key and the columns read (after renames), no table', async () => {
    const p = await newProject();
    await p.write('data/in.csv', 'id,email\n1,a@x.com\n');
    await p.pipeline('t', pipeline('contact_idd'));
    const r = await p.run(['t'], 2);
    expect(r.stderr, show(r)).toContain('pipeline t: merge key "contact_idd" is not a column of the rows it reads (columns: contact_id, email)');
    expect(r.stderr, show(r)).not.toMatch(/Binder Error|__floe_/);
    const tables = await p.floe(['tables']);
    expect(tables.stdout, show(tables)).not.toContain('ns.t');
  });

  it('a key in another case than its column is refused on the first run, not only from the second on', async () => {
    const p = await newProject();
    await p.write('data/in.csv', 'id,email\n1,a@x.com\n');
    await p.pipeline('t', 'source: { kind: csv, path: data/in.csv }\ntarget: { table: ns.t, mode: merge, key: [ID] }\n');
    const r = await p.run(['t'], 2);
    expect(r.stderr, show(r)).toContain('pipeline t: merge key "ID" is not a column of the rows it reads (columns: id, email)');
    const tables = await p.floe(['tables']);
    expect(tables.stdout, show(tables)).not.toContain('ns.t');
  });

  it('once the source stops sending the key column: exit 2, the table left as it was', async () => {
    const p = await newProject();
    await p.write('data/in.csv', 'id,email\n1,a@x.com\n');
    await p.pipeline('t', 'source: { kind: csv, path: data/in.csv }\ntarget: { table: ns.t, mode: merge, key: [id] }\n');
    await p.run(['t']);
    await p.write('data/in.csv', 'email\nb@x.com\n');
    const r = await p.run(['t', '--json'], 2);
    expect(r.stdout, show(r)).toContain('merge key \\"id\\" is not a column of the rows it reads (columns: email)');
    expect(r.stdout, show(r)).not.toMatch(/Binder Error|__floe_/);
    expect(await p.query('SELECT id, email FROM ns.t')).toEqual([{ id: 1, email: 'a@x.com' }]);
  });
});
