/**
 * `floe load` types a CSV file's columns from its first 20,480 rows, as DuckDB's sniffer
 * does. A later `10.5` in a column of whole numbers there was read as 11, and `0x1F` as 31,
 * without a word. Now such a column is written as the double it holds (a new table), refused
 * by an existing `long` column (naming it, nothing written), and `0x1F` fails naming its line;
 * a later integer of 2^53 or more stays an exact long.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-cli-load-late-');
beforeAll(assertBuilt);

/** 30,000 records `id,qty`, qty `i % 97` except record 25,001, which holds `late`. */
async function lateCsv(dir: string, late: string): Promise<string> {
  const lines = ['id,qty'];
  for (let i = 1; i <= 30_000; i++) lines.push(`${i},${i === 25_001 ? late : String(i % 97)}`);
  const file = path.join(dir, 'late.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const query = async (project: string, sql: string) => (await floeOk(project, ['query', sql, '--format', 'csv'])).stdout;

describe('floe load: a value after the rows the types were sniffed from', () => {
  it('a later fraction makes a new table column double, the fraction kept', async () => {
    const project = await writeProject(await tmp());
    const file = await lateCsv(project, '10.5');
    await floeOk(project, ['load', 'raw.t', file]);
    expect(await query(project, 'SELECT typeof(qty) AS t, qty FROM raw.t WHERE id = 25001')).toBe('t,qty\nDOUBLE,10.5\n');
    expect(await query(project, 'SELECT count(*) AS n, sum(qty) = sum(CAST(qty AS BIGINT)) AS whole FROM raw.t WHERE id <> 25001')).toBe('n,whole\n29999,true\n');
  });

  it('an existing long column refuses it, and nothing is written', async () => {
    const project = await writeProject(await tmp());
    const file = await lateCsv(project, '10.5');
    await floeOk(project, ['table', 'create', 'raw.t', '--column', 'id long', '--column', 'qty long']);
    const r = await floeIn(project, ['load', 'raw.t', file]);
    expectFailure(r, 1, ['column "qty"', 'the input has type double']);
    expect(await query(project, 'SELECT count(*) AS n FROM raw.t')).toBe('n\n0\n');
  });

  it('0x1F is refused naming its line, not read as 31', async () => {
    const project = await writeProject(await tmp());
    const file = await lateCsv(project, '0x1F');
    const r = await floeIn(project, ['load', 'raw.t', file]);
    expectFailure(r, 1, [`${file}:25002: column "qty": "0x1F"`]);
    expect((await floeIn(project, ['describe', 'raw.t'])).code).not.toBe(0);
  });

  it('a later integer of 2^53 or more stays an exact long', async () => {
    const project = await writeProject(await tmp());
    const file = await lateCsv(project, '9007199254740993');
    await floeOk(project, ['load', 'raw.t', file]);
    expect(await query(project, 'SELECT any_value(typeof(qty)) AS t, CAST(max(qty) AS VARCHAR) AS m FROM raw.t')).toBe('t,m\nBIGINT,9007199254740993\n');
  });
});
