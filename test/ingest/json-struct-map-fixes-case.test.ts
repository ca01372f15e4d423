/**
 * Reading an input map into a table struct (reconcile.ts mapIntoStruct):
 * - new map keys that differ from each other only in case fail naming the column and both
 *   keys (a schema error, exit 1), not with DuckDB's Binder error as a usage error (exit 2);
 * - a Binder error from the write's own query over the data is a schema error, never usage.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeDataFiles } from '../../src/engine/write-parquet.js';
import { FloeError } from '../../src/errors.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';
import { f, struct, schema, useReconcileWrite } from '../helpers/reconcile-write.js';

const write = useReconcileWrite();

const problemsOf = (e: unknown) => (e instanceof FloeError ? { kind: e.kind, message: e.message } : e);

describe('new map keys that differ only in case', () => {
  const table = schema(f(1, 'id', 'long'), f(2, 'attrs', struct(f(3, 'a', 'string'))));
  const rows = "SELECT * FROM (VALUES (1, MAP {'q': 'v0'}), (2, MAP {'Q': 'v1'}), (3, MAP {'a': 'x', 'zz': 'y'})) AS v(id, attrs)";

  it('fail under add_columns naming the column and both keys, with the hint to store the column as a map', async () => {
    const e = await write(table, rows).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    const err = e as FloeError;
    expect(err.kind).toBe('schema');
    expect(err.message).toContain(`column "attrs": the input's map has the keys "Q" and "q", which differ only in case: they cannot both be new fields of the table raw.t's struct`);
    expect(err.hint).toContain('--drop-column attrs --add-column "attrs map<string,string>"');
  });

  it('are left out under ignore', async () => {
    const { r, out } = await write(table, rows, 'ignore');
    expect(r.evolved).toBe(false);
    expect(await out()).toEqual([
      { id: 1, attrs: { a: null } },
      { id: 2, attrs: { a: null } },
      { id: 3, attrs: { a: 'x' } },
    ]);
  });
});

describe("writeDataFiles: a Binder error of the write's query", () => {
  it('is a schema error (exit 1), not a usage error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'floe-binder-'));
    try {
      const e = await writeDataFiles({
        engine: write.engine(),
        selectSql: "SELECT struct_pack(q := 'a', \"Q\" := 'b') AS s",
        schema: schema(f(1, 's', struct(f(2, 'q', 'string')))),
        targetFileSizeBytes: 1 << 20,
        outputDir: dir,
        fileNamePrefix: 'x',
        table: 'raw.t',
      }).catch((x: unknown) => x);
      expect(problemsOf(e)).toMatchObject({ kind: 'schema', message: expect.stringContaining('Duplicate struct entry name') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the CLI', () => {
  const newProject = useProjects();
  beforeAll(assertBuilt);
  const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

  it('map keys q and Q new to a struct column fail with exit 1 naming the column and both keys', async () => {
    const p = await newProject();
    await p.pipeline('events', 'source: { kind: jsonl, path: data/events.jsonl }\ntarget: { table: raw.events }\n');
    await p.write('data/events.jsonl', lines([{ id: 1, attrs: { a: 'x1', b: 'y1' } }, { id: 2, attrs: { a: 'x2', b: 'y2' } }]));
    await p.run(['events']);
    const keys = ['q', 'Q', ...Array.from({ length: 10 }, (_, i) => `m${i}`)];
    await p.write('data/events.jsonl', lines(keys.map((k, i) => ({ id: 50 + i, attrs: { [k]: `v${i}` } }))));
    const r = await p.floe(['run', 'events']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`column "attrs": the input's map has the keys "Q" and "q", which differ only in case`);
    expect(r.stderr).not.toContain('Binder Error');
  });
});
