/**
 * The invariant checks of metadata parsing on hand-written metadata, for the cases a floe-made
 * table cannot show on the command line: nested field ids, v3 row ids, repeated schema and
 * sort order ids, self-parents and long loops, and the counters that are fine as they are
 * (unpartitioned tables, v1 files without last-partition-id).
 */
import { describe, expect, it } from 'vitest';
import { parseTableMetadata } from '../../src/iceberg/metadata-json.js';
import { FloeError } from '../../src/errors.js';

const FILE = '/w/t/metadata/00003-x.metadata.json';

interface Snap {
  id: number;
  parent?: number;
  seq?: number;
  extra?: Record<string, unknown>;
}

function metadata(over: Record<string, unknown> = {}, snaps: Snap[] = []): string {
  const current = snaps.at(-1)?.id ?? -1;
  return JSON.stringify({
    'format-version': 2,
    'table-uuid': '5f0e0c1c-0000-4000-8000-000000000001',
    location: '/w/t',
    'last-sequence-number': snaps.length,
    'last-updated-ms': 1,
    'last-column-id': 3,
    'current-schema-id': 0,
    schemas: [
      {
        type: 'struct',
        'schema-id': 0,
        fields: [
          { id: 1, name: 'id', required: false, type: 'long' },
          { id: 2, name: 'tags', required: false, type: { type: 'list', 'element-id': 3, element: 'string', 'element-required': false } },
        ],
      },
    ],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'last-partition-id': 999,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: {},
    'current-snapshot-id': current,
    snapshots: snaps.map((s, i) => ({
      'snapshot-id': s.id,
      ...(s.parent === undefined ? {} : { 'parent-snapshot-id': s.parent }),
      'sequence-number': s.seq ?? i + 1,
      'timestamp-ms': 1,
      summary: { operation: 'append' },
      'manifest-list': `/w/t/metadata/snap-${s.id}.avro`,
      ...s.extra,
    })),
    ...over,
  });
}

function refusal(text: string): FloeError {
  try {
    parseTableMetadata(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    return e as FloeError;
  }
  throw new Error('expected the metadata to be refused');
}

describe('id counters', () => {
  it('accepts the undamaged file (the cases below start from it)', () => {
    const m = parseTableMetadata(metadata({}, [{ id: 1 }, { id: 2, parent: 1 }]), FILE);
    expect(m['last-column-id']).toBe(3);
    expect(m.snapshots).toHaveLength(2);
  });

  it('names a nested field (a list element) above last-column-id', () => {
    const e = refusal(metadata({ 'last-column-id': 2 }));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toBe(`${FILE}: last-column-id is 2, below field id 3 ('tags.element' in schema 0); it must be at least the highest field id the schemas assign`);
    expect(e.context).toMatchObject({ file: FILE, field: 'last-column-id' });
  });

  it('checks every schema, not only the current one', () => {
    const old = { type: 'struct', 'schema-id': 1, fields: [{ id: 7, name: 'gone', required: false, type: 'int' }] };
    const o = JSON.parse(metadata({})) as Record<string, unknown>;
    (o.schemas as unknown[]).push(old);
    const e = refusal(JSON.stringify(o));
    expect(e.message).toContain("last-column-id is 3, below field id 7 ('gone' in schema 1)");
  });

  it('accepts last-column-id above the highest field id (dropped columns keep their ids)', () => {
    expect(parseTableMetadata(metadata({ 'last-column-id': 9 }), FILE)['last-column-id']).toBe(9);
  });

  it('accepts an unpartitioned table whatever its last-partition-id', () => {
    expect(parseTableMetadata(metadata({ 'last-partition-id': 0 }), FILE)['last-partition-id']).toBe(0);
  });

  it('refuses last-partition-id below a field of an older spec', () => {
    const specs = [
      { 'spec-id': 0, fields: [] },
      { 'spec-id': 1, fields: [{ 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[4]' }] },
    ];
    const e = refusal(metadata({ 'partition-specs': specs, 'last-partition-id': 1000 }));
    expect(e.message).toBe(
      `${FILE}: last-partition-id is 1000, below partition field id 1001 ('id_bucket' in partition spec 1); it must be at least the highest partition field id the specs assign`,
    );
    expect(e.context).toMatchObject({ field: 'last-partition-id' });
  });

  it('fills in a v1 file without last-partition-id from its specs', () => {
    const o = JSON.parse(metadata({ 'format-version': 1 })) as Record<string, unknown>;
    delete o['last-partition-id'];
    o['partition-specs'] = [{ 'spec-id': 0, fields: [{ 'source-id': 1, name: 'id', transform: 'identity' }] }];
    expect(parseTableMetadata(JSON.stringify(o), FILE)['last-partition-id']).toBe(1000);
  });

  it('refuses a v3 next-row-id below the row ids a snapshot assigned', () => {
    const snaps: Snap[] = [
      { id: 1, extra: { 'first-row-id': 0, 'added-rows': 5 } },
      { id: 2, parent: 1, extra: { 'first-row-id': 5, 'added-rows': 3 } },
    ];
    expect(parseTableMetadata(metadata({ 'format-version': 3, 'next-row-id': 8 }, snaps), FILE)['next-row-id']).toBe(8n);
    const e = refusal(metadata({ 'format-version': 3, 'next-row-id': 7 }, snaps));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toBe(`${FILE}: next-row-id is 7, below the row ids snapshot 2 assigned (first-row-id 5, added-rows 3)`);
  });
});

describe('ids listed twice', () => {
  it('a schema id', () => {
    const o = JSON.parse(metadata({})) as { schemas: unknown[] };
    o.schemas.push({ type: 'struct', 'schema-id': 0, fields: [] });
    const e = refusal(JSON.stringify(o));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toBe(`${FILE}: schemas[1].schema-id is 0, the id of schemas[0] too: each schema needs its own id`);
    expect(e.context).toMatchObject({ field: 'schemas[1].schema-id' });
  });

  it('a field id, nested or not, within one schema', () => {
    const o = JSON.parse(metadata({})) as { schemas: { fields: { id: number; type: unknown }[] }[] };
    o.schemas[0]!.fields[1]!.type = { type: 'list', 'element-id': 1, element: 'string', 'element-required': false };
    const e = refusal(JSON.stringify(o));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toBe(`${FILE}: schemas[0] (schema 0) gives field id 1 to both 'id' and 'tags.element'`);
  });

  it('a field id in the one schema of a v1 file', () => {
    const o = JSON.parse(metadata({ 'format-version': 1 })) as Record<string, unknown>;
    const [schema] = o.schemas as { fields: { id: number }[] }[];
    schema!.fields[1]!.id = 1;
    delete o.schemas;
    delete o['current-schema-id'];
    o.schema = schema;
    expect(refusal(JSON.stringify(o)).message).toBe(`${FILE}: schema (schema 0) gives field id 1 to both 'id' and 'tags'`);
  });

  it('a sort order id', () => {
    const orders = [{ 'order-id': 0, fields: [] }, { 'order-id': 2, fields: [] }, { 'order-id': 2, fields: [] }];
    const e = refusal(metadata({ 'sort-orders': orders }));
    expect(e.message).toBe(`${FILE}: sort-orders[2].order-id is 2, the id of sort-orders[1] too: each sort order needs its own id`);
  });
});

describe('parent-snapshot-id loops', () => {
  it('a snapshot that is its own parent', () => {
    const e = refusal(metadata({}, [{ id: 1 }, { id: 2, parent: 2 }]));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toBe(`${FILE}: snapshots[1].parent-snapshot-id is 2, which makes the snapshot history a loop (2 → 2)`);
    expect(e.context).toMatchObject({ field: 'snapshots[1].parent-snapshot-id' });
  });

  it('a long loop is shown shortened; the chain into it is not part of it', () => {
    // 9 → 8 → 1 → 2 → … → 7 → 1
    const snaps: Snap[] = [{ id: 9, parent: 8 }, { id: 8, parent: 1 }];
    for (let i = 1; i <= 7; i++) snaps.push({ id: i, parent: i === 7 ? 1 : i + 1 });
    const e = refusal(metadata({ 'last-sequence-number': 99 }, snaps));
    expect(e.message).toBe(`${FILE}: snapshots[8].parent-snapshot-id is 1, which makes the snapshot history a loop (1 → 2 → 3 → 4 → 5 → … → 1)`);
  });

  it('accepts chains that end at an expired parent, and branches sharing an ancestor', () => {
    const snaps: Snap[] = [{ id: 3, parent: 77 }, { id: 4, parent: 3 }, { id: 5, parent: 3 }, { id: 6, parent: 4 }];
    expect(parseTableMetadata(metadata({}, snaps), FILE).snapshots).toHaveLength(4);
  });
});
