/**
 * An identifier column that holds a struct, list or map is refused: read as its text
 * ("{'id': NULL, 'os': ios}") it linked every record whose whole value was equal, so two
 * people on the same kind of phone became one customer. floe validate and floe run name it at
 * its file:line:col (exit 2); the staging names the table and column. A struct field
 * (device.id) still works. A boolean column is refused the same way: it would link every
 * record to half of the others. So is a struct source_id (rows with equal structs were one
 * record, all but one dropped as repeats).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stageRecords } from '../../src/c360/identity/records.js';
import { registerIdentityFunctions } from '../../src/c360/identity/udf.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { isFloeError } from '../../src/errors.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const PIPELINE = (ids: string) => `name: people
kind: identity
inputs:
  - table: raw.ev
    source_id: id
    identifiers: ${ids}
outputs:
  identity_map: c360.map
  profiles: c360.people
`;

describe('identity identifiers of nested types', () => {
  it('validate and run refuse a struct or list column; a struct field runs', async () => {
    const p = await newProject();
    await p.write(
      'ev.jsonl',
      [
        { id: 1, email: 'ann@x.com', device: { id: null, os: 'ios' }, tags: ['a'] },
        { id: 2, email: 'bob@x.com', device: { id: null, os: 'ios' }, tags: ['a'] },
        { id: 3, email: 'cy@x.com', device: { id: 'D1', os: 'ios' }, tags: [] },
        { id: 4, email: 'di@x.com', device: { id: 'D1', os: 'android' }, tags: [] },
      ].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const load = await p.floe(['load', 'raw.ev', p.path('ev.jsonl')]);
    expect(load.code, show(load)).toBe(0);
    await p.pipeline('people', PIPELINE('{ email: email, device_id: device, tag: tags }'));
    for (const args of [['validate'], ['run', 'people']]) {
      const r = await p.floe(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toMatch(/people\.yaml:6:\d+: inputs\.0\.identifiers\.device_id: column 'device' of table raw\.ev is a struct: an identifier must be one value \(name a field of it, e\.g\. 'device\.<field>'\)/);
      expect(r.stderr).toMatch(/people\.yaml:6:\d+: inputs\.0\.identifiers\.tag: column 'tags' of table raw\.ev is a list: an identifier must be one value\n/);
    }
    expect(await p.exists('c360.map')).toBe(false);
    await p.pipeline('people', PIPELINE('{ email: email, device_id: device.id }'));
    const r = await p.floe(['run', 'people']);
    expect(r.code, show(r)).toBe(0);
    const groups = await p.query(`SELECT string_agg(source_id, ',' ORDER BY source_id) AS g FROM c360.map GROUP BY customer_id ORDER BY g`);
    expect(groups.map((g) => g.g)).toEqual(['1', '2', '3,4']);
  });

  it('validate and run refuse a struct source_id; the staging names the table and column', async () => {
    const p = await newProject();
    await p.write('ev.jsonl', [{ who: { id: null, os: 'ios' }, email: 'ann@x.com' }, { who: { id: null, os: 'ios' }, email: 'bob@x.com' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const load = await p.floe(['load', 'raw.ev', p.path('ev.jsonl')]);
    expect(load.code, show(load)).toBe(0);
    await p.pipeline('people', PIPELINE('{ email: email }').replace('source_id: id', 'source_id: who'));
    for (const args of [['validate'], ['run', 'people']]) {
      const r = await p.floe(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toMatch(/people\.yaml:5:\d+: inputs\.0\.source_id: column 'who' of table raw\.ev is a struct: a source id must be one value \(name a field of it, e\.g\. 'who\.<field>'\)/);
    }
    expect(await p.exists('c360.map')).toBe(false);
    const engine = await openEngine({ threads: 1 });
    try {
      registerIdentityFunctions(engine.connection, {});
      await engine.run(`CREATE TABLE ev AS SELECT {'id': NULL::VARCHAR} AS who, 'ann@x.com' AS email`, 'test');
      const err = await stageRecords(engine, [{ table: 'raw.ev', relation: 'ev', sourceId: 'who', identifiers: { email: 'email' }, attributes: {} }]).catch((e: unknown) => e);
      expect(isFloeError(err, 'config')).toBe(true);
      expect((err as Error).message).toMatch(/^input raw\.ev: source_id column 'who' is STRUCT\(.*\): a source id must be one value/);
    } finally {
      engine.close();
    }
  });

  it('validate and run refuse a boolean identifier column', async () => {
    const p = await newProject();
    await p.write('ev.csv', 'id,email,vip\n1,ann@x.com,true\n2,bob@x.com,true\n');
    const load = await p.floe(['load', 'raw.ev', p.path('ev.csv')]);
    expect(load.code, show(load)).toBe(0);
    await p.pipeline('people', PIPELINE('{ email: email, vip: vip }'));
    for (const args of [['validate'], ['run', 'people']]) {
      const r = await p.floe(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toMatch(/people\.yaml:6:\d+: inputs\.0\.identifiers\.vip: column 'vip' of table raw\.ev is a boolean: .*cannot identify anyone/);
    }
    expect(await p.exists('c360.map')).toBe(false);
  });

  it('staging refuses a struct or boolean identifier naming the table and column', async () => {
    const engine = await openEngine({ threads: 1 });
    try {
      registerIdentityFunctions(engine.connection, {});
      await engine.run(`CREATE TABLE ev AS SELECT 1 AS id, {'id': NULL::VARCHAR, 'os': 'ios'} AS device`, 'test');
      const err = await stageRecords(engine, [{ table: 'raw.ev', relation: 'ev', sourceId: 'id', identifiers: { device_id: 'device' }, attributes: {} }]).catch((e: unknown) => e);
      expect(isFloeError(err, 'config')).toBe(true);
      expect((err as Error).message).toMatch(/^input raw\.ev: identifier device_id column 'device' is STRUCT\(.*\): an identifier must be one value \(name a field of it, e\.g\. 'device\.<field>'\)$/);
      await engine.run(`CREATE TABLE flags AS SELECT 1 AS id, true AS vip`, 'test');
      const flag = await stageRecords(engine, [{ table: 'raw.flags', relation: 'flags', sourceId: 'id', identifiers: { vip: 'vip' }, attributes: {} }]).catch((e: unknown) => e);
      expect(isFloeError(flag, 'config')).toBe(true);
      expect((flag as Error).message).toMatch(/^input raw\.flags: identifier vip column 'vip' is BOOLEAN: .*cannot identify anyone$/);
    } finally {
      engine.close();
    }
  });
});
