/**
 * A Postgres text cursor the pipeline reads with `normalize: timestamp` and `format:`
 * (`05/01/2026 12:00`): its text does not sort as its values, so no bound is sent to the
 * server (src/sources/incremental.ts cursorStart); every row is read and the run keeps the
 * rows above the watermark. Before, the ISO bound compared byte-wise left out every later
 * row whose text sorted below it. `floe plan` says the column is read whole.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const table = `floe_ctf_${process.pid}`;

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: services().pg });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

afterAll(() => sql(`DROP TABLE IF EXISTS ${table}`));

describe('a text cursor read with format:', () => {
  it('postgres: later rows whose text sorts below the ISO watermark are read', async () => {
    const url = services().pg;
    await sql(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int primary key, at text); INSERT INTO ${table} VALUES (1,'05/01/2026 12:00'),(2,'06/01/2026 12:00')`);
    const p = await newProject();
    await p.pipeline('fmt', `source:\n  kind: postgres\n  connection: "\${URL}"\n  table: ${table}\n  incremental: { cursor: at }\ncolumns:\n  at: { normalize: timestamp, format: "%d/%m/%Y %H:%M" }\ntarget: { table: app.fmt, mode: merge, key: [id] }\n`);
    const first = await p.floe(['run', 'fmt'], { URL: url });
    expect(first.code, show(first)).toBe(0);
    await sql(`INSERT INTO ${table} VALUES (3,'07/01/2026 12:00'),(4,'10/02/2026 12:00'),(5,'25/01/2026 12:00'),(6,'01/01/2026 12:00')`);
    const plan = await p.floe(['plan', 'fmt'], { URL: url });
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain('read with format: is read whole');
    const second = await p.floe(['run', 'fmt'], { URL: url });
    expect(second.code, show(second)).toBe(0);
    // 6 is below the watermark (2026-01-06 12:00): read, not kept.
    expect((await p.query('SELECT id FROM app.fmt ORDER BY id')).map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5]);
  });
});
