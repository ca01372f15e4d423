/**
 * A CSV header naming a column twice (also in another case), and JSON keys that differ only
 * in case, are refused naming the file, the line and the names: DuckDB renamed the second
 * (`email_1`), which a pipeline's PII policy for `email` then did not cover.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { duplicateHeaderNames, mayHoldRenamedDuplicate } from '../../src/ingest/csv-header.js';
import { assertBuilt, catalogTables, countRows, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

describe('duplicate header names', () => {
  it('are found ignoring case, with their positions', () => {
    expect(duplicateHeaderNames(['id', 'email', 'email'])).toEqual([[{ name: 'email', position: 2 }, { name: 'email', position: 3 }]]);
    expect(duplicateHeaderNames(['id', 'Email', 'email', 'ID'])).toEqual([
      [{ name: 'id', position: 1 }, { name: 'ID', position: 4 }],
      [{ name: 'Email', position: 2 }, { name: 'email', position: 3 }],
    ]);
    expect(duplicateHeaderNames(['id', 'email', 'email_1'])).toEqual([]);
  });

  it('the bound columns say when to look: a name like DuckDB renames a duplicate to', () => {
    expect(mayHoldRenamedDuplicate(['id', 'email', 'email_1'])).toBe(true);
    expect(mayHoldRenamedDuplicate(['id', 'Email', 'email_1'])).toBe(true);
    expect(mayHoldRenamedDuplicate(['id', 'email', 'phone_1'])).toBe(false);
  });
});

describe('floe run and floe load refuse a repeated column name', () => {
  const tmp = useTmpDirs('floe-csv-header-dupes-');
  let project: string;
  const pipeline = (name: string, source: string) =>
    writeFile(
      path.join(project, 'pipelines', `${name}.yaml`),
      [`name: ${name}`, `source: ${source}`, 'columns: { email: { pii: { tag: email, policy: mask, apply: ingest } } }', `target: { table: raw.${name} }`, ''].join('\n'),
    );
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await mkdir(path.join(project, 'pipelines'));
    await writeFile(path.join(project, 'same.csv'), 'id,email,email\n1,a@x.com,secret@x.com\n');
    await writeFile(path.join(project, 'case.csv'), 'id,Email,email\n1,a@x.com,secret@x.com\n');
    await writeFile(path.join(project, 'skip.csv'), 'exported by crm\nid,email,EMAIL\n1,a@x.com,secret@x.com\n');
    await writeFile(path.join(project, 'fine.csv'), 'id,email,email_1\n1,a@x.com,b@x.com\n');
    await writeFile(path.join(project, 'both.jsonl'), '{"id":1,"email":"a@x.com"}\n\n{"id":2,"Email":"b@x.com","email":"secret@x.com"}\n');
    await writeFile(path.join(project, 'apart.jsonl'), '{"id":1,"Email":"a@x.com"}\n{"id":2,"email":"secret@x.com"}\n');
    await writeFile(path.join(project, 'doc.json'), '[{"id":1,"email":"a@x.com"},{"id":2,"Email":"b","email":"c"}]');
  });

  it('a pipeline whose CSV header repeats the PII column fails, naming file, line 1 and the columns; nothing is written', async () => {
    await pipeline('same', '{ kind: csv, path: same.csv }');
    const r = await floeIn(project, ['run', 'same']);
    expectFailure(r, 1, [`${path.join(project, 'same.csv')}:1:`, '"email" twice (columns 2 and 3)']);
    expect(catalogTables(project)).not.toContain('raw.same');
  });

  it('the header line after skip: lines is the one named', async () => {
    await pipeline('skipped', '{ kind: csv, path: skip.csv, skip: 1 }');
    const r = await floeIn(project, ['run', 'skipped']);
    expectFailure(r, 1, [`${path.join(project, 'skip.csv')}:2:`, '"email" and "EMAIL" (columns 2 and 3), which differ only in case']);
  });

  it('floe load refuses names that differ only in case', async () => {
    const r = await floeIn(project, ['load', 'raw.case', path.join(project, 'case.csv')]);
    expectFailure(r, 1, [`${path.join(project, 'case.csv')}:1:`, '"Email" and "email"']);
    expect(catalogTables(project)).not.toContain('raw.case');
  });

  it('a column really called email_1 beside email is loaded', async () => {
    const r = await floeIn(project, ['load', 'raw.fine', path.join(project, 'fine.csv')]);
    expect(r.code, show(r)).toBe(0);
    expect(await countRows(project, 'raw.fine')).toBe(1n);
  });

  it('a JSON Lines record with Email and email fails naming its line and both keys (pipeline and load)', async () => {
    await pipeline('both', '{ kind: jsonl, path: both.jsonl }');
    const file = path.join(project, 'both.jsonl');
    const run = await floeIn(project, ['run', 'both']);
    expectFailure(run, 1, [`${file}:3: the record has keys "Email" and "email"`]);
    expect(run.stderr).not.toMatch(/not in the source/);
    const load = await floeIn(project, ['load', 'raw.both', file]);
    expectFailure(load, 1, [`${file}:3: the record has keys "Email" and "email"`]);
  });

  it('two records spelling one key differently are named both', async () => {
    const file = path.join(project, 'apart.jsonl');
    const r = await floeIn(project, ['load', 'raw.apart', file]);
    expectFailure(r, 1, [`${file}:1 has key "Email" and ${file}:2 has key "email"`]);
  });

  it('a JSON document names the record', async () => {
    const file = path.join(project, 'doc.json');
    const r = await floeIn(project, ['load', 'raw.doc', file]);
    expectFailure(r, 1, [`${file} (record 2): the record has keys "Email" and "email"`]);
  });
});
