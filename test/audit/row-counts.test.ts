/**
 * rows_added and rows_deleted of an audit row count the rows of the tables the command
 * wrote, not floe's own bookkeeping: the rows floe.check_results gains are the results of
 * the checks a run or `floe check` evaluated. That table stays in `tables`, `snapshot_ids`
 * and `changes`, with its own counts there.
 */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/audit/log.js';

describe('summarize', () => {
  it('leaves floe.check_results out of the row totals, not out of the tables and snapshots', () => {
    const s = summarize({
      changes: [
        { table: 'floe.check_results', action: 'changed', snapshots: [{ snapshotId: 11n, operation: 'append', addedRecords: 4, deletedRecords: null }] },
        { table: 'raw.a', action: 'changed', snapshots: [{ snapshotId: 12n, operation: 'overwrite', addedRecords: 3, deletedRecords: 2 }] },
        { table: 'raw.b', action: 'created', snapshots: [{ snapshotId: 13n, operation: 'append', addedRecords: 2, deletedRecords: null }] },
      ],
      reported: [],
    });
    expect(s).toMatchObject({ tables: ['floe.check_results', 'raw.a', 'raw.b'], snapshotIds: ['11', '12', '13'], rowsAdded: 5, rowsDeleted: 2 });
    expect(s.changes[0]).toEqual({ table: 'floe.check_results', action: 'changed', snapshots: [{ snapshot_id: '11', operation: 'append', added_records: 4, deleted_records: null }] });
  });

  it('gives no row totals to a command that only recorded check results', () => {
    const s = summarize({
      changes: [{ table: 'floe.check_results', action: 'created', snapshots: [{ snapshotId: 1n, operation: 'append', addedRecords: 2, deletedRecords: null }] }],
      reported: [{ table: 'raw.a', action: 'checked', snapshotId: 12n }],
    });
    expect(s).toMatchObject({ tables: ['floe.check_results', 'raw.a'], snapshotIds: ['1', '12'], rowsAdded: null, rowsDeleted: null });
  });
});
