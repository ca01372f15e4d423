/**
 * `floe load` into an existing table: a value that does not fit a column is named with its
 * file and physical line, as `floe run` names its rejects (quoted CSV fields spanning lines
 * and blank JSON Lines lines counted), or with its record number where the format has no
 * lines; the table is left unchanged.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { failedValue } from '../../src/ingest/load-lines.js';
import { assertBuilt, catalogPointer, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

describe('failedValue', () => {
  it('reads the column and value of a failed write, and the column of a NULL in a required one', () => {
    expect(failedValue('cannot write to raw.t: column "n": the input has type long, the table raw.t has int, and the value 3000000000 does not fit it exactly')).toEqual({ column: 'n', value: '3000000000' });
    expect(failedValue('cannot write to raw.t: column "a ""b""": the input has type string, the table raw.t has int, and the value x y is not NULL (a string input column ...)')).toEqual({ column: 'a ""b""', value: 'x y' });
    expect(failedValue('cannot write to raw.t: column "id" is required, but the input has a NULL in it')).toEqual({ column: 'id' });
    expect(failedValue('some other failure')).toBeUndefined();
  });
});

describe('floe load: the line of a value that does not fit the table', () => {
  const tmp = useTmpDirs('floe-load-lines-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    const r = await floeIn(project, ['table', 'create', 'raw.t', '--column', 'id long required', '--column', 'note string', '--column', 'n int']);
    expect(r.code, show(r)).toBe(0);
  });

  const loadFails = async (name: string, text: string) => {
    const file = path.join(project, name);
    await writeFile(file, text);
    const before = catalogPointer(project, 'raw.t');
    const r = await floeIn(project, ['load', 'raw.t', file]);
    expect(r.code, show(r)).not.toBe(0);
    expect(catalogPointer(project, 'raw.t')).toBe(before);
    return { file, stderr: r.stderr };
  };

  it('CSV: the physical line the record starts on, after a quoted field that spans lines', async () => {
    const { file, stderr } = await loadFails('a.csv', 'id,note,n\n1,"two\nlines",5\n2,plain,6\n\n3,"x ""q""\nmore\nlines",3000000000\n4,y,7\n');
    expect(stderr).toContain(`${file}:6: cannot write to raw.t: column "n": the input has type long, the table raw.t has int, and the value 3000000000 does not fit it exactly`);
  });

  it('CSV in a .txt file: the line under the delimiter DuckDB sniffed, not a comma', async () => {
    // With ',' assumed, the quoted fields below would not be seen (their quotes are not at a
    // field's edge), and the line would come out as 3.
    const { file, stderr } = await loadFails('e.txt', 'id;note;n\n1;"a,b\nc";5\n2;"x\ny";3000000000\n');
    expect(stderr).toContain(`${file}:4: cannot write to raw.t: column "n"`);
  });

  it('CSV: a NULL in a required column', async () => {
    const { file, stderr } = await loadFails('b.csv', 'id,note,n\n1,a,1\n,"b\nc",2\n');
    expect(stderr).toContain(`${file}:3: cannot write to raw.t: column "id" is required, but the input has a NULL in it`);
  });

  it('JSON Lines: the line, blank lines counted; a JSON document: the record', async () => {
    const jsonl = await loadFails('c.jsonl', '{"id":1,"n":1}\n\n{"id":2,"n":2}\n{"id":3,"n":4000000000}\n');
    expect(jsonl.stderr).toContain(`${jsonl.file}:4: cannot write to raw.t: column "n"`);
    const json = await loadFails('d.json', '[{"id":1,"n":1},{"id":2,"n":5000000000}]');
    expect(json.stderr).toContain(`${json.file} (record 2): cannot write to raw.t: column "n"`);
  });
});
