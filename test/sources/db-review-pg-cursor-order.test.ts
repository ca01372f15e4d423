/**
 * A Postgres incremental cursor of a type floe stages as its text but the server orders
 * otherwise (pg_lsn, money, inet): the server sent the rows above the watermark in the type's
 * order, the run kept those above it in text order, and rows such as LSN 0/10 after 0/A were
 * read, dropped as below the watermark, and never read again (rows_written 0, no word).
 * Such a cursor is now a config error, on the first run too.
 */
import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { postgresSource } from '../../src/sources/postgres.js';
import { config, context, textRows, useEngine, usePgSchema } from './helpers.js';

const engine = useEngine();
const db = usePgSchema('floe_pgco', `
    CREATE TABLE ev (id int, lsn pg_lsn, m money, ip inet, iv interval, t text, n numeric);
    INSERT INTO ev VALUES (1, '0/9', 9, '10.0.0.9', '2 days', 'a', 9), (2, '0/A', 10, '10.0.0.10', '10 days', 'b', 10);
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
