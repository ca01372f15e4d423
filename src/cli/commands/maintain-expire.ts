/**
 * `floe maintain expire <table> [--older-than DUR] [--retain-last N] [--dry-run] [--json]`:
 * removes old snapshots (src/table/expire.ts has the rules) and then the files only they
 * reached.
 */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { countExpiredFiles, validateExpireOptions } from '../../table/expire.js';
import { expireSnapshots } from '../../table/expire-run.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, endOnError, reportingS3RetriesUnlessJson } from '../output.js';
import { countOption, durationOption, iso, plural } from './maintain-common.js';

interface ExpireCliOptions {
  olderThan?: string;
  retainLast?: string;
  dryRun?: boolean;
  json?: boolean;
}

export default async function maintainExpire(tableName: string, opts: ExpireCliOptions, cmd: Command): Promise<number> {
  const out = consoleOutput(!!opts.json);
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    const id = parseTableIdentifier(tableName);
    const olderThanMs = durationOption('--older-than', opts.olderThan);
    // Any whole number here: validateExpireOptions says why 0 or less cannot be (one message for both).
    const retainLast = countOption('--retain-last', opts.retainLast, Number.MIN_SAFE_INTEGER);
    validateExpireOptions({ olderThanMs, retainLast }, tableName);
    const started = Date.now();
    out.event('start', { command: 'maintain expire', table: tableName, dry_run: !!opts.dryRun });
    const r = await withProject(globalsOf(cmd), ({ catalog, io }) =>
      expireSnapshots(catalog, io, id, {
        olderThanMs,
        retainLast,
        dryRun: opts.dryRun,
        events: { onRetry: (e) => out.event('retry', { table: e.table, attempt: e.attempt, wait_ms: e.waitMs }) },
      }),
    ).catch(endOnError(out, started));
    const expiredIds = r.plan.expire.map((s) => s['snapshot-id']);
    if (r.metadataLocation) out.event('commit', { table: r.table, metadata_location: r.metadataLocation, expired_snapshots: expiredIds, removed_refs: r.plan.removeRefs });
    out.event('end', {
      status: 'ok',
      dry_run: r.dryRun,
      table: r.table,
      expired_snapshots: expiredIds,
      retained_snapshots: r.plan.retain,
      removed_refs: r.plan.removeRefs,
      expire_older_than: iso(r.plan.expireOlderThanMs),
      min_snapshots_to_keep: r.plan.minSnapshotsToKeep,
      files: {
        data_and_delete_files: r.files.contentFiles,
        manifests: r.files.manifests,
        manifest_lists: r.files.manifestLists,
        statistics_files: r.files.statisticsFiles,
      },
      failed_deletes: r.failedDeletes,
      unreadable_files: r.unreadable.map((u) => ({ location: u.location, missing: u.missing, message: u.message })),
      duration_ms: Date.now() - started,
    });
    if (opts.json) return 0;
    const would = r.dryRun ? 'would ' : '';
    if (expiredIds.length === 0 && r.plan.retain.length === 0) {
      out.err(`${r.table}: the table has no snapshots yet; nothing to expire`);
      return 0;
    }
    if (expiredIds.length === 0 && r.plan.removeRefs.length === 0) {
      out.err(`${r.table}: no snapshot is older than ${iso(r.plan.expireOlderThanMs)} beyond the last ${r.plan.minSnapshotsToKeep} of each branch; nothing to expire`);
      return 0;
    }
    if (r.plan.removeRefs.length > 0) out.out(`${r.table}: ${would}remove expired refs: ${r.plan.removeRefs.join(', ')}`);
    out.out(`${r.table}: ${would}expire ${plural(expiredIds.length, 'snapshot')}${expiredIds.length ? `: ${expiredIds.join(', ')}` : ''}; ${r.plan.retain.length} kept`);
    out.out(
      `${r.table}: ${r.dryRun ? 'would delete' : 'deleted'} ${plural(r.files.contentFiles.length, 'data/delete file')}, ${plural(r.files.manifests.length, 'manifest')}, ` +
        `${plural(r.files.manifestLists.length, 'manifest list')}, ${plural(r.files.statisticsFiles.length, 'statistics file')} (${countExpiredFiles(r.files)} in all)`,
    );
    if (r.dryRun) for (const f of [...r.files.contentFiles, ...r.files.manifests, ...r.files.manifestLists, ...r.files.statisticsFiles]) out.out(`  ${f}`);
    for (const u of r.unreadable) {
      out.err(`warning: ${u.message}; the files only it reached are left for floe maintain orphans`);
    }
    for (const f of r.failedDeletes) out.err(`warning: could not delete ${f.location}: ${f.message} (floe maintain orphans removes it later)`);
    return 0;
  });
}
