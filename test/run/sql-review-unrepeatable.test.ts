/**
 * A `kind: sql` pipeline whose query reads the clock (`now()`, `current_date`), chance
 * (`random()`, `uuid()`) or a window whose value depends on row order without an ORDER BY
 * (`row_number() OVER ()`) writes another table on every run over the same input tables; it
 * ran without a word. The run now warns about each, at the pipeline file's line and column
 * (a `warning` event, and on stderr), and still writes the table. A query that measures
 * against a fixed date and orders its windows gets no warning, and two runs of it in two
 * warehouses write byte-equal data files.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_AUDIT_LOG: 'off' };

async function withOrders() {
  const p = await newProject();
  const rows = Array.from({ length: 200 }, (_, i) => `${i + 1},c${i % 7},${(i * 37) % 101}.25,2026-0${1 + (i % 6)}-1${i % 10}`);
  await p.write('data/o.csv', `id,customer,amount,day\n${rows.join('\n')}\n`);
  await p.pipeline('orders', 'name: orders\nsource: { kind: csv, path: data/o.csv }\ntarget: { table: raw.orders, mode: overwrite }\n');
  await p.run(['orders'], 0, env);
  return p;
}

const warningsOf = (stdout: string) => events(stdout).filter((e) => e.event === 'warning').map((e) => String(e.message));

describe('sql pipelines that a rerun does not reproduce', () => {
  it('warns at the file:line:col of the clock, chance and an unordered window, and still writes', async () => {
    const p = await withOrders();
    await p.pipeline(
      'm',
      'name: m\nsource:\n  kind: sql\n  query: |\n    SELECT customer, sum(amount) AS total, now() AS loaded_at,\n           current_date AS d, uuid() AS k,\n           row_number() OVER () AS n\n    FROM raw.orders GROUP BY customer\ntarget: { table: cur.m, mode: overwrite }\n',
    );
    const r = await p.floe(['run', 'm', '--json'], env);
    expect(r.code, show(r)).toBe(0);
    const w = warningsOf(r.stdout);
    expect(w).toEqual([
      expect.stringMatching(/^pipelines\/m\.yaml:5:44: the query reads now\(\), which depends on when the run happens/),
      expect.stringMatching(/^pipelines\/m\.yaml:6:12: the query reads current_date, which depends on when the run happens/),
      expect.stringMatching(/^pipelines\/m\.yaml:6:31: the query reads uuid\(\), which is drawn at random/),
      expect.stringMatching(/^pipelines\/m\.yaml:7:12: the query reads row_number\(\) OVER \(\.\.\.\) without ORDER BY/),
    ]);
    expect((await p.queryCli('SELECT count(*) AS n FROM cur.m'))[0]!.n).toBe(7);
  });

  it('a query with a fixed date and ordered windows gets no warning, and two warehouses get byte-equal files', async () => {
    const query =
      "name: m\nsource:\n  kind: sql\n  query: |\n    SELECT customer, sum(amount) AS total, DATE '2026-07-01' - max(CAST(day AS DATE)) AS recency,\n           row_number() OVER (ORDER BY sum(amount) DESC, customer) AS rank_by_total\n    FROM raw.orders GROUP BY customer ORDER BY customer\ntarget: { table: cur.m, mode: overwrite }\n";
    const digests: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await withOrders();
      await p.pipeline('m', query);
      const r = await p.floe(['run', 'm', '--json'], env);
      expect(r.code, show(r)).toBe(0);
      expect(warningsOf(r.stdout)).toEqual([]);
      const files = await p.dataFiles('cur.m');
      expect(files.length).toBe(1);
      digests.push(createHash('sha256').update(await readFile(files[0]!)).digest('hex'));
    }
    expect(digests[0]).toBe(digests[1]);
  });
});
