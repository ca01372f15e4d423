/**
 * The Spark note after an int → long widening (apache/iceberg#16341: Iceberg ≤ 1.10.1's
 * vectorized reader fails on files written before the widening) is printed when such files
 * can exist, and not on a table without snapshots, where it is noise.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-review-note-');
let project: string;
beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
});

describe('the int → long widening note', () => {
  it('is not printed for a table without snapshots; is printed once the table has data', async () => {
    expect((await floeIn(project, ['table', 'create', 'raw.w', '--column', 'id long', '--column', 'q int'])).code).toBe(0);
    const empty = await floeIn(project, ['table', 'evolve', 'raw.w', '--widen-column', 'q=long']);
    expect(empty.code, show(empty)).toBe(0);
    expect(empty.stderr).not.toContain('note:');
    await writeFile(path.join(project, 'a.csv'), 'id,q\n1,2\n');
    expect((await floeIn(project, ['table', 'create', 'raw.x', '--column', 'id long', '--column', 'q int'])).code).toBe(0);
    const l = await floeIn(project, ['load', 'raw.x', path.join(project, 'a.csv')]);
    expect(l.code, show(l)).toBe(0);
    const full = await floeIn(project, ['table', 'evolve', 'raw.x', '--widen-column', 'q=long']);
    expect(full.stderr, show(full)).toContain('note: Spark with Iceberg 1.10.1 or older fails to read an int column widened to long from files written before the widening');
  });
});
