/** `floe maintain manifests <table> [--json]`: rewrites the current data manifests clustered by partition. */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { FloeError } from '../../errors.js';
import { rewriteManifests } from '../../table/rewrite-manifests-run.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput } from '../output.js';
import { plural } from './maintain-common.js';

export default async function maintainManifests(tableName: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput(!!opts.json);
  const id = parseTableIdentifier(tableName);
  const started = Date.now();
  out.event('start', { command: 'maintain manifests', table: tableName });
  const r = await withProject(globalsOf(cmd), ({ catalog, io }) =>
    rewriteManifests(catalog, io, id, { onRetry: (e) => out.event('retry', { table: e.table, attempt: e.attempt, wait_ms: e.waitMs }) }),
  ).catch((e: unknown) => {
    out.event('end', { status: 'error', kind: e instanceof FloeError ? e.kind : 'internal', duration_ms: Date.now() - started });
    throw e;
  });
  if (r.rewritten) {
    out.event('commit', {
      table: r.table,
      snapshot_id: r.snapshotId,
      operation: 'replace',
      manifests_replaced: r.manifestsReplaced,
      manifests_created: r.manifestsCreated,
      manifests_kept: r.manifestsKept,
      entries: r.entries,
      rows: r.records,
    });
  }
  out.event('end', { status: 'ok', table: r.table, rewritten: r.rewritten, duration_ms: Date.now() - started });
  if (opts.json) return 0;
  if (!r.rewritten) {
    out.err(`${r.table}: the data manifests are already one per partition spec; nothing to rewrite`);
    return 0;
  }
  out.out(
    `${r.table}: replaced ${plural(r.manifestsReplaced, 'data manifest')} with ${r.manifestsCreated} clustered by partition ` +
      `(${r.entries} entries, ${r.records} rows; ${r.manifestsKept} delete manifests kept) in snapshot ${r.snapshotId}`,
  );
  return 0;
}
