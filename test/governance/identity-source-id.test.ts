/**
 * An identity input keyed by a PII-tagged column (a CRM keyed by email): identity_map.source_id
 * holds that column's raw values. Before, the map was untagged, so `floe query --mask` over it
 * and `floe identity explain --mask` (its records and links) printed the raw addresses.
 */
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
    const r = await floeIn(dir, ['run', '--all']);
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
