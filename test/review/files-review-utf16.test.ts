/**
 * A UTF-16 CSV file read by a csv pipeline (encoding utf-8, the default). DuckDB's reader with
 * store_rejects does not fail on it: it names the columns with NUL bytes, and the run failed on
 * a SQL parser error ("zero-length delimited identifier") naming no file. The run is refused
 * naming the file and the encoding to give, as `floe load` does; with `encoding: utf-16` it reads.
 */
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (name: string, path: string, extra = '') =>
  `name: ${name}\nsource:\n  kind: csv\n  path: ${path}\n${extra}target:\n  table: raw.${name}\n  mode: append\n`;

describe('csv pipeline on UTF-16 text', () => {
  it('fails naming the file and the encoding, and commits nothing', async () => {
    const p = await newProject();
    await p.write('data/.keep', '');
    await writeFile(p.path('data/u16.csv'), Buffer.from('\ufeffid,name\n1,café\n2,b\n', 'utf16le'));
    await p.pipeline('u16', pipeline('u16', 'data/u16.csv'));
    const r = await p.run(['u16'], 1);
    expect(r.stderr, show(r)).toContain(`${p.path('data/u16.csv')} is not UTF-8 text`);
    expect(r.stderr).toContain('encoding: utf-16');
    expect(r.stderr).not.toMatch(/Parser Error|zero-length/);
    expect((await p.tables()).filter((t) => t.startsWith('raw.'))).toEqual([]);
  });

  it('names the UTF-16 file among several of a glob', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id,name\n1,x\n');
    await writeFile(p.path('data/b.csv'), Buffer.from('id,name\n2,y\n', 'utf16le'));
    await p.pipeline('many', pipeline('many', 'data/*.csv'));
    const r = await p.run(['many'], 1);
    expect(r.stderr, show(r)).toContain(`${p.path('data/b.csv')} is not UTF-8 text`);
    expect((await p.tables()).filter((t) => t.startsWith('raw.'))).toEqual([]);
  });

  it('reads it with encoding: utf-16', async () => {
    const p = await newProject();
    await writeFile(p.path('u16.csv'), Buffer.from('\ufeffid,name\n1,café\n2,b\n', 'utf16le'));
    await p.pipeline('u16', pipeline('u16', 'u16.csv', '  encoding: utf-16\n'));
    await p.run(['u16']);
    expect(await p.query('SELECT id, name FROM raw.u16 ORDER BY id')).toEqual([
      { id: 1, name: 'café' },
      { id: 2, name: 'b' },
    ]);
  });
});
