/**
 * A gzip CSV (`.csv.gz`, which DuckDB decompresses by its name) with a malformed record inside
 * the sniffing sample: the fallback of ingest/csv-malformed-sample.ts looked for the first
 * record in the compressed bytes, found NULs and gave up, so the run failed under `rejects:`
 * as a plain CSV no longer does; and the failure said the file was "not UTF-8 text: it holds
 * NUL bytes, as UTF-16 does" (explain-read.ts read the compressed bytes too), with a hint to
 * convert it from UTF-16. Both now read the decompressed text, of a `.zst` file too.
 */
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import { readTextHead } from '../../src/ingest/csv-malformed-sample.js';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const oneLine = (s: string) => s.replace(/\s+/g, ' ');
const SHORT = 'id,name,day,amount\n1,Ann,2024-01-02,1.5\n2,"Carl, Jr",2024-01-03,2\n3,"Bob,\n';

describe('readTextHead', () => {
  it('reads a .gz file decompressed, and says whether the text ends within the bytes asked for', async () => {
    const p = await newProject();
    const gz = p.path('data/t.csv.gz');
    await p.write('data/t.csv.gz', '');
    await writeFile(gz, gzipSync('a,b\n1,2\n'));
    expect(await readTextHead(gz, 1024)).toEqual({ bytes: Buffer.from('a,b\n1,2\n'), whole: true });
    expect(await readTextHead(gz, 4)).toEqual({ bytes: Buffer.from('a,b\n'), whole: false });
    await p.write('data/t.csv', 'a,b\n1,2\n');
    expect(await readTextHead(p.path('data/t.csv'), 8)).toEqual({ bytes: Buffer.from('a,b\n1,2\n'), whole: true });
    expect(await readTextHead(p.path('data/t.csv'), 7)).toEqual({ bytes: Buffer.from('a,b\n1,2'), whole: false });
  });
});

describe('a malformed record inside the sniffing sample of a gzip CSV', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('data/short.csv.gz', '');
    await writeFile(p.path('data/short.csv.gz'), gzipSync(SHORT));
  });

  it('with rejects: the good rows load typed as for the plain file, the line is quarantined', async () => {
    await p.pipeline('short', 'source: { kind: csv, path: data/short.csv.gz }\ntarget: { table: raw.short }\nrejects: { max_ratio: 0.5 }\n');
    const r = await p.run(['short']);
    expect(r.stdout, show(r)).toMatch(/short\s+raw\.short\s+ok\s+3\s+2\s+1/);
    expect(await p.columns('raw.short')).toEqual(['id long', 'name string', 'day date', 'amount double']);
    expect(await p.query('SELECT id, name FROM raw.short ORDER BY id')).toEqual([
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Carl, Jr' },
    ]);
    const rejects = await p.query('SELECT line, raw FROM raw.short__rejects');
    expect(rejects).toEqual([{ line: 4, raw: '3,"Bob,' }]);
  });

  it('without rejects: the run fails naming the line, not calling the file UTF-16', async () => {
    await p.pipeline('strict', 'source: { kind: csv, path: data/short.csv.gz }\ntarget: { table: raw.strict }\n');
    const r = await p.run(['strict'], 1);
    expect(oneLine(r.stderr)).not.toContain('UTF-16');
    expect(oneLine(r.stderr)).toContain('short.csv.gz:4: Value with unterminated quote found');
  });
});

describe('a malformed record inside the sniffing sample of a zstd CSV', () => {
  it('is read decompressed like a gzip CSV: with rejects: the good rows load and the line is quarantined', async () => {
    const p = await newProject();
    await p.write('data/short.csv', '');
    const engine = await openEngine({ threads: 1 });
    try {
      // DuckDB writes the lines as they are (no quoting), zstd-compressed.
      const rows = SHORT.trimEnd().split('\n').map((l, i) => `(${i}, ${quoteLiteral(l)})`).join(', ');
      await engine.run(`COPY (SELECT l FROM (VALUES ${rows}) t(i, l) ORDER BY i) TO ${quoteLiteral(p.path('data/short.csv.zst'))} (FORMAT csv, HEADER false, DELIMITER '|', QUOTE '', ESCAPE '', COMPRESSION 'zstd')`, 'write a zstd CSV');
    } finally {
      engine.close();
    }
    await p.pipeline('zst', 'source: { kind: csv, path: data/short.csv.zst }\ntarget: { table: raw.zst }\nrejects: { max_ratio: 0.5 }\n');
    const r = await p.run(['zst']);
    expect(r.stdout, show(r)).toMatch(/zst\s+raw\.zst\s+ok\s+3\s+2\s+1/);
    expect(await p.query('SELECT line, raw FROM raw.zst__rejects')).toEqual([{ line: 4, raw: '3,"Bob,' }]);
    await p.pipeline('strict', 'source: { kind: csv, path: data/short.csv.zst }\ntarget: { table: raw.strict }\n');
    const strict = await p.run(['strict'], 1);
    expect(oneLine(strict.stderr)).not.toContain('UTF-16');
    expect(oneLine(strict.stderr)).toContain('short.csv.zst:4: Value with unterminated quote found');
  });
});
