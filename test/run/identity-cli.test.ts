/**
 * Identity pipelines through the CLI over a tiny project: validate checks the named columns
 * against the catalog with file:line:col, plan shows inputs and outputs, a failing check on
 * profiles publishes nothing, and identity explain explains.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const IDENTITY = (extra = '', email = 'email') => `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: ${email}, phone: phone }
    attributes: { name: name }
    updated_at: updated_at
  - table: raw.shop
    source_id: order_id
    identifiers: { email: buyer_email }
match:
  max_per_profile: { email: 2 }
outputs:
  identity_map: c360.map
  profiles: c360.people
${extra}`;

describe('identity pipelines through the CLI', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
    await p.write('crm.csv', 'id,email,phone,name,updated_at\n1,ann@x.com,+14155552671,Ann,2024-01-01T00:00:00Z\n2,ANN@x.com,,Annie,2025-01-01T00:00:00Z\n3,bob@y.com,+14155552671,Bob,2024-01-01T00:00:00Z\n4,cy@z.com,+14155552671,Cy,2024-01-01T00:00:00Z\n5,test@example.com,,T,2024-01-01T00:00:00Z\n');
    await p.write('shop.csv', 'order_id,buyer_email\nO1,ann@x.com\nO2,test@example.com\nO3,dee@w.com\n');
    for (const [t, f] of [['raw.crm', 'crm.csv'], ['raw.shop', 'shop.csv']]) {
      const r = await p.floe(['load', t!, p.path(f!)]);
      expect(r.code, show(r)).toBe(0);
    }
  });

  it('validate names a column missing from an input table with file:line:col', async () => {
    await p.pipeline('people', IDENTITY('', 'e_mail'));
    const r = await p.floe(['validate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/people\.yaml:6:\d+: inputs\.0\.identifiers\.email: column 'e_mail' is not in table raw\.crm \(did you mean 'email'\?\)|people\.yaml:6:\d+.*column 'e_mail' is not in table raw\.crm/);
    await p.pipeline('people', IDENTITY().replace('    updated_at: updated_at\n', '    updated_at: updated_at\n    phone_region: country\n'));
    const region = await p.floe(['validate']);
    expect(region.code, show(region)).toBe(2);
    expect(region.stderr).toMatch(/people\.yaml:9:\d+.*inputs\.0\.phone_region: column 'country' is not in table raw\.crm/);
    await p.pipeline('people', IDENTITY());
    const ok = await p.floe(['validate']);
    expect(ok.code, show(ok)).toBe(0);
  });

  it('plan shows the inputs and outputs', async () => {
    await p.pipeline('people', IDENTITY());
    const r = await p.floe(['plan']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('input raw.crm (5 rows): id id, identifiers email=email, phone=phone');
    expect(r.stdout).toContain('output identity_map c360.map (overwrite; new table)');
    expect(r.stdout).toContain('output identity_changes c360.identity_changes (append; new table)');
  });

  it('a failing check on profiles leaves every output unwritten; exit 3', async () => {
    await p.pipeline('people', IDENTITY('checks:\n  - row_count: { max: 1 }\n'));
    const r = await p.floe(['run', 'people']);
    expect(r.code, show(r)).toBe(3);
    expect(await p.exists('c360.map')).toBe(false);
    const snaps = await p.snapshots('c360.people');
    expect(snaps.every((s) => s.refs.length === 0)).toBe(true); // staged, main not moved
  });

  it('runs: the phone chain is cut by max_per_profile, blocked emails link nothing', async () => {
    await p.pipeline('people', IDENTITY());
    const r = await p.floe(['run', 'people', '--json']);
    expect(r.code, show(r)).toBe(0);
    const evs = events(r.stdout);
    expect(evs.find((e) => e.event === 'cut')).toMatchObject({ kind: 'phone', value: '+14155552671', over_kind: 'email', limit: 2 });
    const groups = await p.query(`SELECT string_agg(source_id, ',' ORDER BY source_id) AS g FROM c360.map GROUP BY customer_id ORDER BY g`);
    // Ann's three records stay together; the shared phone that chained Bob and Cy to her is cut.
    expect(groups.map((g) => g.g)).toEqual(['1,2,O1', '3', '4', '5', 'O2', 'O3']);
    const ann = await p.query(`SELECT name, email, source_records FROM c360.people WHERE source_records = 3`);
    expect(ann).toEqual([{ name: 'Annie', email: 'ann@x.com', source_records: 3 }]);
    const cut = await p.query(`SELECT change, identifier_kind, identifier_value FROM c360.identity_changes WHERE change = 'cut'`);
    expect(cut).toEqual([{ change: 'cut', identifier_kind: 'phone', identifier_value: '+14155552671' }]);
  });

  it('identity explain prints the records, their identifiers and the links', async () => {
    const [c] = await p.query(`SELECT customer_id FROM c360.map WHERE source_id = 'O1'`);
    const r = await p.floe(['identity', 'explain', String(c!.customer_id)]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`customer ${c!.customer_id}: 3 source records`);
    expect(r.stdout).toMatch(/raw\.crm\s+1\s+email=ann@x\.com, phone=\+14155552671/);
    expect(r.stdout).toContain('email ann@x.com: raw.crm:1, raw.crm:2, raw.shop:O1');
    const bad = await p.floe(['identity', 'explain', 'nobody']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('customer nobody is not in c360.map');
    const wrong = await p.floe(['identity', 'explain', 'x', '--pipeline', 'nope']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("no identity pipeline named 'nope' (identity pipelines: people)");
  });
});
