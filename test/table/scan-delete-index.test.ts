import { describe, expect, it } from 'vitest';
import { type DataFile, DataFileContent, type PartitionSpec } from '../../src/iceberg/types.js';
import { assignDeletes, type LiveFile, partitionKey, referencedDataFile } from '../../src/table/delete-index.js';

const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };
const byRegion: PartitionSpec = {
  'spec-id': 1,
  fields: [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }],
};
const specs = new Map([
  [0, unpartitioned],
  [1, byRegion],
]);

function file(path: string, content: DataFileContent, partition: DataFile['partition'] = [], extra: Partial<DataFile> = {}): DataFile {
  return {
    content,
    file_path: path,
    file_format: 'PARQUET',
    partition,
    record_count: 1n,
    file_size_in_bytes: 1n,
    ...(content === DataFileContent.EQUALITY_DELETES ? { equality_ids: [1] } : {}),
    ...extra,
  };
}
const live = (f: DataFile, seq: bigint, specId: number): LiveFile => ({ file: f, dataSequenceNumber: seq, specId });
const data = (path: string, seq: bigint, specId = 1, partition: DataFile['partition'] = ['eu']) =>
  live(file(path, DataFileContent.DATA, partition), seq, specId);
const pos = (path: string, seq: bigint, specId = 1, partition: DataFile['partition'] = ['eu'], extra: Partial<DataFile> = {}) =>
  live(file(path, DataFileContent.POSITION_DELETES, partition, extra), seq, specId);
const eq = (path: string, seq: bigint, specId = 1, partition: DataFile['partition'] = ['eu']) =>
  live(file(path, DataFileContent.EQUALITY_DELETES, partition), seq, specId);

const applied = (tasks: ReturnType<typeof assignDeletes>) =>
  Object.fromEntries(tasks.map((t) => [t.file.file_path, t.deletes.map((d) => d.file.file_path)]));

describe('assignDeletes (spec: Scan Planning)', () => {
  it('applies position deletes to data files with a lower or equal sequence number', () => {
    const tasks = assignDeletes([data('d1', 1n), data('d2', 2n), data('d3', 3n)], [pos('p2', 2n)], specs);
    expect(applied(tasks)).toEqual({ d1: ['p2'], d2: ['p2'], d3: [] });
  });

  it('applies equality deletes only to strictly older data files', () => {
    const tasks = assignDeletes([data('d1', 1n), data('d2', 2n), data('d3', 3n)], [eq('e2', 2n)], specs);
    expect(applied(tasks)).toEqual({ d1: ['e2'], d2: [], d3: [] });
  });

  it('keeps deletes inside their partition (spec id and tuple)', () => {
    const tasks = assignDeletes(
      [data('eu', 1n, 1, ['eu']), data('us', 1n, 1, ['us']), data('null', 1n, 1, [null]), data('old-spec', 1n, 2, ['eu'])],
      [pos('p-eu', 2n, 1, ['eu']), eq('e-null', 2n, 1, [null])],
      specs,
    );
    expect(applied(tasks)).toEqual({ eu: ['p-eu'], us: [], null: ['e-null'], 'old-spec': [] });
  });

  it('treats equality deletes of an unpartitioned spec as global', () => {
    const tasks = assignDeletes(
      [data('eu', 1n, 1, ['eu']), data('us', 1n, 1, ['us']), data('flat', 1n, 0, [])],
      [eq('global', 2n, 0, [])],
      specs,
    );
    expect(applied(tasks)).toEqual({ eu: ['global'], us: ['global'], flat: ['global'] });
  });

  it('honours referenced_data_file and single-file path bounds on position deletes', () => {
    const bound = new TextEncoder().encode('d2');
    const tasks = assignDeletes(
      [data('d1', 1n), data('d2', 1n)],
      [
        pos('only-d1', 2n, 1, ['eu'], { referenced_data_file: 'd1' }),
        pos('bounded-d2', 2n, 1, ['eu'], { lower_bounds: new Map([[2147483546, bound]]), upper_bounds: new Map([[2147483546, bound]]) }),
      ],
      specs,
    );
    expect(applied(tasks)).toEqual({ d1: ['only-d1'], d2: ['bounded-d2'] });
  });

  it('orders each data file\'s deletes: position first, then by sequence number', () => {
    const tasks = assignDeletes([data('d1', 1n)], [eq('e5', 5n), pos('p3', 3n), eq('e2', 2n), pos('p2', 2n)], specs);
    expect(applied(tasks)).toEqual({ d1: ['p2', 'p3', 'e2', 'e5'] });
    expect(tasks[0]!.deletes.map((d) => d.kind)).toEqual(['position', 'position', 'equality', 'equality']);
  });
});

describe('partition keys', () => {
  it('compare values by type and content', () => {
    // A whole number and the same long are one value: an int partition source promoted to long.
    expect(partitionKey(1, [1n])).toBe(partitionKey(1, [1]));
    expect(partitionKey(1, ['1'])).not.toBe(partitionKey(1, [1]));
    expect(partitionKey(1, [new Uint8Array([1, 2])])).toBe(partitionKey(1, [new Uint8Array([1, 2])]));
    expect(partitionKey(1, [null])).not.toBe(partitionKey(1, ['null']));
    expect(partitionKey(1, ['a'])).not.toBe(partitionKey(2, ['a']));
    expect(partitionKey(1, ['a|b'])).not.toBe(partitionKey(1, ['a', 'b']));
  });

  it('finds no referenced file when path bounds differ', () => {
    const enc = new TextEncoder();
    const f = file('p', DataFileContent.POSITION_DELETES, [], {
      lower_bounds: new Map([[2147483546, enc.encode('a')]]),
      upper_bounds: new Map([[2147483546, enc.encode('b')]]),
    });
    expect(referencedDataFile(f)).toBeUndefined();
  });
});

describe('assignDeletes after an int → long promotion of a partition source', () => {
  // A manifest written before the promotion decodes the identity value as int (a number),
  // one written after it as long (a bigint): the same partition, so the deletes apply.
  const byG: PartitionSpec = { 'spec-id': 3, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'g', transform: 'identity' }] };
  const promoted = new Map([[3, byG]]);

  it('applies position and equality deletes written after the promotion to files written before it', () => {
    const tasks = assignDeletes(
      [data('g1-int', 1n, 3, [1]), data('g0-int', 1n, 3, [0])],
      [pos('p-long', 2n, 3, [1n]), eq('e-long', 2n, 3, [0n])],
      promoted,
    );
    expect(applied(tasks)).toEqual({ 'g1-int': ['p-long'], 'g0-int': ['e-long'] });
  });

  it('keeps -0.0 and 0.0, and fractions, apart from whole numbers', () => {
    expect(partitionKey(3, [1])).toBe(partitionKey(3, [1n]));
    expect(partitionKey(3, [-0])).not.toBe(partitionKey(3, [0n]));
    expect(partitionKey(3, [1.5])).not.toBe(partitionKey(3, [1n]));
  });
});
