/** Committing a ref change planned by src/table/refs.ts, re-planned on every commit attempt. */
import type { Catalog } from '../../catalog/catalog.js';
import { corruptError } from '../../errors.js';
import type { Snapshot, TableIdentifier } from '../../iceberg/types.js';
import type { FileIO } from '../../io/fileio.js';
import { commitTable, type CommitEvents } from '../../table/commit.js';
import { loadTable, type LoadedTable } from '../../table/load.js';
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
 * Moving a ref only moves a pointer, so a target whose manifest list is gone would make the ref
 * unreadable at once (and, for a tag or branch, make `maintain expire` fail for good: it reads
 * every retained snapshot strictly). Refused, naming the snapshot and the file, with the table
 * unchanged. `what` says what was asked (`roll back to snapshot 42`), `stays` what is unchanged.
 */
export async function refuseMissingManifestList(t: LoadedTable, to: Snapshot, table: string, what: string, stays: string): Promise<void> {
  const list = to['manifest-list'];
  if (list && !(await t.io.exists(list))) {
    throw corruptError(`table ${table}: cannot ${what}: its manifest list ${list} is missing`, {
      context: { table, snapshot: String(to['snapshot-id']), file: list },
      hint: `pick another snapshot with \`floe snapshots ${table}\`; ${stays}`,
    });
  }
}
