/** The shared body of `floe snapshot tag` and `floe snapshot branch`. */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import type { LoadedTable } from '../../table/load.js';
import { planRef, type RefPlan, type RefRequest } from '../../table/refs.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, endOnError, reportingS3RetriesUnlessJson } from '../output.js';
import { parseAsOf, parseSnapshotSelector, snapshotById } from '../../table/snapshot-select.js';
import { commitPlanned, refuseUnreadableSnapshot } from './snapshot-common.js';

/**
 * A retry does what was decided on the first attempt: the same target snapshot (the current
 * snapshot then, when none was given), and only if no other writer moved the ref meanwhile.
 */
export function refPlanner(type: 'tag' | 'branch', req: RefRequest, table: string): (t: LoadedTable, first?: RefPlan) => RefPlan {
  return (t, first) => {
    if (!first) return planRef(t.metadata, type, req, table);
    // A fast-forward re-checks its source instead: it must not have moved either.
    // The tag, branch or time --snapshot/--as-of named is not looked up again: its snapshot then is the target.
    const { snapshotRef: _ref, asOfMs: _asOf, ...rest } = req;
    const target = req.drop || first.after === null ? {} : req.fastForwardTo !== undefined ? { expectedFastForwardTarget: first.after } : { snapshotId: first.after };
    const again: RefRequest = { ...rest, ...target, expectedBefore: first.before };
    return planRef(t.metadata, type, again, table);
  };
}

/**
 * `--snapshot`: digits are a snapshot id, anything else names a tag or branch whose snapshot
 * is meant (as `floe query --snapshot` reads it); `--as-of`: the snapshot main pointed at then.
 */
export function snapshotOptions(snapshot: string | undefined, asOf: string | undefined): Pick<RefRequest, 'snapshotId' | 'snapshotRef' | 'asOfMs'> {
  const out: Pick<RefRequest, 'snapshotId' | 'snapshotRef' | 'asOfMs'> = {};
  if (snapshot !== undefined) {
    const sel = parseSnapshotSelector(snapshot);
    if (sel.kind === 'id') out.snapshotId = sel.snapshotId;
    else if (sel.kind === 'ref') out.snapshotRef = sel.name;
  }
  if (asOf !== undefined) out.asOfMs = parseAsOf(asOf, '--as-of');
  return out;
}

/** `request` builds the change from the options: a bad option is a failure --json reports too. */
export async function runRefCommand(
  type: 'tag' | 'branch',
  tableName: string,
  request: () => RefRequest,
  json: boolean,
  cmd: Command,
  /** Changes each attempt's plan before it commits (snapshot-branch.ts: the watermark records when main moves). */
  amend: (t: LoadedTable, plan: RefPlan) => RefPlan = (_t, p) => p,
): Promise<number> {
  const out = consoleOutput(json);
  const started = Date.now();
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    // With --json, a failure ends stdout with an end event (status error, kind), as other commands do.
    const { plan, metadataLocation } = await (async () => {
      const req = request();
      const id = parseTableIdentifier(tableName);
      return withProject(globalsOf(cmd), ({ catalog, io }) => {
        const planner = refPlanner(type, req, tableName);
        // A ref created at or moved to a snapshot whose manifest list is gone is refused, as a rollback there is.
        const verify = async (t: LoadedTable, p: RefPlan) => {
          if (p.after === null || p.after === p.before) return;
          const to = snapshotById(t.metadata, p.after, tableName, 'used');
          await refuseUnreadableSnapshot(t, to, tableName, `point ${type} '${p.name}' at snapshot ${p.after}`, p.before === null ? `no ${type} was created` : `${type} '${p.name}' stays at snapshot ${p.before}`);
        };
        return commitPlanned(catalog, io, id, (t, first: RefPlan | undefined) => amend(t, planner(t, first)), {}, verify);
      });
    })().catch(endOnError(out, started));
    if (json) {
      out.event('end', {
        status: 'ok',
        command: `snapshot ${type}`,
        table: tableName,
        ref: plan.name,
        type,
        action: plan.action,
        before: plan.before,
        after: plan.after,
        metadata_location: metadataLocation,
      });
      return 0;
    }
    const what = `${type} '${plan.name}'`;
    switch (plan.action) {
      case 'created':
        out.out(`${tableName}: created ${what} at snapshot ${plan.after}`);
        break;
      case 'replaced':
        out.out(`${tableName}: moved ${what} from snapshot ${plan.before} to ${plan.after}`);
        break;
      case 'updated':
        out.out(`${tableName}: updated the retention of ${what} (snapshot ${plan.after})`);
        break;
      case 'dropped':
        out.out(`${tableName}: dropped ${what} (it pointed at snapshot ${plan.before})`);
        break;
      case 'unchanged':
        out.out(`${tableName}: ${what} is already at snapshot ${plan.after} with these settings; nothing changed`);
        break;
    }
    return 0;
  });
}
