/**
 * A source id written as a placeholder for a missing one ('NULL', 'n/a', 'none', '-') is no
 * id: such rows are skipped and counted as without_id, like NULL and blank ids. They were one
 * record 'NULL' whose other rows were dropped as repeats of it (duplicate_ids), each such
 * person's identifiers lost but one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REC, stageRecords } from '../../src/c360/identity/records.js';
import { registerIdentityFunctions } from '../../src/c360/identity/udf.js';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';

let engine: Engine;
beforeEach(async () => {
  engine = await openEngine({ threads: 1 });
  registerIdentityFunctions(engine.connection, {});
});
afterEach(() => engine.close());

describe('identity source ids that are placeholders', () => {
  it('are skipped and counted as without an id', async () => {
    await engine.run(
      `CREATE TABLE crm AS SELECT * FROM (VALUES ('NULL', 'a@x.com'), ('null', 'b@x.com'), (' N/A ', 'c@x.com'), ('none', 'd@x.com'), ('-', 'e@x.com'), ('7', 'f@x.com'), ('nullable', 'g@x.com')) t(id, email)`,
      'test',
    );
    const r = await stageRecords(engine, [{ table: 'raw.crm', relation: 'crm', sourceId: 'id', identifiers: { email: 'email' }, attributes: {} }]);
    expect(r.inputRows).toEqual([{ table: 'raw.crm', rows: 7, withoutId: 5, duplicateIds: 0 }]);
    expect(await engine.all(`SELECT source_id FROM ${REC} ORDER BY rec`, 'read')).toEqual([{ source_id: '7' }, { source_id: 'nullable' }]);
  });
});
