/**
 * `floe check` and the run's audit as CI and cron use them: a broken check points at the
 * line that declares it; data never drives the terminal; a merge-on-read table is checked as
 * its merged rows; a run killed during its audit leaves `main` and the snapshot list as they
 * were, and the next run publishes.
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, startFloe, tableState, useTmpDirs, writeProject } from '../cli/helpers.js';
import { collect } from '../helpers/floe-process.js';

const tmp = useTmpDirs('floe-check-cli-');

async function project(): Promise<string> {
  const dir = await writeProject(await tmp());
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'pipelines'));
  return dir;
}

const ingest = (table: string, extra: string, checks: string) =>
  `name: ${table.split('.')[1]}\nsource:\n  kind: csv\n  path: data/${table.split('.')[1]}.csv\ntarget:\n  table: ${table}\n${extra}checks:\n${checks}`;

beforeAll(() => assertBuilt());

describe('a check that cannot be evaluated', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await project();
    await writeFile(path.join(dir, 'data', 'codes.csv'), 'id,code\n1,A\n2,B\n');
    const r = await floeIn(dir, ['load', 'crm.codes', path.join(dir, 'data', 'codes.csv')]);
    expect(r.code, show(r)).toBe(0);
    // Line 8: row_count; line 9: the sql check naming a column the table lacks; line 11: not_null of a missing column.
    await writeFile(
      path.join(dir, 'pipelines', 'codes.yaml'),
      ingest('crm.codes', '', '  - row_count: { min: 1 }\n  - sql: "SELECT count(*) FROM {{ this }} WHERE colour = \'red\'"\n    name: no_red\n  - not_null: [id, kode]\n'),
    );
  });

  it('names the file, line and column that declare it, exit 1', async () => {
    const r = await floeIn(dir, ['check', 'crm.codes', '--no-history']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toMatch(/ERROR crm\.codes no_red: could not be evaluated: .*colour[\s\S]*\(check declared at pipelines\/codes\.yaml:9:5\)/);
    expect(r.stdout).toMatch(/ERROR crm\.codes not_null\(id,kode\): could not be evaluated: column 'kode' does not exist in table crm\.codes \(did you mean 'code'\?\).*\(check declared at pipelines\/codes\.yaml:11:5\)/);
    const j = await floeIn(dir, ['check', 'crm.codes', '--no-history', '--format', 'json']);
    expect(j.code, show(j)).toBe(1);
    const results = JSON.parse(j.stdout).results;
    expect(results.map((x: any) => [x.name, x.status])).toEqual([['row_count', 'pass'], ['no_red', 'error'], ['not_null(id,kode)', 'error']]);
    expect(results[1].message).toContain('(check declared at pipelines/codes.yaml:9:5)');
    expect(j.stderr).toContain('pipelines/codes.yaml:11:5');
  });
});

describe('text output on a terminal', () => {
  it('shows control characters from the data as \\u escapes, never raw, and keeps the columns aligned', async () => {
    const dir = await project();
    await writeFile(path.join(dir, 'data', 't.csv'), 'id\n1\n');
    const r0 = await floeIn(dir, ['load', 'crm.t', path.join(dir, 'data', 't.csv')]);
    expect(r0.code, show(r0)).toBe(0);
    await writeFile(path.join(dir, 'pipelines', 't.yaml'), ingest('crm.t', '', `  - sql: "SELECT chr(27) || '[2J' || chr(13) || 'x'"\n    name: esc\n  - row_count: { min: 1 }\n`));
    const r = await floeIn(dir, ['check', 'crm.t', '--no-history']);
    expect(r.code, show(r)).toBe(3);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stdout).toContain('FAIL crm.t esc: the query returned \\u001b[2J\\u000dx, expected 0');
    const lines = r.stdout.split('\n');
    const at = lines[0]!.indexOf('expected');
    expect(lines[2]!.slice(at)).toBe('= 0');
    expect(lines[3]!.slice(at)).toBe('>= 1');
  });
});

describe('a merge-on-read table', () => {
  it('is checked as its merged rows, by floe check and by the run\'s audit', async () => {
    const dir = await project();
    const csv = path.join(dir, 'data', 'c.csv');
    await writeFile(
      path.join(dir, 'pipelines', 'c.yaml'),
      ingest('crm.c', '  mode: merge\n  key: [id]\n  properties: { write.merge.mode: merge-on-read }\n', `  - unique: id\n  - row_count: { max: 3 }\n  - sql: "SELECT count(*) FROM {{ this }} WHERE email = 'old@x.com'"\n    name: no_old\n`),
    );
    await writeFile(csv, 'id,email\n1,a@x.com\n2,old@x.com\n');
    // The first run holds old@x.com: no_old fails and main does not move... so publish it without the audit.
    const first = await floeIn(dir, ['run', 'c', '--no-audit']);
    expect(first.code, show(first)).toBe(0);
    await writeFile(csv, 'id,email\n2,new@x.com\n3,c@x.com\n');
    const second = await floeIn(dir, ['run', 'c']);
    // Unmerged, the table would hold 4 rows with id 2 twice and old@x.com: all three checks would fail.
    expect(second.code, show(second)).toBe(0);
    const files = readdirSync(path.join(dir, 'warehouse', 'crm', 'c', 'data'));
    expect(files.filter((f) => f.includes('-deletes-'))).toHaveLength(1);
    const r = await floeIn(dir, ['check', 'crm.c', '--format', 'json', '--no-history']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout).results.map((x: any) => [x.name, x.status, x.observed])).toEqual([
      ['unique(id)', 'pass', 0],
      ['row_count', 'pass', 3],
      ['no_old', 'pass', 0],
    ]);
  });
});

describe('a run killed during its audit', () => {
  it('leaves main and the snapshots as they were; the next run audits and publishes', async () => {
    const dir = await project();
    const csv = path.join(dir, 'data', 'k.csv');
    await writeFile(csv, 'id\n1\n');
    // A check that runs for minutes: the process is killed while it runs.
    const slow = '  - row_count: { min: 1 }\n  - sql: "SELECT count(*) FROM {{ this }}, range(100000000000) AS r(n) WHERE n < 0"\n    name: slow\n';
    await writeFile(path.join(dir, 'pipelines', 'k.yaml'), ingest('crm.k', '', slow));
    const first = await floeIn(dir, ['run', 'k', '--no-audit']);
    expect(first.code, show(first)).toBe(0);
    const before = await tableState(dir, 'crm.k');
    await writeFile(csv, 'id\n2\n3\n');
    const child = startFloe(['--project', dir, 'run', 'k']);
    const done = collect(child);
    // The data file of the second run is written before its audit starts.
    const dataDir = path.join(dir, 'warehouse', 'crm', 'k', 'data');
    const parquet = () => readdirSync(dataDir).filter((f) => f.endsWith('.parquet')).length;
    for (let i = 0; i < 600 && parquet() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(parquet()).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    expect(await tableState(dir, 'crm.k')).toEqual(before);
    await writeFile(path.join(dir, 'pipelines', 'k.yaml'), ingest('crm.k', '', '  - row_count: { min: 1 }\n'));
    const again = await floeIn(dir, ['run', 'k']);
    expect(again.code, show(again)).toBe(0);
    const after = await tableState(dir, 'crm.k');
    expect(after.rows).toBe(3n);
    expect(JSON.parse(after.snapshots)).toHaveLength(JSON.parse(before.snapshots).length + 1);
  });
});

describe('the first run of a pipeline whose checks name its own table', () => {
  it('audits the staged rows under the table\'s name although the table is not in the catalog yet, and publishes', async () => {
    const dir = await project();
    await writeFile(path.join(dir, 'data', 'n.csv'), 'id,email\n1,a@x.com\n2,b@x.com\n');
    await writeFile(
      path.join(dir, 'pipelines', 'n.yaml'),
      ingest('crm.n', '', '  - sql: "SELECT count(*) FROM crm.n WHERE email IS NULL"\n    name: named\n  - relationships: { column: id, to: crm.n.id }\n'),
    );
    const r = await floeIn(dir, ['run', 'n', '--json']);
    expect(r.code, show(r)).toBe(0);
    const checks = r.stdout.split('\n').filter((l) => l.includes('"event":"check"')).map((l) => JSON.parse(l));
    expect(checks.map((c) => [c.check, c.status])).toEqual([['named', 'pass'], ['relationships(id)', 'pass']]);
    const state = await tableState(dir, 'crm.n');
    expect(state.rows).toBe(2n);
    // And the same check still fails on the staged rows when they break it.
    await writeFile(path.join(dir, 'data', 'n.csv'), 'id,email\n3,\n');
    const bad = await floeIn(dir, ['run', 'n']);
    expect(bad.code, show(bad)).toBe(3);
    expect(bad.stderr).toContain('named (the query returned 1, expected 0)');
    // main stays; the staged snapshot is kept beside it, with no ref.
    const after = await tableState(dir, 'crm.n');
    expect(after.rows).toBe(2n);
    const main = (snaps: string) => snaps.match(/"snapshot-id": (\d+)[^{}]*?"refs": \[\s*"main"/s)?.[1];
    expect(main(after.snapshots)).toBe(main(state.snapshots));
    expect(JSON.parse(after.snapshots)).toHaveLength(2);
  });
});

describe('a copy-on-write merge', () => {
  it('audits the rows the run brought as its batch, not the old rows carried into rewritten files', async () => {
    const dir = await project();
    const csv = path.join(dir, 'data', 'm.csv');
    let rows = 'id,email\n';
    for (let i = 0; i < 200; i++) rows += `${i},${i === 7 ? '' : `u${i}@x.com`}\n`;
    await writeFile(csv, rows);
    await writeFile(path.join(dir, 'pipelines', 'm.yaml'), ingest('crm.m', '  mode: merge\n  key: [id]\n', '  - not_null: email\n  - volume: { max_change: 50% }\n'));
    // Row 7 arrived before the not_null check was declared: it is in the table, without an email.
    const first = await floeIn(dir, ['run', 'm', '--no-audit']);
    expect(first.code, show(first)).toBe(0);
    // An upsert of key 5 rewrites the one data file, row 7 included.
    await writeFile(csv, 'id,email\n5,new@x.com\n');
    const r = await floeIn(dir, ['run', 'm', '--json']);
    expect(r.code, show(r)).toBe(0);
    const checks = r.stdout.split('\n').filter((l) => l.includes('"event":"check"')).map((l) => JSON.parse(l));
    expect(checks.map((c) => [c.check, c.status, c.observed])).toEqual([['not_null(email)', 'pass', 0], ['volume', 'pass', 1]]);
    expect(await floeIn(dir, ['query', 'SELECT email FROM crm.m WHERE id = 5', '--format', 'csv']).then((q) => q.stdout.trim())).toBe('email\nnew@x.com');
    // A bad upsert still fails on its own rows, and main stays.
    await writeFile(csv, 'id,email\n6,\n');
    const bad = await floeIn(dir, ['run', 'm']);
    expect(bad.code, show(bad)).toBe(3);
    expect(bad.stderr).toContain('not_null(email) (email has 1 null)');
  });
});

describe('a merge with a delete column', () => {
  it('leaves the deletions out of the batch: a delete row without an email passes not_null', async () => {
    const dir = await project();
    const csv = path.join(dir, 'data', 'd.csv');
    await writeFile(csv, 'id,email,gone\n1,a@x.com,false\n2,b@x.com,false\n');
    await writeFile(path.join(dir, 'pipelines', 'd.yaml'), ingest('crm.d', '  mode: merge\n  key: [id]\n  delete_column: gone\n', '  - not_null: email\n  - volume: { max_change: 100% }\n'));
    const first = await floeIn(dir, ['run', 'd']);
    expect(first.code, show(first)).toBe(0);
    await writeFile(csv, 'id,email,gone\n1,,true\n3,c@x.com,false\n');
    const r = await floeIn(dir, ['run', 'd', '--json']);
    expect(r.code, show(r)).toBe(0);
    const checks = r.stdout.split('\n').filter((l) => l.includes('"event":"check"')).map((l) => JSON.parse(l));
    expect(checks.map((c) => [c.check, c.status, c.observed])).toEqual([['not_null(email)', 'pass', 0], ['volume', 'pass', 1]]);
    const q = await floeIn(dir, ['query', 'SELECT id FROM crm.d ORDER BY id', '--format', 'csv']);
    expect(q.stdout.trim()).toBe('id\n2\n3');
  });
});
