/** evaluateChecks as a whole: severity, evaluation errors, scopes, timing. */
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECK_SCOPE, evaluateChecks } from '../../src/checks/evaluate.js';
import { CHECK_KINDS } from '../../src/pipeline/schema-checks.js';
import { checks, NOW, useEngine } from './helpers.js';

const engine = useEngine();

beforeAll(async () => {
  await engine().run(
    `CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a', 'US'), (2, NULL, 'XX'), (2, 'c', 'US')) AS v(id, email, country)`,
    'create test table',
  );
  await engine().run(`CREATE TABLE new_rows AS SELECT * FROM t WHERE id = 1`, 'create test table');
});

describe('evaluateChecks', () => {
  it('gives one result per check in order, failing as warn or fail by severity', async () => {
    const results = await evaluateChecks({
      engine: engine(),
      checks: checks(
        { row_count: { min: 1 } },
        { not_null: 'email', severity: 'warn' },
        { not_null: 'email' },
        { unique: 'id', name: 'id is a key', severity: 'error' },
      ),
      relation: 't',
      table: 'crm.contacts',
      snapshot: null,
      now: NOW,
    });
    expect(results.map((r) => [r.name, r.kind, r.severity, r.status])).toEqual([
      ['row_count', 'row_count', 'error', 'pass'],
      ['not_null(email)', 'not_null', 'warn', 'warn'],
      ['not_null(email)#2', 'not_null', 'error', 'fail'],
      ['id is a key', 'unique', 'error', 'fail'],
    ]);
    for (const r of results) {
      expect(r.table).toBe('crm.contacts');
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('reports a column that does not exist as an error naming the table and the columns it has', async () => {
    const [r, next] = await evaluateChecks({
      engine: engine(),
      checks: checks({ not_null: ['emial'] }, { row_count: { min: 1 } }),
      relation: 't',
      table: 'crm.contacts',
      snapshot: null,
    });
    expect(r).toMatchObject({ status: 'error', observed: null });
    expect(r!.message).toBe(
      "could not be evaluated: column 'emial' does not exist in table crm.contacts (did you mean 'email'?) (its columns are: id, email, country)",
    );
    expect(next!.status).toBe('pass'); // one bad check does not stop the others
  });

  it('matches column names as DuckDB does, ignoring case', async () => {
    const [r] = await evaluateChecks({ engine: engine(), checks: checks({ not_null: 'EMAIL' }), relation: 't', table: 'x.t', snapshot: null });
    expect(r).toMatchObject({ status: 'fail', message: 'email has 1 null' });
  });

  it('reports every check as an error when the rows cannot be read', async () => {
    const results = await evaluateChecks({
      engine: engine(),
      checks: checks({ row_count: { min: 1 } }, { sql: 'SELECT 0' }),
      relation: ['nowhere', 'nothing'],
      table: 'nowhere.nothing',
      snapshot: null,
    });
    expect(results.map((r) => r.status)).toEqual(['error', 'error']);
    expect(results[0]!.message).toContain('DuckDB could not read the rows of table nowhere.nothing');
  });

  it('reads the batch for row-level checks and the table for set-level ones', async () => {
    const results = await evaluateChecks({
      engine: engine(),
      checks: checks(
        { not_null: 'email' },
        { accepted_values: { column: 'country', values: ['US'] } },
        { unique: 'id' },
        { row_count: { max: 1 } },
        { sql: 'SELECT count(*) FROM {{ batch }}', name: 'batch size' },
      ),
      relation: 't',
      batchRelation: 'new_rows',
      table: 'crm.contacts',
      snapshot: null,
    });
    expect(results.map((r) => [r.name, r.scope, r.status])).toEqual([
      ['not_null(email)', 'batch', 'pass'],
      ['accepted_values(country)', 'batch', 'pass'],
      ['unique(id)', 'table', 'fail'],
      ['row_count', 'table', 'fail'],
      ['batch size', 'table', 'fail'],
    ]);
    expect(results[4]!.observed).toBe(1);
  });

  it('has a scope for every kind', () => {
    expect(Object.keys(CHECK_SCOPE).sort()).toEqual([...CHECK_KINDS].sort());
    expect(CHECK_SCOPE.unique).toBe('table');
    expect(CHECK_SCOPE.freshness).toBe('table');
  });
});
