/**
 * float (32-bit) values in `floe query` output: the shortest decimal that reads back as the
 * same binary32 (0.1f is 0.1, not the widened double 0.10000000149011612), in json, table and
 * csv output, at any nesting; double columns unchanged. The digits are checked against
 * Apache Arrow's float32 → string cast (shortest round-trip) for random bit patterns.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shortestFloat32 } from '../../src/query/float32.js';
import { seeded } from '../helpers/random.js';
import { VENV_PYTHON } from '../interop/oracle.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const f32 = (x: number) => Math.fround(x);

describe('shortestFloat32', () => {
  it('known values', () => {
    expect(shortestFloat32(f32(0.1))).toBe(0.1);
    expect(shortestFloat32(f32(1 / 3))).toBe(0.33333334);
    expect(shortestFloat32(f32(16777217))).toBe(16777216);
    expect(shortestFloat32(f32(3.4028235e38))).toBe(3.4028235e38);
    expect(shortestFloat32(f32(1e-45))).toBe(1e-45);
    expect(shortestFloat32(f32(-2.5))).toBe(-2.5);
    expect(shortestFloat32(f32(123456.79))).toBe(123456.79);
    // Two 8-digit decimals equally near: the even last digit (Java, Arrow), not JS's round-half-up.
    expect(shortestFloat32(3286649.25)).toBe(3286649.2);
    expect(shortestFloat32(2 ** -12)).toBe(0.00024414062);
    expect(Object.is(shortestFloat32(-0), -0)).toBe(true);
    expect(shortestFloat32(NaN)).toBeNaN();
    expect(shortestFloat32(-Infinity)).toBe(-Infinity);
    // A double that is no binary32 is left as it is.
    expect(shortestFloat32(0.1)).toBe(0.1);
  });

  it('agrees with Arrow’s shortest round-trip text for random binary32 values and powers of two', () => {
    const rnd = seeded(20261129);
    const view = new DataView(new ArrayBuffer(4));
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      view.setUint32(0, Math.floor(rnd() * 2 ** 32));
      const v = view.getFloat32(0);
      if (Number.isFinite(v)) values.push(v);
    }
    // Powers of two: their rounding interval is lopsided (the nearest decimal may miss it).
    for (let e = -149; e <= 127; e++) values.push(f32(2 ** e), -f32(2 ** e));
    const script = [
      'import json, sys, pyarrow as pa',
      'xs = [float(x) for x in json.load(sys.stdin)]',
      'print(json.dumps(pa.array(xs, type=pa.float64()).cast(pa.float32(), safe=False).cast(pa.string()).to_pylist()))',
    ].join('\n');
    const texts = JSON.parse(execFileSync(VENV_PYTHON, ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' })) as string[];
    const wrong = values.map((v, i) => (shortestFloat32(v) === Number(texts[i]) ? '' : `${v}: ${shortestFloat32(v)} vs ${texts[i]}`)).filter((w) => w !== '');
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(values.length).toBeGreaterThan(3000);
  });
});

describe('floe query prints float columns with their own digits', () => {
  const tmp = useTmpDirs('floe-query-float32-');
  let project: string;

  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    // DuckDB's Parquet keeps FLOAT, and floe load makes those columns Iceberg float.
    const file = path.join(project, 'f.parquet');
    const values =
      `(1, 0.1::FLOAT, 0.1::DOUBLE, [0.1::FLOAT, 16777217::FLOAT], {'x': 1.1::FLOAT}, MAP {'k': 0.3::FLOAT}), ` +
      `(2, 3.4028235e38::FLOAT, 1e-45::DOUBLE, [], {'x': NULL}, MAP {}), ` +
      `(3, (1.0 / 3)::FLOAT, (1.0 / 3)::DOUBLE, NULL, NULL, NULL)`;
    const sql = `SELECT * FROM (VALUES ${values}) v(id, f, d, l, s, m)`;
    for (const args of [
      ['query', sql, '--out', file],
      ['load', 'm.floats', file],
    ]) {
      const r = await floeIn(project, args);
      expect(r.code, show(r)).toBe(0);
    }
  });

  const run = async (...args: string[]) => {
    const r = await floeIn(project, ['query', 'SELECT id, f, d, l, s, m FROM m.floats ORDER BY id', ...args]);
    expect(r.code, show(r)).toBe(0);
    return r.stdout;
  };

  it('json: float, list<float>, struct and map of float; doubles keep their digits', async () => {
    expect(JSON.parse(await run('--format', 'json'))).toEqual([
      { id: 1, f: 0.1, d: 0.1, l: [0.1, 16777216], s: { x: 1.1 }, m: { k: 0.3 } },
      { id: 2, f: 3.4028235e38, d: 1e-45, l: [], s: { x: null }, m: {} },
      { id: 3, f: 0.33333334, d: 0.3333333333333333, l: null, s: null, m: null },
    ]);
    expect(await run('--format', 'json')).toContain('"f":0.1,');
  });

  it('table', async () => {
    const text = await run();
    expect(text).toMatch(/^1 +0\.1 +0\.1 +\[0\.1,16777216\] +\{"x":1\.1\} +\{"k":0\.3\}/m);
    expect(text).toMatch(/^3 +0\.33333334 +0\.3333333333333333 /m);
    expect(text).not.toContain('0.100000001');
  });

  it('csv (DuckDB writes it) and --out FILE.json', async () => {
    const csv = await run('--format', 'csv');
    expect(csv.split('\n').slice(0, 4)).toEqual([
      'id,f,d,l,s,m',
      `1,0.1,0.1,"[0.1, 16777216.0]",{'x': 1.1},{k=0.3}`,
      `2,3.4028235e+38,1e-45,[],{'x': NULL},{}`,
      '3,0.33333334,0.3333333333333333,,,',
    ]);
    const out = path.join(project, 'out.json');
    await run('--out', out);
    expect(JSON.parse(await readFile(out, 'utf8'))[0]).toEqual({ id: 1, f: 0.1, d: 0.1, l: [0.1, 16777216], s: { x: 1.1 }, m: { k: 0.3 } });
  });
});
