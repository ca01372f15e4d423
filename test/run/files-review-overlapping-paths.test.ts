/**
 * A pipeline whose `path` list names one file twice (a glob and the file itself). csv and
 * jsonl sources and `floe load` read each file once; json and parquet sources passed the
 * patterns to DuckDB, which read the file once per pattern: its rows were written twice.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, duck, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('a file matched by two of a source\'s paths', () => {
  for (const kind of ['json', 'parquet', 'csv', 'jsonl']) {
    it(`is read once by a ${kind} pipeline`, async () => {
      const p = await newProject();
      if (kind === 'parquet') {
        await p.write('in/.keep', '');
        await duck(`COPY (SELECT 1 AS id) TO '${p.path('in/a.parquet')}'`, `COPY (SELECT 2 AS id) TO '${p.path('in/b.parquet')}'`);
      } else {
        const body = (id: number) => (kind === 'json' ? `[{"id":${id}}]` : kind === 'jsonl' ? `{"id":${id}}\n` : `id\n${id}\n`);
        await p.write(`in/a.${kind}`, body(1));
        await p.write(`in/b.${kind}`, body(2));
      }
      await p.pipeline('t', `name: t\nsource:\n  kind: ${kind}\n  path: [in/*.${kind}, in/a.${kind}]\ntarget:\n  table: raw.t\n  mode: append\n`);
      await p.run(['t']);
      expect(await p.query('SELECT id, count(*)::INTEGER AS n FROM raw.t GROUP BY id ORDER BY id')).toEqual([
        { id: 1, n: 1 },
        { id: 2, n: 1 },
      ]);
    });
  }
});
