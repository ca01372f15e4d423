/**
 * `incremental.initial` with a UTC offset names an instant: a first run keeps every row after
 * it (src/run/state.ts utcInitial), not the rows after its wall clock read as UTC.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { utcInitial } from '../../src/run/state.js';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('incremental.initial with a UTC offset', () => {
  it('is the UTC instant it names', () => {
    expect(utcInitial('2026-01-01T00:00:00+09:00')).toBe('2025-12-31 15:00:00');
    expect(utcInitial('2026-01-01 00:00:00.250-0230')).toBe('2026-01-01 02:30:00.250');
    expect(utcInitial('2026-01-01T00:00:00Z')).toBe('2026-01-01T00:00:00Z');
    expect(utcInitial('2026-01-01T00:00:00+00:00')).toBe('2026-01-01 00:00:00');
    expect(utcInitial('2026-01-01 00:00:00')).toBe('2026-01-01 00:00:00');
    expect(utcInitial('42')).toBe('42');
  });

  it('a csv timestamp cursor: the first run keeps every row after the instant', async () => {
    const p = await newProject();
    await p.write('data/e.csv', 'id,ts\n1,2025-12-31 14:00:00\n2,2025-12-31 16:00:00\n3,2025-12-31 23:00:00\n4,2026-01-01 01:00:00\n');
    await p.pipeline('events', 'source: { kind: csv, path: data/e.csv, incremental: { cursor: ts, initial: "2026-01-01T00:00:00+09:00" } }\ntarget: { table: raw.events, mode: append }\n');
    const plan = await p.floe(['plan', 'events']);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain('ts > 2025-12-31 15:00:00');
    await p.run(['events']);
    expect((await p.query('SELECT id FROM raw.events ORDER BY id')).map((r) => Number(r.id))).toEqual([2, 3, 4]);
  });
});
