/**
 * A csv pipeline reads each file of its glob with a reader of its own and unions them; each
 * reader held DuckDB's 32 MiB buffer, all at once, so a glob of 15 or more files (however
 * small) filled a run's 512 MB memory limit and failed with "Out of Memory Error". A small
 * file's reader now gets a buffer that fits it; rejects keep their file and line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeOk, useTmpDirs, writeProject } from './helpers.js';

describe('csv pipeline over many files', () => {
  const tmp = useTmpDirs('floe-load-review-many-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await mkdir(path.join(project, 'data'));
    await mkdir(path.join(project, 'pipelines'));
  });

  it('reads 40 small files in one run, with a reject at its file and line', async () => {
    const files = 40;
    for (let k = 0; k < files; k++) {
      const rows = [0, 1, 2].map((i) => `${k * 3 + i},"n\n${k}",${i}.5`);
      // File 17 has a row with a field too many, after a record holding a quoted line break.
      if (k === 17) rows.splice(2, 0, '999,x,1,extra');
      await writeFile(path.join(project, 'data', `f${String(k).padStart(2, '0')}.csv`), `id,name,amount\n${rows.join('\n')}\n`);
    }
    await writeFile(path.join(project, 'pipelines', 'many.yaml'), 'name: many\nsource:\n  kind: csv\n  path: data/*.csv\ntarget:\n  table: raw.many\n  mode: append\nrejects:\n  max_count: 1\n');
    await floeOk(project, ['run', 'many']);
    const q = await floeOk(project, ['query', 'SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(amount) AS total FROM raw.many', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ n: files * 3, ids: files * 3, total: files * (0.5 + 1.5 + 2.5) }]);
    const r = await floeOk(project, ['query', 'SELECT source, line, raw FROM raw.many__rejects', '--format', 'json']);
    // Lines: 1 header, 2-3 and 4-5 the first two records, 6 the bad one.
    expect(JSON.parse(r.stdout)).toEqual([{ source: path.join(project, 'data', 'f17.csv'), line: 6, raw: '999,x,1,extra' }]);
  });
});
