/**
 * A table map<string, string> (written from JSON values of mixed kinds, numbers as their
 * JSON text) takes numbers and booleans of a later struct or map batch as their JSON text, as
 * a batch of mixed values writes them (reconcile.ts structIntoMap, mergeNested).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';
import { f, struct, map, schema, useReconcileWrite } from '../helpers/reconcile-write.js';

const write = useReconcileWrite();

const problemsOf = (e: unknown) => (e instanceof FloeError ? { kind: e.kind, message: e.message } : e);

describe('table map<string, string>, numbers and booleans of the input', () => {
  const table = schema(f(1, 'id', 'long'), f(2, 'attrs', map(3, 4, 'string')));

  for (const policy of ['fail', 'add_columns', 'ignore'] as const) {
    it(`a struct's long, double and boolean fields are written as their JSON text, with no schema change (${policy})`, async () => {
      const { r, out } = await write(table, "SELECT * FROM (VALUES (1, {'color': 'red', 'size': 4::BIGINT, 'w': 2.5::DOUBLE, 'ok': true}), (2, {'color': 'blue', 'size': NULL, 'w': NULL, 'ok': false})) AS v(id, attrs)", policy);
      expect(r.evolved).toBe(false);
      expect(r.schema).toBe(table);
      expect(r.casts).toContain('write attrs.value (input long) as string: each value as its JSON text');
      expect(await out()).toEqual([
        { id: 1, attrs: { color: 'red', size: '4', w: '2.5', ok: 'true' } },
        { id: 2, attrs: { color: 'blue', ok: 'false' } },
      ]);
    });
  }

  it("a map batch whose values are all numbers is written the same way", async () => {
    const { r, out } = await write(table, "SELECT * FROM (VALUES (1, MAP {'size': 4::BIGINT}), (2, MAP {'n': -7::BIGINT})) AS v(id, attrs)", 'fail');
    expect(r.evolved).toBe(false);
    expect(await out()).toEqual([
      { id: 1, attrs: { size: '4' } },
      { id: 2, attrs: { n: '-7' } },
    ]);
  });

  it('only a map value takes them: a string struct field still refuses a long', async () => {
    const t = schema(f(1, 'id', 'long'), f(2, 'attrs', struct(f(3, 'size', 'string'))));
    const e = await write(t, "SELECT 1 AS id, {'size': 4::BIGINT} AS attrs").catch((x: unknown) => x);
    expect(problemsOf(e)).toMatchObject({ kind: 'schema', message: expect.stringContaining('column "attrs.size": the input has type long, the table raw.t has string') });
  });
});

describe('the CLI', () => {
  const newProject = useProjects();
  beforeAll(assertBuilt);
  const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

  it('a map table written from mixed values takes a struct batch with a numeric field, as the map batch wrote it', async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    const keys = ['color', 'size', ...Array.from({ length: 10 }, (_, i) => `k${i}`)];
    await p.write('data/events.jsonl', lines(keys.map((k, i) => ({ id: 10 + i, attrs: { [k]: k === 'color' ? 'green' : k === 'size' ? 3 : `s${i}` } }))));
    await p.run(['events']);
    await p.write('data/events.jsonl', lines([{ id: 100, attrs: { color: 'red', size: 4, ok: true } }, { id: 101, attrs: { color: 'blue', size: 5, ok: false } }]));
    const r = await p.run(['events', '--json']);
    expect(events(r.stdout).find((x) => x.event === 'commit'), show(r)).toMatchObject({ rows_written: 2, schema_changes: [] });
    expect(await p.queryCli("SELECT id, attrs['color'] AS color, attrs['size'] AS size, attrs['ok'] AS ok FROM raw.events WHERE id IN (10, 11, 100, 101) ORDER BY id")).toEqual([
      { id: 10, color: 'green', size: null, ok: null },
      { id: 11, color: null, size: '3', ok: null },
      { id: 100, color: 'red', size: '4', ok: 'true' },
      { id: 101, color: 'blue', size: '5', ok: 'false' },
    ]);
  });
});
