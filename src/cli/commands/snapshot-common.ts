/** Committing a ref change planned by src/table/refs.ts, re-planned on every commit attempt. */
import type { Catalog } from '../../catalog/catalog.js';
import { corruptError, FloeError } from '../../errors.js';
import type { Snapshot, TableIdentifier } from '../../iceberg/types.js';
import type { FileIO } from '../../io/fileio.js';
import { commitTable, type CommitEvents } from '../../table/commit.js';
import { loadTable, type LoadedTable } from '../../table/load.js';
import { planScan } from '../../table/scan.js';
import type { TableChange } from '../../table/updates.js';

/**
 * Plans against the current table; commits only when the plan changes something. Returns the
 * plan of the attempt that committed (or of the no-op) and the new metadata location.
 */
export async function commitPlanned<P extends { change: TableChange }>(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  /** Called with the first plan on every retry, so a retry can hold on to what was decided first. */
  plan: (t: LoadedTable, first?: P) => P,
  events: CommitEvents = {},
  /** Checks the first plan against the files before anything is committed (throws to refuse). */
  verify?: (t: LoadedTable, p: P) => Promise<void>,
): Promise<{ plan: P; metadataLocation: string | null }> {
  const table = await loadTable(catalog, io, id);
  const first = plan(table);
  if (first.change.updates.length === 0) return { plan: first, metadataLocation: null };
  if (verify) await verify(table, first);
  let last = first;
  const r = await commitTable(
    catalog,
    io,
    id,
    async (base) => {
      last = base === table ? first : plan(base, first);
      return last.change;
    },
    { ...events, base: table },
  );
  return { plan: last, metadataLocation: r.table.metadataLocation };
}

/**
 * Moving a ref only moves a pointer, so a target that cannot be read — its manifest list gone,
 * cut off or damaged, or a manifest it lists gone or damaged — would make the ref unreadable at
 * once (and, for a tag or branch, make `maintain expire` fail for good: it reads every retained
 * snapshot strictly). The target is planned as a query of it would be (its manifest list and
 * manifests read); one that fails is refused, naming the snapshot and the file, with the table
 * unchanged. `what` says what was asked (`roll back to snapshot 42`), `stays` what is unchanged.
 * A snapshot floe cannot judge (an `unsupported` feature) is left to the engines that read it.
 */
export async function refuseUnreadableSnapshot(t: LoadedTable, to: Snapshot, table: string, what: string, stays: string): Promise<void> {
  const list = to['manifest-list'];
  const hint = `pick another snapshot with \`floe snapshots ${table}\`; ${stays}`;
  if (list && !(await t.io.exists(list))) {
    throw corruptError(`table ${table}: cannot ${what}: its manifest list ${list} is missing`, {
      context: { table, snapshot: String(to['snapshot-id']), file: list },
      hint,
    });
  }
  try {
    await planScan({ io: t.io, metadata: t.metadata, table, snapshot: { kind: 'id', snapshotId: to['snapshot-id'] } });
  } catch (e) {
    if (!(e instanceof FloeError) || (e.kind !== 'corrupt' && e.kind !== 'not-found')) throw e;
    throw corruptError(`table ${table}: cannot ${what}: it cannot be read: ${e.message}`, {
      cause: e,
      context: { ...e.context, table, snapshot: String(to['snapshot-id']) },
      hint,
    });
  }
}
