/**
 * `floe load` errors name the input files when reading them failed, and only then: which
 * phase failed decides it (FloeError.files, src/ingest/input-errors.ts), not the words of
 * the message. A damaged metadata file or manifest list of the table is never labelled as an
 * input failure, whatever the input is called.
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FloeError, schemaError, sourceError } from '../../src/errors.js';
import { aboutInputs, namingFiles, readingInputs } from '../../src/ingest/input-errors.js';
import { assertBuilt, expectFailure, floeIn, show, smallCsv, useTmpDirs, writeProject } from './helpers.js';

describe('aboutInputs', () => {
  it('adds the inputs to a read failure that records no file, whatever its message says', () => {
    const e = aboutInputs(sourceError('could not read x.avro or y.metadata.json'), ['a.csv', 'b.csv']) as FloeError;
    expect(e.message).toBe('could not read x.avro or y.metadata.json (input: a.csv, b.csv)');
    expect(e.files).toEqual(['a.csv', 'b.csv']);
    expect(e.kind).toBe('source');
  });

  it('leaves alone an error that records its file, one of another kind, and anything with no inputs', () => {
    const named = namingFiles(sourceError('a.csv:3: too many fields'), ['a.csv']);
    expect(aboutInputs(named, ['a.csv', 'b.csv'])).toBe(named);
    const schema = schemaError('column "id": string vs long');
    expect(aboutInputs(schema, ['a.csv'])).toBe(schema);
    const plain = new Error('boom');
    expect(aboutInputs(plain, ['a.csv'])).toBe(plain);
    const io = new FloeError('io', 'disk full');
    expect(aboutInputs(io, [])).toBe(io);
  });

  it('readingInputs names the inputs in what the read throws, and passes results through', async () => {
    await expect(readingInputs(['in.csv'], async () => 7)).resolves.toBe(7);
    await expect(readingInputs(['in.csv'], async () => Promise.reject(new FloeError('io', 'short read')))).rejects.toMatchObject({
      message: 'short read (input: in.csv)',
      files: ['in.csv'],
    });
    await expect(readingInputs(undefined, async () => Promise.reject(new FloeError('io', 'short read')))).rejects.toMatchObject({ message: 'short read', files: [] });
  });
});

describe('floe load errors', () => {
  const tmp = useTmpDirs('floe-load-errors-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
  });

  it('a truncated Parquet input whose name looks like a manifest is still named as the input', async () => {
    const bad = path.join(project, 'snap-1.avro.parquet');
    await writeFile(bad, 'PAR1 not really parquet');
    const r = await floeIn(project, ['load', 'raw.p', bad]);
    expectFailure(r, 1, [bad]);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a damaged metadata file of the table is named, and not labelled as an input failure', async () => {
    const input = path.join(project, 'rows.csv');
    await writeFile(input, smallCsv(10));
    const ok = await floeIn(project, ['load', 'raw.t', input]);
    expect(ok.code, show(ok)).toBe(0);
    const metadataDir = path.join(project, 'warehouse', 'raw', 't', 'metadata');
    const current = (await readdir(metadataDir)).filter((f) => f.endsWith('.metadata.json')).sort().at(-1)!;
    await writeFile(path.join(metadataDir, current), '{ "format-version": 2, broken');
    const r = await floeIn(project, ['load', 'raw.t', input]);
    expectFailure(r, 1, [current]);
    expect(r.stderr, show(r)).not.toContain('(input:');
  });

  it('a malformed CSV row past the sniffed sample, after multi-line quoted fields: its physical line, not DuckDB\'s record count', async () => {
    // 30 of the rows hold a quoted newline: DuckDB counts each once, the file has a line more for each.
    const rows = ['id,note,amount'];
    for (let i = 1; i <= 30_000; i++) rows.push(i % 1000 === 0 ? `${i},"two\nlines",${i}.5` : `${i},n,${i}.5`);
    rows.push('30001,x,1.5,extra', '30002,x,1.5', '');
    const bad = path.join(project, 'multi.csv');
    await writeFile(bad, rows.join('\n'));
    const r = await floeIn(project, ['load', 'raw.m', bad]);
    expectFailure(r, 1, [`${bad}:30032: Expected Number of Columns: 3 Found: 4: 30001,x,1.5,extra`]);
    expect(r.stderr).not.toContain(':30002');
  });
});
