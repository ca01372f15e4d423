/**
 * The commit loop of several tables at once: the same steps as commitTable (commit.ts) for
 * each table — build the change on the latest metadata, apply it, write its metadata file
 * create-only — and then one Catalog.commitTables, which moves every pointer (or inserts a
 * new table's entry) in one database transaction: all of them, or none.
 *
 * On a conflict (any pointer stale) nothing was committed: every metadata file of the attempt
 * is deleted, all the tables are reloaded and every change is built again on its fresh base,
 * under the retry policy of commit.ts (the strictest of the tables' `commit.retry.*`
 * properties). A build that cannot be re-applied (an overwrite over a concurrent append,
 * table/conflicts.ts) fails the whole commit cleanly with `conflict`: nothing lands.
 *
 * A transaction that got no answer (a dropped connection around COMMIT) is decided by reading
 * every table back, with commit.ts's rules for one table (readBack) and atomicity for the
 * group: one table that shows our metadata proves all landed; one whose pointer is still the
 * expected one (or, for a create, is absent) proves none did. See docs/CONCURRENCY.md.
 */
import type { Catalog, TableSwap } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { atCommitStart, inCatalogSwap } from '../cancel.js';
import { conflictError, FloeError } from '../errors.js';
import type { TableIdentifier, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import {
  commitStateUnknown,
  deleteDroppedMetadataFiles,
  discardUncommitted,
  nextMetadataFile,
  readBack,
  retryConflicts,
  retryPolicy,
  type AttemptIdentity,
  type CommitEvents,
  type ReadBack,
  type RetryPolicy,
} from './commit.js';
import { loadTable, type LoadedTable } from './load.js';
import { rememberMetadata } from './metadata-cache.js';
import type { TableChange } from './updates.js';

/** One table's part of a multi-table commit. */
export interface TableCommit {
  id: TableIdentifier;
  /** The table the change is first built on; for a table to create, its in-memory metadata. */
  base: LoadedTable;
  /** The table does not exist yet: this change creates it, with the built change on top. */
  pendingCreate?: TableChange;
  /** Builds the change on a base (once per attempt; must be re-appliable, like commitTable's). */
  build: (base: LoadedTable) => Promise<TableChange>;
  /**
   * Checked on every attempt against the table's base, before any change of the group is
   * built (commit.ts CommitEvents.validate): a throw ends the commit, nothing committed.
   */
  validate?: (base: LoadedTable) => void | Promise<void>;
}

export interface CommitManyResult {
  /** Each table as the commit left it, in the order given. */
  tables: LoadedTable[];
  attempts: number;
}

interface Staged {
  c: TableCommit;
  base: LoadedTable;
  next: TableMetadata;
  bytes: Uint8Array;
  swap: TableSwap;
  ours: AttemptIdentity;
}

/** Commits every change, or none of them; see the file comment. */
export async function commitTables(catalog: Catalog, io: FileIO, commits: readonly TableCommit[], events: Pick<CommitEvents, 'onRetry' | 'beforeSwap'> = {}): Promise<CommitManyResult> {
  const names = commits.map((c) => formatTableId(c.id));
  const label = names.join(', ');
  const started = Date.now();
  let bases = commits.map((c) => c.base);
  return retryConflicts(
    {
      started,
      subject: label,
      table: label,
      hint: 'Another writer keeps changing these tables; retry later or raise commit.retry.num-retries.',
      policy: () => strictest(bases),
      // One retry event per table, as a single-table commit reports its own.
      onRetry: (attempt, waitMs) => {
        for (const table of names) events.onRetry?.({ attempt, waitMs, table });
      },
      reload: async () => {
        const fresh = await Promise.all(commits.map((c) => reload(catalog, io, c)));
        const taken = fresh.findIndex((f) => f.created !== undefined);
        if (taken >= 0) {
          // Another writer created a table this commit creates: the callers' checks first, in
          // order, on what it committed, as they name what they read (table/conflicts.ts).
          for (const [i, c] of commits.entries()) await c.validate?.(fresh[i]!.created ?? fresh[i]!.base);
          throw new FloeError('conflict', `${names[taken]} was created by another writer while this one wrote; nothing was committed`, {
            retryable: false,
            context: { table: names[taken] },
            hint: 'Run again: it will write to the new table.',
          });
        }
        bases = fresh.map((f) => f.base);
      },
    },
    // A signal stops the write at the start of an attempt, before the metadata files; past it the attempt is not broken off (src/cancel.ts).
    (attempt) => atCommitStart(label, async () => {
      // Every check first: what a caller read decides before a build's own checks or re-audit.
      for (const [i, c] of commits.entries()) await c.validate?.(bases[i]!);
      const staged: Staged[] = [];
      try {
        const now = Date.now();
        for (const [i, c] of commits.entries()) {
          const base = bases[i]!;
          const change = await c.build(base);
          const file = c.pendingCreate
            ? nextMetadataFile(null, { requirements: c.pendingCreate.requirements, updates: [...c.pendingCreate.updates, ...change.updates] }, now)
            : nextMetadataFile(base, change, now);
          await base.io.write(file.location, file.bytes, { createOnly: true });
          const swap: TableSwap = { id: c.id, expected: c.pendingCreate ? null : base.metadataLocation, newLocation: file.location };
          staged.push({ c, base, next: file.metadata, bytes: file.bytes, swap, ours: file.ours });
        }
        await events.beforeSwap?.({ attempt: attempt + 1, table: label });
        const stale = await commitOrVerify(catalog, io, staged, label);
        if (stale.length === 0) {
          const tables: LoadedTable[] = [];
          for (const s of staged) {
            rememberMetadata(s.swap.newLocation, s.bytes, s.next);
            if (!s.c.pendingCreate) await deleteDroppedMetadataFiles(s.base.io, s.base.metadata, s.next);
            tables.push({ ...s.base, id: s.c.id, metadataLocation: s.swap.newLocation, metadata: s.next });
          }
          return { tables, attempts: attempt + 1 };
        }
        throw conflictError(`${stale.map(formatTableId).join(', ')} changed by another writer; nothing of ${label} was committed`, { context: { table: label } });
      } catch (e) {
        // Not committed (or a conflict): the attempt's metadata files are orphans, unless the
        // outcome is unknown and the tables may reference them.
        await Promise.all(staged.map((s) => discardUncommitted(s.base.io, [s.swap.newLocation], e)));
        throw e;
      }
    }),
  );
}

/** A table's latest state for a retry; `created`: a table this commit creates exists now, as another writer made it. */
async function reload(catalog: Catalog, io: FileIO, c: TableCommit): Promise<{ base: LoadedTable; created?: LoadedTable }> {
  if (!c.pendingCreate) return { base: await loadTable(catalog, io, c.id) };
  if (!(await catalog.tableExists(c.id))) return { base: c.base };
  return { base: c.base, created: await loadTable(catalog, io, c.id) };
}

/** Per property, the smallest of the tables' retry settings. */
function strictest(bases: readonly LoadedTable[]): RetryPolicy {
  const all = bases.map((b) => retryPolicy(b.metadata.properties));
  return {
    numRetries: Math.min(...all.map((p) => p.numRetries)),
    minWaitMs: Math.min(...all.map((p) => p.minWaitMs)),
    maxWaitMs: Math.min(...all.map((p) => p.maxWaitMs)),
    totalTimeoutMs: Math.min(...all.map((p) => p.totalTimeoutMs)),
  };
}

/** The group's unknown outcome: names the tables, not one metadata file. */
function unknownOutcome(label: string, e: unknown, why: string): FloeError {
  return commitStateUnknown(`the commit of ${label}`, e, why, { table: label }, 'the tables');
}

/**
 * The transaction, and what to do when it fails without an answer. Returns the stale tables
 * (none: committed). After an unanswered transaction each table is read back:
 * - landed: the pointer is our file, or commitLanded finds our file or snapshot in its history;
 * - not landed, untouched: the pointer is still the expected one (a create: no entry);
 * - not landed, moved on: the history shows another file replaced the expected one;
 * - undecided: the catalog or the new metadata cannot be read, or the history no longer reaches.
 * The transaction is atomic, so one decided table decides all: landed → committed; not landed
 * → not committed (moved on: a plain conflict, retried; untouched: the original error). Both
 * at once cannot happen in one transaction and, like no decision at all, is an unknown outcome.
 */
async function commitOrVerify(catalog: Catalog, io: FileIO, staged: readonly Staged[], label: string): Promise<TableIdentifier[]> {
  let error: unknown;
  try {
    const r = await inCatalogSwap(label, () => catalog.commitTables(staged.map((s) => s.swap)));
    return r.committed ? [] : r.stale;
  } catch (e) {
    error = e;
  }
  const verdicts: ReadBack['verdict'][] = [];
  for (const s of staged) verdicts.push((await readBack(catalog, io, s.c.id, s.swap.expected, s.ours)).verdict);
  const landed = verdicts.includes('landed');
  const notLanded = verdicts.includes('untouched') || verdicts.includes('moved');
  if (landed && !notLanded) return [];
  if (landed && notLanded) throw unknownOutcome(label, error, 'the tables read back disagree');
  if (!notLanded) throw unknownOutcome(label, error, 'the tables could not be read again, or their history no longer shows it');
  if (verdicts.includes('moved')) return staged.filter((_, i) => verdicts[i] === 'moved').map((s) => s.c.id);
  throw error;
}
