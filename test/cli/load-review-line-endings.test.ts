/**
 * CSV files whose lines do not all end alike: DuckDB's reader takes one line ending per file
 * and fails such a file with "The CSV Parser state machine reached an invalid state", naming
 * no line. `floe load` and a csv pipeline name the file and the line whose ending differs
 * (or that holds a lone carriage return), exit 1, and commit nothing. A record quoted from a
 * \r\n file does not start with the line break before it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { mkdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogTables, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from './helpers.js';

describe('CSV line endings', () => {
  const tmp = useTmpDirs('floe-load-review-eol-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
  });

  it('floe load names the first line ending in \\n of a \\r\\n file', async () => {
    const file = path.join(project, 'crlf-then-lf.csv');
    // Line 3 ("2,b") ends with \n alone; a quoted \n inside line 2's record does not count.
    await writeFile(file, 'id,name\r\n1,"x\ny"\r\n2,b\n3,c\r\n');
    const r = await floeIn(project, ['load', 'raw.eol1', file]);
    expectFailure(r, 1, [`${file}:4: the line ends with \\n (LF), but line 1 ends with \\r\\n (CRLF)`]);
    expect(r.stderr).not.toMatch(/state machine/);
    expect(catalogTables(project)).not.toContain('raw.eol1');
  });

  it('floe load names the first line ending in \\r\\n of a \\n file, also in a glob and gzip-compressed', async () => {
    const dir = path.join(project, 'mixed');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'a.csv'), 'id,name\n1,a\n');
    await writeFile(path.join(dir, 'b.csv.gz'), gzipSync('id,name\n2,b\n3,c\r\n4,d\n'));
    const r = await floeIn(project, ['load', 'raw.eol2', path.join(dir, '*.csv*'), '--format', 'csv']);
    expectFailure(r, 1, [`${path.join(dir, 'b.csv.gz')}:3: the line ends with \\r\\n (CRLF), but line 1 ends with \\n (LF)`]);
    expect(catalogTables(project)).not.toContain('raw.eol2');
  });

  it('floe load names a line holding a lone carriage return outside quotes', async () => {
    const file = path.join(project, 'lone-cr.csv');
    await writeFile(file, 'id,name\n1,"a\rb"\n2,c\rd\n');
    const r = await floeIn(project, ['load', 'raw.eol3', file]);
    expectFailure(r, 1, [`${file}:3: the line holds a carriage return (\\r) outside quotes that ends no line`]);
  });

  it('a csv pipeline names the line too, with rejects: as without', async () => {
    const p = await writeProject(await tmp());
    await mkdir(path.join(p, 'data'));
    await mkdir(path.join(p, 'pipelines'));
    await writeFile(path.join(p, 'data', 'in.csv'), 'id;name\r\n1;a\r\n2;b\n');
    const pipeline = 'name: m\nsource:\n  kind: csv\n  path: data/in.csv\n  delimiter: ";"\ntarget:\n  table: raw.m\n  mode: append\n';
    await writeFile(path.join(p, 'pipelines', 'm.yaml'), pipeline);
    const at = `${path.join(p, 'data', 'in.csv')}:3: the line ends with \\n (LF), but line 1 ends with \\r\\n (CRLF)`;
    expectFailure(await floeIn(p, ['run', 'm']), 1, [at]);
    await writeFile(path.join(p, 'pipelines', 'm.yaml'), `${pipeline}rejects:\n  max_count: 5\n`);
    expectFailure(await floeIn(p, ['run', 'm']), 1, [at]);
    expect(catalogTables(p)).not.toContain('raw.m');
  });

  it('a file with one line ending loads, \\r\\n inside quotes kept', async () => {
    const file = path.join(project, 'crlf.csv');
    await writeFile(file, 'id,name\r\n1,"a\r\nb"\r\n2,b\r\n');
    await floeOk(project, ['load', 'raw.eol4', file]);
    const q = await floeOk(project, ['query', "SELECT id, replace(name, chr(13), '<CR>') AS n FROM raw.eol4 ORDER BY id", '--format', 'json']);
    expect(q.stdout).toContain('a<CR>\\nb');
  });

  it('a ragged record of a \\r\\n file is quoted without the line break before it', async () => {
    const file = path.join(project, 'crlf-ragged.csv');
    await writeFile(file, 'id,name\r\n1,"a\r\nb"\r\n2,b\r\n3,x,y\r\n');
    const r = await floeIn(project, ['load', 'raw.eol5', file]);
    expectFailure(r, 1, [`${file}:5: Expected Number of Columns: 2 Found: 3: 3,x,y`]);
    expect(r.stderr).not.toContain('\\n3,x,y');
  });
});
