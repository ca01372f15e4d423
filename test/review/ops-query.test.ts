/**
 * `floe query` against bad input: unknown tables, empty and multi-statement SQL, --out into a
 * missing folder, onto a folder or over an existing file, and time-travel options that do not
 * parse. Each fails with the exit code of DESIGN §3 and names what was wrong; an existing
 * --out file survives a failed query untouched.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, show, smallCsv, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-ops-query-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await writeFile(path.join(project, 'a.csv'), smallCsv(3));
  const r = await floeIn(project, ['load', 'raw.t', path.join(project, 'a.csv')]);
  expect(r.code, show(r)).toBe(0);
});

describe('floe query: names that are not in the catalog', () => {
  it('an unknown table in a known namespace is not-found naming the table (DuckDB says the schema is missing)', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM raw.nope']), 1, ['table raw.nope does not exist in catalog "floe"', 'floe tables']);
  });

  it('an unknown table joined to a known one is named with its namespace', async () => {
    const r = await floeIn(project, ['query', 'SELECT * FROM raw.t JOIN "raw"."missing" USING (id)']);
    expectFailure(r, 1, ['table raw.missing does not exist in catalog "floe"']);
  });

  it('a bare name is not-found too, saying how catalog tables are named (DuckDB suggested its system tables)', async () => {
    const r = await floeIn(project, ['query', 'SELECT * FROM nope']);
    expectFailure(r, 1, ['table nope does not exist: catalog tables are named namespace.table', 'floe tables']);
    expect(r.stderr).not.toContain('pg_enum');
  });

  it('a bad column stays a usage error in DuckDB words', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT nosuch FROM raw.t']), 2, ['nosuch']);
  });
});

describe('floe query: SQL text', () => {
  it('empty SQL is a usage error', async () => {
    expectFailure(await floeIn(project, ['query', '  ;  ']), 2, ['the SQL text is empty']);
  });

  it('several statements are a usage error', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT 1; SELECT 2']), 2, ['runs one SQL statement']);
  });
});

describe('floe query --out', () => {
  it('into a folder that does not exist: usage error naming --out and the folder', async () => {
    const target = path.join(project, 'nodir', 'x.csv');
    expectFailure(await floeIn(project, ['query', 'SELECT * FROM raw.t', '--out', target, '--format', 'csv']), 2, [
      `--out ${target}: the folder ${path.dirname(target)} does not exist`,
    ]);
  });

  it('onto a folder: usage error', async () => {
    const dir = path.join(project, 'outdir');
    await mkdir(dir, { recursive: true });
    expectFailure(await floeIn(project, ['query', 'SELECT 1', '--out', dir, '--format', 'json']), 2, ['is a folder']);
  });

  it('a failing query leaves an existing file as it was, and no temporary file behind', async () => {
    const dir = path.join(project, 'keep');
    await mkdir(dir, { recursive: true });
    const target = path.join(dir, 'result.csv');
    await writeFile(target, 'precious\n');
    for (const format of ['csv', 'json', 'parquet']) {
      const r = await floeIn(project, ['query', "SELECT CAST(name AS INTEGER) AS n FROM raw.t", '--out', target, '--format', format]);
      expectFailure(r, 1, ['Could not convert']);
      expect(await readFile(target, 'utf8')).toBe('precious\n');
    }
    expect(await readdir(dir)).toEqual(['result.csv']);
    // A query that succeeds replaces it.
    const ok = await floeIn(project, ['query', 'SELECT id FROM raw.t ORDER BY id', '--out', target, '--format', 'csv']);
    expect(ok.code, show(ok)).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('id\n0\n1\n2\n');
    expect(await readdir(dir)).toEqual(['result.csv']);
  });

  it('a named pipe stays a pipe: written through, not renamed over', async () => {
    const fifo = path.join(project, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const reading = readFile(fifo, 'utf8');
    const r = await floeIn(project, ['query', 'SELECT 7 AS n', '--out', fifo]);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(await reading)).toEqual([{ n: 7 }]);
    expect((await stat(fifo)).isFIFO()).toBe(true);
  });

  it('without --format, the extension of --out picks it', async () => {
    const json = path.join(project, 'r.json');
    const r = await floeIn(project, ['query', 'SELECT id, 9007199254740993::BIGINT AS big FROM raw.t ORDER BY id LIMIT 1', '--out', json]);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(await readFile(json, 'utf8'))).toEqual([{ id: 0, big: '9007199254740993' }]);
    const csv = path.join(project, 'r.csv');
    expect((await floeIn(project, ['query', 'SELECT id FROM raw.t ORDER BY id LIMIT 1', '--out', csv])).code).toBe(0);
    expect(await readFile(csv, 'utf8')).toBe('id\n0\n');
    // An explicit --format wins over the extension.
    const table = path.join(project, 'r2.json');
    expect((await floeIn(project, ['query', 'SELECT id FROM raw.t ORDER BY id LIMIT 1', '--out', table, '--format', 'table'])).code).toBe(0);
    expect(await readFile(table, 'utf8')).toMatch(/^id\n--\n0\n\(1 row\)\n$/);
  });
});

describe('floe query: time travel options', () => {
  it('--as-of that Date.parse would bend is refused, naming the option', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT count(*) FROM raw.t', '--as-of', '-5']), 2, ["--as-of '-5' is not a time"]);
    expectFailure(await floeIn(project, ['query', 'SELECT count(*) FROM raw.t', '--as-of', '2026-02-30']), 2, ['2026-02-30 is not a calendar date']);
  });

  it('--as-of before the first snapshot names the table and where its history starts', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT count(*) FROM raw.t', '--as-of', '2001-01-01T00:00:00Z']), 1, [
      'table raw.t has no snapshot at or before 2001-01-01T00:00:00.000Z',
      'its history starts at',
    ]);
  });

  it('an unknown tag or snapshot id names the table', async () => {
    expectFailure(await floeIn(project, ['query', 'SELECT count(*) FROM raw.t', '--snapshot', 'nosuchtag']), 1, ["table raw.t has no branch or tag named 'nosuchtag'"]);
    expectFailure(await floeIn(project, ['query', 'SELECT count(*) FROM raw.t', '--snapshot', '123']), 1, ['table raw.t has no snapshot 123']);
  });
});
