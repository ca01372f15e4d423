/**
 * The snapshot summary keys a pipeline run writes with its data (DESIGN §1): which pipeline
 * and run committed the snapshot, and the incremental cursor. Read by the run state
 * (state.ts), the run-id record (run-ids.ts) and the quarantine (rejects-pending.ts).
 */
export const SUMMARY = {
  pipeline: 'floe.pipeline',
  runId: 'floe.run-id',
  cursorColumn: 'floe.cursor.column',
  cursorValue: 'floe.cursor.value',
} as const;
