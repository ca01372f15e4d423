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
import { assertBuilt, floeOk, useTmpDirs, writeProject } from './helpers.js';

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
});
