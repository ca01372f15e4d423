/**
 * `floe query --mask --format csv|parquet` runs the query inside `COPY (<sql>\n) TO ...`. A text
 * that does not parse on its own passed the masked-query check (a syntax error "fails the query
 * itself"), but wrapped it can parse as two statements: `...) TO 'x.csv' (FORMAT csv); COPY
 * (SELECT 1` wrote the table's own Parquet file, raw, to x.csv; `SELECT 1) TO 'y'; COPY (<raw
 * read>` printed it on stdout. Under --mask such a text is now refused before anything runs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-mask-copy-wrap-');
const RAW = ['ann.private@example.com', 'bob.secret@example.org'];

describe('floe query --mask: SQL that breaks out of the COPY wrapper', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'c.csv'), `id,email\n1,${RAW[0]}\n2,${RAW[1]}\n`);
    await writeFile(path.join(dir, 'pipelines', 'c.yaml'), 'name: c\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n  email: { pii: email }\ntarget: { table: crm.c }\n');
    const r = await floeIn(dir, ['run', 'c']);
    expect(r.code, show(r)).toBe(0);
    // The table's data file, as an attacker would find it in the warehouse folder.
    const data = path.join(dir, 'warehouse', 'crm', 'c', 'data');
    file = path.join(data, (await readdir(data)).find((n) => n.endsWith('.parquet'))!);
  }, 60_000);

  it('a COPY of the raw file smuggled before the wrapper is refused, and writes nothing', async () => {
    const leak = path.join(dir, 'leak.csv');
    for (const format of ['csv', 'parquet']) {
      const r = await floeIn(dir, ['query', '--mask', `SELECT * FROM read_parquet('${file}')) TO '${leak}' (FORMAT csv); COPY (SELECT 1`, '--format', format, '--out', path.join(dir, `out.${format}`)]);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain('syntax error');
      expect(existsSync(leak), format).toBe(false);
    }
  });

  it('a raw read smuggled into the wrapper’s own COPY is refused, and prints nothing', async () => {
    const r = await floeIn(dir, ['query', '--mask', `SELECT 1) TO '${path.join(dir, 'x.csv')}'; COPY (SELECT * FROM read_parquet('${file}')`, '--format', 'csv']);
    expect(r.code, show(r)).toBe(2);
    for (const raw of RAW) expect(r.stdout + r.stderr).not.toContain(raw);
  });

  it('a plain syntax error still reads as one, with its position', async () => {
    const r = await floeIn(dir, ['query', '--mask', 'select * frm crm.c', '--format', 'csv']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('syntax error at or near "crm" (at line 1, column 14)');
  });
});
