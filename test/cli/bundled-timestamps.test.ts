/**
 * The shipped CLI (bin/floe.js → dist/bundle/, DuckDB's API bundled into duckdb-api.cjs) prints
 * timestamps in the form values.ts documents, the same as the per-module build
 * (FLOE_UNBUNDLED=1), and never in the host's time zone: every command here runs with
 * TZ=Asia/Tokyo (UTC+9). A timestamptz is its UTC instant with `Z`, a timestamp its wall clock
 * with `T`; csv is DuckDB's own text in the session's UTC.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-bundled-ts-');
const TOKYO = { TZ: 'Asia/Tokyo' };
let project: string;

const SQL =
  "SELECT ordered_at, TIMESTAMP '2026-01-01 10:00' AS t, [ordered_at] AS l, {'at': ordered_at} AS s, " +
  "TIMESTAMPTZ '2026-01-01 00:00:00.25+00' AS frac, 'infinity'::TIMESTAMPTZ AS inf, TIMESTAMP_NS '2026-01-01 10:00:00.123456789' AS ns " +
  'FROM raw.orders ORDER BY order_id';

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await mkdir(path.join(project, 'data'));
  await writeFile(
    path.join(project, 'data', 'orders.csv'),
    'order_id,customer_id,ordered_at,amount\n1,101,2026-11-01T09:15:00Z,19.90\n2,102,2026-11-02T23:40:00Z,5.00\n',
  );
  const r = await floeIn(project, ['load', 'raw.orders', path.join(project, 'data', 'orders.csv')], { env: TOKYO });
  expect(r.code, show(r)).toBe(0);
}, 60_000);

describe('timestamps from the bundled CLI, host TZ=Asia/Tokyo', () => {
  it('query --format json: timestamptz as UTC with Z, timestamp with T, also nested; the same as the unbundled build', async () => {
    const r = await floeIn(project, ['query', SQL, '--format', 'json'], { env: TOKYO });
    expect(r.code, show(r)).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toEqual([
      {
        ordered_at: '2026-11-01T09:15:00Z',
        t: '2026-01-01T10:00:00',
        l: ['2026-11-01T09:15:00Z'],
        s: { at: '2026-11-01T09:15:00Z' },
        frac: '2026-01-01T00:00:00.25Z',
        inf: 'infinity',
        ns: '2026-01-01T10:00:00.123456789',
      },
      {
        ordered_at: '2026-11-02T23:40:00Z',
        t: '2026-01-01T10:00:00',
        l: ['2026-11-02T23:40:00Z'],
        s: { at: '2026-11-02T23:40:00Z' },
        frac: '2026-01-01T00:00:00.25Z',
        inf: 'infinity',
        ns: '2026-01-01T10:00:00.123456789',
      },
    ]);
    const unbundled = await floeIn(project, ['query', SQL, '--format', 'json'], { env: { ...TOKYO, FLOE_UNBUNDLED: '1' } });
    expect(unbundled.code, show(unbundled)).toBe(0);
    expect(unbundled.stdout).toBe(r.stdout);
  });

  it('query table output: the same text as json', async () => {
    const r = await floeIn(project, ['query', 'SELECT ordered_at, TIMESTAMP \'2026-01-01 10:00\' AS t FROM raw.orders ORDER BY order_id'], { env: TOKYO });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('2026-11-01T09:15:00Z');
    expect(r.stdout).toContain('2026-11-02T23:40:00Z');
    expect(r.stdout).toContain('2026-01-01T10:00:00');
    expect(r.stdout).not.toMatch(/\+09|18:15/);
  });

  it('query --format csv: DuckDB text in UTC', async () => {
    const r = await floeIn(project, ['query', 'SELECT ordered_at FROM raw.orders ORDER BY order_id', '--format', 'csv'], { env: TOKYO });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['ordered_at', '2026-11-01 09:15:00+00', '2026-11-02 23:40:00+00']);
  });

  it('check reports (json, junit): a sql check observing a timestamptz reports its UTC instant', async () => {
    const dir = await tmp();
    await writeProject(dir);
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'orders.csv'), 'order_id,ordered_at\n1,2026-11-01T09:15:00Z\n');
    await writeFile(
      path.join(dir, 'pipelines', 'orders.yaml'),
      [
        'name: orders',
        'source:',
        '  kind: csv',
        '  path: data/orders.csv',
        'columns:',
        '  ordered_at: { type: timestamptz }',
        'target:',
        '  table: raw.stamped',
        'checks:',
        '  - sql: { query: "SELECT max(ordered_at) FROM {{ this }}", expect: 0 }',
        '    severity: warn',
        '',
      ].join('\n'),
    );
    const run = await floeIn(dir, ['run', '--all', '--json'], { env: TOKYO });
    expect(run.code, show(run)).toBe(0);
    const check = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; observed?: unknown })
      .find((e) => e.event === 'check');
    expect(check?.observed, show(run)).toBe('2026-11-01T09:15:00Z');
    const json = await floeIn(dir, ['check', 'raw.stamped', '--format', 'json'], { env: TOKYO });
    expect(json.code, show(json)).toBe(0);
    const report = JSON.parse(json.stdout) as { results: { observed: unknown }[] };
    expect(report.results.map((x) => x.observed)).toContain('2026-11-01T09:15:00Z');
    const junit = await floeIn(dir, ['check', 'raw.stamped', '--format', 'junit'], { env: TOKYO });
    expect(junit.stdout, show(junit)).toContain('2026-11-01T09:15:00Z');
    expect(junit.stdout).not.toContain('+09');
  });
});
