import { describe, expect, it } from 'vitest';
import { binPack, commitBatches, type CompactFile, planCompaction, thresholds } from '../../../src/table/compact/plan.js';
import { parseStrategy, splitTopLevel } from '../../../src/table/compact/strategy.js';
import { zBits, zOrderSql } from '../../../src/table/compact/order-sql.js';

const MiB = 1024n * 1024n;
let n = 0;
const f = (size: bigint, o: Partial<CompactFile> = {}): CompactFile => ({
  path: `f${n++}`, specId: 0, partition: ['eu'], sizeBytes: size, records: 10n, deleteFiles: 0, ...o,
});
const target = 100n * MiB;

describe('thresholds', () => {
  it('follows rewrite_data_files: 75% / 180% of the target, 5 input files, 100 GiB groups', () => {
    const t = thresholds({ targetFileSizeBytes: 512n * MiB, currentSpecId: 0 });
    expect(t.min).toBe(384n * MiB);
    expect(t.max).toBe((512n * MiB * 1800n) / 1000n);
    expect(t.minInputFiles).toBe(5);
    expect(t.maxGroup).toBe(107374182400n);
  });
});

describe('planCompaction', () => {
  it('groups candidates by spec and partition and skips files within the thresholds', () => {
    const files = [
      ...Array.from({ length: 6 }, () => f(MiB)),
      ...Array.from({ length: 5 }, () => f(MiB, { partition: ['us'] })),
      f(90n * MiB), // within [75, 180] MiB: left alone
      f(MiB, { specId: 1, partition: ['eu'] }),
    ];
    const p = planCompaction(files, { targetFileSizeBytes: target, currentSpecId: 0 });
    expect(p.totalFiles).toBe(13);
    expect(p.candidateFiles).toBe(12);
    expect(p.groups.map((g) => [g.partitionKey, g.files.length])).toEqual([['0:"eu"', 6], ['0:"us"', 5]]);
    expect(p.skippedGroups).toBe(1); // the lone file of spec 1
    expect(p.groups[0]!.reason).toContain('min-input-files 5');
  });

  it('skips groups below min-input-files unless they hold deletes, too much data, or an old spec being moved', () => {
    const few = [f(MiB), f(MiB)];
    expect(planCompaction(few, { targetFileSizeBytes: target, currentSpecId: 0 }).groups).toHaveLength(0);
    expect(planCompaction([f(MiB), f(MiB, { deleteFiles: 1 })], { targetFileSizeBytes: target, currentSpecId: 0 }).groups).toHaveLength(1);
    expect(planCompaction([f(60n * MiB), f(60n * MiB)], { targetFileSizeBytes: target, currentSpecId: 0 }).groups[0]!.reason).toContain('more than the target');
    const old = [f(90n * MiB, { specId: 1 })];
    expect(planCompaction(old, { targetFileSizeBytes: target, currentSpecId: 2 }).groups).toHaveLength(0);
    const moved = planCompaction(old, { targetFileSizeBytes: target, currentSpecId: 2, rewriteToCurrentSpec: true });
    expect(moved.groups).toHaveLength(1);
    expect(moved.groups[0]!.reason).toContain('spec 1');
    // A file far above the max size is split even alone.
    expect(planCompaction([f(400n * MiB)], { targetFileSizeBytes: target, currentSpecId: 0 }).groups).toHaveLength(1);
    expect(planCompaction([f(MiB), f(MiB)], { targetFileSizeBytes: target, currentSpecId: 0, minInputFiles: 2 }).groups).toHaveLength(1);
  });

  it('bin-packs a partition into groups of at most max-file-group-size-bytes', () => {
    const files = Array.from({ length: 10 }, () => f(30n * MiB));
    const p = planCompaction(files, { targetFileSizeBytes: target, currentSpecId: 0, maxFileGroupSizeBytes: 100n * MiB, minInputFiles: 2 });
    expect(p.groups.map((g) => g.files.length)).toEqual([3, 3, 3]);
    expect(p.skippedGroups).toBe(1); // the 10th file alone
    expect(p.groups.every((g) => g.sizeBytes <= 100n * MiB)).toBe(true);
    expect(binPack([f(70n), f(50n), f(40n), f(30n)], 100n).map((b) => b.map((x) => x.sizeBytes))).toEqual([[70n, 30n], [50n, 40n]]);
  });

  it('splits groups into commit batches for partial progress', () => {
    const files = Array.from({ length: 25 }, (_, i) => f(MiB, { partition: [String(i % 5)] }));
    const groups = planCompaction(files, { targetFileSizeBytes: target, currentSpecId: 0 }).groups;
    expect(groups).toHaveLength(5);
    expect(commitBatches(groups, {}).map((b) => b.length)).toEqual([5]);
    expect(commitBatches(groups, { partialProgress: true, maxCommits: 2 }).map((b) => b.length)).toEqual([3, 2]);
    expect(commitBatches(groups, { commitEvery: 2 }).map((b) => b.length)).toEqual([2, 2, 1]);
    expect(commitBatches([], { commitEvery: 2 })).toEqual([]);
  });
});

describe('parseStrategy', () => {
  it('reads binpack, sort and both z-order spellings', () => {
    expect(parseStrategy({})).toEqual({ kind: 'binpack' });
    expect(parseStrategy({ strategy: 'sort' })).toEqual({ kind: 'sort' });
    const s = parseStrategy({ sort: 'region desc nulls first, bucket(16, k)' });
    expect(s.kind === 'sort' && s.fields!.map((x) => [x.source, x.transform, x.direction, x['null-order']])).toEqual([
      ['region', 'identity', 'desc', 'nulls-first'],
      ['k', 'bucket[16]', 'asc', 'nulls-first'],
    ]);
    expect(parseStrategy({ strategy: 'zorder(a, "b c")' })).toEqual({ kind: 'zorder', columns: ['a', 'b c'] });
    expect(parseStrategy({ strategy: 'zorder', zorder: 'a,b' })).toEqual({ kind: 'zorder', columns: ['a', 'b'] });
    expect(splitTopLevel('truncate(4, a) asc, b')).toEqual(['truncate(4, a) asc', 'b']);
  });

  it('rejects unknown strategies and contradictory options as usage errors', () => {
    expect(() => parseStrategy({ strategy: 'shuffle' })).toThrow(/unknown strategy 'shuffle'/);
    expect(() => parseStrategy({ strategy: 'binpack', sort: 'a' })).toThrow(/--sort applies to --strategy sort/);
    expect(() => parseStrategy({ strategy: 'zorder' })).toThrow(/needs columns/);
    expect(() => parseStrategy({ strategy: 'zorder(a, a)' })).toThrow(/listed twice/);
    expect(() => parseStrategy({ sort: 'frob(a)' })).toThrow(/unknown transform/);
    try {
      parseStrategy({ strategy: 'x' });
    } catch (e) {
      expect((e as { kind: string }).kind).toBe('usage');
    }
  });
});

describe('zOrderSql', () => {
  it('interleaves the most significant bits first, first column highest', () => {
    expect(zBits(2)).toBe(32);
    expect(zBits(3)).toBe(21);
    const sql = zOrderSql([{ name: 'a', keySql: 'a' }, { name: 'b', keySql: 'b' }], [{ lo: 0, hi: 10 }, { lo: 5, hi: 5 }]);
    expect(sql).toContain('<< 63'); // bit 31 of a
    expect(sql).toContain('0::UBIGINT'); // b has a single value: contributes nothing
  });
});
