/**
 * A csv pipeline over a glob where one file holds only its header (the export of a day without
 * rows): DuckDB's sniffer types that file's columns as text, and the union by name of the
 * files' readers made every column text, so the table was created with string columns (an
 * id 1 became "1"). The file is now left out of the union; the columns only it names are
 * still columns (NULL), and rejects keep their lines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from './helpers.js';

describe('csv pipeline with a header-only file', () => {
  const tmp = useTmpDirs('floe-load-review-header-only-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await mkdir(path.join(project, 'data'));
    await mkdir(path.join(project, 'pipelines'));
  });

  it('types the columns from the files with records, keeps the empty file\'s own columns, and the rejects\' lines', async () => {
    await writeFile(path.join(project, 'data', 'a.csv'), 'id,amount,day\n1,2.50,2026-11-01\n2,"3.5",2026-11-02\n');
    await writeFile(path.join(project, 'data', 'b.csv'), 'id,amount,day,note\r\n\r\n');
    await writeFile(path.join(project, 'data', 'c.csv'), 'id,amount,day\n3,"4\n",2026-11-03\n4,5,2026-11-04,extra\n5,6.25,2026-11-05\n');
    await writeFile(
      path.join(project, 'pipelines', 'days.yaml'),
      'name: days\nsource:\n  kind: csv\n  path: data/*.csv\ntarget:\n  table: raw.days\n  mode: append\nrejects:\n  max_count: 1\n',
    );
    await floeOk(project, ['run', 'days']);
    const d = await floeOk(project, ['describe', 'raw.days', '--json']);
    const { metadata } = JSON.parse(d.stdout) as { metadata: { 'current-schema-id': number; schemas: { 'schema-id': number; fields: { name: string; type: string }[] }[] } };
    const fields = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id'])!.fields;
    expect(fields.map((f) => [f.name, f.type])).toEqual([
      ['id', 'long'],
      ['amount', 'double'],
      ['day', 'date'],
      ['note', 'string'],
    ]);
    const q = await floeOk(project, ['query', 'SELECT id, amount, CAST(day AS VARCHAR) AS day, note FROM raw.days ORDER BY id', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([
      { id: 1, amount: 2.5, day: '2026-11-01', note: null },
      { id: 2, amount: 3.5, day: '2026-11-02', note: null },
      { id: 3, amount: 4, day: '2026-11-03', note: null },
      { id: 5, amount: 6.25, day: '2026-11-05', note: null },
    ]);
    const r = await floeOk(project, ['query', 'SELECT source, line, raw FROM raw.days__rejects', '--format', 'json']);
    expect(JSON.parse(r.stdout)).toEqual([{ source: path.join(project, 'data', 'c.csv'), line: 4, raw: '4,5,2026-11-04,extra' }]);
  });

  it('a column empty in one file keeps the type the other files give it; one that holds text in a file stays text', async () => {
    await mkdir(path.join(project, 'data2'));
    await writeFile(path.join(project, 'data2', 'a.csv'), 'id,amount,day,code\n1,2.50,2026-11-01,7\n');
    await writeFile(path.join(project, 'data2', 'b.csv'), 'id,amount,day,code\n2,,,007\n3,,,\n');
    await writeFile(path.join(project, 'data2', 'c.csv'), 'id,amount,day,code\n4,"x\ny",,\n5,abc,2026-11-05,8\n');
    await writeFile(path.join(project, 'pipelines', 'gaps.yaml'), 'name: gaps\nsource:\n  kind: csv\n  path: data2/[ab].csv\ntarget:\n  table: raw.gaps\n  mode: append\n');
    await floeOk(project, ['run', 'gaps']);
    const q = await floeOk(project, ['query', 'SELECT id, amount, CAST(day AS VARCHAR) AS day, code FROM raw.gaps ORDER BY id', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([
      { id: 1, amount: 2.5, day: '2026-11-01', code: '7' },
      { id: 2, amount: null, day: null, code: '007' },
      { id: 3, amount: null, day: null, code: null },
    ]);
    // c.csv's amounts are text: the column stays text, each value as written.
    await writeFile(path.join(project, 'pipelines', 'gaps.yaml'), 'name: gaps\nsource:\n  kind: csv\n  path: data2/[ac].csv\ntarget:\n  table: raw.gaps2\n  mode: append\n');
    await floeOk(project, ['run', 'gaps']);
    const t = await floeOk(project, ['query', 'SELECT id, amount, CAST(day AS VARCHAR) AS day FROM raw.gaps2 ORDER BY id', '--format', 'json']);
    expect(JSON.parse(t.stdout)).toEqual([
      { id: 1, amount: '2.50', day: '2026-11-01' },
      { id: 4, amount: 'x\ny', day: null },
      { id: 5, amount: 'abc', day: '2026-11-05' },
    ]);
  });

  it('a header-only file whose header names a column twice is still refused, naming it', async () => {
    await mkdir(path.join(project, 'data3'));
    await writeFile(path.join(project, 'data3', 'a.csv'), 'id,amount\n1,2.5\n');
    await writeFile(path.join(project, 'data3', 'b.csv'), 'id,amount,ID\n');
    await writeFile(path.join(project, 'pipelines', 'dup.yaml'), 'name: dup\nsource:\n  kind: csv\n  path: data3/*.csv\ntarget:\n  table: raw.dup\n  mode: append\n');
    expectFailure(await floeIn(project, ['run', 'dup']), 1, [`${path.join(project, 'data3', 'b.csv')}:1: the header names "id" and "ID"`]);
  });
});
