/**
 * Bad input, part 2: unknown tables, input files that do not fit the table, truncated
 * Parquet input, malformed CSV rows. Each fails with a message naming what is wrong, the
 * exit code of DESIGN §3 (1 failure, 2 usage/config), no stack trace unless --debug, and
 * leaves the table unchanged (same catalog pointer, same rows, same snapshots) or, for a
 * table that did not exist, absent.
 */
import { copyFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  catalogPointer,
  catalogTables,
  expectFailure,
  expectStackWithDebug,
  floeIn,
  removeFromCatalog,
  show,
  smallCsv,
  tableState,
  useTmpDirs,
  writeProject,
  type TableState,
} from './helpers.js';

const T = 'raw.t';
const tmp = useTmpDirs('floe-cli-bad-input-');
let project: string;
let before: TableState;
let tablesBefore: string[];

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  const input = path.join(project, 'a.csv');
  await writeFile(input, smallCsv(100));
  const r = await floeIn(project, ['load', T, input]);
  expect(r.code, show(r)).toBe(0);
  before = await tableState(project, T);
  tablesBefore = catalogTables(project);
});

/**
 * Cheap after every test: the pointer did not move and no table appeared. A table that did
 * appear is dropped first, so that one failure does not cascade into the next tests.
 */
afterEach(async () => {
  const now = catalogTables(project);
  for (const t of now.filter((t) => !tablesBefore.includes(t))) removeFromCatalog(project, t);
  const pointer = catalogPointer(project, T);
  const moved = pointer !== before.pointer;
  // A load that should have failed but committed: later tests compare with the new state.
  if (moved) before = await tableState(project, T);
  expect(moved, `${T} was changed by a command that should have failed`).toBe(false);
  expect(now, 'a failed load must not leave a new table in the catalog').toEqual(tablesBefore);
});

async function file(name: string, text: string): Promise<string> {
  const p = path.join(project, name);
  await writeFile(p, text);
  return p;
}

/** A CSV of `rows` good rows with `bad` inserted after good row `at` (0-based). */
function csvWithBadRow(rows: number, at: number, bad: string): string {
  const lines = smallCsv(rows).trimEnd().split('\n');
  lines.splice(at + 2, 0, bad); // +1 header, +1 after row `at`
  return lines.join('\n') + '\n';
}

describe('unknown tables', () => {
  it('describe and snapshots: exit 1, names the table, hints at `floe tables`', async () => {
    for (const cmd of ['describe', 'snapshots']) {
      expectFailure(await floeIn(project, [cmd, 'raw.nope']), 1, ['raw.nope', 'floe tables']);
      expectFailure(await floeIn(project, [cmd, 'nons.nope']), 1, ['nons.nope']);
    }
    await expectStackWithDebug(project, ['describe', 'raw.nope'], 1);
  });

  it('a name without a namespace is a usage error', async () => {
    expectFailure(await floeIn(project, ['describe', 'nope']), 2, ['nope', 'namespace.table']);
  });

  it('table drop: exit 1, names the table', async () => {
    expectFailure(await floeIn(project, ['table', 'drop', 'raw.nope']), 1, ['raw.nope']);
  });

  it('query: DuckDB\'s "does not exist" surfaces with a non-zero exit', async () => {
    // A name floe does not know just gets no view; DuckDB then reports the missing table.
    const r = await floeIn(project, ['query', 'SELECT * FROM raw.nope']);
    expect([1, 2], show(r)).toContain(r.code);
    expectFailure(r, r.code!, ['raw.nope', /does not exist/]);
    const bare = await floeIn(project, ['query', 'SELECT * FROM nope']);
    expectFailure(bare, r.code!, ['nope', /does not exist/]);
  });
});

describe('appending a file whose types do not match the table', () => {
  it('names the column, the file type and the table type; exit 1; table unchanged', async () => {
    const bad = await file('mismatch.csv', 'id,name,amount\nx1,a,2024-01-01\n');
    const r = await floeIn(project, ['load', T, bad]);
    // A type no value can cast to is refused before anything is read.
    expectFailure(r, 1, [T, /"amount".*date.*double/]);
    await expectStackWithDebug(project, ['load', T, bad], 1);
    expect(await tableState(project, T)).toEqual(before);
    // A text column is written into a long column only when every value is NULL: the value
    // that is not is named, with both types.
    const text = await file('mismatch-id.csv', 'id,name,amount\nx1,a,1.5\n');
    expectFailure(await floeIn(project, ['load', T, text]), 1, [T, /"id".*string.*long.*x1/]);
    expect(await tableState(project, T)).toEqual(before);
  });

  it('an extra column is named too', async () => {
    const bad = await file('extra.csv', 'id,name,amount,colour\n1,a,1.5,red\n');
    expectFailure(await floeIn(project, ['load', T, bad]), 1, [T, '"colour"']);
  });
});

describe('a truncated Parquet input file', () => {
  it('load fails naming the file; exit 1; the table is unchanged and no new table appears', async () => {
    const good = path.join(project, 'in.parquet');
    const q = await floeIn(project, ['query', `SELECT * FROM ${T}`, '--format', 'parquet', '--out', good]);
    expect(q.code, show(q)).toBe(0);
    const bad = path.join(project, 'truncated.parquet');
    await copyFile(good, bad);
    await truncate(bad, 300);
    expectFailure(await floeIn(project, ['load', T, bad]), 1, [bad]);
    expectFailure(await floeIn(project, ['load', 'raw.fresh', bad]), 1, [bad]);
    await expectStackWithDebug(project, ['load', T, bad], 1);
    expect(await tableState(project, T)).toEqual(before);
  });
});

describe('a malformed CSV row', () => {
  // DuckDB sniffs the dialect and types from the first 20480 rows; a bad row after them
  // fails while reading, a bad row inside them confuses the sniffer.
  it('after the sniffed sample (too few fields): fails with file and line; exit 1; table unchanged', async () => {
    const bad = await file('late-short.csv', csvWithBadRow(30_000, 25_000, '7,short'));
    const r = await floeIn(project, ['load', T, bad]);
    expectFailure(r, 1, [`${bad}:25003: `]);
    expect(await tableState(project, T)).toEqual(before);
  });

  it('after the sniffed sample (too many fields): fails with file and line', async () => {
    const bad = await file('late-long.csv', csvWithBadRow(30_000, 25_000, '7,a,1.5,extra,fields'));
    expectFailure(await floeIn(project, ['load', T, bad]), 1, [`${bad}:25003: `]);
  });

  it('after the sniffed sample, into a new table: fails, and the table is not created', async () => {
    const bad = path.join(project, 'late-short.csv');
    const r = await floeIn(project, ['load', 'raw.fresh', bad]);
    expectFailure(r, 1, [`${bad}:25003: `]);
    expect(catalogTables(project)).not.toContain('raw.fresh');
  });

  it('in a small file (too few fields): fails with file and line; exit 1', async () => {
    const bad = await file('short.csv', csvWithBadRow(5, 2, '7,short'));
    expectFailure(await floeIn(project, ['load', T, bad]), 1, [`${bad}:5: `]);
  });

  it('in a small file (too many fields): fails with file and line; exit 1', async () => {
    const bad = await file('long.csv', csvWithBadRow(5, 2, '7,a,1.5,extra,fields'));
    expectFailure(await floeIn(project, ['load', T, bad]), 1, [`${bad}:5: `]);
  });

  it('in a small file (unterminated quote): fails with file and line; exit 1', async () => {
    const bad = await file('quote.csv', csvWithBadRow(5, 2, '7,"unterminated,1.5'));
    expectFailure(await floeIn(project, ['load', T, bad]), 1, [`${bad}:5: `]);
  });

  it('in a small file, into a new table: fails, and no table is created', async () => {
    const bad = path.join(project, 'long.csv');
    expectFailure(await floeIn(project, ['load', 'raw.fresh', bad]), 1, [bad]);
    expect(catalogTables(project)).not.toContain('raw.fresh');
  });
});

describe('missing input', () => {
  it('a file that does not exist: exit 1, names it', async () => {
    const missing = path.join(project, 'no-such-file.csv');
    expectFailure(await floeIn(project, ['load', T, missing]), 1, [missing]);
  });

  it('a file whose format cannot be told: exit 2, hints at --format', async () => {
    const odd = await file('data.xyz', 'id\n1\n');
    expectFailure(await floeIn(project, ['load', T, odd]), 2, [odd, '--format']);
  });
});

describe('after all that', () => {
  it('the table is exactly as before and still takes appends', async () => {
    expect(await tableState(project, T)).toEqual(before);
    const more = await file('more.csv', smallCsv(10, 100));
    const r = await floeIn(project, ['load', T, more]);
    expect(r.code, show(r)).toBe(0);
    const after = await tableState(project, T);
    expect(after.rows).toBe(before.rows + 10n);
    before = after; // afterEach compares the pointer with the new state
  });
});
