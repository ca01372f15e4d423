/**
 * JSON Lines and JSON files that start with a UTF-8 byte order mark. DuckDB's JSON reader
 * refuses them once the run writes ("Malformed JSON ... at byte 1 in line 2: byte order mark
 * (BOM) is not supported", under "could not write Parquet data files", the wrong line). The
 * run is refused before the read, naming the file, line 1 and what to do.
 */
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('a JSON file with a byte order mark', () => {
  for (const [kind, body] of [['jsonl', '{"id":1}\n{"id":2}\n'], ['json', '[{"id":1},{"id":2}]']] as const) {
    it(`fails a ${kind} pipeline naming the file and line 1, writing nothing`, async () => {
      const p = await newProject();
      await p.write(`in/ok.${kind}`, body);
      await writeFile(p.path(`in/bom.${kind}`), Buffer.concat([BOM, Buffer.from(body)]));
      await p.pipeline('t', `name: t\nsource:\n  kind: ${kind}\n  path: in/*.${kind}\ntarget:\n  table: raw.t\n  mode: append\n`);
      const r = await p.run(['t'], 1);
      expect(r.stderr, show(r)).toContain(`${p.path(`in/bom.${kind}`)}:1: the file starts with a UTF-8 byte order mark`);
      expect(r.stderr).not.toContain('line 2');
      expect(await p.tables()).not.toContain('raw.t');
    });
  }
});
