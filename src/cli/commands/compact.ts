/**
 * `floe compact <table>`: rewrites small (and oversized) data files into files near the
 * target size, optionally sorted or z-ordered (docs/COMPACTION.md). The planning and the
 * rewrite live in src/table/compact/; this file parses options and prints.
 */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { openEngine } from '../../engine/duckdb.js';
import { usageError } from '../../errors.js';
import { compactTable, type CompactResult } from '../../table/compact/execute.js';
import { describeStrategy, parseStrategy } from '../../table/compact/strategy.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, endOnError, formatBytes, formatTable, reportingS3RetriesUnlessJson } from '../output.js';
import { plural } from '../../text-table.js';

export interface CompactCliOptions {
  strategy?: string;
  sort?: string;
  zorder?: string;
  targetFileSize?: string;
  minFileSize?: string;
  maxFileSize?: string;
  minInputFiles?: string;
  maxGroupSize?: string;
  deleteFileThreshold?: string;
  rewriteAll?: boolean;
  where?: string;
  partialProgress?: boolean;
  maxCommits?: string;
  commitEvery?: string;
  rewriteToCurrentSpec?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const UNITS: Record<string, bigint> = {
  '': 1n, b: 1n,
  kb: 1000n, mb: 1000n ** 2n, gb: 1000n ** 3n, tb: 1000n ** 4n,
  k: 1024n, m: 1024n ** 2n, g: 1024n ** 3n, t: 1024n ** 4n,
  kib: 1024n, mib: 1024n ** 2n, gib: 1024n ** 3n, tib: 1024n ** 4n,
};

const MAX_LONG = 2n ** 63n - 1n;

/** `536870912`, `512MiB`, `512m`, `128MB` (decimal), `1.5GiB`. */
export function parseSize(text: string, option: string): bigint {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw usageError(`${option}: cannot read size '${text}'; use bytes or a unit: 128MiB, 512m, 1GiB, 100MB`);
  const [whole, frac = ''] = m[1]!.split('.');
  const scale = 10n ** BigInt(frac.length);
  const bytes = (BigInt(whole! + frac) * unit) / scale;
  if (bytes <= 0n) throw usageError(`${option}: the size must be positive, got '${text}'`);
  // Sizes are Iceberg longs (write.target-file-size-bytes); beyond one nothing is meant.
  if (bytes > MAX_LONG) throw usageError(`${option}: '${text}' is larger than the largest size (2^63-1 bytes, 8 EiB)`);
  return bytes;
}

function positiveInt(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw usageError(`${option}: expected a positive integer, got '${text}'`);
  return Number(text);
}

export default async function compact(tableName: string, opts: CompactCliOptions, cmd: Command): Promise<number> {
  const out = consoleOutput(opts.json);
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    const id = parseTableIdentifier(tableName);
    const strategy = parseStrategy({ strategy: opts.strategy, sort: opts.sort, zorder: opts.zorder });
    const size = (v: string | undefined, option: string) => (v === undefined ? undefined : parseSize(v, option));
    const options = {
      strategy,
      targetFileSizeBytes: size(opts.targetFileSize, '--target-file-size'),
      minFileSizeBytes: size(opts.minFileSize, '--min-file-size'),
      maxFileSizeBytes: size(opts.maxFileSize, '--max-file-size'),
      maxFileGroupSizeBytes: size(opts.maxGroupSize, '--max-group-size'),
      minInputFiles: positiveInt(opts.minInputFiles, '--min-input-files'),
      deleteFileThreshold: positiveInt(opts.deleteFileThreshold, '--delete-file-threshold'),
      maxCommits: positiveInt(opts.maxCommits, '--max-commits'),
      commitEvery: positiveInt(opts.commitEvery, '--commit-every'),
      partialProgress: opts.partialProgress === true,
      rewriteAll: opts.rewriteAll === true,
      rewriteToCurrentSpec: opts.rewriteToCurrentSpec === true,
      dryRun: opts.dryRun === true,
      ...(opts.where !== undefined ? { where: opts.where } : {}),
    };
    if (options.maxCommits !== undefined && !options.partialProgress) throw usageError('--max-commits applies with --partial-progress');
    if (options.where !== undefined && options.where.trim() === '') throw usageError('--where: the predicate is empty');
    const started = Date.now();
    out.event('start', { command: 'compact', table: tableName, strategy: opts.strategy ?? strategy.kind, dry_run: options.dryRun });
    const result = await withProject(globalsOf(cmd), async ({ catalog, io }) => {
      const engine = await openEngine();
      try {
        return await compactTable({
          ...options, catalog, io, engine, id,
          events: {
            onRetry: (r) => out.event('retry', { table: r.table, attempt: r.attempt, wait_ms: r.waitMs }),
            onPlan: (p, partitions) => out.event('plan', {
              table: tableName, strategy: describeStrategy(strategy), dry_run: options.dryRun, files: p.totalFiles,
              candidate_files: p.candidateFiles, skipped_groups: p.skippedGroups, target_file_size_bytes: p.thresholds.target,
              groups: p.groups.map((g, i) => ({ spec_id: g.specId, partition: g.partition, partition_path: partitions[i], files: g.files.length, bytes: g.sizeBytes, records: g.records, reason: g.reason })),
            }),
            onCommit: (c) => out.event('commit', {
              table: tableName, snapshot_id: c.snapshotId, groups: c.groups, rewritten_data_files: c.rewrittenDataFiles,
              added_data_files: c.addedDataFiles, removed_delete_files: c.removedDeleteFiles, rewritten_records: c.rewrittenRecords,
              added_records: c.addedRecords, rewritten_bytes: c.rewrittenBytes, added_bytes: c.addedBytes, attempts: c.attempts,
            }),
          },
        });
      } finally {
        engine.close();
      }
    }).catch(endOnError(out, started));
    report(result, out, opts.json === true, opts.where);
    out.event('end', { status: 'ok', dangling_delete_files: result.danglingDeletes.length, duration_ms: Date.now() - started });
    return 0;
  });
}

function report(r: CompactResult, out: ReturnType<typeof consoleOutput>, json: boolean, where: string | undefined): void {
  const p = r.plan;
  if (json) return;
  const dangling = r.danglingDeletes.length;
  if (p.groups.length === 0 && dangling > 0) {
    const files = `${plural(dangling, 'dangling delete file')}, which apply to no data file`;
    if (r.dryRun) out.out(`${r.table}: no file group to rewrite; would remove ${files}`);
    else out.out(`${r.table}: no file group to rewrite; removed ${files}; snapshot ${r.commits[0]!.snapshotId}`);
    return;
  }
  if (p.groups.length === 0 && p.totalFiles === 0) {
    // With --where, no file of the snapshot may hold a matching row: the snapshot still has files.
    const why = r.startSnapshotId === null
      ? 'the table has no snapshots yet'
      : r.tableFiles > 0 && where !== undefined
        ? `${r.tableFiles === 1 ? 'the data file' : `none of the ${plural(r.tableFiles, 'data file')}`} of snapshot ${r.startSnapshotId} ${r.tableFiles === 1 ? 'holds no row' : 'holds a row'} matching --where: ${where}`
        : `snapshot ${r.startSnapshotId} has no data files`;
    out.out(`${r.table}: nothing to compact: ${why}`);
    return;
  }
  if (p.groups.length === 0) {
    // A group is left alone when it has fewer files than --min-input-files, or is one file alone (rewriting it gives the same file).
    const why = p.thresholds.minInputFiles > 1 ? `with fewer than --min-input-files ${p.thresholds.minInputFiles} files, or a single file` : 'of a single file, which a rewrite would give back as it is';
    const detail = p.skippedGroups > 0 ? `; ${plural(p.candidateFiles, 'small or oversized file')} in ${plural(p.skippedGroups, 'group')} ${why}` : ', all within thresholds';
    out.out(`${r.table}: nothing to compact: ${plural(p.totalFiles, 'data file')}${detail}`);
    return;
  }
  if (r.dryRun) {
    out.out(`${r.table}: would rewrite ${p.groups.reduce((a, g) => a + g.files.length, 0)} of ${plural(p.totalFiles, 'data file')} in ${plural(p.groups.length, 'group')} (${r.strategy}, target ${formatBytes(p.thresholds.target)}):`);
    out.out(formatTable(
      ['group', 'spec', 'partition', 'files', 'size', 'rows', 'reason'],
      p.groups.map((g, i) => [g.index, g.specId, r.partitions[i] || '(unpartitioned)', g.files.length, formatBytes(g.sizeBytes), g.records, g.reason]),
    ));
    if (dangling > 0) out.out(`${r.table}: would also remove ${plural(dangling, 'dangling delete file')}, which apply to no data file`);
    return;
  }
  const sum = <K extends 'rewrittenDataFiles' | 'addedDataFiles' | 'removedDeleteFiles'>(k: K) => r.commits.reduce((a, c) => a + c[k], 0);
  const bytes = (k: 'rewrittenBytes' | 'addedBytes') => r.commits.reduce((a, c) => a + c[k], 0n);
  const records = r.commits.reduce((a, c) => a + c.addedRecords, 0n);
  const deletes = sum('removedDeleteFiles');
  out.out(
    `compacted ${r.table} (${r.strategy}): ${sum('rewrittenDataFiles')} data files (${formatBytes(bytes('rewrittenBytes'))}) → ` +
      `${sum('addedDataFiles')} (${formatBytes(bytes('addedBytes'))}), ${records} rows` +
      `${deletes > 0 ? `, ${plural(deletes, 'delete file')} removed` : ''}; ` +
      `${r.commits.length === 1 ? `snapshot ${r.commits[0]!.snapshotId}` : `${r.commits.length} snapshots: ${r.commits.map((c) => c.snapshotId).join(', ')}`}`,
  );
}
