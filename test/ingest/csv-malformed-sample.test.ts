/**
 * The pieces that type a CSV file whose sniffing sample holds a malformed record
 * (src/ingest/csv-malformed-sample.ts): the first record read with the dialect's quote and
 * escape, and the read options typed from the records that parse.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstRecord, isSniffFailure, typeFromParsedSample, typeUnsniffableFiles } from '../../src/ingest/csv-malformed-sample.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { quoteLiteral } from '../../src/engine/sql.js';
import type { CsvDialect } from '../../src/ingest/explain-read.js';

const rfc: CsvDialect = { delimiter: ',', quote: '"', escape: '"', skip: 0, encoding: 'utf-8' };
let dir: string;
let engine: Engine;
const file = async (name: string, text: string | Buffer) => {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'floe-csv-sample-'));
  engine = await openEngine({ threads: 1 });
});
afterAll(async () => {
  engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe('firstRecord', () => {
  it('splits the header with quotes, doubled quotes, a quoted delimiter and newline, after a BOM', async () => {
    expect(await firstRecord(await file('a.csv', '\uFEFFid,"na,me","say ""hi""","two\nlines"\r\n1,2,3,4\n'), rfc)).toEqual(['id', 'na,me', 'say "hi"', 'two\nlines']);
  });

  it('honours skip, another delimiter and a backslash escape', async () => {
    const d: CsvDialect = { delimiter: ';', quote: '"', escape: '\\', skip: 2, encoding: 'utf-8' };
    expect(await firstRecord(await file('b.csv', 'junk\nmore "junk\na;"b\\";c";\n1;2;3\n'), d)).toEqual(['a', 'b";c', '']);
  });

  it('a file of one line without a newline is one record', async () => {
    expect(await firstRecord(await file('c.csv', 'x,y'), rfc)).toEqual(['x', 'y']);
  });

  it('gives nothing for an unterminated quote in the header, UTF-16 text, or an unknown encoding', async () => {
    expect(await firstRecord(await file('d.csv', 'id,"name\n1,2\n'), rfc)).toBeUndefined();
    expect(await firstRecord(await file('e.csv', Buffer.from('id,name\n1,2\n', 'utf16le')), rfc)).toBeUndefined();
    expect(await firstRecord(await file('f.csv', 'id,name\n'), { ...rfc, encoding: 'ebcdic' })).toBeUndefined();
  });

  it('reads latin-1 headers', async () => {
    expect(await firstRecord(await file('g.csv', Buffer.from('caf\xe9,n\n1,2\n', 'latin1')), { ...rfc, encoding: 'latin-1' })).toEqual(['café', 'n']);
  });
});

describe('typeFromParsedSample', () => {
  it('types the columns from the records that parse, with the date format the sniffer finds; declared types win', async () => {
    const f = await file('t.csv', 'id,when,amount,label\n1,02/01/2024,1.5,a\n2,03/01/2024,2,"b"x\n3,04/01/2024,3.25,"c\n');
    const reader = `SELECT * FROM read_csv(${quoteLiteral(f)}, delim = ',', quote = '"', escape = '"', header = true)`;
    await expect(engine.columns(reader, 'sniff')).rejects.toSatisfy(isSniffFailure);
    const options = await typeFromParsedSample(engine, f, rfc, true, [['label', 'VARCHAR'], ['amount', 'DECIMAL(10,2)']]);
    expect(options).toEqual(["auto_detect = false", "columns = {'id': 'BIGINT', 'when': 'DATE', 'amount': 'DECIMAL(10,2)', 'label': 'VARCHAR'}", "dateformat = '%d/%m/%Y'"]);
    const rows = await engine.all(`SELECT id, CAST("when" AS VARCHAR) AS w FROM read_csv(${quoteLiteral(f)}, delim = ',', quote = '"', escape = '"', header = true, ${options!.join(', ')}, store_rejects = true)`, 'read');
    expect(rows.map((r) => [Number(r.id), r.w])).toEqual([[1, '2024-01-02']]);
  });

  it('a file whose rows are all malformed is typed as text', async () => {
    const f = await file('u.csv', 'id,name\n1,"Ann\n2,Bob\n');
    expect(await typeFromParsedSample(engine, f, rfc, true, [])).toEqual(["auto_detect = false", "columns = {'id': 'VARCHAR', 'name': 'VARCHAR'}"]);
  });
});

describe('typeUnsniffableFiles', () => {
  it('leaves the files whose reader sniffs to it', async () => {
    const good = await file('ok.csv', 'id\n1\n2\n');
    const bad = await file('bad.csv', 'id,name\n1,x\n2,"y\n');
    const readerOf = (f: string) => `SELECT * FROM read_csv(${quoteLiteral(f)}, delim = ',', quote = '"', escape = '"', header = true)`;
    const out = await typeUnsniffableFiles(engine, [good, bad], readerOf, rfc, true, []);
    expect([...out.keys()]).toEqual([bad]);
    expect(out.get(bad)).toEqual(["auto_detect = false", "columns = {'id': 'BIGINT', 'name': 'VARCHAR'}"]);
  });
});
