/**
 * `floe check` end to end: the built CLI (bin/floe.js → dist/) against tables made with
 * `floe load`, looking only at exit codes, stdout and stderr (DESIGN §3: 0 pass, 3 a check
 * at severity error failed, 1 a check could not be evaluated, 2 usage).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-');
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase'].includes(n) });

// Five contacts last updated in 2020: stale by any freshness window; one has no email.
const CONTACTS =
  'id,email,country,updated_at\n' +
  '1,a@example.com,US,2020-01-01 10:00:00\n' +
  '2,b@example.com,CA,2020-01-02 10:00:00\n' +
  '3,,US,2020-01-03 10:00:00\n' +
  '4,d@example.com,GB,2020-01-04 10:00:00\n' +
  '5,e@example.com,US,2020-01-05 10:00:00\n';

let project: string;
let csv: string;

const pipeline = (checks: string) =>
  `name: contacts\nsource:\n  kind: csv\n  path: data/contacts.csv\ntarget:\n  table: crm.contacts\ncheck${checks}`;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await mkdir(path.join(project, 'data'));
  await mkdir(path.join(project, 'pipelines'));
  csv = path.join(project, 'data', 'contacts.csv');
  await writeFile(csv, CONTACTS);
  const r = await floeIn(project, ['load', 'crm.contacts', csv]);
  expect(r.code, show(r)).toBe(0);
});

describe('floe check with ad-hoc checks', () => {
  it('fails a stale table with exit 3 and says why', async () => {
    const r = await floeIn(project, ['check', 'crm.contacts', '--freshness', 'updated_at=1h', '--no-history']);
    expect(r.code, show(r)).toBe(3);
    expect(r.stdout).toMatch(/crm\.contacts\s+freshness\(updated_at\)\s+FAIL\s+\d+d\S*\s+<= 1h/);
    expect(r.stdout).toContain('FAIL crm.contacts freshness(updated_at): the newest updated_at is 2020-01-05 10:00:00');
    expect(r.stdout).toContain('1 check: 0 passed, 0 warned, 1 failed, 0 could not be evaluated');
  });

  it('passes checks that hold with exit 0', async () => {
    const r = await floeIn(project, ['check', 'crm.contacts', '--freshness', 'updated_at=100000d', '--not-null', 'id,country', '--row-count-min', '5', '--unique', 'id', '--no-history']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('4 checks: 4 passed');
  });

  it('prints JUnit XML that parses, one testcase per check with observed and expected in the failure', async () => {
    const r = await floeIn(project, ['check', 'crm.contacts', '--freshness', 'updated_at=1h', '--not-null', 'email', '--row-count-min', '1', '--format', 'junit', '--no-history']);
    expect(r.code, show(r)).toBe(3);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    const suites = parser.parse(r.stdout).testsuites;
    expect(suites).toMatchObject({ tests: '3', failures: '2', errors: '0' });
    const cases = suites.testsuite[0].testcase;
    expect(cases.map((c: any) => [c.classname, c.name, c.failure === undefined ? 'pass' : 'fail'])).toEqual([
      ['crm.contacts', 'freshness(updated_at)', 'fail'],
      ['crm.contacts', 'not_null(email)', 'fail'],
      ['crm.contacts', 'row_count', 'pass'],
    ]);
    expect(cases[1].failure.message).toBe('observed 1, expected 0 nulls: email has 1 null');
    expect(suites.testsuite[0].properties.property.name).toBe('snapshot_id');
  });

  it('exits 1 with a clear message when a column does not exist', async () => {
    const r = await floeIn(project, ['check', 'crm.contacts', '--not-null', 'emial', '--no-history']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toContain("ERROR crm.contacts not_null(emial): could not be evaluated: column 'emial' does not exist in table crm.contacts (did you mean 'email'?)");
    const j = await floeIn(project, ['check', 'crm.contacts', '--not-null', 'emial', '--format', 'json', '--no-history']);
    expect(j.code, show(j)).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ status: 'error', results: [{ status: 'error', observed: null }] });
    expect(j.stderr).toContain("column 'emial' does not exist in table crm.contacts");
  });

  it('exits 1 for a table that does not exist, and 2 for bad flags', async () => {
    const r = await floeIn(project, ['check', 'crm.nothing', '--row-count-min', '1', '--no-history']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toContain('table crm.nothing does not exist in the catalog');
    expectFailure(await floeIn(project, ['check', 'crm.contacts', '--freshness', 'updated_at=6x']), 2, ["--freshness 'updated_at=6x'", 'expected a duration']);
    expectFailure(await floeIn(project, ['check', 'crm.contacts', '--row-count-min', 'many']), 2, ["--row-count-min 'many' is not a whole number"]);
    expectFailure(await floeIn(project, ['check']), 2, ['name the tables to check, or give --all']);
    expectFailure(await floeIn(project, ['check', 'crm.contacts', '--format', 'xml']), 2);
  });
});

describe('floe check with the checks of pipeline files', () => {
  it('runs them, warns without failing, fails on warnings with --warn-error, and records history', async () => {
    await writeFile(
      path.join(project, 'pipelines', 'contacts.yaml'),
      pipeline(`s:\n  - row_count: { min: 1 }\n  - unique: id\n  - not_null: email\n    severity: warn\n  - accepted_values: { column: country, values: [US, CA, GB] }\n`),
    );
    const r = await floeIn(project, ['check', '--all']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('4 checks: 3 passed, 1 warned, 0 failed');
    expect(r.stdout).toContain('WARN crm.contacts not_null(email): email has 1 null');
    const strict = await floeIn(project, ['check', 'crm.contacts', '--warn-error', '--format', 'json']);
    expect(strict.code, show(strict)).toBe(3);
    const json = JSON.parse(strict.stdout);
    expect(json.status).toBe('fail');
    expect(json.results.map((x: any) => x.name)).toEqual(['row_count', 'unique(id)', 'not_null(email)', 'accepted_values(country)']);
    expect(json.results[0].snapshot_id).toMatch(/^\d+$/);
    const h = await floeIn(project, ['query', "SELECT pipeline, count(*) AS n FROM floe.check_results WHERE table_name = 'crm.contacts' GROUP BY 1", '--format', 'json']);
    expect(h.code, show(h)).toBe(0);
    expect(JSON.parse(h.stdout)).toEqual([{ pipeline: 'contacts', n: 8 }]);
  });

  it('compares volume with earlier runs read from floe.check_results', async () => {
    await writeFile(path.join(project, 'pipelines', 'contacts.yaml'), pipeline(`s:\n  - volume: { max_change: 10%, window: 3 }\n`));
    const first = await floeIn(project, ['check', 'crm.contacts', '--format', 'json']);
    expect(first.code, show(first)).toBe(0);
    expect(JSON.parse(first.stdout).results[0].message).toBe('5 rows; no earlier runs to compare with, so this run starts the baseline');
    const load = await floeIn(project, ['load', 'crm.contacts', csv]);
    expect(load.code, show(load)).toBe(0);
    const second = await floeIn(project, ['check', 'crm.contacts', '--format', 'json']);
    expect(second.code, show(second)).toBe(3);
    expect(JSON.parse(second.stdout).results[0]).toMatchObject({ status: 'fail', observed: 10, message: '10 rows, +100% against 5 (median of the last run), beyond ±10%' });
  });

  it('reports a sql check that DuckDB rejects as an error, exit 1', async () => {
    await writeFile(path.join(project, 'pipelines', 'contacts.yaml'), pipeline(`s:\n  - sql: "SELEC count(*) FROM {{ this }}"\n  - row_count: { min: 1 }\n`));
    const r = await floeIn(project, ['check', 'crm.contacts', '--no-history']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toMatch(/ERROR crm\.contacts sql: could not be evaluated: DuckDB could not prepare the query of check sql on crm\.contacts: Parser Error/);
  });

  it('is a usage error to name a table no pipeline declares checks for, and reports invalid pipeline files', async () => {
    expectFailure(await floeIn(project, ['check', 'crm.other']), 2, ['no checks for crm.other']);
    await writeFile(path.join(project, 'pipelines', 'contacts.yaml'), pipeline(`s:\n  - not_nul: email\n`));
    expectFailure(await floeIn(project, ['check', '--all']), 2, ["unknown check kind 'not_nul'"]);
  });
});
