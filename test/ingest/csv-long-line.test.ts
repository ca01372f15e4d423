/**
 * CSV records longer than DuckDB's default max_line_size (2 MB): floe reads them up to 16 MiB;
 * a longer one is an error naming its physical line without quoting it in full (no DuckDB
 * read_csv advice), and under a pipeline's rejects: a quarantined record.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CSV_MAX_LINE_BYTES, firstLineLongerThan } from '../../src/ingest/csv-errors.js';
import { assertBuilt, countRows, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-csv-long-line-');

/** A CSV file whose line 3 holds a value of `n` characters. */
const withLongRow = (n: number) => `id,blob\n1,a\n2,${'x'.repeat(n)}\n3,b\n`;

describe('firstLineLongerThan', () => {
  it('finds the physical line', async () => {
    const dir = await tmp();
    const f = path.join(dir, 'f.csv');
    await writeFile(f, `a\nbb\n${'c'.repeat(100)}\nd\n`);
    expect(await firstLineLongerThan(f, 50)).toBe(3);
    expect(await firstLineLongerThan(f, 500)).toBeUndefined();
  });
});

describe('long CSV records', () => {
  let project: string;
  const over = CSV_MAX_LINE_BYTES + 1_000_000;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await mkdir(path.join(project, 'pipelines'));
    await writeFile(path.join(project, 'long.csv'), withLongRow(3_000_000));
    await writeFile(path.join(project, 'over.csv'), withLongRow(over));
    await writeFile(path.join(project, 'pipelines', 'quarantined.yaml'), 'source: { kind: csv, path: over.csv }\ntarget: { table: raw.q }\nrejects: { max_ratio: 0.5 }\n');
    await writeFile(path.join(project, 'pipelines', 'strict.yaml'), 'source: { kind: csv, path: over.csv }\ntarget: { table: raw.s }\n');
  });

  it('floe load reads a 3 MB value (DuckDB alone stops at 2 MB)', async () => {
    const r = await floeIn(project, ['load', 'raw.l', path.join(project, 'long.csv')]);
    expect(r.code, show(r)).toBe(0);
    const q = await floeIn(project, ['query', 'SELECT id, length(blob) AS n FROM raw.l ORDER BY id', '--format', 'csv']);
    expect(q.stdout.trim().split('\n')).toEqual(['id,n', '1,1', '2,3000000', '3,1']);
  });

  it('a record over 16 MiB: floe load names its physical line, quotes none of it, offers no read_csv option', async () => {
    const file = path.join(project, 'over.csv');
    const r = await floeIn(project, ['load', 'raw.o', file, '--json']);
    expectFailure(r, 1);
    expect(r.stderr).toContain(`${file}:3: the record is 17 MiB long`);
    expect(r.stderr).toContain('longer than the 16 MiB floe reads a CSV record up to');
    expect(r.stderr + r.stdout).not.toMatch(/max_line_size|Possible Solution|xxxxxxxxxx/);
    expect(r.stderr.length + r.stdout.length).toBeLessThan(2000);
  });

  it('a pipeline without rejects: fails the same way, naming the line', async () => {
    const r = await floeIn(project, ['run', 'strict']);
    expectFailure(r, 1, [`${path.join(project, 'over.csv')}:3: the record is 17 MiB long`]);
    expect(r.stderr).not.toMatch(/max_line_size|xxxxxxxxxx/);
  });

  it('a pipeline with rejects: quarantines the record and writes the others', async () => {
    const r = await floeIn(project, ['run', 'quarantined']);
    expect(r.code, show(r)).toBe(0);
    expect(await countRows(project, 'raw.q')).toBe(2n);
    const q = await floeIn(project, ['query', 'SELECT reason FROM raw.q__rejects', '--format', 'csv']);
    expect(q.code, show(q)).toBe(0);
    expect(q.stdout).toMatch(/LINE SIZE OVER MAXIMUM/);
  });
});
