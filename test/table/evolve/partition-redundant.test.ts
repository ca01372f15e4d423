/**
 * Redundant partition fields (the rule of Iceberg's PartitionSpec builder): one column takes
 * at most one of year/month/day/hour, and no transform twice; identity with bucket, or two
 * bucket sizes, are fine. Refused by `table evolve` (when the change adds one of the pair),
 * `table create`/`load --partition-by`, and pipeline validation of `partition_by`.
 */
import { describe, expect, it } from 'vitest';
import { newTableMetadata } from '../../../src/iceberg/metadata-builder.js';
import { dedupName, partitionExprText, redundantPartitionFields } from '../../../src/iceberg/partition-rules.js';
import type { TableMetadata } from '../../../src/iceberg/types.js';
import { formatDiagnostic, validatePipelineText } from '../../../src/pipeline/index.js';
import { planEvolution } from '../../../src/table/evolve/evolve.js';
import { refuseRedundantOption } from '../../../src/table/evolve/partition-update.js';
import { refused } from './refused.js';

const f = (source: string | number, transform: string) => ({ source, transform });

describe('redundantPartitionFields (pure)', () => {
  it('time transforms share one dedup name; others are their own', () => {
    expect(['year', 'month', 'day', 'hour'].map(dedupName)).toEqual(['time', 'time', 'time', 'time']);
    expect(['identity', 'bucket[16]', 'truncate[4]', 'void'].map(dedupName)).toEqual(['identity', 'bucket[16]', 'truncate[4]', 'void']);
  });

  it('finds day and hour of one column, and the same transform twice', () => {
    const p = redundantPartitionFields([f(1, 'identity'), f(2, 'day'), f(3, 'bucket[4]'), f(2, 'hour')]);
    expect(p?.first).toEqual(f(2, 'day'));
    expect(p?.second).toEqual(f(2, 'hour'));
    expect(p?.reason).toMatch(/one of the time transforms year, month, day and hour/);
    expect(redundantPartitionFields([f('id', 'bucket[16]'), f('id', 'bucket[16]')])?.reason).toBe('the same transform of one column twice');
    expect(redundantPartitionFields([f('ts', 'year'), f('ts', 'month')])).toBeDefined();
  });

  it('allows identity with bucket, two bucket sizes, two truncate widths, time transforms of two columns, void fields', () => {
    expect(redundantPartitionFields([f(1, 'identity'), f(1, 'bucket[16]'), f(1, 'bucket[8]'), f(1, 'truncate[4]'), f(1, 'truncate[2]')])).toBeUndefined();
    expect(redundantPartitionFields([f(1, 'day'), f(2, 'hour')])).toBeUndefined();
    expect(redundantPartitionFields([f(1, 'void'), f(1, 'void'), f(1, 'day')])).toBeUndefined();
  });

  it('with `added`, only pairs that involve an added field count', () => {
    const old = [f(1, 'day'), f(1, 'hour')];
    expect(redundantPartitionFields(old, () => false)).toBeUndefined();
    const added = f(1, 'month');
    expect(redundantPartitionFields([...old, added], (x) => x === added)?.second).toBe(added);
  });

  it('writes fields as the user types them', () => {
    expect([partitionExprText('id', 'bucket[16]'), partitionExprText('n', 'truncate[4]'), partitionExprText('ts', 'day'), partitionExprText('c', 'identity')]).toEqual([
      'bucket(16, id)',
      'truncate(4, n)',
      'day(ts)',
      'c',
    ]);
  });
});

function table(partitionBy: { sourceName: string; transform: string; name?: string }[] = [{ sourceName: 'ts', transform: 'day' }]): TableMetadata {
  return newTableMetadata({
    location: 's3://wh/t',
    schema: {
      type: 'struct',
      fields: [
        { id: 0, name: 'id', required: false, type: 'long' },
        { id: 0, name: 'ts', required: false, type: 'timestamptz' },
      ],
    },
    partitionBy,
    sortBy: [],
    tableUuid: 'uuid-1',
    formatVersion: 2,
    now: 1_700_000_000_000,
  });
}

describe('table evolve refuses redundant partition fields', () => {
  it('adding hour(ts) to a spec with day(ts) names the table and both fields, with the way to replace', () => {
    const e = refused(() => planEvolution(table(), { addPartitionFields: [{ sourceName: 'ts', transform: 'hour' }] }, 'ns.t'));
    expect(e.kind).toBe('schema');
    expect(e.message).toBe(
      "table ns.t: cannot add partition field hour(ts): it is redundant with the spec's field day(ts) as ts_day: a column takes only one of the time transforms year, month, day and hour",
    );
    expect(e.hint).toBe('replace it in the same change: --drop-partition-field ts_day --add-partition-field "hour(ts)"');
  });

  it('--partition-by with two time transforms of one column', () => {
    const e = refused(() => planEvolution(table([]), { partitionBy: [{ sourceName: 'ts', transform: 'month' }, { sourceName: 'id', transform: 'identity' }, { sourceName: 'ts', transform: 'year' }] }, 'ns.t'));
    expect(e.message).toBe('table ns.t: partition fields month(ts) and year(ts) are redundant: a column takes only one of the time transforms year, month, day and hour');
  });

  it('replacing day(ts) by hour(ts) in one change is allowed, and so is bucket next to identity', () => {
    const p = planEvolution(table(), { dropPartitionFields: ['ts_day'], addPartitionFields: [{ sourceName: 'ts', transform: 'hour' }] }, 'ns.t');
    expect(p.changes).toEqual(['partition spec 0 [day(ts) as ts_day] → spec 1 [hour(ts) as ts_hour]']);
    const q = planEvolution(table([{ sourceName: 'id', transform: 'identity' }]), { addPartitionFields: [{ sourceName: 'id', transform: 'bucket[4]' }] }, 'ns.t');
    expect(q.changes).toEqual(['partition spec 0 [id as id] → spec 1 [id as id, bucket[4](id) as id_bucket]']);
  });

  it('a redundant pair the table already has does not block an unrelated partition change', () => {
    const m = table([
      { sourceName: 'ts', transform: 'day' },
      { sourceName: 'ts', transform: 'hour' },
    ]);
    const p = planEvolution(m, { addPartitionFields: [{ sourceName: 'id', transform: 'bucket[8]' }] }, 'ns.t');
    expect(p.changes).toEqual(['partition spec 0 [day(ts) as ts_day, hour(ts) as ts_hour] → spec 1 [day(ts) as ts_day, hour(ts) as ts_hour, bucket[8](id) as id_bucket]']);
  });

  it('a new table\'s --partition-by: a usage error (exit 2)', () => {
    const e = refused(() => refuseRedundantOption([{ sourceName: 'ts', transform: 'day' }, { sourceName: 'ts', transform: 'hour', name: 'h' }], 'ns.t'));
    expect(e.kind).toBe('usage');
    expect(e.message).toBe('table ns.t: partition fields day(ts) and hour(ts) as h are redundant: a column takes only one of the time transforms year, month, day and hour');
    expect(() => refuseRedundantOption([{ sourceName: 'id', transform: 'identity' }, { sourceName: 'id', transform: 'bucket[16]' }], 'ns.t')).not.toThrow();
  });
});

describe('pipeline validation of partition_by', () => {
  const pipeline = (parts: string[]) =>
    `source:\n  kind: csv\n  path: a.csv\ntarget:\n  table: raw.a\n  partition_by:\n${parts.map((p) => `    - "${p}"\n`).join('')}`;

  it('reports the second field at its line, naming both', () => {
    const r = validatePipelineText(pipeline(['day(ts)', 'id', 'hours(ts)']), '/p/pipelines/a.yaml', {});
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      '/p/pipelines/a.yaml:9:7: target.partition_by[2]: hours(ts) is redundant with day(ts) (partition_by[0]): a column takes only one of the time transforms year, month, day and hour; keep one of them',
    ]);
  });

  it('the same transform twice, too; identity with bucket is fine', () => {
    const r = validatePipelineText(pipeline(['bucket(16, id)', 'bucket(16,id)']), '/p/pipelines/a.yaml', {});
    expect(r.diagnostics.map((d) => d.message)).toEqual(['bucket(16,id) is redundant with bucket(16, id) (partition_by[0]): the same transform of one column twice; keep one of them']);
    expect(validatePipelineText(pipeline(['id', 'bucket(16, id)', 'day(ts)']), '/p/pipelines/a.yaml', {}).diagnostics).toEqual([]);
  });
});
