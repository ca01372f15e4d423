/**
 * A malformed CSV record inside DuckDB's sniffing sample (an unterminated quote at the end of
 * a truncated export, or near the top; a row with a column too many) made the sniff, and so
 * the run, fail even with `rejects:`. The file is now typed from its records that parse
 * (ingest/csv-malformed-sample.ts): the good rows load with the types a clean file would get,
 * the malformed record is quarantined with its file, physical line and reason. Without
 * `rejects:` the run fails at once naming file and line, as before. `floe load` has no
 * quarantine: it still fails naming file and line.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const oneLine = (s: string) => s.replace(/\s+/g, ' ');

describe('a malformed record inside the sniffing sample of a csv pipeline', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('an unterminated quote on the last line: the good rows load typed, the line is quarantined', async () => {
    await p.write('data/short.csv', 'id,name,day,amount\n1,Ann,2024-01-02,1.5\n2,"Carl, Jr",2024-01-03,2\n3,"Bob,\n');
    await p.pipeline('short', 'source: { kind: csv, path: data/short.csv }\ntarget: { table: raw.short }\nrejects: { max_ratio: 0.5 }\n');
    const r = await p.run(['short']);
    expect(r.stdout, show(r)).toMatch(/short\s+raw\.short\s+ok\s+3\s+2\s+1/);
    expect(await p.columns('raw.short')).toEqual(['id long', 'name string', 'day date', 'amount double']);
    expect(await p.query('SELECT id, name, CAST(day AS VARCHAR) AS day, amount FROM raw.short ORDER BY id')).toEqual([
      { id: 1, name: 'Ann', day: '2024-01-02', amount: 1.5 },
      { id: 2, name: 'Carl, Jr', day: '2024-01-03', amount: 2 },
    ]);
    expect(await p.query('SELECT source, line, raw, reason, kept FROM raw.short__rejects')).toEqual([
      { source: p.path('data/short.csv'), line: 4, raw: '3,"Bob,', reason: 'UNQUOTED VALUE in column name: Value with unterminated quote found.', kept: false },
    ]);
  });

  it('the same file is typed as the file without its bad line would be', async () => {
    await p.write('data/clean.csv', 'id,name,day,amount\n1,Ann,2024-01-02,1.5\n2,"Carl, Jr",2024-01-03,2\n');
    await p.pipeline('clean', 'source: { kind: csv, path: data/clean.csv }\ntarget: { table: raw.clean }\n');
    await p.run(['clean']);
    expect(await p.columns('raw.clean')).toEqual(await p.columns('raw.short'));
  });

  it('without rejects: the run fails at once naming file and line, and commits nothing', async () => {
    await p.pipeline('strict', 'source: { kind: csv, path: data/short.csv }\ntarget: { table: raw.strict }\n');
    const r = await p.run(['strict'], 1);
    expect(oneLine(r.stderr)).toContain(`pipeline strict: ${p.path('data/short.csv')}:4: Value with unterminated quote found`);
    expect(oneLine(r.stderr)).toContain('3,"Bob,');
    expect(await p.exists('raw.strict')).toBe(false);
  });

  it('floe plan of a pipeline with rejects: shows the columns the run will write', async () => {
    const r = await p.floe(['plan', 'short']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).not.toContain('problem');
  });

  it('a row with a column too many near the top, \\r\\n line ends, a quoted newline before it, across two files', async () => {
    await p.write('data/two/a.csv', 'id,note\r\n1,"two\r\nlines"\r\n2,x,extra\r\n3,y\r\n');
    await p.write('data/two/b.csv', 'id,note\n4,z\n5,w\n');
    await p.pipeline('two', 'source: { kind: csv, path: data/two/*.csv }\ntarget: { table: raw.two }\nrejects: { max_count: 1 }\n');
    const r = await p.run(['two']);
    expect(r.stdout, show(r)).toMatch(/two\s+raw\.two\s+ok\s+5\s+4\s+1/);
    expect(await p.query('SELECT id, note FROM raw.two ORDER BY id')).toEqual([
      { id: 1, note: 'two\r\nlines' },
      { id: 3, note: 'y' },
      { id: 4, note: 'z' },
      { id: 5, note: 'w' },
    ]);
    const rejects = await p.query('SELECT source, line, raw FROM raw.two__rejects');
    expect(rejects).toEqual([{ source: p.path('data/two/a.csv'), line: 4, raw: '2,x,extra' }]);
  });

  it('an unterminated quote near the top swallows the rest of the file: one reject, over the limit, named by line', async () => {
    await p.write('data/top.csv', 'id,name\n1,"Ann\n2,Carl\n3,Bob\n');
    await p.pipeline('top', 'source: { kind: csv, path: data/top.csv }\ntarget: { table: raw.top }\nrejects: { max_ratio: 0.5 }\n');
    const r = await p.run(['top'], 1);
    expect(oneLine(r.stderr)).toContain(`(the first: ${p.path('data/top.csv')}:2: UNQUOTED VALUE`);
    expect(await p.exists('raw.top')).toBe(false);
  });

  it('declared columns keep their types; a value past the sample that does not fit the sniffed type is a reject with its line', async () => {
    // A character after a closing quote fails the sniff of a file of any length.
    const lines = ['id,code,qty', '1,"A"x,5'];
    for (let i = 2; i <= 30_000; i++) lines.push(`${i},C${i},${i === 25_000 ? 'many' : i % 7}`);
    await p.write('data/big.csv', `${lines.join('\n')}\n`);
    await p.pipeline('big', 'source: { kind: csv, path: data/big.csv, columns: { id: double } }\ntarget: { table: raw.big }\nrejects: { max_count: 5 }\n');
    const r = await p.run(['big']);
    expect(r.stdout, show(r)).toMatch(/big\s+raw\.big\s+ok\s+30000\s+29998\s+2/);
    expect(await p.columns('raw.big')).toEqual(['id double', 'code string', 'qty long']);
    const rejects = await p.query('SELECT line, reason FROM raw.big__rejects ORDER BY line');
    expect(rejects.map((x) => x.line)).toEqual([2, 25_001]);
    expect(String(rejects[0]!.reason)).toMatch(/^UNQUOTED VALUE/);
    expect(String(rejects[1]!.reason)).toMatch(/qty/);
  });

  it('header: false', async () => {
    await p.write('data/nohead.csv', '1,Ann\n2,Carl\n3,"Bob\n');
    await p.pipeline('nohead', 'source: { kind: csv, path: data/nohead.csv, header: false }\ntarget: { table: raw.nohead }\nrejects: { max_count: 1 }\n');
    await p.run(['nohead']);
    expect(await p.columns('raw.nohead')).toEqual(['column0 long', 'column1 string']);
    expect(await p.query('SELECT line FROM raw.nohead__rejects')).toEqual([{ line: 3 }]);
  });
});

describe('floe load of a CSV with an unterminated quote', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('fails naming file and line; no table is created', async () => {
    const file = await p.write('short.csv', 'id,name\n1,Ann\n2,"Carl"\n3,"Bob,\n');
    const r = await p.floe(['load', 'raw.short', file]);
    expect(r.code, show(r)).toBe(1);
    expect(oneLine(r.stderr)).toContain(`${file}:4: Value with unterminated quote found`);
    expect(oneLine(r.stderr)).toContain('unterminated quote');
    expect(await p.exists('raw.short')).toBe(false);
  });

  it('in one of several files, past a quoted newline: the physical line of that file (load and a pipeline without rejects)', async () => {
    await p.write('many/a.csv', 'id,name\n1,Ann\n');
    await p.write('many/b.csv', 'id,name\n2,"Carl\nJr"\n3,"Bob,\n');
    const r = await p.floe(['load', 'raw.many', p.path('many/*.csv')]);
    expect(r.code, show(r)).toBe(1);
    expect(oneLine(r.stderr)).toContain(`${p.path('many/b.csv')}:4: Value with unterminated quote found`);
    await p.pipeline('many', 'source: { kind: csv, path: many/*.csv }\ntarget: { table: raw.many }\n');
    const run = await p.run(['many'], 1);
    expect(oneLine(run.stderr)).toContain(`${p.path('many/b.csv')}:4: Value with unterminated quote found`);
    expect(await p.exists('raw.many')).toBe(false);
  });
});
