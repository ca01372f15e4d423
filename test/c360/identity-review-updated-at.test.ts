/**
 * An identity input's updated_at must be a date or timestamp (or text holding one). An epoch
 * number read as no time for every record, so most_recent silently kept the oldest values:
 * floe validate and floe run now refuse it at its file:line:col (exit 2), and the staging
 * refuses it naming the table and column when the catalog could not be checked. Text that
 * does not read as a time ('14/11/2023') still counts as none, but the run warns with the count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stageRecords } from '../../src/c360/identity/records.js';
import { registerIdentityFunctions } from '../../src/c360/identity/udf.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { isFloeError } from '../../src/errors.js';
import { assertBuilt, events, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const PIPELINE = (updatedAt: string) => `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email }
    attributes: { name: name }
    updated_at: ${updatedAt}
outputs:
  identity_map: c360.map
  profiles: c360.people
`;

describe('identity updated_at of a type that holds no time', () => {
  it('validate and run refuse an epoch number at file:line:col; a timestamp text column runs', async () => {
    const p = await newProject();
    await p.write('crm.csv', 'id,email,name,ts_epoch,ts_text\n1,ann@x.com,Old,1600000000,2020-09-13T00:00:00Z\n2,ann@x.com,New,1700000000,2023-11-14T00:00:00Z\n');
    const load = await p.floe(['load', 'raw.crm', p.path('crm.csv')]);
    expect(load.code, show(load)).toBe(0);
    await p.pipeline('people', PIPELINE('ts_epoch'));
    for (const args of [['validate'], ['run', 'people']]) {
      const r = await p.floe(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toMatch(/people\.yaml:8:\d+: inputs\.0\.updated_at: column 'ts_epoch' of table raw\.crm is long: updated_at must be a date or timestamp/);
    }
    expect(await p.exists('c360.map')).toBe(false);
    await p.pipeline('people', PIPELINE('ts_text'));
    const r = await p.floe(['run', 'people']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT email, name FROM c360.people')).toEqual([{ email: 'ann@x.com', name: 'New' }]);
  });

  it('text that does not read as a time is counted and warned about, not silent', async () => {
    const p = await newProject();
    await p.write('crm.csv', 'id,email,name,ts\n1,ann@x.com,Old,2020-09-13T00:00:00Z\n2,ann@x.com,New,14/11/2023\n3,bob@x.com,Bob,\n');
    const load = await p.floe(['load', 'raw.crm', p.path('crm.csv')]);
    expect(load.code, show(load)).toBe(0);
    await p.pipeline('people', PIPELINE('ts'));
    const r = await p.floe(['run', 'people', '--json']);
    expect(r.code, show(r)).toBe(0);
    const warnings = events(r.stdout).filter((e) => e.event === 'warning');
    expect(warnings).toEqual([
      expect.objectContaining({ table: 'raw.crm', message: '1 of 3 rows of raw.crm have an updated_at (ts) that does not read as a time; they count as having none (most_recent ranks them last)' }),
    ]);
  });

  it('staging refuses it naming the table and column', async () => {
    const engine = await openEngine({ threads: 1 });
    try {
      registerIdentityFunctions(engine.connection, {});
      await engine.run(`CREATE TABLE crm AS SELECT * FROM (VALUES (1, 'ann@x.com', 1600000000)) t(id, email, ts)`, 'test');
      const err = await stageRecords(engine, [{ table: 'raw.crm', relation: 'crm', sourceId: 'id', identifiers: { email: 'email' }, attributes: {}, updatedAt: 'ts' }]).catch((e: unknown) => e);
      expect(isFloeError(err, 'config')).toBe(true);
      expect((err as Error).message).toBe("input raw.crm: updated_at column 'ts' is INTEGER: it must be a date or timestamp (or text holding one)");
    } finally {
      engine.close();
    }
  });
});
