/**
 * `floe check` as a CI job uses it, when the project around the checked table is not clean:
 * a broken pipeline file must not cost the job the results of every other table. The checks
 * of the valid pipelines still run and are reported; each broken file is reported as an
 * error naming file:line:col; the exit code is the worst outcome (2 for invalid files).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';
import { strictXmlProblem } from './checks-xml.js';

const tmp = useTmpDirs('floe-check-project-');
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase'].includes(n) });

const CONTACTS = 'id,email,updated_at\n1,a@example.com,2020-01-01 10:00:00\n2,,2020-01-02 10:00:00\n';
const CONTACTS_PIPELINE = 'name: contacts\nsource:\n  kind: csv\n  path: data/contacts.csv\ntarget:\n  table: crm.contacts\nchecks:\n  - row_count: { min: 1 }\n  - not_null: email\n';
// Line 8, column 5: the misspelt check kind.
const BROKEN_PIPELINE = 'name: invoices\nsource:\n  kind: csv\n  path: data/invoices.csv\ntarget:\n  table: billing.invoices\nchecks:\n  - not_nul: id\n';

let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await mkdir(path.join(project, 'data'));
  await mkdir(path.join(project, 'pipelines'));
  await writeFile(path.join(project, 'data', 'contacts.csv'), CONTACTS);
  const r = await floeIn(project, ['load', 'crm.contacts', path.join(project, 'data', 'contacts.csv')]);
  expect(r.code, show(r)).toBe(0);
  await writeFile(path.join(project, 'pipelines', 'contacts.yaml'), CONTACTS_PIPELINE);
  await writeFile(path.join(project, 'pipelines', 'invoices.yaml'), BROKEN_PIPELINE);
});

describe('floe check with an unrelated broken pipeline file', () => {
  it('still runs and reports the valid pipelines\' checks in JUnit, with the broken file as an error case, exit 2', async () => {
    const r = await floeIn(project, ['check', '--all', '--format', 'junit', '--no-history']);
    expect(r.code, show(r)).toBe(2);
    expect(strictXmlProblem(r.stdout), r.stdout).toBe('');
    const suites = parser.parse(r.stdout).testsuites;
    expect(suites).toMatchObject({ tests: '3', failures: '1', errors: '1' });
    const contacts = suites.testsuite.find((s: any) => s.name === 'crm.contacts');
    expect(contacts.testcase.map((c: any) => [c.name, c.failure ? 'fail' : 'pass'])).toEqual([['row_count', 'pass'], ['not_null(email)', 'fail']]);
    const files = suites.testsuite.find((s: any) => s.name === 'project files');
    expect(files.testcase).toHaveLength(1);
    expect(files.testcase[0].name).toBe('pipelines/invoices.yaml');
    expect(files.testcase[0].error.type).toBe('config');
    expect(files.testcase[0].error.message).toMatch(/^pipelines\/invoices\.yaml:8:5: .*unknown check kind 'not_nul'/);
    // CI logs show the diagnostics too.
    expect(r.stderr).toContain("unknown check kind 'not_nul'");
  });

  it('reports it in JSON with the named table\'s results, exit 2', async () => {
    const r = await floeIn(project, ['check', 'crm.contacts', '--format', 'json', '--no-history']);
    expect(r.code, show(r)).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.status).toBe('error');
    expect(j.summary).toEqual({ passed: 1, warned: 0, failed: 1, errored: 0 });
    expect(j.results.map((x: any) => [x.name, x.status])).toEqual([['row_count', 'pass'], ['not_null(email)', 'fail']]);
    expect(j.problems).toEqual([
      expect.objectContaining({ kind: 'config', file: 'pipelines/invoices.yaml', line: 8, col: 5, path: 'checks[0].not_nul', message: expect.stringContaining("unknown check kind 'not_nul'") }),
    ]);
  });

  it('prints the results and names the broken file in text, exit 2', async () => {
    const r = await floeIn(project, ['check', '--all', '--no-history']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout).toContain('FAIL crm.contacts not_null(email): email has 1 null');
    expect(r.stdout).toMatch(/ERROR pipelines\/invoices\.yaml:8:5: checks\[0\]\.not_nul: unknown check kind 'not_nul'/);
    expect(r.stdout).toContain('2 checks: 1 passed, 0 warned, 1 failed, 0 could not be evaluated; 1 invalid project file');
  });

  it('a table whose only pipeline is the broken one is reported with the broken file, not a bare usage error', async () => {
    const r = await floeIn(project, ['check', 'billing.invoices', '--format', 'json', '--no-history']);
    expect(r.code, show(r)).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.results).toEqual([]);
    expect(j.problems.map((p: any) => p.file)).toEqual(['pipelines/invoices.yaml']);
    expect(r.stderr).toContain("unknown check kind 'not_nul'");
  });
});

describe('floe check --format json|junit keeps stdout a report when it cannot run at all', () => {
  it('an invalid floe.yaml: the report names it at file:line:col, exit 2', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  nmae: floe\n');
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'pipelines', 'contacts.yaml'), CONTACTS_PIPELINE);
    const j = await floeIn(dir, ['check', '--all', '--format', 'json']);
    expect(j.code, show(j)).toBe(2);
    const json = JSON.parse(j.stdout);
    expect(json.status).toBe('error');
    expect(json.problems).toHaveLength(1);
    expect(json.problems[0]).toMatchObject({ kind: 'config', file: 'floe.yaml', line: 4, col: 3 });
    const x = await floeIn(dir, ['check', '--all', '--format', 'junit']);
    expect(x.code, show(x)).toBe(2);
    expect(strictXmlProblem(x.stdout), x.stdout).toBe('');
    const suites = parser.parse(x.stdout).testsuites;
    expect(suites).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    expect(suites.testsuite[0].testcase[0].error.message).toMatch(/^floe\.yaml:4:3: /);
  });

  it('a catalog that cannot be opened: a report with the failure, then the error and its exit code', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'warehouse'));
    await writeFile(path.join(dir, 'warehouse', 'catalog.db'), 'this is not a SQLite database, not at all, not even close to one\n'.repeat(20));
    const r = await floeIn(dir, ['check', 'crm.contacts', '--row-count-min', '1', '--format', 'json']);
    expect(r.code, show(r)).not.toBe(0);
    expect(r.stderr.trim()).not.toBe('');
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ status: 'error', results: [], problems: [{ file: null, message: expect.stringMatching(/catalog|database/i) }] });
    const x = await floeIn(dir, ['check', 'crm.contacts', '--row-count-min', '1', '--format', 'junit']);
    expect(x.code).toBe(r.code);
    expect(strictXmlProblem(x.stdout), x.stdout).toBe('');
    expect(parser.parse(x.stdout).testsuites.testsuite[0]).toMatchObject({ name: 'floe check', errors: '1' });
  });
});

describe('floe check --out FILE', () => {
  it('writes the whole report to FILE, nothing on stdout, and says where on stderr', async () => {
    const out = path.join(await tmp(), 'report.xml');
    const r = await floeIn(project, ['check', '--all', '--format', 'junit', '--no-history', '--out', out]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`wrote the junit report to ${out}`);
    const xml = readFileSync(out, 'utf8');
    expect(strictXmlProblem(xml), xml).toBe('');
    expect(parser.parse(xml).testsuites).toMatchObject({ tests: '3', failures: '1', errors: '1' });
    expect(readdirSync(path.dirname(out))).toEqual(['report.xml']);
  });

  it('fails before doing any work when the folder is missing, is a file, or FILE is a folder (exit 2)', async () => {
    const dir = await tmp();
    const missing = path.join(dir, 'no', 'such', 'report.json');
    const r = await floeIn(project, ['check', '--all', '--format', 'json', '--out', missing]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`--out ${missing}: the folder ${path.dirname(missing)} does not exist`);
    expect(r.stdout).toBe('');
    // Before any work: not even the project's files were read (the broken one is not mentioned).
    expect(r.stderr).not.toContain('not_nul');
    await writeFile(path.join(dir, 'plain'), 'x');
    const r2 = await floeIn(project, ['check', '--all', '--out', path.join(dir, 'plain', 'r.json')]);
    expect(r2.code, show(r2)).toBe(2);
    expect(r2.stderr).toContain('is not a folder');
    const r3 = await floeIn(project, ['check', '--all', '--out', dir]);
    expect(r3.code, show(r3)).toBe(2);
    expect(r3.stderr).toContain('is a folder; give a file name');
    expect(readdirSync(dir)).toEqual(['plain']);
  });

  it('a folder that cannot be written in fails before any work', async () => {
    // /proc is a folder no one can create files in, root included.
    const r = await floeIn(project, ['check', '--all', '--format', 'json', '--out', '/proc/floe-report.json']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('--out /proc/floe-report.json: cannot write in /proc');
    expect(r.stderr).not.toContain('not_nul');
  });

  it('a command that fails still writes a whole report; an existing FILE is replaced only by a whole one', async () => {
    const dir = await tmp();
    const out = path.join(dir, 'r.json');
    await writeFile(out, 'previous');
    const r = await floeIn(project, ['check', 'not-a-table-name', '--row-count-min', '1', '--format', 'json', '--out', out]);
    expect(r.code, show(r)).toBe(2);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ status: 'error', results: [], problems: [{ kind: 'config', file: null }] });
    expect(readdirSync(dir)).toEqual(['r.json']);
  });
});

describe('floe check with nothing to check', () => {
  it('still prints an empty report in JSON and JUnit, exit 0', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'pipelines', 'plain.yaml'), 'name: plain\nsource:\n  kind: csv\n  path: data/x.csv\ntarget:\n  table: crm.plain\n');
    const j = await floeIn(dir, ['check', '--all', '--format', 'json']);
    expect(j.code, show(j)).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ status: 'pass', summary: { passed: 0, warned: 0, failed: 0, errored: 0 }, problems: [], results: [] });
    expect(j.stderr).toContain('no pipeline declares checks');
    const x = await floeIn(dir, ['check', '--all', '--format', 'junit']);
    expect(x.code, show(x)).toBe(0);
    expect(strictXmlProblem(x.stdout), x.stdout).toBe('');
    expect(parser.parse(x.stdout).testsuites).toMatchObject({ name: 'floe check', tests: '0', failures: '0', errors: '0' });
  });
});
