/**
 * Postgres result types that the general array path misread: int2vector and oidvector
 * (pg_index.indkey, pg_proc.proargtypes) print their elements separated by spaces, without
 * braces, and failed the run as a "malformed array literal".
 */
import { describe, expect, it } from 'vitest';
import { postgresSource } from '../../src/sources/postgres.js';
import { columnTypes, config, context, textRows, useEngine, usePgSchema } from './helpers.js';

const engine = useEngine();
const db = usePgSchema('floe_pgt', `
    CREATE TABLE vec (id int, iv int2vector, ov oidvector);
    INSERT INTO vec VALUES (1, '1 2 -3', '26 4294967295'), (2, '', ''), (3, NULL, NULL);
  `);

describe('postgres: vector types', () => {
  it('reads int2vector and oidvector as lists of their elements', async () => {
    const out = await postgresSource(config({ kind: 'postgres', connection: db.url, table: db.table('vec') })).extract(context(engine()));
    expect(await columnTypes(engine(), out.relation)).toEqual({ id: 'INTEGER', iv: 'INTEGER[]', ov: 'BIGINT[]' });
    expect(await textRows(engine(), out.relation, 'id')).toEqual([
      { id: '1', iv: '[1, 2, -3]', ov: '[26, 4294967295]' },
      { id: '2', iv: '[]', ov: '[]' },
      { id: '3', iv: null, ov: null },
    ]);
  });

  it('reads pg_index.indkey, a catalog int2vector', async () => {
    const q = `SELECT indkey FROM pg_index WHERE indexrelid = 'pg_class_oid_index'::regclass`;
    const out = await postgresSource(config({ kind: 'postgres', connection: db.url, query: q })).extract(context(engine()));
    expect(await engine().all(`SELECT indkey::VARCHAR AS k FROM "${out.relation}"`, 'read')).toEqual([{ k: '[1]' }]);
  });
});
