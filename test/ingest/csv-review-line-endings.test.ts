/** lineEndingFault: the first line whose ending, outside quoted fields, differs from line 1's. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineEndingFault, parseDuckCsvError } from '../../src/ingest/csv-errors.js';

describe('lineEndingFault', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'floe-csv-eol-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const fault = async (text: string, quote = '"', escape = '"') => {
    const f = path.join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
    await writeFile(f, text);
    return lineEndingFault(f, quote, escape);
  };

  it('finds nothing in files with one ending, whatever quoted fields hold', async () => {
    expect(await fault('a,b\n1,2\n')).toBeUndefined();
    expect(await fault('a,b\r\n1,2\r\n3,4')).toBeUndefined();
    expect(await fault('a,b\r\n1,"x\ny ""q"""\r\n')).toBeUndefined();
    expect(await fault('a,b\n1,"x\r\ny\rz"\n')).toBeUndefined();
  });

  it('names the first differing line, counting quoted line breaks as lines', async () => {
    expect(await fault('a,b\n1,"x\r\ny"\n2,3\r\n4,5\n')).toEqual({ line: 4, ending: 'crlf', first: { line: 1, ending: 'lf' } });
    expect(await fault('a,b\r\n1,2\r\n3,4\n')).toEqual({ line: 3, ending: 'lf', first: { line: 1, ending: 'crlf' } });
    expect(await fault('a,b\n1,x\ry\n')).toMatchObject({ line: 2, ending: 'cr', first: { line: 1, ending: 'lf' } });
  });

  it('takes lone \\r line endings (old Mac files) as one kind of ending', async () => {
    expect(await fault('a,b\r1,2\r3,4\r')).toBeUndefined();
    expect(await fault('a,b\r1,2\r\n3,4\r')).toEqual({ line: 2, ending: 'crlf', first: { line: 1, ending: 'cr' } });
  });

  it('follows the quote and an escape other than it', async () => {
    // With \ as the escape, \' does not close the quoted field, so its \r\n is text.
    expect(await fault("a;b\n1;'it\\'s\r\nok'\n2;c\n", "'", '\\')).toBeUndefined();
    expect(await fault("a;b\n1;'it\\'s'\r\n", "'", '\\')).toMatchObject({ line: 2, ending: 'crlf' });
  });
});

describe('parseDuckCsvError', () => {
  it('quotes a record of a \\r\\n file without the line break DuckDB puts before it', () => {
    const d = parseDuckCsvError('Invalid Input Error: CSV Error on Line: 4\nOriginal Line: \n3,x,y\nExpected Number of Columns: 2 Found: 3\nPossible fixes:\n* x');
    expect(d?.original).toBe('3,x,y');
    expect(d?.problem).toBe('Expected Number of Columns: 2 Found: 3');
  });
});
