import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, validateProject } from '../../src/pipeline/index.js';
import { ENV, FIXTURES, validateFixture } from './helpers.js';

// DESIGN §4 is a contract: its examples, copied verbatim into fixtures/project, must validate.
describe('DESIGN §4 examples', () => {
  it('the project validates with no diagnostics at all', async () => {
    const r = await validateProject(join(FIXTURES, 'project'), { env: ENV });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.pipelines.map((p) => p.name)).toContain('crm_contacts');
    expect(r.project?.catalog).toEqual({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' });
    expect(r.project?.storage.s3).toEqual({
      endpoint: 'http://localhost:9000',
      region: 'us-east-1',
      path_style: true,
      checksum: 'when_required',
      // defaults of the settings DESIGN's example does not name (docs/S3.md)
      max_attempts: 5,
      create_only: 'if-none-match',
      cache_size_mb: 2048,
      multipart_threshold_mb: 16,
      part_size_mb: 8,
      max_concurrency: 8,
      connect_timeout: 5_000,
      idle_timeout: 10_000,
    });
  });

  it('crm_contacts parses into the typed pipeline', () => {
    const r = validateFixture('project/pipelines/crm_contacts.yaml');
    expect(r.diagnostics).toEqual([]);
    const p = r.value!;
    if (p.kind !== 'ingest' || p.source.kind !== 'postgres') throw new Error('wrong kind');
    expect(p.source).toMatchObject({ connection: ENV.CRM_DATABASE_URL, query: 'SELECT * FROM contacts', incremental: { cursor: 'updated_at' } });
    expect(p.columns.id).toEqual({ rename: 'contact_id', type: 'long' });
    expect(p.columns.phone).toEqual({ normalize: 'phone', region: 'US' });
    expect(p.target).toMatchObject({ table: 'crm.contacts', mode: 'merge', key: ['contact_id'], on_schema_change: 'add_columns' });
    expect(p.target.partition_by.map((x) => [x.source, x.transform])).toEqual([
      ['updated_at', 'month'],
      ['contact_id', 'bucket[16]'],
    ]);
    expect(p.target.sort_by.map((x) => `${x.source} ${x.direction} ${x['null-order']}`)).toEqual(['country asc nulls-first', 'updated_at asc nulls-first']);
    expect(p.target.properties).toEqual({ 'write.target-file-size-bytes': '134217728' });
    expect(p.rejects).toEqual({ max_ratio: 0.01 });
    expect(p.checks.map((c) => [c.kind, c.name, c.severity])).toEqual([
      ['row_count', 'row_count', 'error'],
      ['freshness', 'freshness(updated_at)', 'error'],
      ['not_null', 'not_null(contact_id,email)', 'error'],
      ['unique', 'unique(contact_id)', 'error'],
      ['accepted_values', 'accepted_values(country)', 'error'],
      ['sql', 'sql', 'warn'],
    ]);
    expect(p.checks[1]).toMatchObject({ kind: 'freshness', column: 'updated_at', max_age: 6 * 3_600_000 });
    expect(p.checks[5]).toMatchObject({ kind: 'sql', query: 'SELECT count(*) FROM {{ this }} WHERE updated_at > now()', expect: 0 });
  });

  it('customer_identity parses into the typed identity pipeline', () => {
    const r = validateFixture('project/pipelines/customer_identity.yaml');
    expect(r.diagnostics).toEqual([]);
    const p = r.value!;
    if (p.kind !== 'identity') throw new Error('wrong kind');
    expect(p.inputs).toHaveLength(2);
    expect(p.inputs[1]).toEqual({ table: 'billing.accounts', source_id: 'account_id', identifiers: { email: 'billing_email', loyalty_id: 'loyalty_number' }, attributes: {} });
    expect(p.match).toEqual({ block_values: { email: ['test@example.com'] }, max_per_profile: { email: 5, phone: 5 } });
    expect(p.survivorship).toEqual({
      default: 'most_recent',
      attributes: { email: { strategy: 'source_priority', source_priority: ['crm.contacts', 'billing.accounts'] } },
    });
    expect(p.outputs).toEqual({ identity_map: 'c360.identity_map', profiles: 'c360.customers' });
  });

  it('the floe init scaffold validates', async () => {
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'floe-init-'));
    await mkdir(join(dir, 'pipelines'));
    await writeFile(join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
    await writeFile(
      join(dir, 'pipelines', 'example.yaml'),
      'name: example\nsource:\n  kind: csv\n  path: data/*.csv\ntarget:\n  table: raw.example\n  mode: append\nchecks:\n  - row_count: { min: 1 }\n',
    );
    const r = await validateProject(dir, { env: {} });
    expect(r.diagnostics).toEqual([]);
    expect(r.pipelines[0]!.resolved.paths).toEqual([join(dir, 'data/*.csv')]);
  });
});
