/**
 * DuckDB's JSON reader types date-time text as a timestamp when its forms agree
 * (`…12:00:00Z` on every record) and as text when they vary (`…12:00:00Z` beside
 * `…13:00:00.5+01:00`, as Python's `isoformat()` writes). A feed whose first batch made a
 * `timestamp` column failed the day a batch of mixed forms came (`the input has type string,
 * the table has timestamp`). Such text is now written into a timestamp or timestamptz column
 * as the reader would have typed it (the instant; UTC when it has no offset); other text still
 * fails the write, naming the value.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const typeOf = async (p: Awaited<ReturnType<typeof newProject>>, table: string, column: string) => {
  const m = await p.metadata(table);
  const schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;
  return schema.fields.find((f) => f.name === column)?.type;
};

describe('JSON date-time text of mixed forms into a timestamp column', () => {
  it('a later batch of mixed forms appends to the timestamp column, as instants in UTC', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/*.jsonl }\ntarget: { table: raw.ev, mode: append }\n');
    await p.write('data/a.jsonl', '{"id": 1, "ts": "2024-01-01T12:00:00Z"}\n{"id": 2, "ts": "2024-01-01T13:00:00Z"}\n');
    await p.run(['ev']);
    expect(await typeOf(p, 'raw.ev', 'ts')).toBe('timestamp');
    await p.write(
      'data/a.jsonl',
      '{"id": 3, "ts": "2024-01-02T12:00:00Z"}\n{"id": 4, "ts": "2024-01-02T13:00:00.5+01:00"}\n{"id": 5, "ts": "2024-01-02 09:15"}\n{"id": 6, "ts": null}\n',
    );
    const plan = await p.floe(['plan', 'ev']);
    expect(plan.stdout, show(plan)).toContain('write ts (input string) as timestamp: only if every value is NULL or ISO-8601 date-time text');
    await p.run(['ev']);
    expect(await typeOf(p, 'raw.ev', 'ts')).toBe('timestamp');
    const rows = await p.query('SELECT id, CAST(ts AS VARCHAR) AS ts FROM raw.ev ORDER BY id');
    expect(rows.map((r) => [Number(r.id), r.ts])).toEqual([
      [1, '2024-01-01 12:00:00'],
      [2, '2024-01-01 13:00:00'],
      [3, '2024-01-02 12:00:00'],
      [4, '2024-01-02 12:00:00.5'],
      [5, '2024-01-02 09:15:00'],
      [6, null],
    ]);
  }, 60_000);

  it('a timestamptz column takes them too; text that is no date-time fails, naming it, and nothing is written', async () => {
    const p = await newProject();
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/*.jsonl }\ncolumns: { ts: { type: timestamptz } }\ntarget: { table: raw.ev, mode: append }\n');
    await p.write('data/a.jsonl', '{"id": 1, "ts": "2024-01-01T12:00:00Z"}\n');
    await p.run(['ev']);
    expect(await typeOf(p, 'raw.ev', 'ts')).toBe('timestamptz');
    // The pipeline no longer declares the type: the reader's text goes to the table's column.
    await p.pipeline('ev', 'source: { kind: jsonl, path: data/*.jsonl }\ntarget: { table: raw.ev, mode: append }\n');
    await p.write('data/a.jsonl', '{"id": 2, "ts": "2024-01-02T12:00:00Z"}\n{"id": 3, "ts": "2024-01-02T13:00:00.25-05:00"}\n');
    await p.run(['ev']);
    const before = await p.snapshots('raw.ev');
    await p.write('data/a.jsonl', '{"id": 4, "ts": "2024-01-03T12:00:00Z"}\n{"id": 5, "ts": "yesterday"}\n');
    const bad = await p.run(['ev'], 1);
    expect(bad.stderr).toContain('column "ts": the input has type string, the table raw.ev has timestamptz, and the value yesterday is not ISO-8601 date-time text');
    expect(await p.snapshots('raw.ev')).toEqual(before);
    const rows = await p.query("SELECT id, strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS ts FROM raw.ev ORDER BY id");
    expect(rows.map((r) => [Number(r.id), r.ts])).toEqual([
      [1, '2024-01-01T12:00:00.000000'],
      [2, '2024-01-02T12:00:00.000000'],
      [3, '2024-01-02T18:00:00.250000'],
    ]);
  }, 60_000);

  it('floe load of mixed forms into the column; a bad value is named at its file and line', async () => {
    const p = await newProject();
    const a = await p.write('data/a.jsonl', '{"id": 1, "ts": "2024-01-01T12:00:00Z"}\n');
    const first = await p.floe(['load', 'raw.l', a]);
    expect(first.code, show(first)).toBe(0);
    expect(await typeOf(p, 'raw.l', 'ts')).toBe('timestamp');
    const b = await p.write('data/b.jsonl', '{"id": 2, "ts": "2024-01-02T12:00:00Z"}\n{"id": 3, "ts": "2024-01-02T12:00:00.75+02:00"}\n');
    const second = await p.floe(['load', 'raw.l', b]);
    expect(second.code, show(second)).toBe(0);
    const c = await p.write('data/c.jsonl', '{"id": 4, "ts": "2024-01-03T12:00:00Z"}\n{"id": 5, "ts": "2024-01-03T12:00:00+01:00"}\n{"id": 6, "ts": "03/01/2024 12:00"}\n');
    const third = await p.floe(['load', 'raw.l', c]);
    expect(third.code, show(third)).toBe(1);
    expect(third.stderr).toContain('c.jsonl:3: cannot write to raw.l: column "ts"');
    expect(third.stderr).toContain('the value 03/01/2024 12:00 is not ISO-8601 date-time text');
    const rows = await p.query('SELECT id, CAST(ts AS VARCHAR) AS ts FROM raw.l ORDER BY id');
    expect(rows.map((r) => [Number(r.id), r.ts])).toEqual([
      [1, '2024-01-01 12:00:00'],
      [2, '2024-01-02 12:00:00'],
      [3, '2024-01-02 10:00:00.75'],
    ]);
  }, 60_000);
});
