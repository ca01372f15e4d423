/**
 * Redundant partition fields (day(ts) with hour(ts)) are refused with exit 2 where they are
 * asked for — `floe table create`, `floe table evolve`, `floe load --partition-by` and a
 * pipeline's `partition_by` — naming the table (or file) and both fields; nothing changes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, catalogTables, expectFailure, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

describe('redundant partition fields, end to end', () => {
  const tmp = useTmpDirs('floe-review-redundant-');
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    await writeFile(path.join(project, 'a.csv'), 'id,ts\n1,2024-01-01T10:00:00Z\n');
  });

  it('table create: exit 2 naming both fields; no table', async () => {
    const r = await floeIn(project, ['table', 'create', 'raw.c', '--column', 'id long', '--column', 'ts timestamptz', '--partition-by', 'day(ts)', 'hour(ts)']);
    expectFailure(r, 2, ['table raw.c: partition fields day(ts) and hour(ts) are redundant', 'year, month, day and hour']);
    expect(catalogTables(project)).not.toContain('raw.c');
  });

  it('table evolve: exit 2 naming the table and both fields; the catalog still points at the same metadata', async () => {
    const c = await floeIn(project, ['table', 'create', 'raw.e', '--column', 'id long', '--column', 'ts timestamptz', '--partition-by', 'day(ts)']);
    expect(c.code, show(c)).toBe(0);
    const before = catalogPointer(project, 'raw.e');
    const r = await floeIn(project, ['table', 'evolve', 'raw.e', '--add-partition-field', 'month(ts)']);
    expectFailure(r, 2, ["table raw.e: cannot add partition field month(ts): it is redundant with the spec's field day(ts) as ts_day", '--drop-partition-field ts_day']);
    expect(catalogPointer(project, 'raw.e')).toBe(before);
  });

  it('floe load --partition-by of a new table: exit 2; no table', async () => {
    const r = await floeIn(project, ['load', 'raw.l', path.join(project, 'a.csv'), '--partition-by', 'day(ts)', 'hour(ts)']);
    expectFailure(r, 2, ['table raw.l: partition fields day(ts) and hour(ts) are redundant']);
    expect(catalogTables(project)).not.toContain('raw.l');
  });

  it('a pipeline: floe validate exits 2 naming the file, the line and both fields', async () => {
    await mkdir(path.join(project, 'pipelines'), { recursive: true });
    const file = path.join(project, 'pipelines', 'p.yaml');
    await writeFile(file, 'source:\n  kind: csv\n  path: a.csv\ntarget:\n  table: raw.p\n  partition_by: [day(ts), hour(ts)]\n');
    const r = await floeIn(project, ['validate', 'p']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout + r.stderr, show(r)).toContain(`${file}:6:`);
    expect(r.stdout + r.stderr, show(r)).toContain('target.partition_by[1]: hour(ts) is redundant with day(ts) (partition_by[0])');
  });
});
