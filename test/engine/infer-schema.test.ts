import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferSchema } from '../../src/engine/infer-schema.js';
import { writeDataFiles } from '../../src/engine/write-parquet.js';
import { fromBinary } from '../../src/iceberg/conversions.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { isFloeError } from '../../src/errors.js';
import { useEngine, useTmp } from './helpers.js';

describe('inferSchema', () => {
  const engine = useEngine();
  const tmp = useTmp();

  it('builds an all-optional schema from a CSV file', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'contacts.csv');
    await writeFile(file, 'id,email,signed_up,score\n1,a@x.com,2024-01-02,1.5\n2,b@x.com,2024-02-03,\n');
    const schema = await inferSchema(engine(), `SELECT * FROM read_csv(${quoteLiteral(file)})`);
    expect(schema).toEqual({
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'email', required: false, type: 'string' },
        { id: 3, name: 'signed_up', required: false, type: 'date' },
        { id: 4, name: 'score', required: false, type: 'double' },
      ],
    });
  });

  it('assigns nested ids as Iceberg Java does: a struct level first, then each field in turn', async () => {
    const schema = await inferSchema(
      engine(),
      `SELECT {'x': 1, 'y': {'z': 'a'}} AS s, [1] AS l, MAP {'k': [1.5]} AS m, 1 AS last`,
      { schemaId: 3 },
    );
    expect(schema['schema-id']).toBe(3);
    expect(schema.fields.map((f) => [f.name, f.id])).toEqual([['s', 1], ['l', 2], ['m', 3], ['last', 4]]);
    expect(schema.fields[0]!.type).toMatchObject({
      fields: [{ id: 5, name: 'x' }, { id: 6, name: 'y', type: { fields: [{ id: 7, name: 'z' }] } }],
    });
    expect(schema.fields[1]!.type).toMatchObject({ 'element-id': 8 });
    expect(schema.fields[2]!.type).toMatchObject({ 'key-id': 9, 'value-id': 10, value: { 'element-id': 11 } });
  });

  it('writes unsigned and huge integers as exact decimals', async () => {
    const sql = `SELECT 18446744073709551615::UBIGINT AS u, (-170141183460469231731687303715884105727)::HUGEINT AS h, 7::UINTEGER AS ui`;
    const schema = await inferSchema(engine(), sql);
    expect(schema.fields.map((x) => x.type)).toEqual(['decimal(20, 0)', 'decimal(38, 0)', 'long']);
    // HUGEINT fits DECIMAL(38, 0) only up to 38 digits: the write fails loudly, never rounds.
    const dir = await tmp();
    const err = await writeDataFiles({ engine: engine(), selectSql: sql, schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'h' })
      .catch((e) => e);
    expect(isFloeError(err)).toBe(true);
    const fits = sql.replace('-170141183460469231731687303715884105727', '-99999999999999999999999999999999999999');
    const [file] = await writeDataFiles({ engine: engine(), selectSql: fits, schema, targetFileSizeBytes: 1 << 20, outputDir: dir, fileNamePrefix: 'ok' });
    const lower = (id: number) => fromBinary(schema.fields[id - 1]!.type as string, file!.dataFile.lower_bounds!.get(id)!);
    expect([lower(1), lower(2), lower(3)]).toEqual([18446744073709551615n, -(10n ** 38n - 1n), 7n]);
    const types = await engine().all(
      `SELECT name, type, logical_type FROM parquet_schema(${quoteLiteral(file!.localPath)}) WHERE name IN ('u', 'h')`, 'types');
    for (const t of types) expect(String(t.type)).toBe('FIXED_LEN_BYTE_ARRAY'); // DuckDB writes bare HUGEINT as DOUBLE
  });

  it('reports every problem at once', async () => {
    const err = await inferSchema(
      engine(),
      `SELECT 1 AS "Email", 2 AS "email", INTERVAL 1 DAY AS i, [TIMETZ '10:00+01'] AS l`,
    ).catch((e) => e);
    expect(isFloeError(err, 'schema')).toBe(true);
    expect(err.context.problems).toHaveLength(3);
    expect(err.message).toMatch(/'Email' and 'email' at the top level/);
    expect(err.message).toMatch(/'i' has DuckDB type INTERVAL/);
    expect(err.message).toMatch(/'l.element' has DuckDB type TIME WITH TIME ZONE/);
  });

  it('names the query when DuckDB cannot read the source', async () => {
    const err = await inferSchema(engine(), `SELECT * FROM read_csv('/nonexistent/f.csv')`).catch((e) => e);
    expect(isFloeError(err)).toBe(true);
    expect(err.message).toMatch(/infer a table schema/);
  });
});
