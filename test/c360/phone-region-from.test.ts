/**
 * `columns.<phone>: { normalize: phone, region_from: <column> }`: national numbers are read in
 * the country another column of the same row names (a code, alpha-3 or a name), falling back
 * to `region:` when that column is empty or names no country. `floe validate` names a column
 * the source does not have at its file:line:col.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowPhoneRegion } from '../../src/c360/normalize/index.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { validatePipelineText } from '../../src/pipeline/pipeline.js';
import type { ColumnRule } from '../../src/pipeline/schema-pipeline.js';
import { planNormalize } from '../../src/run/normalize.js';
import { registerNormalizers } from '../../src/run/udf-normalize.js';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

describe('a row region', () => {
  it('is the country the column names, else the fallback', () => {
    expect(rowPhoneRegion('United Kingdom', 'US')).toBe('GB');
    expect(rowPhoneRegion('DEU', 'US')).toBe('DE');
    expect(rowPhoneRegion('fr', 'US')).toBe('FR');
    expect(rowPhoneRegion('Deutschland', undefined)).toBe('DE');
    expect(rowPhoneRegion('Atlantis', 'US')).toBe('US');
    expect(rowPhoneRegion(null, 'CA')).toBe('CA');
    expect(rowPhoneRegion('', undefined)).toBeUndefined();
  });
});

describe('region_from evaluated by DuckDB', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine({ threads: 1 });
    registerNormalizers(engine.connection);
  });
  afterAll(() => engine?.close());

  async function apply(values: string, rules: Record<string, ColumnRule>) {
    const plan = planNormalize(['id', 'phone', 'country'], rules, 'p');
    const rows = await engine.all(`SELECT ${plan.select}, ${plan.valueIssues} AS issue FROM (VALUES ${values}) AS s(id, phone, country) ORDER BY id`, 'apply the plan');
    return rows.map((r): Record<string, unknown> => ({ ...r, id: Number(r.id) }));
  }

  const VALUES = [
    `(1, '020 8384 5999', 'United Kingdom')`,
    `(2, '0151 23456789', 'DEU')`,
    `(3, '(415) 555-2671', NULL)`, // no country: the rule's region
    `(4, '(415) 555-2671', 'Atlantis')`, // no such country: the rule's region
    `(5, '+44 20 8384 5999', 'US')`, // a country code wins over the row's region
    `(6, '020 8384 5999', 'USA')`, // a GB national number in a US row stays invalid
    `(7, '06 12 34 56 78 ext. 4', 'France')`,
  ].join(', ');

  it("reads national numbers in the row's country, falling back to region", async () => {
    const rows = await apply(VALUES, { phone: { normalize: 'phone', region: 'US', region_from: 'country' }, country: { normalize: 'country' } });
    expect(rows.map((r) => [r.id, r.phone, r.country])).toEqual([
      [1, '+442083845999', 'GB'],
      [2, '+4915123456789', 'DE'],
      [3, '+14155552671', null],
      [4, '+14155552671', null],
      [5, '+442083845999', 'US'],
      [6, null, 'US'],
      [7, '+33612345678;ext=4', 'FR'],
    ]);
    // The recorded issue is computed with the same per-row region as the value.
    expect(rows.find((r) => r.id === 1)!.issue).toBeNull();
    expect(String(rows.find((r) => r.id === 6)!.issue)).toContain('column phone: invalid-phone');
  });

  it('reads the source column before a rename of it', async () => {
    const rows = await apply(VALUES, { phone: { normalize: 'phone', region: 'US', region_from: 'country' }, country: { rename: 'country_code' } });
    expect(rows.find((r) => r.id === 1)).toMatchObject({ phone: '+442083845999', country_code: 'United Kingdom' });
  });

  it('without region_from reads every row in region, as before', async () => {
    const rows = await apply(VALUES, { phone: { normalize: 'phone', region: 'US' } });
    expect(rows.map((r) => r.phone)).toEqual([null, null, '+14155552671', '+14155552671', '+442083845999', null, null]);
  });

  it('a region_from the source does not have is a config error naming the rule', () => {
    expect(() => planNormalize(['id', 'phone', 'country'], { phone: { normalize: 'phone', region_from: 'cntry' } }, 'p')).toThrow(/pipeline p: columns\.phone\.region_from: "cntry" is not a column of the source/);
  });
});

describe('region_from in the pipeline schema', () => {
  const pipeline = (rule: string) => `source: { kind: csv, path: data/c.csv }\ncolumns:\n  phone: ${rule}\ntarget: { table: crm.c }\n`;
  const messages = (rule: string) => validatePipelineText(pipeline(rule), '/p/c.yaml').diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`);

  it('is accepted with normalize: phone, with or without region', () => {
    expect(messages('{ normalize: phone, region: US, region_from: country }')).toEqual([]);
    expect(messages('{ normalize: phone, region_from: country }')).toEqual([]);
  });

  it('only applies with normalize: phone, and never names the phone column itself', () => {
    expect(messages('{ normalize: email, region_from: country }')).toEqual([expect.stringMatching(/^3:\d+ columns\.phone\.region_from: region_from only applies with normalize: phone/)]);
    expect(messages('{ normalize: phone, region_from: phone }')).toEqual([expect.stringMatching(/^3:\d+ columns\.phone\.region_from: region_from names the phone column itself/)]);
  });
});

describe('region_from through the CLI', () => {
  const newProject = useProjects();
  let p: Project;
  beforeAll(async () => {
    assertBuilt();
    p = await newProject();
    await p.write('data/contacts.csv', ['id,phone,country', '1,020 8384 5999,UK', '2,0151 23456789,Germany', '3,(415) 555-2671,', '4,+1 415 555 2671 ext. 12,USA', ''].join('\n'));
  });
  const PIPELINE = (from: string) =>
    ['source: { kind: csv, path: data/contacts.csv }', 'columns:', `  phone: { normalize: phone, region: US, region_from: ${from} }`, '  country: { normalize: country }', 'target: { table: crm.contacts }', ''].join('\n');

  it('validate names a region_from column the source does not have, at its file:line:col', async () => {
    await p.pipeline('contacts', PIPELINE('cntry'));
    const r = await p.floe(['validate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/contacts\.yaml:3:\d+: .*columns\.phone\.region_from.*column 'cntry' is not in the source of pipeline contacts \(did you mean 'country'\?\)/);
  });

  it('validates and runs with the column the source has, each row in its own country', async () => {
    await p.pipeline('contacts', PIPELINE('country'));
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(0);
    const r = await p.floe(['run', 'contacts']);
    expect(r.code, show(r)).toBe(0);
    const rows = await p.query('SELECT id, phone, country FROM crm.contacts ORDER BY id');
    expect(rows).toEqual([
      { id: 1, phone: '+442083845999', country: 'GB' },
      { id: 2, phone: '+4915123456789', country: 'DE' },
      { id: 3, phone: '+14155552671', country: null },
      { id: 4, phone: '+14155552671;ext=12', country: 'US' },
    ]);
  });
});
