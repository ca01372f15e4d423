/**
 * `floe maintain orphans <table> [--older-than DUR] [--allow-recent] [--dry-run] [--json]`:
 * deletes files under the table location that no metadata references and that are older than
 * DUR (default 3d; below 1h only with --allow-recent). Exits 1 when a delete failed, in text
 * and JSON mode alike.
 */
import type { Command } from 'commander';
import { currentAudit } from '../../audit/context.js';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { removeOrphanFiles } from '../../table/orphans-run.js';
import { checkOrphanAge, ORPHAN_DEFAULT_AGE_MS } from '../../table/orphans.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, endOnError, formatBytes, reportingS3RetriesUnlessJson } from '../output.js';
import { durationOption, iso, plural } from './maintain-common.js';

interface OrphanCliOptions {
  olderThan?: string;
  allowRecent?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export default async function maintainOrphans(tableName: string, opts: OrphanCliOptions, cmd: Command): Promise<number> {
  const out = consoleOutput(!!opts.json);
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    const id = parseTableIdentifier(tableName);
    const olderThanMs = durationOption('--older-than', opts.olderThan) ?? ORPHAN_DEFAULT_AGE_MS;
    checkOrphanAge(olderThanMs, !!opts.allowRecent, tableName, opts.olderThan);
    const started = Date.now();
    out.event('start', { command: 'maintain orphans', table: tableName, dry_run: !!opts.dryRun });
    const r = await withProject(globalsOf(cmd), ({ catalog, io }) => removeOrphanFiles(catalog, io, id, { olderThanMs, dryRun: opts.dryRun })).catch(endOnError(out, started));
    const bytes = r.plan.delete.reduce((a, f) => a + f.size, 0);
    // No commit shows the deletes: the audit row names the table and how many files went.
    if (!r.dryRun && r.deleted.length + r.aborted.length > 0) currentAudit()?.reportTable(r.table, { action: 'deleted orphan files', files: r.deleted.length + r.aborted.length });
    out.event('end', {
      status: 'ok',
      dry_run: r.dryRun,
      table: r.table,
      location: r.location,
      older_than: iso(r.plan.cutoffMs),
      listed: r.plan.listed,
      referenced: r.plan.referenced,
      orphans: r.plan.delete.map((f) => ({ location: f.location, size: f.size, last_modified: iso(f.lastModified) })),
      deleted: r.deleted,
      too_young: r.plan.tooYoung.map((f) => f.location),
      failed_deletes: r.failedDeletes,
      incomplete_uploads: r.uploads.abort.map((u) => ({ location: u.location, upload_id: u.uploadId, initiated: iso(u.initiated) })),
      aborted_uploads: r.aborted,
      too_young_uploads: r.uploads.tooYoung.map((u) => u.location),
      staging_folders: r.stagingFolders,
      ...(r.uploads.unlisted !== undefined && { uploads_unlisted: r.uploads.unlisted }),
      duration_ms: Date.now() - started,
    });
    const code = r.failedDeletes.length > 0 ? 1 : 0;
    if (r.uploads.unlisted !== undefined) out.err(`floe: warning: ${r.table}: incomplete multipart uploads were not looked for: ${r.uploads.unlisted}`);
    if (opts.json) return code;
    const verb = r.dryRun ? 'would delete' : 'deleted';
    out.out(`${r.table}: ${plural(r.plan.listed, 'file')} under ${r.location}, ${r.plan.referenced} referenced`);
    out.out(`${r.table}: ${verb} ${plural(r.dryRun ? r.plan.delete.length : r.deleted.length, 'orphan file')} (${formatBytes(bytes)}) last modified before ${iso(r.plan.cutoffMs)}`);
    for (const f of r.plan.delete) out.out(`  ${f.location}`);
    if (r.plan.tooYoung.length > 0) out.out(`${r.table}: kept ${plural(r.plan.tooYoung.length, 'unreferenced file')} younger than the threshold (possibly a write in progress)`);
    const { abort, tooYoung } = r.uploads;
    if (abort.length > 0) {
      out.out(`${r.table}: ${r.dryRun ? 'would abort' : 'aborted'} ${plural(r.dryRun ? abort.length : r.aborted.length, 'incomplete multipart upload')} begun before ${iso(r.plan.cutoffMs)}`);
      for (const u of abort) out.out(`  ${u.location} (begun ${iso(u.initiated)})`);
    }
    if (tooYoung.length > 0) out.out(`${r.table}: kept ${plural(tooYoung.length, 'incomplete multipart upload')} begun after the threshold (possibly a write in progress)`);
    if (r.stagingFolders.length > 0) {
      out.out(`${r.table}: ${r.dryRun ? 'would remove' : 'removed'} ${plural(r.stagingFolders.length, 'empty staging folder')} a killed write left, last modified before ${iso(r.plan.cutoffMs)}`);
      for (const f of r.stagingFolders) out.out(`  ${f}`);
    }
    for (const f of r.failedDeletes) out.err(`floe: warning: could not delete ${f.location}: ${f.message}`);
    return code;
  });
}
