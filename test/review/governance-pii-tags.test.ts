/**
 * PII tags when a later version of the pipeline renames or drops a tagged column.
 *
 * Found in review: a pipeline changed from `email: { pii: email }` to
 * `email: { rename: mail, pii: email }` added the column `mail` (tagged) and removed the tag
 * `floe.pii.email`, while the table kept its old `email` column with every raw address written
 * before: `floe query --mask` then printed them. A tag now stays while the table has (or had,
 * for time travel) its column; a `none` tag (`pii: none`, or `--set-property
 * floe.pii.email=text:none`) un-tags explicitly.
 *
 * Also: `<table>__rejects` kept the raw text of rejected rows, PII included, and --mask
 * printed it; a pipeline with PII columns now tags its `raw` and `reason` columns.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { piiPropertyUpdates } from '../../src/governance/ingest.js';
import { piiColumns } from '../../src/governance/policy.js';
import { tableHadColumn } from '../../src/governance/tags.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const ENV = { FLOE_AUDIT_LOG: 'off' };

describe('PII tags across pipeline versions', () => {
  it('a column the pipeline renames keeps its tag in the table, and --mask still masks the old values', async () => {
    const p = await newProject();
    await p.write('data/c.csv', 'id,email\n1,john.smith@corp.io\n');
    await p.pipeline('c', 'name: c\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n  email: { pii: email }\ntarget: { table: raw.c, mode: append }\n');
    await p.run(['c'], 0, ENV);
    await p.write('data/c.csv', 'id,email\n2,mary.jones@corp.io\n');
    await p.pipeline('c', 'name: c\nsource: { kind: csv, path: data/c.csv }\ncolumns:\n  email: { rename: mail, pii: email }\ntarget: { table: raw.c, mode: append }\n');
    await p.run(['c'], 0, ENV);
    const props = (await p.metadata('raw.c')).properties;
    expect(props['floe.pii.email']).toBe('email:mask');
    expect(props['floe.pii.mail']).toBe('email:mask');
    const r = await p.floe(['query', 'SELECT id, email, mail FROM raw.c ORDER BY id', '--mask', '--format', 'json'], ENV);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { id: 1, email: 'j***@corp.io', mail: null },
      { id: 2, email: null, mail: 'm***@corp.io' },
    ]);
    // Un-tagging is explicit: a `none` tag set on the table stays across runs.
    const set = await p.floe(['table', 'evolve', 'raw.c', '--set-property', 'floe.pii.email=text:none'], ENV);
    expect(set.code, show(set)).toBe(0);
    await p.run(['c'], 0, ENV);
    expect((await p.metadata('raw.c')).properties['floe.pii.email']).toBe('text:none');
    const plain = await p.floe(['query', 'SELECT email FROM raw.c WHERE id = 1', '--mask', '--format', 'csv'], ENV);
    expect(plain.stdout).toContain('john.smith@corp.io');
  }, 180_000);

  it('the rejects table of a pipeline with PII columns is masked too: its raw rows and reasons', async () => {
    const p = await newProject();
    await p.write('data/c.csv', 'id,email,phone\n1,john.smith@corp.io,+14155552671\nx,mary.jones@corp.io,+442079460958\n');
    await p.pipeline('c', 'name: c\nsource: { kind: csv, path: data/c.csv, columns: { id: long } }\ncolumns:\n  email: { pii: email }\n  phone: { pii: phone }\ntarget: { table: raw.c, mode: append }\nrejects: { max_ratio: 1 }\n');
    await p.run(['c'], 0, ENV);
    const plain = await p.floe(['query', 'SELECT raw, reason FROM raw.c__rejects', '--format', 'csv'], ENV);
    expect(plain.stdout).toContain('mary.jones@corp.io'); // the quarantine keeps the row as it came
    const r = await p.floe(['query', 'SELECT raw, reason FROM raw.c__rejects', '--mask', '--format', 'csv'], ENV);
    expect(r.code, show(r)).toBe(0);
    for (const v of ['mary.jones@corp.io', '+442079460958', 'john.smith@corp.io']) expect(r.stdout).not.toContain(v);
    // `id` declared long: the row is a conversion reject of the implied rule, kept as JSON, masked whole.
    expect(r.stdout).toContain('{***}');
  }, 120_000);

  it('property updates keep the tags of columns the table has or had, unless the pipeline declares them', () => {
    const cols = piiColumns({ mail: { pii: 'email' } });
    const current = { 'floe.pii.email': 'email:mask', 'floe.pii.ssn': 'national_id:hash', 'floe.pii.ssn.salt-env': 'S', 'floe.pii.gone': 'text:mask' };
    const schemas = [{ 'schema-id': 0, type: 'struct' as const, fields: [{ id: 1, name: 'email', required: false, type: 'string' as const }, { id: 2, name: 'SSN', required: false, type: 'string' as const }] }];
    const had = (c: string) => tableHadColumn({ schemas }, c);
    expect(piiPropertyUpdates(current, cols, had)).toEqual([
      { action: 'set-properties', updates: { 'floe.pii.mail': 'email:mask' } },
      { action: 'remove-properties', removals: ['floe.pii.gone'] },
    ]);
    // Declared again with another policy: replaced, and its salt variable follows.
    expect(piiPropertyUpdates(current, piiColumns({ ssn: { pii: 'mask' } }), had)).toEqual([
      { action: 'set-properties', updates: { 'floe.pii.ssn': 'text:mask' } },
      { action: 'remove-properties', removals: ['floe.pii.ssn.salt-env', 'floe.pii.gone'] },
    ]);
  });
});
