/**
 * The commit loop (DESIGN §1 "Catalog", "Two-phase writes").
 *
 * 1. Build a TableChange against the latest metadata (the caller's `build`, which must be
 *    re-appliable: appends simply re-run on the new base; overwrites re-validate; a pipeline
 *    run's `validate` first checks that no other run of it committed meanwhile).
 * 2. Apply it purely (apply.ts checks the requirements against that base).
 * 3. Write `NNNNN-<uuid>.metadata.json` create-only.
 * 4. Compare-and-swap the catalog pointer. Zero rows updated means another writer won:
 *    reload, rebuild, retry with exponential backoff and jitter, governed by the table's
 *    `commit.retry.*` properties with Iceberg's defaults (spec: "Table Properties" in the
 *    configuration docs: num-retries 4, min-wait-ms 100, max-wait-ms 60000,
 *    total-timeout-ms 1800000).
 *
 * A crash at any point leaves the pointer at the old or the new metadata file; files
 * written by a losing attempt are orphans that `floe maintain orphans` removes.
 */
import { randomUUID } from 'node:crypto';
import { backoffWait } from '../backoff.js';
import { atCommitStart, inCatalogSwap, pausePoint } from '../cancel.js';
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { conflictError, FloeError } from '../errors.js';
import { serializeTableMetadata } from '../iceberg/metadata-json.js';
import type { TableIdentifier, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { joinLocation } from '../io/fileio.js';
import { metadataFolder } from './data-location.js';
import { applyChange } from './apply.js';
import { loadTable, type LoadedTable } from './load.js';
import { rememberMetadata } from './metadata-cache.js';
import type { TableChange } from './updates.js';

export interface RetryPolicy {
  numRetries: number;
  minWaitMs: number;
  maxWaitMs: number;
  totalTimeoutMs: number;
}

export function retryPolicy(properties: Record<string, string>): RetryPolicy {
  const int = (key: string, dflt: number) => {
    const v = properties[key];
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) && n >= 0 ? n : dflt;
  };
  return {
    numRetries: int('commit.retry.num-retries', 4),
    minWaitMs: int('commit.retry.min-wait-ms', 100),
    maxWaitMs: int('commit.retry.max-wait-ms', 60_000),
    totalTimeoutMs: int('commit.retry.total-timeout-ms', 1_800_000),
  };
}

/**
 * The wait after failed attempt `attempt` (0 for the first): exponential backoff with "equal"
 * jitter (half the step fixed, half random; src/backoff.ts says why), between minWaitMs and maxWaitMs.
 */
export function backoffMs(attempt: number, p: RetryPolicy, random = Math.random): number {
  return backoffWait({ baseMs: p.minWaitMs, capMs: p.maxWaitMs, floorMs: p.minWaitMs, jitter: 'equal' }, attempt + 1, random);
}

/** `00042-<uuid>.metadata.json`: the version follows the previous file's number. */
export function nextMetadataLocation(previous: string | null, metadata: TableMetadata): string {
  let version = metadata['metadata-log'].length + 1;
  const m = previous ? /(?:^|\/)v?(\d+)(?:-[^/]*)?\.metadata\.json(?:\.gz)?$/.exec(previous) : null;
  if (m?.[1]) version = Number(m[1]) + 1;
  if (previous === null) version = 0;
  const name = `${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
  // In the new metadata's metadata folder: a commit that sets write.metadata.path writes there already, as Java does.
  return joinLocation(metadataFolder(metadata), name);
}

export interface CommitEvents {
  onRetry?: (info: { attempt: number; waitMs: number; table: string }) => void;
  /**
   * Called once per attempt after the new metadata file is written and right before the
   * compare-and-swap. Tests use it to commit a competing change at exactly that point
   * (deterministic interleaving, test/concurrency); it is not for production callers.
   */
  beforeSwap?: (info: { attempt: number; table: string }) => Promise<void>;
  /**
   * Checked on every attempt against the table the attempt builds on, before `build`: a throw
   * ends the commit (a non-retryable conflict when what the caller read no longer holds, e.g.
   * table/conflicts.ts validateNoConcurrentRun). Unlike a check inside `build`, it runs before
   * the write re-runs its audit on a moved base.
   */
  validate?: (base: LoadedTable) => void | Promise<void>;
}

export interface CommitOptions extends CommitEvents {
  /**
   * The table as the caller just loaded it: the first attempt builds on it instead of
   * loading it again. Retries reload as always.
   */
  base?: LoadedTable;
}

export interface CommitResult {
  table: LoadedTable;
  attempts: number;
}

/**
 * Commits a change built against the latest table state, retrying on conflicts.
 * `build` is called once per attempt with the freshly loaded table (on the first attempt,
 * `options.base` when given).
 */
export async function commitTable(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  build: (base: LoadedTable) => Promise<TableChange>,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const { base: given, ...events } = options;
  const name = formatTableId(id);
  const started = Date.now();
  let base = given ?? (await loadTable(catalog, io, id));
  const retry: ConflictRetry = {
    started,
    subject: `table ${name}`,
    table: name,
    hint: 'Another writer keeps changing this table; retry later or raise commit.retry.num-retries.',
    policy: () => retryPolicy(base.metadata.properties),
    onRetry: (attempt, waitMs) => events.onRetry?.({ attempt, waitMs, table: name }),
    reload: async () => {
      base = await loadTable(catalog, io, id);
    },
  };
  // A signal stops the write at the start of an attempt, before the metadata file; past it the attempt is not broken off (src/cancel.ts).
  return retryConflicts(retry, (attempt) => atCommitStart(name, async () => {
    await events.validate?.(base);
    const change = await build(base);
    const { metadata: next, location, bytes, ours } = nextMetadataFile(base, change, Date.now());
    await base.io.write(location, bytes, { createOnly: true });
    await events.beforeSwap?.({ attempt: attempt + 1, table: name });
    let swapped: boolean;
    try {
      swapped = await inCatalogSwap(name, () => swapOrVerify(catalog, io, id, base.metadataLocation, ours));
    } catch (e) {
      // Not committed (a catalog locked too long, a lost connection with the pointer unmoved):
      // the file is an orphan that `table register <folder>` would take for the newest
      // version; kept when the outcome is unknown, as the table may reference it.
      await discardUncommitted(base.io, [location], e);
      throw e;
    }
    if (swapped) {
      // The next load of this table in this process reads these bytes: it reuses `next`.
      rememberMetadata(location, bytes, next);
      await pausePoint('committed', name);
      await deleteDroppedMetadataFiles(base.io, base.metadata, next);
      return { table: { ...base, metadataLocation: location, metadata: next }, attempts: attempt + 1 };
    }
    // Another writer moved the pointer first; our metadata file is now an orphan.
    await base.io.delete(location).catch(() => undefined);
    throw conflictError(`table ${name} was changed by another writer`, { context: { table: name } });
  }));
}

/** What retryConflicts needs to know of a commit (one table's, or several at once). */
export interface ConflictRetry {
  /** When the commit began: `commit.retry.total-timeout-ms` counts from it. */
  started: number;
  /** Names what is committed at the head of the final error: `table ns.t`, or `ns.a, ns.b`. */
  subject: string;
  /** The final error's context `table`. */
  table: string;
  /** The final error's hint. */
  hint: string;
  /** The `commit.retry.*` policy in force, asked again after every reload. */
  policy: () => RetryPolicy;
  /** Told of each retry (1 for the second attempt) and its wait, before the wait. */
  onRetry: (attempt: number, waitMs: number) => void;
  /** Loads the latest table state for the next attempt, after the wait. */
  reload: () => Promise<void>;
}

/**
 * Step 4's retry: runs `attempt` (0 for the first) until it returns. A retryable `conflict`
 * waits backoffMs, reloads and tries again, until the policy's num-retries or
 * total-timeout-ms is spent: then a `conflict` error saying how many attempts failed. Any
 * other error ends the commit as it is.
 */
export async function retryConflicts<T>(r: ConflictRetry, attempt: (attempt: number) => Promise<T>): Promise<T> {
  let policy = r.policy();
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (!(e instanceof FloeError && e.kind === 'conflict' && e.retryable)) throw e;
      const waitMs = backoffMs(n, policy);
      if (n >= policy.numRetries || Date.now() - r.started + waitMs > policy.totalTimeoutMs) {
        throw new FloeError('conflict', `${r.subject}: commit failed after ${n + 1} attempts: ${e.message}`, {
          cause: e,
          context: { table: r.table, attempts: n + 1 },
          hint: r.hint,
        });
      }
      r.onRetry(n + 1, waitMs);
      await new Promise((ok) => setTimeout(ok, waitMs));
      await r.reload();
      policy = r.policy();
    }
  }
}

/** The next metadata file of a commit attempt (steps 2 and 3), not yet written. */
export interface NextMetadataFile {
  metadata: TableMetadata;
  location: string;
  bytes: Uint8Array;
  /** How a read-back recognises this attempt as landed. */
  ours: AttemptIdentity;
}

/**
 * `change` applied to `base` (null: a table to create), named after the base's metadata file
 * and serialised: the caller writes `bytes` create-only to `location`. `now` stamps
 * last-updated-ms, never below the base's.
 */
export function nextMetadataFile(base: Pick<LoadedTable, 'metadata' | 'metadataLocation'> | null, change: TableChange, now: number): NextMetadataFile {
  if (base === null) {
    const metadata = applyChange(null, change, { metadataLocation: null, now });
    const location = nextMetadataLocation(null, metadata);
    const bytes = new TextEncoder().encode(serializeTableMetadata(metadata));
    return { metadata, location, bytes, ours: { location, snapshotIds: metadata.snapshots.map((s) => s['snapshot-id']) } };
  }
  const metadata = applyChange(base.metadata, change, { metadataLocation: base.metadataLocation, now: Math.max(now, base.metadata['last-updated-ms']) });
  const location = nextMetadataLocation(base.metadataLocation, metadata);
  const bytes = new TextEncoder().encode(serializeTableMetadata(metadata, base.metadata));
  return { metadata, location, bytes, ours: { location, snapshotIds: addedSnapshotIds(base.metadata, metadata) } };
}

/** Table property: delete metadata files that fall off the metadata log (Iceberg Java TableProperties). */
const METADATA_DELETE_AFTER_COMMIT = 'write.metadata.delete-after-commit.enabled';

/**
 * After a successful commit, with `write.metadata.delete-after-commit.enabled=true`, deletes
 * the metadata files that were in the old metadata log but not in the new one (the log is
 * capped by `write.metadata.previous-versions-max`, apply.ts). Best effort: the commit stands.
 */
export async function deleteDroppedMetadataFiles(io: FileIO, before: TableMetadata, after: TableMetadata): Promise<void> {
  if ((after.properties[METADATA_DELETE_AFTER_COMMIT] ?? 'false').trim().toLowerCase() !== 'true') return;
  const kept = new Set(after['metadata-log'].map((e) => e['metadata-file']));
  const dropped = before['metadata-log'].map((e) => e['metadata-file']).filter((f) => !kept.has(f));
  await Promise.all(dropped.map((f) => io.delete(f).catch(() => undefined)));
}

/** The error context marking a commit whose outcome could not be decided. */
function isCommitStateUnknown(e: unknown): boolean {
  return e instanceof FloeError && e.context.commitState === 'unknown';
}

/**
 * Cleanup after a failed write: deletes the files the write made, unless `error` says the
 * commit outcome is unknown — then they may be referenced by the table, and only
 * `floe maintain orphans` (which reads what is reachable) may remove them. Best effort.
 */
export async function discardUncommitted(io: FileIO, locations: readonly string[], error: unknown): Promise<void> {
  if (isCommitStateUnknown(error)) return;
  await Promise.all(locations.map((l) => io.delete(l).catch(() => undefined)));
}

/**
 * The error for a commit whose outcome could not be decided (`e`, the unanswered call; `why`
 * it stays undecided): context `commitState: 'unknown'`, so that callers keep the files it may
 * reference (Iceberg's CommitStateUnknownException). `what` heads the message (`table ns.t:
 * the commit of <file>`); `tables` says what to check (`the table`, `the tables`).
 */
export function commitStateUnknown(what: string, e: unknown, why: string, context: { table: string; metadataLocation?: string }, tables: string): FloeError {
  return new FloeError('io', `${what} may or may not have happened (${why}): ${(e as Error).message}`, {
    cause: e,
    context: { ...context, commitState: 'unknown' },
    hint: `Check ${tables} with \`floe snapshots\` before retrying; files of this write are kept (run \`floe maintain orphans\` later).`,
  });
}

/** One table's unknown outcome: names the table and the metadata file that may have landed. */
function unknownOutcome(name: string, location: string, e: unknown, why: string): FloeError {
  return commitStateUnknown(`table ${name}: the commit of ${location}`, e, why, { table: name, metadataLocation: location }, 'the table');
}

/** Snapshots `next` adds to `base`: the ids by which a landed commit is recognised. */
export function addedSnapshotIds(base: TableMetadata, next: TableMetadata): bigint[] {
  const had = new Set(base.snapshots.map((s) => s['snapshot-id']));
  return next.snapshots.map((s) => s['snapshot-id']).filter((s) => !had.has(s));
}

/** What an attempt wrote: its metadata file and the snapshots it adds (maybe none). */
export interface AttemptIdentity {
  location: string;
  snapshotIds: readonly bigint[];
}

/**
 * Did our commit land, judged from the table as it is now (`current`, the pointer, and
 * `later`, the metadata it points at)? True when our metadata file is the pointer or in
 * the metadata log, or one of our new snapshot ids is among the snapshots (they are random
 * 63-bit ids, and the log may be capped by `write.metadata.previous-versions-max`). False
 * when the log shows that the metadata file which replaced `expected` is another one (one
 * swap from `expected` wins). Undefined when neither can be seen: the log was trimmed past
 * both and no snapshot of ours is there (expired, or none added).
 */
export function commitLanded(current: string, later: TableMetadata, expected: string, ours: AttemptIdentity): boolean | undefined {
  if (current === ours.location) return true;
  const log = later['metadata-log'].map((l) => l['metadata-file']);
  if (log.includes(ours.location)) return true;
  const ids = new Set(ours.snapshotIds);
  if (ids.size > 0 && later.snapshots.some((s) => ids.has(s['snapshot-id']))) return true;
  const i = log.lastIndexOf(expected);
  if (i >= 0) return false; // its successor (log[i + 1] or the pointer) is not ours
  return undefined;
}

/**
 * The compare-and-swap, and what to do when it fails without an answer (a dropped
 * connection after the UPDATE may have committed). Then the table is read again and
 * commitLanded decides: committed, or not (a plain conflict: the caller deletes its
 * metadata file and retries). When the pointer moved but the new metadata cannot be read,
 * or does not decide, or even the pointer read fails, the outcome is unknown: the error
 * says so, and its context carries `commitState: 'unknown'` so that callers keep the files
 * it may reference (Iceberg's CommitStateUnknownException) — never a retry, which could
 * commit the same data twice.
 *
 * On Postgres (and any pooled server catalog) the verification reads on another connection
 * than the one that dropped: it sees what has committed so far. A pointer still at
 * `expected` is taken as "not committed" and the original error is rethrown (not retried).
 */
async function swapOrVerify(catalog: Catalog, io: FileIO, id: TableIdentifier, expected: string, ours: AttemptIdentity): Promise<boolean> {
  try {
    return await catalog.swapMetadataLocation(id, expected, ours.location);
  } catch (e) {
    const r = await readBack(catalog, io, id, expected, ours);
    if (r.verdict === 'undecided') throw unknownOutcome(formatTableId(id), ours.location, e, r.why);
    if (r.verdict === 'untouched') throw e;
    return r.verdict === 'landed';
  }
}

/** What reading a table back says of a swap that got no answer. */
export type ReadBack =
  /** The pointer is our file, or commitLanded finds our file or snapshot in its history. */
  | { verdict: 'landed' }
  /** The pointer is still the expected one (a create: there is no entry). */
  | { verdict: 'untouched' }
  /** The history shows that another file replaced the expected one (a create: another writer's first file). */
  | { verdict: 'moved' }
  /** The catalog or the new metadata cannot be read, or the history no longer reaches: `why`. */
  | { verdict: 'undecided'; why: string };

/**
 * Reads table `id` again after its swap from `expected` (null: its creation) to `ours` got no
 * answer, and says whether the swap landed; see ReadBack. Used for one table (swapOrVerify)
 * and for each table of a multi-table commit (commit-many.ts).
 */
export async function readBack(catalog: Catalog, io: FileIO, id: TableIdentifier, expected: string | null, ours: AttemptIdentity): Promise<ReadBack> {
  let current: string;
  try {
    current = (await catalog.getTable(id)).metadataLocation;
  } catch (e) {
    if (expected === null && e instanceof FloeError && e.kind === 'not-found') return { verdict: 'untouched' };
    return { verdict: 'undecided', why: 'the catalog could not be read again' };
  }
  if (current === ours.location) return { verdict: 'landed' };
  if (current === expected) return { verdict: 'untouched' };
  let later: LoadedTable;
  try {
    later = await loadTable(catalog, io, id);
  } catch {
    return { verdict: 'undecided', why: `the new metadata ${current} could not be read` };
  }
  const gone = { verdict: 'undecided', why: `the history of ${later.metadataLocation} no longer shows it` } as const;
  if (expected === null) {
    // A create: our first metadata file or snapshot in the history is ours landing; another
    // first file (version 00000) in it is another writer's create.
    const files = [...later.metadata['metadata-log'].map((l) => l['metadata-file']), later.metadataLocation];
    if (files.includes(ours.location) || later.metadata.snapshots.some((x) => ours.snapshotIds.includes(x['snapshot-id']))) return { verdict: 'landed' };
    return files.some((f) => /(?:^|\/)0+-[^/]*\.metadata\.json$/.test(f)) ? { verdict: 'moved' } : gone;
  }
  const landed = commitLanded(later.metadataLocation, later.metadata, expected, ours);
  return landed === undefined ? gone : { verdict: landed ? 'landed' : 'moved' };
}

/** Creates a table: writes its first metadata file create-only, then inserts the pointer. */
export async function createTable(catalog: Catalog, io: FileIO, id: TableIdentifier, change: TableChange): Promise<LoadedTable> {
  const { metadata, location, bytes } = nextMetadataFile(null, change, Date.now());
  return atCommitStart(formatTableId(id), async () => {
    await io.write(location, bytes, { createOnly: true });
    try {
      await inCatalogSwap(formatTableId(id), () => catalog.createTable(id, location));
    } catch (e) {
      if (!(e instanceof FloeError && e.kind === 'already-exists')) {
        // No answer is not a "no": the insert may have landed. Read the entry back.
        let current: string | undefined;
        try {
          current = (await catalog.getTable(id)).metadataLocation;
        } catch (r) {
          if (!(r instanceof FloeError && r.kind === 'not-found')) throw unknownOutcome(formatTableId(id), location, e, 'the catalog could not be read again');
        }
        if (current === location) return { id, metadataLocation: location, metadata, io };
      }
      await io.delete(location).catch(() => undefined);
      throw e;
    }
    rememberMetadata(location, bytes, metadata);
    return { id, metadataLocation: location, metadata, io };
  });
}
