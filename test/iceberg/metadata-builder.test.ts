import { describe, expect, it } from 'vitest';
import type { StructType, TableMetadata } from '../../src/iceberg/types.js';
import {
  buildPartitionSpec,
  buildSortOrder,
  createTableChange,
  newTableMetadata,
  partitionFieldName,
  validateTableMetadata,
} from '../../src/iceberg/metadata-builder.js';
import { applyChange } from '../../src/table/apply.js';
import { parseTableMetadata, serializeTableMetadata } from '../../src/iceberg/metadata-json.js';
import { isFloeError } from '../../src/errors.js';

// Ids are placeholders: a new table gets fresh ones, as Java's newTableMetadata does.
const contacts: StructType = {
  type: 'struct',
  fields: [
    { id: 0, name: 'contact_id', required: true, type: 'long' },
    { id: 0, name: 'email', required: false, type: 'string' },
    { id: 0, name: 'updated_at', required: false, type: 'timestamptz' },
    { id: 0, name: 'phones', required: false, type: { type: 'list', 'element-id': 0, element: 'string', 'element-required': false } },
    { id: 0, name: 'address', required: false, type: { type: 'struct', fields: [{ id: 0, name: 'country', required: false, type: 'string' }] } },
  ],
};

const options = {
  location: 's3://wh/crm/contacts/',
  schema: contacts,
  partitionBy: [
    { sourceName: 'updated_at', transform: 'month' },
    { sourceName: 'contact_id', transform: 'bucket[16]' },
  ],
  sortBy: [{ sourceName: 'address.country' }, { sourceName: 'updated_at', direction: 'desc' as const }],
  properties: { 'write.target-file-size-bytes': '134217728' },
  tableUuid: '6f1c1a52-6b1e-4f7e-9d35-2b1b0c6b8a11',
  now: 1_700_000_000_000,
};

describe('newTableMetadata', () => {
  const m = newTableMetadata(options);

  it('has every required v2 field with the defaults Java writes', () => {
    expect(m).toMatchObject({
      'format-version': 2,
      'table-uuid': options.tableUuid,
      location: 's3://wh/crm/contacts',
      'last-sequence-number': 0n,
      'last-updated-ms': options.now,
      'last-column-id': 7,
      'current-schema-id': 0,
      'default-spec-id': 0,
      'last-partition-id': 1001,
      'default-sort-order-id': 1,
      'current-snapshot-id': null,
      snapshots: [],
      'snapshot-log': [],
      'metadata-log': [],
      refs: {},
      properties: { 'write.target-file-size-bytes': '134217728' },
    });
    expect(m['next-row-id']).toBeUndefined();
  });

  it('assigns fresh column ids breadth-first per struct', () => {
    const ids = m.schemas[0]!.fields.map((f) => [f.name, f.id]);
    expect(ids).toEqual([['contact_id', 1], ['email', 2], ['updated_at', 3], ['phones', 4], ['address', 5]]);
    expect(JSON.stringify(m.schemas[0])).toContain('"element-id":6');
    expect(JSON.stringify(m.schemas[0])).toContain('"id":7,"name":"country"');
  });

  it('names partition fields like Java and numbers them from 1000', () => {
    expect(m['partition-specs']).toEqual([
      {
        'spec-id': 0,
        fields: [
          { 'source-id': 3, 'field-id': 1000, name: 'updated_at_month', transform: 'month' },
          { 'source-id': 1, 'field-id': 1001, name: 'contact_id_bucket', transform: 'bucket[16]' },
        ],
      },
    ]);
  });

  it('builds the sort order with Java null-order defaults', () => {
    expect(m['sort-orders']).toEqual([
      {
        'order-id': 1,
        fields: [
          { transform: 'identity', 'source-id': 7, direction: 'asc', 'null-order': 'nulls-first' },
          { transform: 'identity', 'source-id': 3, direction: 'desc', 'null-order': 'nulls-last' },
        ],
      },
    ]);
  });

  it('is unpartitioned and unsorted by default, with a random uuid', () => {
    const plain = newTableMetadata({ location: '/t', schema: contacts });
    expect(plain['partition-specs']).toEqual([{ 'spec-id': 0, fields: [] }]);
    expect(plain['last-partition-id']).toBe(999);
    expect(plain['sort-orders']).toEqual([{ 'order-id': 0, fields: [] }]);
    expect(plain['default-sort-order-id']).toBe(0);
    expect(plain['table-uuid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serialises to JSON that parses back identically', () => {
    expect(parseTableMetadata(serializeTableMetadata(m), 'new')).toEqual(m);
  });

  it('takes format-version from options or the reserved property, and sets next-row-id for v3', () => {
    const v3 = newTableMetadata({ ...options, formatVersion: 3 });
    expect(v3['format-version']).toBe(3);
    expect(v3['next-row-id']).toBe(0n);
    const viaProp = newTableMetadata({ ...options, properties: { 'format-version': '1', x: 'y' } });
    expect(viaProp['format-version']).toBe(1);
    expect(viaProp.properties).toEqual({ x: 'y' });
  });

  it('keeps the schema ids when asked to', () => {
    const s: StructType = { type: 'struct', fields: [{ id: 7, name: 'a', required: false, type: 'int' }] };
    const kept = newTableMetadata({ location: '/t', schema: s, assignIds: false });
    expect(kept.schemas[0]!.fields[0]!.id).toBe(7);
    expect(kept['last-column-id']).toBe(7);
  });

  it('refuses v3-only types in a v2 table', () => {
    const s: StructType = { type: 'struct', fields: [{ id: 1, name: 'ts', required: false, type: 'timestamp_ns' }] };
    expect(() => newTableMetadata({ location: '/t', schema: s })).toThrow("column 'ts' has type timestamp_ns, which needs format version 3 (this table is v2)");
    expect(newTableMetadata({ location: '/t', schema: s, formatVersion: 3 })['format-version']).toBe(3);
  });
});

describe('createTableChange', () => {
  it('is the REST create flow, and applying it gives newTableMetadata', () => {
    const change = createTableChange(options);
    expect(change.requirements).toEqual([{ type: 'assert-create' }]);
    expect(change.updates.map((u) => u.action)).toEqual([
      'assign-uuid',
      'upgrade-format-version',
      'add-schema',
      'set-current-schema',
      'add-spec',
      'set-default-spec',
      'add-sort-order',
      'set-default-sort-order',
      'set-location',
      'set-properties',
    ]);
    const applied = applyChange(null, change, { metadataLocation: null, now: options.now });
    expect(applied).toEqual(newTableMetadata(options));
  });

  it('round-trips v1 and v3 creates the same way', () => {
    for (const formatVersion of [1, 3] as const) {
      const o = { ...options, formatVersion };
      expect(applyChange(null, createTableChange(o), { metadataLocation: null, now: options.now })).toEqual(newTableMetadata(o));
    }
  });
});

describe('buildPartitionSpec', () => {
  const schema = newTableMetadata({ location: '/t', schema: contacts }).schemas[0]!;

  it.each([
    ['identity', 'email', 'email'],
    ['bucket[8]', 'email', 'email_bucket'],
    ['truncate[3]', 'email', 'email_trunc'],
    ['year', 'updated_at', 'updated_at_year'],
    ['day', 'updated_at', 'updated_at_day'],
    ['hour', 'updated_at', 'updated_at_hour'],
    ['void', 'email', 'email_null'],
  ])('%s(%s) is named %s', (transform, source, name) => {
    expect(partitionFieldName(source, transform)).toBe(name);
    expect(buildPartitionSpec(schema, [{ sourceName: source, transform }]).fields[0]!.name).toBe(name);
  });

  it('uses nested columns by dotted name and continues from lastPartitionId', () => {
    const spec = buildPartitionSpec(schema, [{ sourceName: 'address.country', transform: 'identity' }], 3, 1004);
    expect(spec).toEqual({ 'spec-id': 3, fields: [{ 'source-id': 7, 'field-id': 1005, name: 'address.country', transform: 'identity' }] });
  });

  it('reuses the field id of an equivalent field in an existing spec', () => {
    const first = buildPartitionSpec(schema, [{ sourceName: 'email', transform: 'bucket[8]' }]);
    const second = buildPartitionSpec(
      schema,
      [{ sourceName: 'updated_at', transform: 'day' }, { sourceName: 'email', transform: 'bucket[8]' }],
      1,
      1000,
      [first],
    );
    expect(second.fields.map((f) => f['field-id'])).toEqual([1001, 1000]);
  });

  it.each([
    [[{ sourceName: 'nope', transform: 'identity' }], /partition column 'nope': no such column/],
    [[{ sourceName: 'phones.element', transform: 'identity' }], /source must be a primitive column outside lists and maps/],
    [[{ sourceName: 'address', transform: 'identity' }], /source must be a primitive column/],
    [[{ sourceName: 'email', transform: 'day' }], /transform day cannot be applied to a string column/],
    [[{ sourceName: 'email', transform: 'bucket[8]', name: 'contact_id' }], /conflicts with a column of the same name/],
    [[{ sourceName: 'email', transform: 'bucket[8]' }, { sourceName: 'email', transform: 'bucket[8]', name: 'other' }], /listed twice/],
    [[{ sourceName: 'email', transform: 'identity', name: 'p' }, { sourceName: 'contact_id', transform: 'identity', name: 'p' }], /'p' is used twice/],
  ])('rejects %j', (fields, message) => {
    let err: unknown;
    try {
      buildPartitionSpec(schema, fields);
    } catch (e) {
      err = e;
    }
    expect(isFloeError(err, 'schema')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses an unknown transform as unsupported', () => {
    expect(() => buildPartitionSpec(schema, [{ sourceName: 'email', transform: 'zorder' }])).toThrow(/unknown partition transform 'zorder'/);
  });
});

describe('buildSortOrder', () => {
  const schema = newTableMetadata({ location: '/t', schema: contacts }).schemas[0]!;

  it('is the unsorted order for no fields', () => {
    expect(buildSortOrder(schema, [])).toEqual({ 'order-id': 0, fields: [] });
  });

  it('accepts transforms and explicit null orders', () => {
    expect(buildSortOrder(schema, [{ sourceName: 'updated_at', transform: 'day', nullOrder: 'nulls-last' }], 2)).toEqual({
      'order-id': 2,
      fields: [{ transform: 'day', 'source-id': 3, direction: 'asc', 'null-order': 'nulls-last' }],
    });
  });

  it('refuses order id 0 for a sorted order', () => {
    expect(() => buildSortOrder(schema, [{ sourceName: 'email' }], 0)).toThrow(/reserved for the unsorted order/);
  });
});

describe('validateTableMetadata', () => {
  const good = newTableMetadata(options);
  const broken = (patch: Partial<TableMetadata>) => () => validateTableMetadata({ ...good, ...patch });

  it('accepts what the builder makes', () => {
    expect(() => validateTableMetadata(good)).not.toThrow();
  });

  it.each([
    [{ 'table-uuid': '' }, /require a table-uuid/],
    [{ 'current-schema-id': 9 }, /current-schema-id 9 is not in schemas/],
    [{ 'default-spec-id': 9 }, /default-spec-id 9 is not in partition-specs/],
    [{ 'default-sort-order-id': 9 }, /default-sort-order-id 9 is not in sort-orders/],
    [{ 'current-snapshot-id': 5n }, /current-snapshot-id 5 differs from refs.main none/],
    [{ 'last-column-id': 3 }, /uses field ids above last-column-id 3/],
    [{ 'last-partition-id': 1000 }, /has id 1001 above last-partition-id/],
  ] as [Partial<TableMetadata>, RegExp][])('rejects %#', (patch, message) => {
    expect(broken(patch)).toThrow(message);
  });

  it('rejects a default spec whose source column was dropped', () => {
    const schemas = [{ ...good.schemas[0]!, fields: good.schemas[0]!.fields.filter((f) => f.name !== 'contact_id') }];
    expect(broken({ schemas })).toThrow(/partition field 'contact_id_bucket' uses column id 1, which the current schema no longer has/);
  });
});
