/**
 * A Postgres cursor column whose type does not compare its text byte by byte: `citext`
 * (case-insensitive whatever the collation) and an enum (declaration order). The run keeps
 * the rows above the watermark in DuckDB's order (bytes), so the server has to read those
 * rows too: a row `a` after the watermark `B`, or `z` after `a` in `ENUM ('z', 'a')`, was
 * left out by the pushed-down filter and never read by any later run. Both read paths
 * (COPY, and the server-side cursor an array column forces) send the same filter.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../sources/helpers.js';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

const newProject = useProjects();
const prefix = `floe_cpo_${process.pid}`;
let client: pg.Client;

beforeAll(async () => {
  assertBuilt();
  client = new pg.Client({ connectionString: services().pg });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS citext');
  await client.query(`DROP TYPE IF EXISTS ${prefix}_mood CASCADE`);
  await client.query(`CREATE TYPE ${prefix}_mood AS ENUM ('z', 'a', 'M')`);
}, 60_000);

afterAll(async () => {
  for (const c of CASES) for (const path of ['copy', 'cursor']) await client?.query(`DROP TABLE IF EXISTS ${prefix}_${c.name}_${path}`);
  await client?.query(`DROP TYPE IF EXISTS ${prefix}_mood CASCADE`);
  await client?.end();
});

const CASES = [
  // DuckDB: 'B' < 'C' < 'a' < 'b' (bytes); citext: 'a' < 'B' < 'b' < 'C'.
  { name: 'citext', type: 'citext', first: ['B'], second: ['a', 'C', 'b'] },
  // DuckDB: 'M' < 'a' < 'z'; the enum: 'z' < 'a' < 'M'.
  { name: 'enum', type: `${prefix}_mood`, first: ['a'], second: ['z', 'M'] },
];

describe.each(CASES)('a Postgres $name cursor', (c) => {
  for (const path of ['copy', 'cursor'] as const) {
    it(`writes every row above the watermark in DuckDB's order once (${path} path)`, async () => {
      const table = `${prefix}_${c.name}_${path}`;
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      // An array column makes the source read through a server-side cursor instead of COPY.
      await client.query(`CREATE TABLE ${table} (id int, c ${c.type}${path === 'cursor' ? ', tags int[]' : ''})`);
      const p: Project = await newProject();
      await p.pipeline('p', ['source:', '  kind: postgres', '  connection: "${PG_URL}"', `  table: ${table}`, '  incremental: { cursor: c }', 'target: { table: raw.t, mode: append }', ''].join('\n'));
      const env = { PG_URL: services().pg };
      let id = 0;
      const insert = async (values: string[]) => {
        for (const v of values) await client.query(`INSERT INTO ${table} (id, c) VALUES ($1, $2)`, [++id, v]);
      };
      await insert(c.first);
      await p.run(['p'], 0, env);
      await insert(c.second);
      const r = await p.run(['p', '--json'], 0, env);
      const commit = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.event === 'commit');
      // Which rows are above the watermark: DuckDB's own comparison of the texts.
      const watermark = [...c.first].sort().at(-1)!;
      const above = c.second.filter((v) => Buffer.compare(Buffer.from(v), Buffer.from(watermark)) > 0);
      expect(above.length, 'the scenario has rows above the watermark').toBeGreaterThan(0);
      expect(commit?.rows_written, show(r)).toBe(above.length);
      await p.run(['p'], 0, env);
      const rows = await p.query('SELECT CAST(c AS VARCHAR) AS c, count(*)::INT AS n FROM raw.t GROUP BY c ORDER BY c');
      expect(rows).toEqual([...c.first, ...above].sort().map((v) => ({ c: v, n: 1 })));
    }, 60_000);
  }
});
