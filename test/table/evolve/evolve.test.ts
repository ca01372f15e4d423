import { describe, expect, it } from 'vitest';
import { FloeError } from '../../../src/errors.js';
import { newTableMetadata } from '../../../src/iceberg/metadata-builder.js';
import type { Schema, TableMetadata } from '../../../src/iceberg/types.js';
import { applyChange } from '../../../src/table/apply.js';
import { planEvolution, type EvolveRequest } from '../../../src/table/evolve/evolve.js';

const T0 = 1_700_000_000_000;

function table(formatVersion: 1 | 2 = 2, opts: { identifier?: boolean; sorted?: boolean } = {}): TableMetadata {
  const schema = {
    type: 'struct' as const,
    fields: [
      { id: 0, name: 'id', required: true, type: 'long' },
      { id: 0, name: 'n', required: false, type: 'int' },
      { id: 0, name: 'ts', required: false, type: 'timestamptz' },
      { id: 0, name: 'price', required: false, type: 'decimal(9,2)' },
      { id: 0, name: 'score', required: true, type: 'float' },
      { id: 0, name: 'addr', required: false, type: { type: 'struct' as const, fields: [{ id: 0, name: 'city', required: false, type: 'string' }] } },
    ],
    ...(opts.identifier ? { 'identifier-field-ids': [1] } : {}),
  };
  return newTableMetadata({
    location: 's3://wh/t',
    schema,
    partitionBy: [{ sourceName: 'ts', transform: 'day' }],
    sortBy: opts.sorted ? [{ sourceName: 'n' }] : [],
    tableUuid: 'uuid-1',
    formatVersion,
    now: T0,
  });
}

function evolve(m: TableMetadata, req: EvolveRequest) {
  const plan = planEvolution(m, req, 'ns.t');
  return { plan, next: applyChange(m, plan.change, { metadataLocation: 's3://wh/t/metadata/0.json', now: T0 + 1 }) };
}

const cur = (m: TableMetadata): Schema => m.schemas.find((s) => s['schema-id'] === m['current-schema-id'])!;
const spec = (m: TableMetadata) => m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id'])!;

function schemaErr(fn: () => unknown, ...mentions: (string | RegExp)[]): FloeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    const fe = e as FloeError;
    expect(['schema', 'usage']).toContain(fe.kind);
    for (const m of mentions) expect(fe.message).toMatch(m);
    return fe;
  }
  throw new Error('expected a failure');
}

describe('schema evolution', () => {
  it('adds columns with fresh ids above last-column-id, at the requested position', () => {
    const m = table();
    expect(m['last-column-id']).toBe(7);
    const { next, plan } = evolve(m, { addColumns: [{ name: 'email', type: 'string', position: { after: 'id' }, doc: 'contact' }, { name: 'addr.zip', type: 'string' }] });
    const s = cur(next);
    expect(s['schema-id']).toBe(1);
    expect(s.fields.map((f) => f.name)).toEqual(['id', 'email', 'n', 'ts', 'price', 'score', 'addr']);
    expect(s.fields[1]).toEqual({ id: 8, name: 'email', required: false, type: 'string', doc: 'contact' });
    const addr = s.fields[6]!.type as { fields: { id: number; name: string }[] };
    expect(addr.fields.map((f) => [f.id, f.name])).toEqual([[7, 'city'], [9, 'zip']]);
    expect(next['last-column-id']).toBe(9);
    expect(plan.change.requirements).toEqual([
      { type: 'assert-current-schema-id', 'current-schema-id': 0 },
      { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 7 },
    ]);
    expect(plan.change.updates.map((u) => u.action)).toEqual(['add-schema', 'set-current-schema']);
  });

  it('never reuses the id of a dropped column', () => {
    const a = evolve(table(), { dropColumns: ['price'] }).next;
    expect(cur(a).fields.map((f) => f.name)).not.toContain('price');
    const b = evolve(a, { addColumns: [{ name: 'price', type: 'decimal(9,2)' }] }).next;
    const price = cur(b).fields.find((f) => f.name === 'price')!;
    expect(price.id).toBe(8);
    expect(b['last-column-id']).toBe(8);
    expect(b.schemas.map((s) => s['schema-id'])).toEqual([0, 1, 2]);
  });

  it('renames (also nested), widens along the allowed promotions and makes columns optional', () => {
    const { next, plan } = evolve(table(), {
      renameColumns: [{ from: 'n', to: 'count' }, { from: 'addr.city', to: 'town' }],
      widenColumns: [{ name: 'count', type: 'long' }, { name: 'score', type: 'double' }, { name: 'price', type: 'decimal(18, 2)' }],
      makeOptional: ['score'],
    });
    const s = cur(next);
    expect(s.fields.map((f) => [f.id, f.name, f.type, f.required])).toEqual([
      [1, 'id', 'long', true],
      [2, 'count', 'long', false],
      [3, 'ts', 'timestamptz', false],
      [4, 'price', 'decimal(18,2)', false],
      [5, 'score', 'double', false],
      [6, 'addr', s.fields[5]!.type, false],
    ]);
    expect((s.fields[5]!.type as { fields: { name: string }[] }).fields[0]!.name).toBe('town');
    expect(next['last-column-id']).toBe(7);
    expect(plan.changes).toEqual([
      'rename column n → count (id 2)',
      'rename column addr.city → town (id 7)',
      'widen column count: int → long',
      'widen column score: float → double',
      'widen column price: decimal(9,2) → decimal(18,2)',
      'make column score optional',
    ]);
  });

  it('a change back to an earlier schema reuses that schema id', () => {
    const a = evolve(table(), { renameColumns: [{ from: 'n', to: 'm' }] }).next;
    const b = evolve(a, { renameColumns: [{ from: 'm', to: 'n' }] }).next;
    expect(b.schemas.length).toBe(2);
    expect(b['current-schema-id']).toBe(0);
  });

  it('refuses narrowing and other type changes the spec forbids', () => {
    schemaErr(() => planEvolution(table(), { widenColumns: [{ name: 'id', type: 'int' }] }, 'ns.t'), /ns\.t/, /'id'/, /long to int/, /not an allowed type promotion/);
    schemaErr(() => planEvolution(table(), { widenColumns: [{ name: 'n', type: 'string' }] }, 'ns.t'), /int to string/);
    schemaErr(() => planEvolution(table(), { widenColumns: [{ name: 'price', type: 'decimal(12,3)' }] }, 'ns.t'), /decimal\(9,2\) to decimal\(12,3\)/);
    schemaErr(() => planEvolution(table(), { widenColumns: [{ name: 'price', type: 'decimal(5,2)' }] }, 'ns.t'), /decimal\(9,2\) to decimal\(5,2\)/);
    schemaErr(() => planEvolution(table(), { widenColumns: [{ name: 'addr', type: 'string' }] }, 'ns.t'), /not a primitive/);
  });

  it('refuses a required column without default, a taken name, unknown columns and types', () => {
    schemaErr(() => planEvolution(table(), { addColumns: [{ name: 'x', type: 'int', required: true }] }, 'ns.t'), /required column 'x' without a default/);
    schemaErr(() => planEvolution(table(), { addColumns: [{ name: 'n', type: 'int' }] }, 'ns.t'), /cannot add column 'n': a column with that name already exists/);
    schemaErr(() => planEvolution(table(), { addColumns: [{ name: 'x', type: 'varchar' }] }, 'ns.t'), /unknown type 'varchar'/);
    schemaErr(() => planEvolution(table(), { addColumns: [{ name: 'x', type: 'int', position: { after: 'nope' } }] }, 'ns.t'), /after 'nope'/);
    schemaErr(() => planEvolution(table(), { renameColumns: [{ from: 'n', to: 'score' }] }, 'ns.t'), /cannot rename 'n' to 'score': a column named 'score' already exists/);
    schemaErr(() => planEvolution(table(), { dropColumns: ['nope'] }, 'ns.t'), /cannot drop column 'nope': no such column/);
  });

  it('names a column given twice, or named by its old name after a rename in the same change', () => {
    schemaErr(() => planEvolution(table(), { addColumns: [{ name: 'x', type: 'long' }, { name: 'x', type: 'long' }] }, 'ns.t'), /table ns\.t: column 'x' is added twice in the same change/);
    schemaErr(() => planEvolution(table(), { dropColumns: ['n', 'n'] }, 'ns.t'), /column 'n' is dropped twice/);
    schemaErr(() => planEvolution(table(), { renameColumns: [{ from: 'n', to: 'a' }, { from: 'n', to: 'b' }] }, 'ns.t'), /column 'n' is renamed twice/);
    schemaErr(() => planEvolution(table(), { widenColumns: [{ name: 'n', type: 'long' }, { name: 'n', type: 'long' }] }, 'ns.t'), /column 'n' is widened twice/);
    // DuckDB-style 'no such column' for a column that exists would send the user looking in the wrong place.
    schemaErr(
      () => planEvolution(table(), { renameColumns: [{ from: 'n', to: 'm' }], dropColumns: ['n'] }, 'ns.t'),
      /cannot drop column 'n': the same change renames it to 'm'; name it 'm'/,
    );
    // Under the new name it works.
    const next = evolve(table(), { renameColumns: [{ from: 'n', to: 'm' }], widenColumns: [{ name: 'm', type: 'long' }] }).next;
    expect(cur(next).fields.find((f) => f.name === 'm')?.type).toBe('long');
  });

  it('refuses to drop a partition source, a sort column or an identifier field, or to make an identifier optional', () => {
    schemaErr(() => planEvolution(table(), { dropColumns: ['ts'] }, 'ns.t'), /cannot drop column 'ts': partition field 'ts_day' of spec 0 uses it/);
    schemaErr(() => planEvolution(table(2, { sorted: true }), { dropColumns: ['n'] }, 'ns.t'), /cannot drop column 'n': the table's sort order 1 uses it/);
    schemaErr(() => planEvolution(table(2, { identifier: true }), { dropColumns: ['id'] }, 'ns.t'), /identifier field/);
    schemaErr(() => planEvolution(table(2, { identifier: true }), { makeOptional: ['id'] }, 'ns.t'), /identifier field/);
    // Even after the partition field is gone, files of spec 0 still depend on the column.
    const a = evolve(table(), { partitionBy: [] }).next;
    schemaErr(() => planEvolution(a, { dropColumns: ['ts'] }, 'ns.t'), /spec 0 uses it/);
    // Changing the sort order in the same change frees the column.
    const b = evolve(table(2, { sorted: true }), { sortBy: [{ sourceName: 'id' }], dropColumns: ['n'] }).next;
    expect(cur(b).fields.map((f) => f.name)).not.toContain('n');
  });

  it('a request that changes nothing has no updates', () => {
    const plan = planEvolution(table(), { widenColumns: [{ name: 'id', type: 'long' }], partitionBy: [{ sourceName: 'ts', transform: 'day' }], sortBy: [] }, 'ns.t');
    expect(plan.change.updates).toEqual([]);
    expect(plan.changes).toEqual([]);
  });
});

describe('partition spec evolution', () => {
  it('v2: a new spec with the next id; equivalent fields keep their field ids; new ones count up', () => {
    const m = table();
    expect(spec(m).fields).toEqual([{ 'source-id': 3, 'field-id': 1000, name: 'ts_day', transform: 'day' }]);
    const { next, plan } = evolve(m, { addPartitionFields: [{ sourceName: 'id', transform: 'bucket[4]' }] });
    expect(next['default-spec-id']).toBe(1);
    expect(spec(next).fields).toEqual([
      { 'source-id': 3, 'field-id': 1000, name: 'ts_day', transform: 'day' },
      { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[4]' },
    ]);
    expect(next['last-partition-id']).toBe(1001);
    expect(plan.change.requirements).toEqual([
      { type: 'assert-default-spec-id', 'default-spec-id': 0 },
      { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 + 1 },
    ]);
    // Drop day(ts), add month(ts), then bring day(ts) back in place of month(ts) (one column
    // takes one time transform): day gets 1000 again, and month's 1002 stays taken.
    const c = evolve(next, { dropPartitionFields: ['ts_day'], addPartitionFields: [{ sourceName: 'ts', transform: 'month' }] }).next;
    expect(spec(c)['spec-id']).toBe(2);
    expect(spec(c).fields.map((f) => [f.name, f['field-id']])).toEqual([['id_bucket', 1001], ['ts_month', 1002]]);
    const d = evolve(c, { partitionBy: [{ sourceName: 'id', transform: 'bucket[4]' }, { sourceName: 'ts', transform: 'day' }] }).next;
    expect(spec(d).fields.map((f) => [f.name, f['field-id']])).toEqual([['id_bucket', 1001], ['ts_day', 1000]]);
    expect(d['last-partition-id']).toBe(1002);
    // Partition field ids never collide across specs.
    const byId = new Map<number, string>();
    for (const s of d['partition-specs']) for (const f of s.fields) {
      const key = `${f['source-id']}:${f.transform}`;
      expect(byId.get(f['field-id']) ?? key).toBe(key);
      byId.set(f['field-id'], key);
    }
  });

  it('re-setting an existing spec makes it the default without adding a duplicate', () => {
    const a = evolve(table(), { partitionBy: [{ sourceName: 'ts', transform: 'month' }] }).next;
    const { next, plan } = evolve(a, { partitionBy: [{ sourceName: 'ts', transform: 'day' }] });
    expect(plan.change.updates).toEqual([{ action: 'set-default-spec', 'spec-id': 0 }]);
    expect(next['partition-specs'].length).toBe(2);
    expect(next['default-spec-id']).toBe(0);
    expect(plan.changes[0]).toMatch(/→ existing spec 0/);
  });

  it('drops a field by name or by expression; unpartitioned is a spec too', () => {
    const a = evolve(table(), { dropPartitionFields: ['day(ts)'] }).next;
    expect(spec(a).fields).toEqual([]);
    expect(a['default-spec-id']).toBe(1);
    schemaErr(() => planEvolution(table(), { dropPartitionFields: ['nope'] }, 'ns.t'), /cannot drop partition field 'nope'.*ts_day \(day\(ts\)\)/);
  });

  it('a partition or sort field over a column the same change drops says so', () => {
    schemaErr(() => planEvolution(table(), { dropColumns: ['n'], partitionBy: [{ sourceName: 'n', transform: 'identity' }] }, 'ns.t'), /table ns\.t: cannot partition by 'n': the same change drops that column/);
    schemaErr(() => planEvolution(table(), { dropColumns: ['n'], sortBy: [{ sourceName: 'n' }] }, 'ns.t'), /cannot sort by 'n': the same change drops that column/);
  });

  it('names a partition field dropped or added twice in one change (not "no such field" while listing it)', () => {
    schemaErr(() => planEvolution(table(), { dropPartitionFields: ['ts_day', 'ts_day'] }, 'ns.t'), /table ns\.t: partition field 'ts_day' is dropped twice in the same change/);
    const twice = { sourceName: 'id', transform: 'bucket[4]' };
    schemaErr(() => planEvolution(table(), { addPartitionFields: [twice, twice] }, 'ns.t'), /partition field bucket\(4, id\) is added twice|partition field .*id.* is added twice/);
  });

  it('refuses fields the schema cannot have', () => {
    schemaErr(() => planEvolution(table(), { addPartitionFields: [{ sourceName: 'nope', transform: 'identity' }] }, 'ns.t'), /ns\.t: partition column 'nope': no such column/);
    schemaErr(() => planEvolution(table(), { addPartitionFields: [{ sourceName: 'score', transform: 'day' }] }, 'ns.t'), /day cannot be applied to a float/);
    schemaErr(() => planEvolution(table(), { addPartitionFields: [{ sourceName: 'ts', transform: 'day' }] }, 'ns.t'), /cannot add partition field day\(ts\): the spec already has it as 'ts_day'/);
  });

  it('partitions by a column added in the same change', () => {
    const { next } = evolve(table(), { addColumns: [{ name: 'region', type: 'string' }], addPartitionFields: [{ sourceName: 'region', transform: 'identity' }] });
    expect(spec(next).fields.at(-1)).toEqual({ 'source-id': 8, 'field-id': 1001, name: 'region', transform: 'identity' });
    expect(cur(next)['schema-id']).toBe(1);
  });

  it('v1: a removed field becomes void in place and new fields are appended', () => {
    const m = table(1);
    const a = evolve(m, { partitionBy: [{ sourceName: 'ts', transform: 'month' }] }).next;
    expect(spec(a).fields).toEqual([
      { 'source-id': 3, 'field-id': 1000, name: 'ts_day', transform: 'void' },
      { 'source-id': 3, 'field-id': 1001, name: 'ts_month', transform: 'month' },
    ]);
    // day(ts) again in place of month(ts): a new id (v1 does not track ids), and the void field gives up its name.
    const b = evolve(a, { dropPartitionFields: ['ts_month'], addPartitionFields: [{ sourceName: 'ts', transform: 'day' }] }).next;
    expect(spec(b).fields).toEqual([
      { 'source-id': 3, 'field-id': 1000, name: 'ts_day_1000', transform: 'void' },
      { 'source-id': 3, 'field-id': 1001, name: 'ts_month', transform: 'void' },
      { 'source-id': 3, 'field-id': 1002, name: 'ts_day', transform: 'day' },
    ]);
  });
});

describe('sort order evolution', () => {
  it('adds a new order id, reuses an identical order, and unsorted is order 0', () => {
    const m = table();
    expect(m['default-sort-order-id']).toBe(0);
    const { next: a, plan } = evolve(m, { sortBy: [{ sourceName: 'n', direction: 'desc' }, { sourceName: 'ts', transform: 'day' }] });
    expect(a['default-sort-order-id']).toBe(1);
    expect(a['sort-orders'].find((o) => o['order-id'] === 1)!.fields).toEqual([
      { transform: 'identity', 'source-id': 2, direction: 'desc', 'null-order': 'nulls-last' },
      { transform: 'day', 'source-id': 3, direction: 'asc', 'null-order': 'nulls-first' },
    ]);
    expect(plan.change.requirements).toEqual([{ type: 'assert-default-sort-order-id', 'default-sort-order-id': 0 }]);
    const b = evolve(a, { sortBy: [] }).next;
    expect(b['default-sort-order-id']).toBe(0);
    const { next: c, plan: p2 } = evolve(b, { sortBy: [{ sourceName: 'n', direction: 'desc' }, { sourceName: 'ts', transform: 'day' }] });
    expect(p2.change.updates).toEqual([{ action: 'set-default-sort-order', 'sort-order-id': 1 }]);
    expect(c['sort-orders'].length).toBe(2);
    const d = evolve(c, { sortBy: [{ sourceName: 'id' }] }).next;
    expect(d['default-sort-order-id']).toBe(2);
  });

  it('refuses unknown sort columns', () => {
    schemaErr(() => planEvolution(table(), { sortBy: [{ sourceName: 'nope' }] }, 'ns.t'), /ns\.t: sort column 'nope': no such column/);
  });
});

describe('properties and the combined change', () => {
  it('sets properties, skipping unchanged values, and refuses reserved ones', () => {
    const { next, plan } = evolve(table(), { setProperties: { 'write.target-file-size-bytes': '1024' } });
    expect(next.properties['write.target-file-size-bytes']).toBe('1024');
    expect(plan.changes).toEqual(['set property write.target-file-size-bytes=1024']);
    expect(planEvolution(next, { setProperties: { 'write.target-file-size-bytes': '1024' } }, 'ns.t').change.updates).toEqual([]);
    schemaErr(() => planEvolution(table(), { setProperties: { 'format-version': '3' } }, 'ns.t'), /reserved/);
  });

  it('a change planned on one version fails its requirements on a newer one', () => {
    const m = table();
    const plan = planEvolution(m, { addColumns: [{ name: 'x', type: 'int' }] }, 'ns.t');
    const moved = evolve(m, { addColumns: [{ name: 'y', type: 'int' }] }).next;
    expect(() => applyChange(moved, plan.change, { metadataLocation: 'x', now: T0 + 2 })).toThrow(/assert-current-schema-id/);
  });
});
