import { describe, expect, it } from 'vitest';
import { fromBinary, toBinary } from '../../src/iceberg/conversions.js';
import type { DataFile } from '../../src/iceberg/types.js';
import { DataFileContent } from '../../src/iceberg/types.js';
import { bind, metricsMightMatch, pred } from '../../src/table/expr/index.js';

// v3 allows date → timestamp / timestamp_ns; bounds written before the promotion stay 4-byte
// day counts, and the spec reads a 4-byte timestamp bound as that date's midnight.
describe('4-byte bounds of a date column promoted to timestamp', () => {
  const day = 19723; // 2024-01-01
  it('decode as the day at midnight, in micros and in nanos; timestamptz keeps refusing them', () => {
    expect(fromBinary('timestamp', toBinary('date', day))).toBe(1_704_067_200_000_000n);
    expect(fromBinary('timestamp_ns', toBinary('date', -1))).toBe(-86_400_000_000_000n);
    expect(() => fromBinary('timestamptz', toBinary('date', day))).toThrow();
  });

  it('prune a file by its date bounds against a timestamp literal', () => {
    const schema = { type: 'struct' as const, 'schema-id': 1, fields: [{ id: 1, name: 'd', required: false, type: 'timestamp' }] };
    const file: DataFile = {
      content: DataFileContent.DATA,
      file_path: 'f',
      file_format: 'PARQUET',
      partition: [],
      record_count: 2n,
      file_size_in_bytes: 1n,
      value_counts: new Map([[1, 2n]]),
      null_value_counts: new Map([[1, 0n]]),
      lower_bounds: new Map([[1, toBinary('date', day)]]),
      upper_bounds: new Map([[1, toBinary('date', day + 30)]]),
    };
    const at = (op: 'gt' | 'lt', text: string) => metricsMightMatch(bind(pred({ op, column: 'd', literals: [{ kind: 'string', value: text }] }), schema), file);
    expect(at('gt', '2024-03-01 00:00:00')).toBe(false);
    expect(at('lt', '2023-12-31 00:00:00')).toBe(false);
    expect(at('gt', '2024-01-15 00:00:00')).toBe(true);
    expect(at('lt', '2024-01-01 00:00:01')).toBe(true);
  });
});
