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
    const retained = r.plan.retain.length;
    if (expiredIds.length === 0 && retained === 0) {
      out.out(`${r.table}: nothing to expire: the table has no snapshots yet`);
      return 0;
    }
    // What is retained, and why: the defaults the plan used (a branch's own settings win).
    const keeps =
      `each branch keeps its last ${plural(r.plan.minSnapshotsToKeep, 'snapshot')}${opts.retainLast !== undefined ? ` (--retain-last ${opts.retainLast})` : ''} ` +
      `and those committed after ${iso(r.plan.expireOlderThanMs)}${opts.olderThan !== undefined ? ` (--older-than ${opts.olderThan})` : ''}; ` +
      `tags keep their snapshot; a branch's own retention settings win`;
    if (expiredIds.length === 0 && r.plan.removeRefs.length === 0) {
      out.out(`${r.table}: nothing to expire: ${retained === 1 ? 'its only snapshot is' : `all ${retained} snapshots are`} retained`);
      out.out(`${r.table}: retention: ${keeps}`);
      return 0;
    }
    const dry = r.dryRun;
    const refs = r.plan.removeRefs;
    if (refs.length > 0) {
      const what = refs.length === 1 ? 'an expired ref (its snapshot is older than its max-ref-age-ms)' : `${refs.length} expired refs (their snapshots are older than their max-ref-age-ms)`;
      out.out(`${r.table}: ${dry ? 'would remove' : 'removed'} ${what}: ${refs.join(', ')}`);
    }
    out.out(`${r.table}: ${dry ? 'would expire' : 'expired'} ${plural(expiredIds.length, 'snapshot')}${expiredIds.length ? `: ${expiredIds.join(', ')}` : ''}`);
    out.out(`${r.table}: ${dry ? 'would retain' : 'retained'} ${plural(retained, 'snapshot')}`);
    out.out(`${r.table}: retention: ${keeps}`);
    const f = r.files;
    out.out(
      `${r.table}: ${dry ? 'would delete' : 'deleted'} ${plural(countExpiredFiles(f), 'file')} that only expired snapshots referenced: ` +
        `${plural(f.contentFiles.length, 'data or delete file')}, ${plural(f.manifests.length, 'manifest')}, ` +
        `${plural(f.manifestLists.length, 'manifest list')}, ${plural(f.statisticsFiles.length, 'statistics file')}`,
    );
    if (dry) {
      for (const file of [...f.contentFiles, ...f.manifests, ...f.manifestLists, ...f.statisticsFiles]) out.out(`  ${file}`);
      out.out(`${r.table}: dry run: nothing was committed or deleted`);
    }
    for (const u of r.unreadable) {
      out.err(`floe: warning: ${u.message}; the files only it reached are left for floe maintain orphans`);
    }
    for (const failed of r.failedDeletes) out.err(`floe: warning: could not delete ${failed.location}: ${failed.message} (floe maintain orphans removes it later)`);
    return 0;
  });
}
