/**
 * Two pipelines that write one table, each declaring a check of the same name: the JUnit
 * report had two testcases with one classname and name (CI systems key testcases by those,
 * so one result hid the other), and neither JSON nor text said which pipeline a result was
 * from.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, floeOk, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-review-pipelines-');
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase'].includes(n) });
beforeAll(assertBuilt);

describe('floe check of a table that two pipelines write', () => {
  it('keeps the two pipelines\' checks of one name apart in JUnit, JSON and text', async () => {
    const dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'a.csv'), 'id,amount\n1,\n');
    await floeOk(dir, ['load', 'raw.orders', path.join(dir, 'a.csv')]);
    // The same check in both files; the EU one is a warning, the US one an error.
    for (const [region, severity] of [['eu', 'warn'], ['us', 'error']] as const) {
      await writeFile(
        path.join(dir, 'pipelines', `${region}.yaml`),
        `name: orders_${region}\nsource: { kind: csv, path: a.csv }\ntarget: { table: raw.orders }\nchecks:\n  - not_null: [amount]\n    severity: ${severity}\n  - row_count: { min: 1 }\n    name: rows_${region}\n`,
      );
    }

    const x = await floeIn(dir, ['check', 'raw.orders', '--format', 'junit', '--no-history']);
    expect(x.code, show(x)).toBe(3);
    expect(XMLValidator.validate(x.stdout)).toBe(true);
    const cases = (parser.parse(x.stdout).testsuites.testsuite[0].testcase as { classname: string; name: string; failure?: unknown }[]).map((c) => [c.name, c.failure !== undefined]);
    // Names that are unique already stay as they were.
    expect(cases).toEqual([
      ['not_null(amount) [orders_eu]', false],
      ['rows_eu', false],
      ['not_null(amount) [orders_us]', true],
      ['rows_us', false],
    ]);

    const j = await floeIn(dir, ['check', 'raw.orders', '--format', 'json', '--no-history']);
    expect(j.code, show(j)).toBe(3);
    const results = (JSON.parse(j.stdout) as { results: { pipeline: string | null; name: string; status: string }[] }).results;
    expect(results.map((r) => [r.pipeline, r.name, r.status])).toEqual([
      ['orders_eu', 'not_null(amount)', 'warn'],
      ['orders_eu', 'rows_eu', 'pass'],
      ['orders_us', 'not_null(amount)', 'fail'],
      ['orders_us', 'rows_us', 'pass'],
    ]);

    const t = await floeIn(dir, ['check', 'raw.orders', '--no-history']);
    expect(t.code, show(t)).toBe(3);
    expect(t.stdout).toContain('FAIL raw.orders not_null(amount) [orders_us]: amount has 1 null');
    expect(t.stdout).toContain('WARN raw.orders not_null(amount) [orders_eu]: amount has 1 null');

    // Ad-hoc checks have no pipeline.
    const adHoc = await floeIn(dir, ['check', 'raw.orders', '--row-count-min', '1', '--format', 'json', '--no-history']);
    expect(adHoc.code, show(adHoc)).toBe(0);
    expect((JSON.parse(adHoc.stdout) as { results: { pipeline: string | null }[] }).results[0]!.pipeline).toBeNull();
  }, 60_000);
});
