/**
 * `floe load` reads a `.csv` file comma-separated and a `.tsv` one tab-separated, every file
 * of one load with one delimiter. A `;`- (tab-, `|`-) separated `.csv` file, or a `.tsv` beside
 * a `.csv`, was read as one text column named after the whole header line and loaded without
 * a word; both are refused now, naming the file (and its header), and nothing is created.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogTables, expectFailure, floeIn, floeOk, useTmpDirs, writeProject } from './helpers.js';

describe('floe load and delimiters', () => {
  const tmp = useTmpDirs('floe-load-review-delim-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
  });
  const file = async (name: string, text: string | Buffer) => {
    const f = path.join(project, name);
    await writeFile(f, text);
    return f;
  };

  it('refuses a ;-separated .csv file, naming the file, its header and the delimiter', async () => {
    const f = await file('semi.csv', '\uFEFFid;amount\n1;2,50\n2;3,75\n');
    const r = await floeIn(project, ['load', 'raw.semi', f]);
    expectFailure(r, 1, [`${f}:1: the header "id;amount" holds no "," but ";"`, 'delimiter: ";"']);
    expect(catalogTables(project)).not.toContain('raw.semi');
  });

  it('refuses a tab-separated .csv, a |-separated .csv.gz and a comma-separated .tsv', async () => {
    const tab = await file('tab.csv', 'id\tname\n1\ta\n');
    expectFailure(await floeIn(project, ['load', 'raw.tab', tab]), 1, [`${tab}:1: the header "id\\tname" holds no "," but a tab`]);
    const pipe = await file('pipe.csv.gz', gzipSync('id|name\n1|a\n'));
    expectFailure(await floeIn(project, ['load', 'raw.pipe', pipe]), 1, [`${pipe}:1: the header "id|name" holds no "," but "|"`]);
    const comma = await file('comma.tsv', 'id,name\n1,a\n');
    expectFailure(await floeIn(project, ['load', 'raw.comma', comma]), 1, [`${comma}:1: the header "id,name" holds no tab but ","`]);
    expect(catalogTables(project).filter((t) => ['raw.tab', 'raw.pipe', 'raw.comma'].includes(t))).toEqual([]);
  });

  it('refuses .csv and .tsv files in one load (exit 2), in either order', async () => {
    const a = await file('mix-a.csv', 'id,name\n1,a\n');
    const b = await file('mix-b.tsv', 'id\tname\n2\tb\n');
    for (const args of [[a, b], [b, a]]) {
      const r = await floeIn(project, ['load', 'raw.mix', ...args]);
      expectFailure(r, 2, ['the files mix delimiters', a, b]);
    }
    expect(catalogTables(project)).not.toContain('raw.mix');
    // One load per extension appends both to one table.
    await floeOk(project, ['load', 'raw.mix', a]);
    await floeOk(project, ['load', 'raw.mix', b]);
    const q = await floeOk(project, ['query', 'SELECT id, name FROM raw.mix ORDER BY id', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it('still loads one-column files: a header without a delimiter, or quoted', async () => {
    const one = await file('one.csv', 'note\nx;y\n');
    await floeOk(project, ['load', 'raw.one', one]);
    const quoted = await file('quoted.csv', '"a;b"\n"x;y"\n');
    await floeOk(project, ['load', 'raw.quoted', quoted]);
    const q = await floeOk(project, ['query', 'SELECT * FROM raw.quoted', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ 'a;b': 'x;y' }]);
  });

  it('a ;-separated .txt file is read with the delimiter detected', async () => {
    const f = await file('semi.txt', 'id;name\n1;a\n');
    await floeOk(project, ['load', 'raw.semitxt', f]);
    const q = await floeOk(project, ['query', 'SELECT id, name FROM raw.semitxt', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ id: 1, name: 'a' }]);
  });
});
