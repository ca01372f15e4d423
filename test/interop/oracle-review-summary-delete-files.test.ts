/**
 * Snapshot summaries count delete files by kind, as Iceberg Java's SnapshotSummary does:
 * `added-position-delete-files` / `removed-position-delete-files` (and the equality pair)
 * next to `added-delete-files` / `removed-delete-files`. Spark writes them; floe's compaction,
 * which removes the delete files it applied, wrote only `removed-delete-files`.
 *
 *   Spark: a merge-on-read table, 2 INSERTs, 2 DELETEs (position delete files)
 *     → floe compact (applies and removes them) → the summaries, Spark's and floe's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assertProvisioned, sparkBatch } from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt } from './helpers/floe-cli.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.sumdel';

let project: FloeProject;
let before: SnapshotInfo[];
let after: SnapshotInfo[];

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(true);
  project = new FloeProject('summary-delete-files');
  await project.ok(['table', 'create', 'ns.anchor', '--column', 'a int']);
  await sparkBatch({
    ...project.catalog,
    ops: [
      {
        op: 'sql',
        sql: `CREATE TABLE floe.${TABLE} (id bigint, note string) USING iceberg TBLPROPERTIES ` +
          `('format-version'='2', 'write.delete.mode'='merge-on-read')`,
      },
      { op: 'sql', sql: `INSERT INTO floe.${TABLE} SELECT id, concat('a', id) FROM range(0, 20)` },
      { op: 'sql', sql: `INSERT INTO floe.${TABLE} SELECT id, concat('b', id) FROM range(20, 40)` },
      { op: 'sql', sql: `DELETE FROM floe.${TABLE} WHERE id IN (3, 23)` },
      { op: 'sql', sql: `DELETE FROM floe.${TABLE} WHERE id IN (4, 24)` },
    ],
  });
  before = await project.snapshots(TABLE);
  await project.ok(['compact', TABLE, '--min-input-files', '2']);
  after = await project.snapshots(TABLE);
}, 600_000);

afterAll(() => project?.remove());

describe('delete file counts in snapshot summaries', () => {
  it("Spark's deletes count their delete files by kind", () => {
    const deletes = before.filter((s) => s.summary.operation === 'delete' || s.summary.operation === 'overwrite');
    expect(deletes.length).toBe(2);
    for (const s of deletes) expect(s.summary['added-position-delete-files']).toBe(s.summary['added-delete-files']);
  });

  it("floe's compaction counts the position delete files it removed as Spark's vocabulary does", () => {
    const compaction = after.at(-1)!.summary;
    expect(compaction.operation).toBe('replace');
    const live = Number(before.at(-1)!.summary['total-delete-files']);
    expect(live).toBeGreaterThan(0);
    expect(compaction['removed-delete-files']).toBe(String(live));
    expect(compaction['removed-position-delete-files']).toBe(String(live));
    expect(compaction['removed-equality-delete-files']).toBeUndefined();
    expect(compaction['total-delete-files']).toBe('0');
  });
});
