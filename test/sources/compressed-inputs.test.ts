/**
 * Compressed inputs (`.gz`, `.zst`), as DuckDB reads them by their name.
 * - A gzip file cut off part-way: DuckDB's reader stopped quietly at some cuts and returned the
 *   rows before it (the last one shortened), exit 0. Each compressed input is now read to its
 *   end first, and a cut-off or damaged one is refused naming it, with nothing written.
 * - `kind: jsonl` checks every line itself before DuckDB reads the file: it read a `.gz` or
 *   `.zst` file's compressed bytes as lines, so every record was a "not valid UTF-8" reject
 *   (lost without a word under a `rejects:` limit when other files had records).
 * - A `.zst` JSON file is searched for numbers beyond a double's range, as others are.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, duck, events, show, sqlString, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const csvText = ['a,b', ...Array.from({ length: 50_000 }, (_, i) => `${i + 1},val${i + 1}`), ''].join('\n');
const jsonLines = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, name: `n${from + i}` })).join('\n') + '\n';

/** `text` written zstd-compressed by DuckDB, as it is (one line per line of the text). */
async function writeZstd(file: string, text: string): Promise<void> {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const values = lines.map((l) => `(${sqlString(l)})`).join(', ');
  // One text column, written without quoting or a header: the lines as they are.
  await duck(`COPY (SELECT l FROM (VALUES ${values}) AS t(l)) TO ${sqlString(file)} (FORMAT csv, HEADER false, DELIMITER '\u0001', QUOTE '\u0002', COMPRESSION zstd)`);
}

describe('compressed inputs', () => {
  it('floe load refuses a cut-off .csv.gz naming it, and creates no table', async () => {
    const p = await newProject();
    const whole = gzipSync(csvText);
    const file = p.path('data/cut.csv.gz');
    await mkdir(p.path('data'));
    await writeFile(file, whole.subarray(0, 30_000));
    const r = await p.floe(['load', 'raw.t', file]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${file}: not a whole gzip file (unexpected end of file); nothing was read from it`);
    expect(await p.tables()).not.toContain('raw.t');
    // The whole file loads every row.
    await writeFile(p.path('data/whole.csv.gz'), whole);
    const ok = await p.floe(['load', 'raw.t', p.path('data/whole.csv.gz')]);
    expect(ok.code, show(ok)).toBe(0);
    expect(await p.query('SELECT count(*) AS n, max(a) AS top FROM raw.t')).toEqual([{ n: 50_000, top: 50_000 }]);
  });

  it('a csv pipeline refuses a cut-off .gz file, leaving the table as it was', async () => {
    const p = await newProject();
    await p.write('data/in/1.csv', 'a,b\n1,one\n');
    await p.pipeline('c', 'source: { kind: csv, path: "data/in/*" }\ntarget: { table: raw.c }\nrejects: { max_ratio: 0.5 }\n');
    await p.run(['c']);
    const before = await p.snapshots('raw.c');
    await writeFile(p.path('data/in/2.csv.gz'), gzipSync(csvText).subarray(0, 30_000));
    const r = await p.floe(['run', 'c']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${p.path('data/in/2.csv.gz')}: not a whole gzip file`);
    expect(await p.snapshots('raw.c')).toEqual(before);
    expect(await p.query('SELECT count(*) AS n FROM raw.c')).toEqual([{ n: 1 }]);
  });

  it('a jsonl pipeline reads the records of .gz and .zst files; a bad line keeps its line number', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const lines = jsonLines(1, 300).split('\n');
    lines[9] = '{"id": 10, "name": '; // line 10: cut short
    await writeFile(p.path('data/a.jsonl.gz'), gzipSync(lines.join('\n')));
    await p.write('data/b.jsonl', jsonLines(301, 300));
    await writeZstd(p.path('data/c.jsonl.zst'), jsonLines(601, 300));
    await p.pipeline('j', 'source: { kind: jsonl, path: "data/*.jsonl*" }\ntarget: { table: raw.j }\nrejects: { max_ratio: 0.1 }\n');
    const r = await p.run(['j', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 899, rejects: 1 });
    expect(await p.query('SELECT count(DISTINCT id) AS n, min(id) AS lo, max(id) AS hi FROM raw.j')).toEqual([{ n: 899, lo: 1, hi: 900 }]);
    expect(await p.query('SELECT source, line FROM raw.j__rejects')).toEqual([{ source: p.path('data/a.jsonl.gz'), line: 10 }]);
  });

  it('a cut-off .zst file is refused naming it; a .zst JSON file is searched for numbers beyond a double', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    await writeZstd(p.path('data/whole.jsonl.zst'), jsonLines(1, 5000));
    const whole = await readFile(p.path('data/whole.jsonl.zst'));
    const cut = p.path('data/cut.jsonl.zst');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = await p.floe(['load', 'raw.z', cut]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${cut}: not a whole zstd file (unexpected EOF); nothing was read from it`);
    expect(await p.tables()).not.toContain('raw.z');

    const big = p.path('data/big.jsonl.zst');
    await writeZstd(big, '{"id": 1, "x": 1.5}\n{"id": 2, "x": 1e400}\n');
    const o = await p.floe(['load', 'raw.o', big]);
    expect(o.code, show(o)).toBe(1);
    expect(o.stderr).toContain(`${big}:2:16: the number 1e400 is beyond a double's range`);
    expect(await p.tables()).not.toContain('raw.o');
  });
});
