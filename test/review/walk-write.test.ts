/**
 * The writing commands as someone meets them the first time, following the README:
 * `floe init` in a folder that already holds something, `floe load` of files whose shape
 * does not match, `floe table evolve` with a slip in a column name.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, collect, events, show, startFloe, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe init', () => {
  it('in a folder that already has pipelines/example.yaml: creates floe.yaml, keeps the file, exits 0', async () => {
    const p = await newProject();
    const dir = p.path('fresh');
    await p.write('fresh/pipelines/example.yaml', 'name: mine\n');
    const r = await collect(startFloe(['init', dir]));
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('kept the existing');
    expect(await readFile(p.path('fresh/pipelines/example.yaml'), 'utf8')).toBe('name: mine\n');
    expect(await readFile(p.path('fresh/floe.yaml'), 'utf8')).toContain('warehouse: ./warehouse');
    // The project works: validate reads the kept pipeline.
    const v = await collect(startFloe(['--project', dir, 'validate']));
    expect(v.stderr + v.stdout).not.toContain('internal error');
  });

  it('given a file instead of a folder: a usage error naming it (exit 2), nothing written', async () => {
    const p = await newProject();
    const file = await p.write('not-a-folder', 'x\n');
    const r = await collect(startFloe(['init', file]));
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${file} is not a folder`);
    expect(r.stderr).not.toContain('internal error');
    expect(await readFile(file, 'utf8')).toBe('x\n');
  });

  it('where pipelines is a file: refused before floe.yaml is written', async () => {
    const p = await newProject();
    await p.write('odd/pipelines', 'x\n');
    const r = await collect(startFloe(['init', p.path('odd')]));
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('pipelines is not a folder');
    expect(await stat(p.path('odd/floe.yaml')).catch(() => null)).toBeNull();
  });
});

describe('floe load', () => {
  it('a ;-separated file named .csv is an error naming the line, not a file read from its second data line', async () => {
    const p = await newProject();
    // Read with a comma, line 1 has one field and lines 2-3 two: DuckDB's sniffer skipped
    // line 1 and took line 2 as the header, loading 1 row of 3 without a word. The header
    // itself is refused now: it holds the file's real delimiter.
    const f = await p.write('data/semi.csv', 'id;name;amt\n1;"a;b";1,5\n2;"c";2,5\n');
    const r = await p.floe(['load', 'raw.semi', f]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${f}:1: the header "id;name;amt" holds no "," but ";"`);
    expect(await p.exists('raw.semi')).toBe(false);
  });

  it('a column whose type the table cannot take names the input file', async () => {
    const p = await newProject();
    const a = await p.write('data/a.csv', 'id,amt\n1,1\n');
    const b = await p.write('data/b.csv', 'id,amt\n2,1.5\n');
    const c = await p.write('data/c.csv', 'id,amt,extra\n3,1,x\n');
    expect((await p.floe(['load', 'raw.l', a])).code).toBe(0);
    const typed = await p.floe(['load', 'raw.l', b]);
    expect(typed.code, show(typed)).toBe(1);
    expect(typed.stderr).toContain('column "amt": the input has type double, the table raw.l has long');
    expect(typed.stderr).toContain(`(input: ${b})`);
    const extra = await p.floe(['load', 'raw.l', c]);
    expect(extra.code, show(extra)).toBe(1);
    expect(extra.stderr).toContain(`"extra" that raw.l does not have (input: ${c})`);
    expect(await p.query('SELECT count(*)::INT AS n FROM raw.l')).toEqual([{ n: 1 }]);
  });

  it('a file with only a header creates the table and says so (it does not claim nothing happened)', async () => {
    const p = await newProject();
    const f = await p.write('data/h.csv', 'a,b\n');
    const r = await p.floe(['load', 'raw.h', f]);
    expect(r.code, show(r)).toBe(0);
    expect(await p.exists('raw.h')).toBe(true);
    expect(r.stderr).toContain('created raw.h');
    expect(r.stderr).not.toContain('nothing was committed');
  });
});

describe('floe table evolve', () => {
  it('renaming a column that does not exist says so', async () => {
    const p = await newProject();
    expect((await p.floe(['table', 'create', 'ns.t', '--column', 'id long'])).code).toBe(0);
    const r = await p.floe(['table', 'evolve', 'ns.t', '--rename-column', 'nope=x']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain("cannot rename column 'nope': no such column");
    expect(r.stderr).not.toContain('the same change renames it');
  });
});

describe('floe load --partition-by on an existing table', () => {
  it('is refused when it differs from the table\'s spec (it was ignored without a word), and accepted when it is the same', async () => {
    const p = await newProject();
    const f = await p.write('data/o.csv', 'id,ts\n1,2026-11-01T09:15:00Z\n');
    expect((await p.floe(['load', 'raw.o', f, '--partition-by', 'day(ts)'])).code).toBe(0);
    // The same spec again, as a script run twice gives it: appended.
    const again = await p.floe(['load', 'raw.o', f, '--partition-by', 'day(ts)']);
    expect(again.code, show(again)).toBe(0);
    const other = await p.floe(['load', 'raw.o', f, '--partition-by', 'bucket(4, id)']);
    expect(other.code, show(other)).toBe(2);
    expect(other.stderr).toContain('raw.o already exists, partitioned as [day(ts) as ts_day]');
    expect(other.stderr).toContain('floe table evolve raw.o --partition-by "bucket(4, id)"');
    expect(await p.query('SELECT count(*)::INT AS n FROM raw.o')).toEqual([{ n: 2 }]);
    const m = await p.metadata('raw.o');
    expect(m['partition-specs']).toHaveLength(1);
  });
});

describe('floe load --json', () => {
  it('a missing input file or a bad --partition-by still ends stdout with an end event', async () => {
    const p = await newProject();
    const missing = await p.floe(['load', 'raw.m', p.path('data/none.csv'), '--json']);
    expect(missing.code, show(missing)).toBe(1);
    expect(events(missing.stdout).at(-1)).toMatchObject({ event: 'end', status: 'error', kind: 'not-found' });
    const f = await p.write('data/a.csv', 'id\n1\n');
    const bad = await p.floe(['load', 'raw.m', f, '--json', '--partition-by', 'bucket(x, id)']);
    expect(bad.code, show(bad)).toBe(2);
    expect(events(bad.stdout).at(-1)).toMatchObject({ event: 'end', status: 'error', kind: 'usage' });
  });
});

describe('normalize: phone with a region that has no numbering plan', () => {
  it('floe validate names the file:line:col (it passed, and the run failed without a location)', async () => {
    const p = await newProject();
    await p.write('data/p.csv', 'id,ph\n1,(415) 555-2671\n');
    const file = await p.pipeline('ph', 'source: { kind: csv, path: data/p.csv }\ncolumns:\n  ph: { normalize: phone, region: ZZ }\ntarget: { table: raw.ph }\n');
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toContain(`${file}:3:35: columns.ph.region: phone region 'ZZ' is not an ISO 3166 alpha-2 code`);
    const r = await p.run(['ph'], 2);
    expect(r.stderr).toContain(`${file}:3:35`);
    expect(await p.exists('raw.ph')).toBe(false);
    // UK is accepted, as the normaliser accepts it (GB).
    await p.pipeline('ph', 'source: { kind: csv, path: data/p.csv }\ncolumns:\n  ph: { normalize: phone, region: UK }\ntarget: { table: raw.ph }\n');
    expect((await p.floe(['validate'])).code).toBe(0);
  });
});

describe('a CSV date column read with columns.<c>.format', () => {
  // DuckDB's sniffer types 01/02/2026 as a DATE with a pattern of its own (%d/%m/%Y); the
  // rule's format was then applied to that date's ISO text, so every value was refused (type)
  // or nulled (normalize: timestamp).
  it('parses the file\'s text with the given format, whatever the sniffer would have guessed', async () => {
    const p = await newProject();
    await p.write('data/d.csv', 'id,d,t\n1,01/02/2026,01/02/2026\n2,12/31/2026,12/31/2026\n');
    await p.pipeline('md', 'source: { kind: csv, path: data/d.csv }\ncolumns:\n  d: { type: date, format: "%m/%d/%Y" }\n  t: { normalize: timestamp, format: "%m/%d/%Y", type: timestamptz }\ntarget: { table: raw.md }\n');
    await p.write('data/e.csv', 'id,d\n1,01/02/2026\n');
    await p.pipeline('dm', 'source: { kind: csv, path: data/e.csv }\ncolumns:\n  d: { type: date, format: "%d/%m/%Y" }\ntarget: { table: raw.dm }\n');
    await p.run(['md', 'dm']);
    expect(await p.query('SELECT id, d::VARCHAR AS d, t::VARCHAR AS t FROM raw.md ORDER BY id')).toEqual([
      { id: 1, d: '2026-01-02', t: '2026-01-02 00:00:00+00' },
      { id: 2, d: '2026-12-31', t: '2026-12-31 00:00:00+00' },
    ]);
    expect(await p.query('SELECT d::VARCHAR AS d FROM raw.dm')).toEqual([{ d: '2026-02-01' }]);
    expect(await p.exists('raw.md__rejects')).toBe(false);
  });
});

describe('a date format DuckDB cannot read', () => {
  it('is a validate error at its file:line:col, and the run stops before reading (it failed mid-run without a location)', async () => {
    const p = await newProject();
    await p.write('data/d.csv', 'id,d\n1,01/02/2026\n');
    const file = await p.pipeline('q', 'source: { kind: csv, path: data/d.csv }\ncolumns:\n  d: { type: date, format: "%Q/%m" }\ntarget: { table: raw.q }\n');
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toContain(`${file}:3:28: columns.d.format: not a strptime pattern DuckDB can read`);
    expect(v.stderr).toContain('%Q');
    const r = await p.run(['q'], 2);
    expect(r.stderr).toContain(`${file}:3:28`);
  });
});

describe('CSV integers a double cannot hold', () => {
  it('a column of large doubles: floe load keeps it double (the guard stops, the look finds no integer); a pipeline declares double', async () => {
    const p = await newProject();
    const f = await p.write('data/f.csv', 'id,f\n1,1.5e20\n2,0.5\n');
    const r = await p.floe(['load', 'raw.lf', f]);
    expect(r.code, show(r)).toBe(0);
    await p.pipeline('pf', 'source: { kind: csv, path: data/f.csv }\ntarget: { table: raw.pf }\n');
    const stopped = await p.floe(['run', 'pf']);
    expect(stopped.code, show(stopped)).toBe(1);
    expect(stopped.stderr).toContain('CSV column "f" holds a number of 2^53 or more');
    await p.pipeline('pf', 'source: { kind: csv, path: data/f.csv, columns: { f: double } }\ntarget: { table: raw.pf }\n');
    await p.run(['pf']);
    for (const t of ['raw.lf', 'raw.pf']) {
      expect(await p.columns(t)).toEqual(['id long', 'f double']);
      expect(await p.query(`SELECT f FROM ${t} ORDER BY id`)).toEqual([{ f: 1.5e20 }, { f: 0.5 }]);
    }
  });

  // DuckDB's sniffer types 99999999999999999999 (beyond 64 bits) as DOUBLE: 1e20 was written.
  it('floe load keeps every digit (decimal(38, 0), or text beside fractions); a csv pipeline stops and names the type to declare', async () => {
    const p = await newProject();
    const f = await p.write('data/b.csv', 'id,big,mixed,amt\n1,99999999999999999999,9007199254740993,0.5\n2,5,0.5,1.5\n3,,,2\n');
    const r = await p.floe(['load', 'raw.lb', f]);
    expect(r.code, show(r)).toBe(0);
    // A run reads the file once (no pass to look first): the guard stops it before anything is written.
    await p.pipeline('pb', 'source: { kind: csv, path: data/b.csv }\ntarget: { table: raw.pb }\n');
    const stopped = await p.floe(['run', 'pb']);
    expect(stopped.code, show(stopped)).toBe(1);
    expect(stopped.stderr).toMatch(/CSV column "big" holds a number of 2\^53 or more, which a double may round; declare its type in the csv source's columns option/);
    expect(await p.tables()).not.toContain('raw.pb');
    // Declared in the source, the columns are read exactly.
    await p.pipeline('pb', 'source: { kind: csv, path: data/b.csv, columns: { big: "decimal(38,0)", mixed: string } }\ntarget: { table: raw.pb }\n');
    await p.run(['pb']);
    for (const t of ['raw.lb', 'raw.pb']) {
      expect(await p.columns(t)).toEqual(['id long', 'big decimal(38, 0)', 'mixed string', 'amt double']);
      expect(await p.query(`SELECT big::VARCHAR AS big, mixed, amt FROM ${t} ORDER BY id`)).toEqual([
        { big: '99999999999999999999', mixed: '9007199254740993', amt: 0.5 },
        { big: '5', mixed: '0.5', amt: 1.5 },
        { big: null, mixed: null, amt: 2 },
      ]);
    }
  });
});

describe('floe run --run-id ""', () => {
  // A scheduler template that renders to nothing: the empty id was stored but never looked
  // up, so every retry appended the rows again.
  it('is refused before any run (exit 2); nothing is written', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n');
    await p.pipeline('a', 'source: { kind: csv, path: data/a.csv }\ntarget: { table: raw.a }\n');
    for (const id of ['', '  ']) {
      const r = await p.run(['a', '--run-id', id], 2);
      expect(r.stderr).toContain('--run-id is empty');
    }
    expect(await p.exists('raw.a')).toBe(false);
    const long = await p.run(['a', '--run-id', 'x'.repeat(257)], 2);
    expect(long.stderr).toContain('--run-id is 257 characters long; at most 256 are accepted');
    expect(long.stdout).not.toContain('failed');
  });
});

describe('kind: json with records_path over a document above 16 MiB', () => {
  // The whole document is one JSON object to DuckDB, whose default maximum_object_size is 16 MiB.
  it('reads every record (it failed: "maximum_object_size of 16777216 bytes exceeded")', async () => {
    const p = await newProject();
    const items = Array.from({ length: 18 }, (_, i) => ({ id: i, blob: 'x'.repeat(1024 * 1024) }));
    await p.write('data/doc.json', JSON.stringify({ data: { items } }));
    await p.pipeline('doc', 'source: { kind: json, path: data/doc.json, records_path: data.items }\ntarget: { table: raw.doc }\n');
    await p.run(['doc']);
    expect(await p.query('SELECT count(*)::INT AS n, sum(length(blob))::BIGINT AS chars FROM raw.doc')).toEqual([{ n: 18, chars: 18 * 1024 * 1024 }]);
  });
});

describe('floe run: a refused command line and an empty project', () => {
  it('--json ends with an end event for a usage error; an empty pipelines folder says nothing was run', async () => {
    const p = await newProject();
    const bad = await p.floe(['run', '--all', '--concurrency', '0', '--json']);
    expect(bad.code, show(bad)).toBe(2);
    expect(events(bad.stdout).at(-1)).toMatchObject({ event: 'end', status: 'error', kind: 'usage' });
    const none = await p.run(['--all']);
    expect(none.stderr).toContain(`no pipeline files in ${p.path('pipelines')}; nothing was run`);
  });
});

describe('floe validate: the query of a sql pipeline', () => {
  it('a query DuckDB cannot parse is an error at source.query (validate passed it and the run failed)', async () => {
    const p = await newProject();
    const file = await p.pipeline('s', 'source: { kind: sql, query: "SELEC 1" }\ntarget: { table: mart.s }\n');
    await p.pipeline('ok', 'source: { kind: sql, query: "WITH a AS (SELECT 1 AS x) SELECT x FROM a" }\ntarget: { table: mart.ok }\n');
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toContain(`${file}:1:29: source.query: DuckDB cannot read this query: syntax error at or near "SELEC"`);
    expect(v.stderr).toContain('1 error');
  });
});

describe('a fraction in a column declared int, long or decimal', () => {
  // DuckDB's casts round: 2.5 was written as 2 (CSV) or 3 (JSON Lines), 8.9 as 9, 1.234 as 1.23.
  it('is a conversion reject with its line, not a rounded value', async () => {
    const p = await newProject();
    await p.write('data/d.csv', 'id,v,w,d\n1,1,7,19.9\n2,2.5,8.9,1.234\n3,3.0,1e3,0.1\n');
    await p.pipeline('d', 'source: { kind: csv, path: data/d.csv }\ncolumns: { v: { type: long }, w: { type: int }, d: { type: "decimal(10,2)" } }\ntarget: { table: raw.d }\nrejects: { max_ratio: 0.5 }\n');
    await p.write('data/j.jsonl', '{"id":1,"v":"1"}\n{"id":2,"v":2.5}\n{"id":3,"v":3}\n');
    await p.pipeline('j', 'source: { kind: jsonl, path: data/j.jsonl }\ncolumns: { v: { type: long } }\ntarget: { table: raw.j }\nrejects: { max_ratio: 0.5 }\n');
    await p.run(['d', 'j']);
    expect(await p.query('SELECT id, v, w, d::VARCHAR AS d FROM raw.d ORDER BY id')).toEqual([
      { id: 1, v: 1, w: 7, d: '19.90' },
      { id: 3, v: 3, w: 1000, d: '0.10' },
    ]);
    expect(await p.query('SELECT line, reason FROM raw.d__rejects')).toEqual([
      { line: 3, reason: 'column v: cannot convert 2.5 to long; column w: cannot convert 8.9 to int; column d: cannot convert 1.234 to decimal(10,2)' },
    ]);
    expect(await p.query('SELECT id, v FROM raw.j ORDER BY id')).toEqual([{ id: 1, v: 1 }, { id: 3, v: 3 }]);
    expect(await p.query('SELECT line, reason FROM raw.j__rejects')).toEqual([{ line: 2, reason: 'column v: cannot convert 2.5 to long' }]);
  });
});

describe('floe validate: a pipeline file with two YAML documents', () => {
  it('says so at the second ---, without the yaml library\'s advice to call parseAllDocuments()', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n');
    const file = await p.pipeline('m', '---\nsource: { kind: csv, path: data/a.csv }\ntarget: { table: raw.m }\n---\nfoo: 1\n');
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stderr).toContain(`${file}:4:1: YAML: a second YAML document starts here (---): floe reads one document per file`);
    expect(v.stderr).not.toContain('parseAllDocuments');
  });
});

describe('floe load of a UTF-16 CSV file', () => {
  it('says the file is not UTF-8 and how to read it (it was an internal error about a NUL character)', async () => {
    const p = await newProject();
    const f = p.path('data/u16.csv');
    await mkdir(p.path('data'), { recursive: true });
    await writeFile(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n1,café\n', 'utf16le')]));
    const r = await p.floe(['load', 'raw.u', f]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${f} is not UTF-8 text: it holds NUL bytes, as UTF-16 does`);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toContain('NUL character');
  });
});

describe('floe load of a glob that matches nothing', () => {
  it('says no file matches the glob, as floe run does (it was DuckDB\'s IO error)', async () => {
    const p = await newProject();
    const glob = p.path('data/none-*.csv');
    const r = await p.floe(['load', 'raw.g', glob]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`floe: no file matches ${glob}`);
    expect(r.stderr).not.toContain('IO Error');
  });
});
