/**
 * `range` on a float or double column: NaN is within no bounds. DuckDB orders NaN above every
 * number, so `max` caught it but `min` alone passed it: `range: { column: amount, min: 0 }`
 * passed a NaN amount (text `NaN` in a CSV is read as one).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { one, useEngine } from './helpers.js';

const engine = useEngine();

beforeAll(async () => {
  await engine().run(`CREATE TABLE amounts AS SELECT * FROM (VALUES (1, 1.5::DOUBLE, 2.5::FLOAT), (2, 'NaN'::DOUBLE, 'NaN'::FLOAT), (3, 4.0, 4.0)) AS v(id, d, f)`, 'create test table');
  await engine().run(`CREATE TABLE numbers AS SELECT * FROM (VALUES (1, 1.5::DOUBLE), (2, NULL), (3, 'Infinity'::DOUBLE)) AS v(id, d)`, 'create test table');
});

describe('range over NaN', () => {
  it('fails a min-only range on a double or float column holding NaN', async () => {
    expect(await one(engine(), 'amounts', { range: { column: 'd', min: 0 } })).toMatchObject({ status: 'fail', observed: 1 });
    expect(await one(engine(), 'amounts', { range: { column: 'f', min: 0 } })).toMatchObject({ status: 'fail', observed: 1 });
  });

  it('counts a NaN once when both bounds are given, as before for max', async () => {
    expect(await one(engine(), 'amounts', { range: { column: 'd', min: 0, max: 100 } })).toMatchObject({ status: 'fail', observed: 1 });
    expect(await one(engine(), 'amounts', { range: { column: 'd', max: 100 } })).toMatchObject({ status: 'fail', observed: 1 });
  });

  it('still passes NULLs and values within the bounds, and judges infinity by the bounds', async () => {
    expect(await one(engine(), 'numbers', { range: { column: 'd', min: 0 } })).toMatchObject({ status: 'pass', observed: 0 });
    expect(await one(engine(), 'numbers', { range: { column: 'd', max: 100 } })).toMatchObject({ status: 'fail', observed: 1 });
    expect(await one(engine(), 'amounts', { range: { column: 'id', min: 1, max: 3 } })).toMatchObject({ status: 'pass' });
  });
});
