/**
 * The harness's own logic, without processes: how kills are sampled per command, and how a
 * state a kill left is classified (the verdicts behind the "crash figures:" lines).
 */
import { describe, expect, it } from 'vitest';
import { ABSENT, checksum, classify, KillTally, kills, type TableState } from './harness.js';

const state = (rows: string[], files = rows.map((_, i) => `f${i}`)): TableState => ({
  exists: true, rows: [...rows].sort(), checksum: checksum(rows), files, snapshots: 1, metadataLocation: 'm',
});

describe('kills', () => {
  it('covers every FileIO operation of a short command and fills the budget with timed kills', () => {
    const k = kills(10, 1000, 5, 21);
    expect(k).toHaveLength(21);
    expect(k.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => ({ io: i + 1 })));
    const ms = k.slice(10).map((x) => ('ms' in x ? x.ms : -1));
    // One per slice of 1000/11 ms: increasing, within the run.
    ms.forEach((m, i) => {
      expect(m).toBeGreaterThanOrEqual(Math.floor((i * 1000) / 11));
      expect(m).toBeLessThan(Math.ceil(((i + 1) * 1000) / 11));
    });
    expect(kills(10, 1000, 5, 21)).toEqual(k); // seeded: the same every run
  });

  it('samples a long command down to the budget, keeping the last four operations and two timed kills', () => {
    const k = kills(37, 500, 11, 21);
    const io = k.filter((x) => 'io' in x).map((x) => ('io' in x ? x.io : 0));
    expect(io).toHaveLength(19);
    expect(new Set(io).size).toBe(19);
    expect(io).toEqual(expect.arrayContaining([1, 34, 35, 36, 37]));
    expect(k.filter((x) => 'ms' in x)).toHaveLength(2);
  });
});

describe('classify', () => {
  const before = state(['a', 'b']);
  const after = ['a', 'b', 'c'].sort();
  it('before, after and absent', () => {
    expect(classify(state(['a', 'b']), before, after)).toBe('before');
    expect(classify(state(['a', 'b', 'c']), before, after)).toBe('after');
    expect(classify(ABSENT, 'absent', ['x'])).toBe('before');
    expect(classify(state(['x']), 'absent', ['x'])).toBe('after');
  });
  it('a row missing or changed is lost; a table gone is lost', () => {
    expect(classify(state(['a']), before, after)).toBe('lost');
    expect(classify(state(['a', 'b2', 'c']), before, after)).toBe('lost');
    expect(classify(ABSENT, before, after)).toBe('lost');
  });
  it('a row twice or a data file listed twice is duplicated', () => {
    expect(classify(state(['a', 'b', 'c', 'c']), before, after)).toBe('duplicated');
    expect(classify(state(['a', 'b'], ['f0', 'f0']), before, after)).toBe('duplicated');
  });
  it('a tally counts the verdicts and the kinds of kill', () => {
    const t = new KillTally('cmd', 9);
    t.record({ io: 1 }, 'before');
    t.record({ io: 9 }, 'after');
    t.record({ ms: 5 }, 'lost');
    expect(t.kills).toBe(3);
    expect(t.line()).toBe('crash figures: cmd: 3 kills (2 after FileIO ops of 9, 1 timed) -> 1 before, 1 after; corrupt 0, lost 1, duplicated 0');
  });
});
