/**
 * DuckDB's CSV reader errors reach the user as floe messages: file:line, what is wrong, a hint
 * with floe's options (a source's columns: types, encoding:, rejects:), and none of DuckDB's
 * read_csv advice (types={...}, sample_size=-1, encoding='UTF-16', ignore_errors) or its
 * option dump (which showed floe's internal reads: delimiter = \0\0).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDuckCsvError } from '../../src/ingest/csv-errors.js';
import { assertBuilt, countRows, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const DUCKDB_ADVICE = /Possible [Ss]olution|types=\{|sample_size|ignore_errors|encoding='|delimiter = |Original Line|\(Set By User\)|\(Auto-Detected\)/;

describe('parseDuckCsvError', () => {
  it('takes DuckDB\'s message apart', () => {
    const m =
      'DuckDB could not read x: Conversion Error: CSV Error on Line: 30002\nOriginal Line: 30001,abc\nError when converting column "amount". Could not convert string "abc" to \'DOUBLE\'\n\n' +
      'Column amount is being converted as type DOUBLE\nThis type was auto-detected from the CSV file.\nPossible solutions:\n* Override the type\n\n  file = /d/amt.csv\n  delimiter = , (Set By User)\n  all_varchar = 0 (input: /d/amt.csv)';
    expect(parseDuckCsvError(m)).toEqual({
      line: 30002,
      original: '30001,abc',
      problem: 'Error when converting column "amount". Could not convert string "abc" to \'DOUBLE\'',
      file: '/d/amt.csv',
      column: 'amount',
      type: 'DOUBLE',
    });
    expect(parseDuckCsvError('DuckDB could not read x: IO Error: No files found')).toBeUndefined();
  });
});

describe('CSV read errors in floe terms', () => {
  const tmp = useTmpDirs('floe-csv-errors-hints-');
  let project: string;
  const at = (f: string) => path.join(project, f);
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await mkdir(at('pipelines'));
    const rows = ['id,amount'];
    for (let i = 0; i < 30000; i++) rows.push(`${i},${i}.5`);
    rows.push('30001,abc');
    await writeFile(at('amt.csv'), `${rows.join('\n')}\n`);
    await writeFile(at('lat.csv'), Buffer.from('id,name\n1,Bob\n2,Jos\xe9\n3,Ann\n', 'latin1'));
    await writeFile(at('pipelines/lat.yaml'), 'source: { kind: csv, path: lat.csv }\ntarget: { table: raw.lat }\n');
    await writeFile(at('pipelines/lat_rejects.yaml'), 'source: { kind: csv, path: lat.csv }\ntarget: { table: raw.latr }\nrejects: { max_ratio: 0.5 }\n');
    await writeFile(at('pipelines/lat_ok.yaml'), 'source: { kind: csv, path: lat.csv, encoding: latin-1 }\ntarget: { table: raw.latok }\n');
  });

  it('floe load: a value past the sniffed rows that does not fit its type names file, line, column, value and the floe option', async () => {
    const r = await floeIn(project, ['load', 'raw.a', at('amt.csv')]);
    expectFailure(r, 1, [`${at('amt.csv')}:30002: column "amount": "abc" is not a double`, 'source: { kind: csv, columns: { amount: string } }']);
    expect(r.stderr).not.toMatch(DUCKDB_ADVICE);
    expect(r.stderr.split('\n').length).toBeLessThan(5);
  });

  it('floe load: a Latin-1 file names the line that is not UTF-8 and the pipeline encoding option', async () => {
    const r = await floeIn(project, ['load', 'raw.b', at('lat.csv')]);
    expectFailure(r, 1, [`${at('lat.csv')}:3: the line is not UTF-8 text`, 'encoding: latin-1']);
    expect(r.stderr).not.toMatch(DUCKDB_ADVICE);
  });

  it('a pipeline reading a Latin-1 file as UTF-8 names the line and encoding: latin-1, not an internal read', async () => {
    const r = await floeIn(project, ['run', 'lat']);
    expectFailure(r, 1, [`${at('lat.csv')}:3`, 'encoding: latin-1']);
    expect(r.stderr).not.toMatch(DUCKDB_ADVICE);
    expect(r.stderr).not.toMatch(/map the lines/);
  });

  it('under rejects: the row is quarantined with that reason; with encoding: latin-1 all rows are read', async () => {
    const r = await floeIn(project, ['run', 'lat_rejects']);
    expect(r.code, show(r)).toBe(0);
    expect(await countRows(project, 'raw.latr')).toBe(2n);
    const q = await floeIn(project, ['query', 'SELECT line, reason FROM raw.latr__rejects', '--format', 'csv']);
    expect(q.stdout).toMatch(/^3,.*encoding: latin-1/m);
    const ok = await floeIn(project, ['run', 'lat_ok']);
    expect(ok.code, show(ok)).toBe(0);
    expect(await countRows(project, 'raw.latok')).toBe(3n);
  });
});
