/**
 * `floe run` under bad input, as a user meets it: a run over its reject limits names the
 * first reject (file, line, reason); a file source's incremental.initial bounds the first
 * read as a database source's does; a cursor column the source lacks is a config error
 * (exit 2) naming the columns it has.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe run under bad input', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/o.csv', ['id,qty', '1,10', '2,20,extra', '3,many', ''].join('\n'));
    await p.write('data/inc.csv', ['id,v', '1,a', '2,b', '3,c', ''].join('\n'));
  });

  it('over the reject limit, the message names the first reject by file and line; nothing is committed', async () => {
    await p.pipeline('parsed', 'source: { kind: csv, path: data/o.csv }\ntarget: { table: s.parsed }\n');
    const r = await p.floe(['run', 'parsed']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/1 of 3 rows are malformed \(33\.33%\), above the limit of 0\.00% \(the first: \S*data\/o\.csv:3: TOO MANY COLUMNS[^)]*\); nothing was committed/);
    const t = await p.floe(['tables']);
    expect(t.stdout).not.toContain('s.parsed');
  });

  it('a conversion reject is named with its column, value and type', async () => {
    await p.pipeline('typed', 'source: { kind: csv, path: data/o.csv }\ncolumns: { qty: { type: long } }\ntarget: { table: s.typed }\nrejects: { max_count: 1 }\n');
    const r = await p.floe(['run', 'typed']);
    expect(r.code, show(r)).toBe(1);
    // The reader's reject comes first; both are counted.
    expect(r.stderr).toMatch(/2 of 3 rows are malformed \(66\.67%\), above the limit of 1 rows \(the first: \S*data\/o\.csv:3: TOO MANY COLUMNS/);
    await p.write('data/t.csv', ['id,qty', '1,10', '2,many', '3,x', ''].join('\n'));
    await p.pipeline('typed2', 'source: { kind: csv, path: data/t.csv }\ncolumns: { qty: { type: long } }\ntarget: { table: s.typed2 }\nrejects: { max_count: 1 }\n');
    const r2 = await p.floe(['run', 'typed2']);
    expect(r2.code, show(r2)).toBe(1);
    // CSV conversion rejects now carry the line their record starts on.
    expect(r2.stderr).toMatch(/\(the first: \S*data\/t\.csv:3: column qty: cannot convert many to long\)/);
  });

  it('incremental.initial bounds the first read of a file source', async () => {
    await p.pipeline('inc', 'source: { kind: csv, path: data/inc.csv, incremental: { cursor: id, initial: 1 } }\ntarget: { table: s.inc }\n');
    const r = await p.floe(['run', 'inc']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT id, v FROM s.inc ORDER BY id')).toEqual([
      { id: 2, v: 'b' },
      { id: 3, v: 'c' },
    ]);
  });

  it('a cursor column the file lacks is a config error (exit 2) listing the columns', async () => {
    await p.pipeline('inc2', 'source: { kind: csv, path: data/inc.csv, incremental: { cursor: idx } }\ntarget: { table: s.inc2 }\n');
    const r = await p.floe(['run', 'inc2']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pipeline inc2: the incremental cursor column "idx" is not in the source (it has "id", "v")');
  });
});
