/**
 * Incremental state lives in the snapshot (DESIGN §1): the cursor's high-watermark and the
 * run id are summary keys of the snapshot that carries the data, so state and data commit
 * atomically. Reading it back walks main's ancestry from the current snapshot. Run ids are
 * also recorded in a table property written by the same commit, so that they outlive
 * `floe maintain expire` (run-ids.ts).
 */
import type { TableMetadata } from '../iceberg/types.js';
import { ancestry } from '../table/ancestry.js';
import { runIdStatus, type RunIdStatus } from './run-ids.js';
import { SUMMARY } from './summary-keys.js';

export { SUMMARY };

/** Re-exported for the run-state tests; the walk itself lives in table/ancestry.ts. */
export { ancestry };

export interface PipelineState {
  /** The last committed high-watermark of this pipeline's cursor column, as text. */
  cursor: string | null;
  /**
   * No cursor was found, and main's history does not reach back to the table's first
   * snapshot (its oldest remaining ancestor has an expired parent): the snapshot that held the
   * cursor may have been expired — a compaction or another pipeline's commit after this
   * pipeline's last run, then `floe maintain expire`. Then a missing cursor does not mean that
   * the pipeline never ran (recoverCursor in state-recover.ts).
   */
  historyExpired: boolean;
  /**
   * Whether this run id was committed to main: by a main ancestor's summary, or by the
   * run-id record that survives expiry (run-ids.ts). `unknown` when neither can tell.
   */
  runStatus(runId: string): RunIdStatus;
  /** runStatus(runId) === 'committed'. */
  hasRun(runId: string): boolean;
}

export function readState(m: TableMetadata | undefined, pipeline: string, cursorColumn: string | undefined): PipelineState {
  const history = m ? ancestry(m) : [];
  let cursor: string | null = null;
  for (const s of history) {
    if (s.summary[SUMMARY.pipeline] !== pipeline) continue;
    const value = s.summary[SUMMARY.cursorValue];
    if (value !== undefined && s.summary[SUMMARY.cursorColumn] === cursorColumn) {
      cursor = value;
      break;
    }
  }
  const oldest = history.at(-1);
  const historyExpired = cursor === null && oldest !== undefined && oldest['parent-snapshot-id'] !== undefined && oldest['parent-snapshot-id'] !== null;
  const runStatus = (id: string) => runIdStatus(m, pipeline, id);
  return { cursor, historyExpired, runStatus, hasRun: (id) => runStatus(id) === 'committed' };
}

export function stateSummary(pipeline: string, runId: string, cursorColumn?: string, cursorValue?: string | null): Record<string, string> {
  const s: Record<string, string> = { [SUMMARY.pipeline]: pipeline, [SUMMARY.runId]: runId };
  if (cursorColumn && cursorValue !== undefined && cursorValue !== null) {
    s[SUMMARY.cursorColumn] = cursorColumn;
    s[SUMMARY.cursorValue] = cursorValue;
  }
  return s;
}
