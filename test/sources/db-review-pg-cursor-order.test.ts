/**
 * A Postgres incremental cursor of a type floe stages as its text but the server orders
 * otherwise (pg_lsn, money, inet): the server sent the rows above the watermark in the type's
 * order, the run kept those above it in text order, and rows such as LSN 0/10 after 0/A were
 * read, dropped as below the watermark, and never read again (rows_written 0, no word).
 * Such a cursor is now a config error, on the first run too.
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { type PostgresSourceOptions, postgresSource } from '../../src/sources/postgres.js';
import { config, context, textRows, useEngine, usePgSchema } from './helpers.js';

const engine = useEngine();
const db = usePgSchema('floe_pgco', `
    CREATE TABLE ev (id int, lsn pg_lsn, m money, ip inet, iv interval, t text, n numeric);
    INSERT INTO ev VALUES (1, '0/9', 9, '10.0.0.9', '2 days', 'a', 9), (2, '0/A', 10, '10.0.0.10', '10 days', 'b', 10);
    CREATE TABLE ch (id int, c char(5));
    INSERT INTO ch VALUES (1, 'aa'), (2, 'ab'), (3, 'abc'), (4, 'ab!'), (5, 'a'), (6, 'b');
    CREATE TABLE bc (id int, b bytea);
    INSERT INTO bc VALUES (1, '\\x0001'), (2, '\\x41ff'), (3, '\\x4200'), (4, '\\x5c27'), (5, '\\x5c28');
  `);

const read = (cursor: string, after: string | null) =>
  postgresSource(config({ kind: 'postgres', connection: db.url, table: db.table('ev'), incremental: { cursor } })).extract(context(engine(), { cursor: { column: cursor, after } }));

describe('postgres: cursors staged as text but ordered otherwise', () => {
  for (const [cursor, after] of [['lsn', '0/9'], ['m', '$9.00'], ['ip', '10.0.0.9'], ['iv', 'P2D']] as const) {
    it(`refuses a ${cursor} cursor, naming the column and its type`, async () => {
      for (const bound of [null, after]) {
        const err = await read(cursor, bound).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(FloeError);
        expect((err as FloeError).kind).toBe('config');
        expect((err as Error).message).toContain(`incremental cursor ${cursor} is a column of type`);
      }
    });
  }

  it('text and numeric cursors are read as before', async () => {
    const t = await read('t', 'a');
    expect((await textRows(engine(), t.relation, 'id')).map((r) => r.id)).toEqual(['2']);
    const n = await read('n', '9');
    expect((await textRows(engine(), n.relation, 'id')).map((r) => r.id)).toEqual(['2']);
  });
});

/**
 * A char(n) cursor: the bound was cast to `character`, which is char(1), so 'ab   ' became 'a'
 * and every run read nearly the whole table again (the run then dropped the rows at or below
 * the watermark, so only rows_read showed it).
 */
describe('postgres: a char(n) cursor', () => {
  for (const copy of ['auto', 'never'] as const) {
    it(`sends a bound that keeps the whole watermark (COPY ${copy})`, async () => {
      const options: PostgresSourceOptions = copy === 'never' ? { copy: 'never' } : {};
      const out = await postgresSource(config({ kind: 'postgres', connection: db.url, table: db.table('ch'), incremental: { cursor: 'c' } }), options)
        .extract(context(engine(), { cursor: { column: 'c', after: 'ab   ' } }));
      expect(out.rowsRead).toBe(3);
      expect((await textRows(engine(), out.relation, 'id')).map((r) => [r.id, r.c])).toEqual([['3', 'abc  '], ['4', 'ab!  '], ['6', 'b    ']]);
    });
  }
});

/**
 * A bytea cursor: the watermark is DuckDB's text of the blob (`A\xFF`), which Postgres's bytea
 * input refused, so every incremental run after the first failed with "invalid input syntax
 * for type bytea".
 */
describe('postgres: a bytea cursor', () => {
  for (const copy of ['auto', 'never'] as const) {
    it(`reads the rows above a watermark in DuckDB's blob text (COPY ${copy})`, async () => {
      const options: PostgresSourceOptions = copy === 'never' ? { copy: 'never' } : {};
      const source = postgresSource(config({ kind: 'postgres', connection: db.url, table: db.table('bc'), incremental: { cursor: 'b' } }), options);
      // The watermark as the run stores it: the greatest value staged, as DuckDB's text.
      const first = await source.extract(context(engine()));
      const w = ((await engine().all(`SELECT max(b)::VARCHAR AS w FROM "${first.relation}" WHERE id <= 2`, 'watermark')) as { w: string }[])[0]!.w;
      expect(w).toBe('A\\xFF');
      const above = await source.extract(context(engine(), { cursor: { column: 'b', after: w } }));
      expect((await textRows(engine(), above.relation, 'id')).map((r) => r.id)).toEqual(['3', '4', '5']);
      // Backslashes and quotes in the blob: \x5C\x27 is the bytes of a backslash and a quote.
      const quoted = await source.extract(context(engine(), { cursor: { column: 'b', after: '\\x5C\\x27' } }));
      expect((await textRows(engine(), quoted.relation, 'id')).map((r) => r.id)).toEqual(['5']);
    });
  }
});
