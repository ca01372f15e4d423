import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { stringifyJson } from '../../iceberg/json.js';
import type { Snapshot } from '../../iceberg/types.js';
import { ancestry } from '../../table/ancestry.js';
import { loadTable } from '../../table/load.js';
import { summaryDeletes } from './describe.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, formatTable, oneLine, reportingS3Retries } from '../output.js';

export default async function snapshots(tableName: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const id = parseTableIdentifier(tableName);
    const { metadata: m } = await withProject(globalsOf(cmd), ({ catalog, io }) => loadTable(catalog, io, id), { create: false });
    const refsBySnapshot = new Map<bigint, string[]>();
    for (const [name, ref] of Object.entries(m.refs)) {
      refsBySnapshot.set(ref['snapshot-id'], [...(refsBySnapshot.get(ref['snapshot-id']) ?? []), name]);
    }
    // Snapshots some ref reaches; one that none reaches and whose checks failed is what a run's
    // write-audit-publish staged without moving main (README "Checks"): marked so, since it can
    // still be published (snapshot branch main --fast-forward ID) until it expires.
    const reached = new Set<bigint>();
    for (const ref of Object.values(m.refs)) for (const s of ancestry(m, ref['snapshot-id'])) reached.add(s['snapshot-id']);
    const staged = (s: Snapshot) => !reached.has(s['snapshot-id']) && Number(s.summary['floe.checks.failed'] ?? '0') > 0;
    const list = [...m.snapshots].sort((a, b) => a['timestamp-ms'] - b['timestamp-ms'] || Number(a['sequence-number'] - b['sequence-number']));
    if (opts.json) {
      // `staged: true` on what the text output marks `(staged: checks failed)`: scripts pick the id to publish from it.
      out.out(stringifyJson(list.map((s) => ({ ...s, refs: refsBySnapshot.get(s['snapshot-id']) ?? [], ...(staged(s) ? { staged: true } : {}) })), 2));
      return 0;
    }
    if (list.length === 0) {
      out.err(`table ${tableName} has no snapshots yet`);
      return 0;
    }
    out.out(
      formatTable(
        ['snapshot_id', 'parent_id', 'seq', 'committed_at', 'operation', 'added_rows', 'total_rows', 'total_deletes', 'refs'],
        list.map((s) => [
          s['snapshot-id'],
          s['parent-snapshot-id'] ?? null,
          s['sequence-number'],
          new Date(s['timestamp-ms']).toISOString(),
          s.summary.operation,
          s.summary['added-records'] ?? '',
          // total-records counts the rows of the data files, before delete files apply (spec
          // "Snapshot Summary"): the deletes are shown beside it, so a merge-on-read table's
          // rows are not read as its row count.
          s.summary['total-records'] ?? '',
          deletesText(s.summary),
          // A name another engine gave may hold a control character: shown escaped, on one line.
          staged(s)
            ? '(staged: checks failed)'
            : (refsBySnapshot.get(s['snapshot-id']) ?? []).map((r) => (m.refs[r]?.type === 'tag' ? `${oneLine(r)} (tag)` : oneLine(r))).join(', '),
        ]),
      ),
    );
    return 0;
  });
}


/** The snapshot's position and equality delete records (`1 position, 2 equality`), empty when it has none. */
function deletesText(summary: Record<string, string | undefined>): string {
  return summaryDeletes(summary).map(([kind, n]) => `${n} ${kind}`).join(', ');
}
