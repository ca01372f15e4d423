/**
 * `floe maintain manifests <table> [--dry-run] [--json]`: rewrites the current data manifests
 * clustered by partition and leaves out manifests without live files. With --dry-run it
 * prints the plan (data manifests now → after, entries, partitions, manifests to drop;
 * planManifestRewrite) and commits nothing.
 */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { type ManifestRewritePlan, type NothingToDo, planManifestRewrite, rewriteManifests } from '../../table/rewrite-manifests-run.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, endOnError, type Output, reportingS3RetriesUnlessJson } from '../output.js';
import { plural } from './maintain-common.js';

export default async function maintainManifests(tableName: string, opts: { dryRun?: boolean; json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput(!!opts.json);
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    const id = parseTableIdentifier(tableName);
    const started = Date.now();
    out.event('start', { command: 'maintain manifests', table: tableName, dry_run: !!opts.dryRun });
    if (opts.dryRun) {
      const plan = await withProject(globalsOf(cmd), ({ catalog, io }) => planManifestRewrite(catalog, io, id)).catch(endOnError(out, started));
      printPlan(out, plan, started);
      return 0;
    }
    const r = await withProject(globalsOf(cmd), ({ catalog, io }) =>
      rewriteManifests(catalog, io, id, { onRetry: (e) => out.event('retry', { table: e.table, attempt: e.attempt, wait_ms: e.waitMs }) }),
    ).catch(endOnError(out, started));
    if (r.rewritten) {
      out.event('commit', {
        table: r.table,
        snapshot_id: r.snapshotId,
        operation: 'replace',
        manifests_replaced: r.manifestsReplaced,
        manifests_created: r.manifestsCreated,
        manifests_kept: r.manifestsKept,
        manifests_dropped: r.manifestsDropped,
        entries: r.entries,
        rows: r.records,
      });
    }
    out.event('end', { status: 'ok', dry_run: false, table: r.table, rewritten: r.rewritten, ...(r.nothing ? { nothing: r.nothing } : {}), duration_ms: Date.now() - started });
    if (opts.json) return 0;
    if (!r.rewritten) {
      out.out(`${r.table}: ${nothingText(r.nothing)}; nothing to rewrite`);
      return 0;
    }
    out.out(
      `${r.table}: replaced ${plural(r.manifestsReplaced, 'data manifest')} with ${r.manifestsCreated} clustered by partition ` +
        `(${r.entries} ${r.entries === 1 ? 'entry' : 'entries'}, ${r.records} rows; ${plural(r.manifestsKept, 'delete manifest')} kept${dropped(r.manifestsDropped)}) in snapshot ${r.snapshotId}`,
    );
    return 0;
  });
}

/** The manifests left out, when there are any: ", 2 manifests without live files dropped". */
function dropped(n: number, verb = 'dropped'): string {
  return n === 0 ? '' : `, ${plural(n, 'manifest')} without live files ${verb}`;
}

/** Why there was nothing to rewrite, in words. */
function nothingText(nothing: NothingToDo | undefined): string {
  return nothing === 'no-snapshot' ? 'the table has no snapshots yet, so no manifests' : 'the data manifests are already one per partition spec';
}

function printPlan(out: Output, p: ManifestRewritePlan, started: number): void {
  out.event('end', {
    status: 'ok',
    dry_run: true,
    table: p.table,
    rewritten: false,
    would_rewrite: p.rewrite,
    ...(p.nothing ? { nothing: p.nothing } : {}),
    manifests_before: p.manifestsBefore,
    manifests_after: p.manifestsAfter,
    manifests_kept: p.manifestsKept,
    manifests_dropped: p.manifestsDropped,
    entries: p.entries,
    live_entries: p.liveEntries,
    partitions: p.partitions,
    duration_ms: Date.now() - started,
  });
  if (out.json) return;
  if (!p.rewrite) {
    out.out(`${p.table}: ${nothingText(p.nothing)}; nothing to rewrite (dry run)`);
    return;
  }
  out.out(
    `${p.table}: would replace ${plural(p.manifestsBefore, 'data manifest')} with ${p.manifestsAfter} clustered by partition ` +
      `(${p.entries} ${p.entries === 1 ? 'entry' : 'entries'} read, ${p.liveEntries} live, ${plural(p.partitions, 'partition')}; ` +
      `${plural(p.manifestsKept, 'delete manifest')} kept${dropped(p.manifestsDropped, 'to drop')}); dry run, nothing committed`,
  );
}
