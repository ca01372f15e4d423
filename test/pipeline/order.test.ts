import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV, FIXTURES } from './helpers.js';
import { formatDiagnostic, runOrder, tableNamesInSql, validatePipelineText, validateProject, type Pipeline } from '../../src/pipeline/index.js';

const sqlPipeline = (name: string, query: string, table: string) => {
  const r = validatePipelineText(`source: { kind: sql, query: ${JSON.stringify(query)} }\ntarget: { table: ${table} }\n`, `/p/${name}.yaml`, {});
  return { name, file: `/p/${name}.yaml`, pipeline: r.value as Pipeline };
};

describe('run order', () => {
  it('finds namespace.table names in SQL, ignoring literals, comments and longer dotted names', () => {
    const sql = `SELECT c.id, "crm"."contacts".x FROM crm.contacts c -- web.events
      JOIN billing . accounts a ON a.id = c.id /* support.tickets */ WHERE note = 'see store.products' AND lake.db.t IS NULL`;
    expect(tableNamesInSql(sql).sort()).toEqual(['a.id', 'billing.accounts', 'c.id', 'crm.contacts', 'lake.db']);
  });

  it('puts sql and identity pipelines after the pipelines whose tables they read', async () => {
    const r = await validateProject(join(FIXTURES, 'project'), { env: ENV });
    expect(r.order.levels).toEqual([
      ['billing_accounts', 'crm_contacts', 'loyalty_members', 'orders_archive', 'store_products', 'support_tickets', 'web_events'],
      ['customer_identity'],
      ['customer_summary'],
    ]);
    expect(r.order.dependsOn.get('customer_identity')).toEqual(['billing_accounts', 'crm_contacts']);
    expect(r.order.dependsOn.get('customer_summary')).toEqual(['customer_identity']);
    expect(r.pipelines.map((p) => p.name).slice(-2)).toEqual(['customer_identity', 'customer_summary']);
  });

  it('ignores a pipeline reading its own target', () => {
    const r = runOrder([sqlPipeline('dedupe', 'SELECT DISTINCT * FROM mart.x', 'mart.x')]);
    expect(r.order).toEqual(['dedupe']);
    expect(r.diagnostics).toEqual([]);
  });

  it('names a cycle, at the query of its first pipeline', async () => {
    const r = await validateProject(join(FIXTURES, 'cycle'), { env: {} });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `${join(FIXTURES, 'cycle/pipelines/a_daily.yaml')}:3:10: source.query: pipelines read each other's tables in a cycle: a_daily → b_daily → a_daily (→ reads from); no order can run them`,
    ]);
    // c_daily waits on the cycle too; everything is still listed, the independent part first.
    expect(r.order.levels).toEqual([['raw_feed'], ['a_daily', 'b_daily', 'c_daily']]);
  });
});

describe('validateProject selection', () => {
  it('returns only the selected pipelines and their diagnostics, by name or path', async () => {
    const r = await validateProject(join(FIXTURES, 'project'), { env: ENV, select: ['web_events', join(FIXTURES, 'broken/five_mistakes.yaml')] });
    expect(r.pipelines.map((p) => p.name)).toEqual(['web_events']);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}`)).toEqual(['5:3 source.delimter', '7:35 columns.id.type', '9:10 target.table', '10:9 target.mode', '13:5 checks[1].uniqe']);
  });

  it('suggests a pipeline name for a typo', async () => {
    const r = await validateProject(join(FIXTURES, 'project'), { env: ENV, select: ['web_event'] });
    expect(r.diagnostics.map((d) => d.message)).toEqual(["no pipeline named 'web_event' (did you mean 'web_events'?)"]);
    expect(r.pipelines).toEqual([]);
  });
});
