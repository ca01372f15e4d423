import { describe, expect, it } from 'vitest';
import { validatePipelineText, type Check, type IngestPipeline } from '../../src/pipeline/index.js';
import { validateFixture } from './helpers.js';

const TARGET = 'target: { table: raw.t }\n';

function checksOf(yaml: string): Check[] {
  const r = validatePipelineText(`source: { kind: parquet, path: a.parquet }\n${TARGET}checks:\n${yaml}`, '/p/t.yaml', {});
  expect(r.diagnostics).toEqual([]);
  return (r.value as IngestPipeline).checks;
}

describe('checks', () => {
  it('parses every kind into a flat tagged object', () => {
    const checks = checksOf(`
  - row_count: { max: 10 }
  - freshness: { max_age: 3d }
  - not_null: email
  - missing_percent: { column: email, max: 2.5% }
  - unique: [tenant_id, contact_id]
  - accepted_values: { column: active, values: [true, false] }
  - range: { column: ts, min: "2020-01-01" }
  - format: { column: phone, builtin: e164 }
  - relationships: { column: account_id, to: { table: billing.accounts, column: id } }
  - relationships: { column: contact_id, to: crm.contacts.contact_id }
  - schema: { columns: { id: long, amount: "decimal(9,2)" } }
  - volume: { max_change: 30 }
  - sql: SELECT 0
  - sql: { query: "SELECT count(*) FROM {{ this }}", expect: 42 }
    name: answer
    severity: warn
`);
    expect(checks.map(({ name, severity, ...rest }) => rest)).toEqual([
      { kind: 'row_count', max: 10 },
      { kind: 'freshness', max_age: 259_200_000 },
      { kind: 'not_null', columns: ['email'] },
      { kind: 'missing_percent', column: 'email', max: 2.5 },
      { kind: 'unique', columns: ['tenant_id', 'contact_id'] },
      { kind: 'accepted_values', column: 'active', values: [true, false] },
      { kind: 'range', column: 'ts', min: '2020-01-01' },
      { kind: 'format', column: 'phone', builtin: 'e164' },
      { kind: 'relationships', column: 'account_id', to: { table: 'billing.accounts', column: 'id' } },
      { kind: 'relationships', column: 'contact_id', to: { table: 'crm.contacts', column: 'contact_id' } },
      { kind: 'schema', columns: { id: 'long', amount: 'decimal(9,2)' } },
      { kind: 'volume', max_change: 30, window: 1 },
      { kind: 'sql', query: 'SELECT 0', expect: 0 },
      { kind: 'sql', query: 'SELECT count(*) FROM {{ this }}', expect: 42 },
    ]);
    expect(checks.at(-1)).toMatchObject({ name: 'answer', severity: 'warn' });
    expect(checks.map((c) => c.name)).toContain('relationships(account_id)');
  });

  it('gives repeated default names a suffix so results stay distinct', () => {
    const names = checksOf('  - sql: SELECT 0\n  - sql: SELECT 1\n  - not_null: [a]\n  - not_null: [a]\n').map((c) => c.name);
    expect(names).toEqual(['sql', 'sql#2', 'not_null(a)', 'not_null(a)#2']);
  });

  it('rejects bad check parameters at their line', () => {
    const text = `source: { kind: parquet, path: a.parquet }\n${TARGET}checks:\n  - format: { column: x, pattern: "([a-z" }\n  - relationships: { column: x, to: crm.contacts }\n  - volume: { max_change: 50%, window: 0 }\n`;
    const r = validatePipelineText(text, '/p/t.yaml', {});
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`)).toEqual([
      '4:35 checks[0].format.pattern: invalid regular expression: Invalid regular expression: /([a-z/: Unterminated character class',
      "5:37 checks[1].relationships.to: expected namespace.table.column, got 'crm.contacts'",
      '6:40 checks[2].volume.window: must be greater than 0',
    ]);
  });
});

describe('bounds that can never pass', () => {
  it('a row_count or range whose max is below its min is refused at max', () => {
    const text = `source: { kind: parquet, path: a.parquet }\n${TARGET}checks:\n  - row_count: { min: 5, max: 2 }\n  - range: { column: x, min: 10, max: 1.5 }\n  - range: { column: ts, min: "2020-01-01", max: "2019-01-01" }\n  - row_count: { min: 2, max: 2 }\n`;
    const r = validatePipelineText(text, '/p/t.yaml', {});
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`)).toEqual([
      '4:31 checks[0].row_count.max: max 2 is below min 5: the check could never pass',
      '5:39 checks[1].range.max: max 1.5 is below min 10: the check could never pass',
    ]);
  });
});

describe('unknown keys in a check item', () => {
  it('are read as a misspelt kind, unless closer to severity or name', () => {
    const text = `source: { kind: parquet, path: a.parquet }\n${TARGET}checks:\n  - not_nul: [a]\n    severty: warn\n`;
    const r = validatePipelineText(text, '/p/t.yaml', {});
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message.split(';')[0]}`)).toEqual([
      "4:5 checks[0].not_nul: unknown check kind 'not_nul' (did you mean 'not_null'?)",
      "5:5 checks[0].severty: unknown key 'severty' (did you mean 'severity'?)",
    ]);
  });
});

describe('sources', () => {
  const source = (yaml: string) => {
    const r = validatePipelineText(`source:\n${yaml}${TARGET}`, '/p/s.yaml', { TOKEN: 'abc' });
    return { value: (r.value as IngestPipeline | undefined)?.source, diagnostics: r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`) };
  };

  it('fills csv defaults and always gives a list of paths', () => {
    expect(source('  kind: csv\n  path: a.csv\n').value).toEqual({
      kind: 'csv',
      path: ['a.csv'],
      delimiter: ',',
      header: true,
      quote: '"',
      escape: '"',
      encoding: 'utf-8',
      skip: 0,
    });
  });

  it('fills http defaults in milliseconds', () => {
    const s = source('  kind: http\n  url: https://x.test/api\n  pagination: { kind: page, size_param: per_page, size: 50 }\n').value;
    expect(s).toEqual({
      kind: 'http',
      url: 'https://x.test/api',
      method: 'GET',
      pagination: { kind: 'page', param: 'page', start: 1, size_param: 'per_page', size: 50 },
      timeout: 30_000,
      retries: { max: 3, backoff: 1000 },
    });
    expect(validateFixture('project/pipelines/support_tickets.yaml').value).toMatchObject({ source: { timeout: 45_000, retries: { max: 5, backoff: 2000 } } });
  });

  it('needs exactly one of query and table for database sources', () => {
    expect(source('  kind: sqlite\n  connection: a.db\n').diagnostics).toEqual(['1:1 source: give a query or a table to read']);
    expect(source('  kind: mysql\n  connection: mysql://u@h/db\n  query: SELECT 1\n  table: t\n').diagnostics).toEqual(['5:10 source.table: give either query or table, not both']);
  });

  it('reports an unknown pagination kind and a missing url', () => {
    expect(source('  kind: http\n  pagination: { kind: pages }\n').diagnostics).toEqual([
      '1:1 source.url: is required',
      "3:23 source.pagination.kind: unknown pagination kind 'pages' (did you mean 'page'?); expected one of page, offset, cursor, link",
    ]);
  });

  it('never echoes a connection string in a message', () => {
    const d = source('  kind: postgres\n  connection: "pgsql://u:${TOKEN}@h/db"\n  table: t\n').diagnostics;
    expect(d).toEqual(['3:15 source.connection: expected a postgres:// or postgresql:// URL']);
  });
});
