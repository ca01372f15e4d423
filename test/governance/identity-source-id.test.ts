/**
 * An identity input keyed by a PII-tagged column (a CRM keyed by email): identity_map.source_id
 * holds that column's raw values. Before, the map was untagged, so `floe query --mask` over it
 * and `floe identity explain --mask` (its records and links) printed the raw addresses. And a
 * new customer id is `c_` + md5(source_table NUL source_id): unsalted, anyone who can read the
 * ids could test guessed addresses against them, so for a tagged source id it is salted.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapPiiColumns } from '../../src/c360/identity/pii.js';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-identity-source-id-');

describe('mapPiiColumns', () => {
  const tag = (column: string, policy: 'mask' | 'hash' | 'none', apply: 'read' | 'ingest' = 'read') => ({ column, tag: 'email', policy, apply, saltEnv: 'FLOE_PII_SALT' });
  it('tags source_id with the strictest read policy of the inputs’ source id columns', () => {
    expect(
      mapPiiColumns([
        { identifiers: {}, attributes: {}, tags: [tag('email', 'mask')], sourceId: 'EMAIL' },
        { identifiers: {}, attributes: {}, tags: [tag('ssn', 'hash')], sourceId: 'ssn' },
      ]),
    ).toEqual([{ ...tag('source_id', 'hash') }]);
  });
  it('nothing when no source id column is masked at read', () => {
    expect(mapPiiColumns([{ identifiers: {}, attributes: {}, tags: [tag('email', 'none'), tag('id', 'hash', 'ingest'), tag('other', 'mask')], sourceId: 'id' }])).toEqual([]);
  });
});

describe('identity map of an input keyed by a tagged column', () => {
  const RAW = ['zoe.private@corp.io', 'yan.secret@corp.io'];
  let dir: string;
  let customer: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await writeProject(await tmp());
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'data', 'crm.csv'), `email,name\n${RAW[0]},Zoe\n${RAW[1]},Yan\n`);
    await writeFile(path.join(dir, 'data', 'tickets.csv'), `ticket_id,email\nT1,${RAW[0]}\n`);
    await writeFile(path.join(dir, 'pipelines', 'crm.yaml'), 'name: crm\nsource: { kind: csv, path: data/crm.csv }\ncolumns:\n  email: { normalize: email, pii: email }\ntarget: { table: raw.crm, mode: overwrite }\n');
    await writeFile(path.join(dir, 'pipelines', 'tickets.yaml'), 'name: tickets\nsource: { kind: csv, path: data/tickets.csv }\ncolumns:\n  email: { normalize: email, pii: email }\ntarget: { table: raw.tickets, mode: overwrite }\n');
    await writeFile(
      path.join(dir, 'pipelines', 'people.yaml'),
      [
        'name: people',
        'kind: identity',
        'inputs:',
        '  - table: raw.crm',
        '    source_id: email',
        '    identifiers: { email: email }',
        '  - table: raw.tickets',
        '    source_id: ticket_id',
        '    identifiers: { email: email }',
        'outputs:',
        '  identity_map: c360.map',
        '  profiles: c360.people',
        '',
      ].join('\n'),
    );
    // Without the salt the identity pipeline refuses to derive ids from the tagged source ids.
    const unsalted = await floeIn(dir, ['run', '--all']);
    expect(unsalted.code, show(unsalted)).toBe(2);
    expect(unsalted.stderr).toContain('source_id column email is PII-tagged (email:mask), so new customer ids are salted hashes of it, but the salt variable FLOE_PII_SALT is not set');
    const r = await floeIn(dir, ['run', '--all'], { env: { FLOE_PII_SALT: 'a-long-test-salt-value' } });
    expect(r.code, show(r)).toBe(0);
    const q = await floeIn(dir, ['query', "SELECT customer_id FROM c360.map WHERE source_table = 'raw.tickets'", '--format', 'csv']);
    expect(q.code, show(q)).toBe(0);
    customer = q.stdout.trim().split('\n')[1]!;
  }, 90_000);

  it('the map tags source_id, and floe query --mask masks it', async () => {
    const d = await floeIn(dir, ['describe', 'c360.map']);
    expect(d.stdout).toContain('floe.pii.source_id = email:mask');
    const q = await floeIn(dir, ['query', '--mask', 'SELECT * FROM c360.map ORDER BY source_id', '--format', 'json']);
    expect(q.code, show(q)).toBe(0);
    expect(q.stdout).toContain('z***@corp.io');
    for (const raw of RAW) expect(q.stdout).not.toContain(raw);
  });

  it('customer ids of records keyed by the tagged column are not the unsalted md5 of the raw value', async () => {
    const q = await floeIn(dir, ['query', 'SELECT customer_id FROM c360.map', '--format', 'csv']);
    expect(q.code, show(q)).toBe(0);
    const ids = q.stdout.trim().split('\n').slice(1);
    expect(ids.length).toBe(3);
    for (const raw of RAW) {
      const unsalted = `c_${createHash('md5').update(`raw.crm\u0000${raw}`).digest('hex').slice(0, 16)}`;
      expect(ids).not.toContain(unsalted);
    }
    // An input keyed by an untagged column keeps its ids as before (T1's record may be a customer's smallest member).
    expect(ids.every((id) => /^c_[0-9a-f]{16}$/.test(id))).toBe(true);
  });

  it('floe identity explain --mask masks the source ids in records and links', async () => {
    for (const format of [[], ['--json']]) {
      const e = await floeIn(dir, ['identity', 'explain', customer, '--mask', ...format]);
      expect(e.code, show(e)).toBe(0);
      expect(e.stdout, show(e)).toContain('raw.crm:z***@corp.io');
      expect(e.stdout).toContain('T1');
      for (const raw of RAW) expect(e.stdout, show(e)).not.toContain(raw);
    }
  });
});
