/**
 * `incremental:` with `target.mode: overwrite` is a config error at the incremental line:col:
 * each run would replace the table with only the rows above the watermark. Append and merge
 * are accepted; `--full-refresh` on an append pipeline (an overwrite internally) still runs.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, validatePipelineText } from '../../src/pipeline/index.js';

const errors = (text: string) => validatePipelineText(text, '/p/pipelines/e.yaml', { URL: 'postgres://x/y' }).diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
const MESSAGE = 'an overwrite replaces the table with only the rows above the watermark: use mode: append or merge, or drop incremental:';

describe('incremental with mode: overwrite', () => {
  for (const source of [
    'source: { kind: csv, path: data/e.csv, incremental: { cursor: ts } }',
    'source: { kind: postgres, connection: "${URL}", table: e, incremental: { cursor: ts } }',
    'source: { kind: http, url: "http://x/e", incremental: { cursor: ts, param: since } }',
  ]) {
    it(`is refused at the incremental line:col (${source.slice(16, 26)})`, () => {
      const col = source.indexOf('incremental: ') + 1;
      expect(errors(`${source}\ntarget: { table: raw.e, mode: overwrite }\n`)).toEqual([`/p/pipelines/e.yaml:1:${col}: source.incremental: ${MESSAGE}`]);
    });
  }

  it('append, merge and an overwrite without incremental are accepted', () => {
    expect(errors('source: { kind: csv, path: data/e.csv, incremental: { cursor: ts } }\ntarget: { table: raw.e, mode: append }\n')).toEqual([]);
    expect(errors('source: { kind: csv, path: data/e.csv, incremental: { cursor: ts } }\ntarget: { table: raw.e, mode: merge, key: [id] }\n')).toEqual([]);
    expect(errors('source: { kind: csv, path: data/e.csv }\ntarget: { table: raw.e, mode: overwrite }\n')).toEqual([]);
  });
});
