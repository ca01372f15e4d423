/**
 * Planning snapshot expiry (pure: no IO, no clock). The rules are those of the spec
 * ("Snapshot Retention Policy") and of Iceberg Java's RemoveSnapshots, so a table keeps the
 * same snapshots whichever engine expires it:
 *
 * - A ref other than `main` whose snapshot is older than its `max-ref-age-ms` (default: the
 *   table property `history.expire.max-ref-age-ms`, never) is removed. `main` never expires.
 * - Every remaining tag keeps its snapshot.
 * - Every remaining branch keeps its head and walks back through its ancestors, keeping each
 *   while fewer than `min-snapshots-to-keep` are kept or while it is younger than
 *   `max-snapshot-age-ms`; the first ancestor that fails both ends the walk. A branch's own
 *   settings win; otherwise the defaults apply: `--retain-last` / `--older-than` when given,
 *   else the table properties `history.expire.min-snapshots-to-keep` (1) and
 *   `history.expire.max-snapshot-age-ms` (5 days).
 * - A snapshot no ref reaches (a staged write-audit-publish snapshot, a rolled-back one) is
 *   kept while it is younger than the default age.
 * - Everything else expires, through one `remove-snapshots` update.
 */
import { usageError } from '../errors.js';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import { ancestry } from './ancestry.js';
import { GC_ENABLED, gcEnabled } from './table-properties.js';
import type { ReachableFiles } from './reachable.js';
import type { TableChange } from './updates.js';

export const MAX_SNAPSHOT_AGE_MS = 'history.expire.max-snapshot-age-ms';
export const MIN_SNAPSHOTS_TO_KEEP = 'history.expire.min-snapshots-to-keep';
export const MAX_REF_AGE_MS = 'history.expire.max-ref-age-ms';
const MAX_SNAPSHOT_AGE_DEFAULT = 5 * 86_400_000;
const MIN_SNAPSHOTS_DEFAULT = 1;

export interface ExpireOptions {
  /** Milliseconds since the epoch: the time ages are measured from. */
  now: number;
  /** `--older-than`: snapshots older than this many ms may expire (default: table property). */
  olderThanMs?: number;
  /** `--retain-last`: every branch keeps at least this many of its ancestors (default: table property). */
  retainLast?: number;
}

export interface ExpirePlan {
  /** Snapshots to remove, oldest first. */
  expire: Snapshot[];
  /** Ids of the snapshots that stay. */
  retain: bigint[];
  /** Refs removed because they outlived their max-ref-age-ms. */
  removeRefs: string[];
  /** The defaults used: snapshots older than this time may expire. */
  expireOlderThanMs: number;
  minSnapshotsToKeep: number;
}

/** The largest value of Iceberg's long: what Java writes for "never" (its max-ref-age-ms default). */
const LONG_MAX = 2n ** 63n - 1n;
/**
 * Longer than any age a snapshot or ref can reach (the range of a JavaScript Date, in ms): a
 * larger setting, up to Long.MAX_VALUE, means the same, and a time counted back from now by
 * it is still a time (the plan's expireOlderThanMs is printed).
 */
const NEVER_MS = 8.64e15;

/** A non-negative long table property; values beyond NEVER_MS count as NEVER_MS. */
function intProperty(props: Record<string, string>, key: string, table: string): number | undefined {
  const v = props[key];
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^\d+$/.test(t) || BigInt(t) > LONG_MAX) {
    throw usageError(`table ${table}: property ${key}='${v}' is not a non-negative integer of at most ${LONG_MAX} (a long)`, { context: { table, property: key } });
  }
  return Math.min(Number(t), NEVER_MS);
}

/** Checks the command-line options; throws a usage error naming the option. */
export function validateExpireOptions(opts: Pick<ExpireOptions, 'olderThanMs' | 'retainLast'>, table: string): void {
  if (opts.retainLast !== undefined && (!Number.isSafeInteger(opts.retainLast) || opts.retainLast < 1)) {
    const what = opts.retainLast < 0 ? `for table ${table} is negative` : `would retain no snapshot of table ${table}`;
    throw usageError(`--retain-last ${opts.retainLast} ${what}: give 1 or more`, {
      context: { table },
      hint: 'the head of every branch is always retained; --retain-last counts it',
    });
  }
  if (opts.olderThanMs !== undefined && (!Number.isFinite(opts.olderThanMs) || opts.olderThanMs < 0)) {
    throw usageError(`--older-than must not be negative`, { context: { table } });
  }
}

/** Refuses to delete files of a table whose gc.enabled is not true, as Iceberg Java does (table-properties.ts). */
export function checkGcEnabled(metadata: TableMetadata, table: string, what: string): void {
  if (!gcEnabled(metadata.properties)) {
    const v = metadata.properties[GC_ENABLED]!;
    const read = v.toLowerCase() === 'false' ? 'false' : `'${v}', which Iceberg reads as false`;
    throw usageError(`cannot ${what} table ${table}: its property ${GC_ENABLED} is ${read} (its files may be shared with other tables)`, {
      context: { table, property: GC_ENABLED },
      hint: `set ${GC_ENABLED}=true on the table if floe may delete its files${what === 'purge' ? ', or drop it without --purge (every file stays)' : ''}`,
    });
  }
}

export function planExpire(metadata: TableMetadata, opts: ExpireOptions, table: string): ExpirePlan {
  validateExpireOptions(opts, table);
  const props = metadata.properties;
  const defaultAge = opts.olderThanMs ?? intProperty(props, MAX_SNAPSHOT_AGE_MS, table) ?? MAX_SNAPSHOT_AGE_DEFAULT;
  const minKeep = opts.retainLast ?? intProperty(props, MIN_SNAPSHOTS_TO_KEEP, table) ?? MIN_SNAPSHOTS_DEFAULT;
  if (minKeep < 1) throw usageError(`table ${table}: ${MIN_SNAPSHOTS_TO_KEEP} must be at least 1`, { context: { table } });
  const defaultRefAge = intProperty(props, MAX_REF_AGE_MS, table);
  const expireOlderThan = opts.now - defaultAge;
  const byId = new Map(metadata.snapshots.map((s) => [s['snapshot-id'], s]));

  const removeRefs: string[] = [];
  const retained = new Set<bigint>();
  const referenced = new Set<bigint>();
  for (const [name, ref] of Object.entries(metadata.refs).sort(([a], [b]) => a.localeCompare(b))) {
    const snapshot = byId.get(ref['snapshot-id']);
    const maxRefAge = ref['max-ref-age-ms'] ?? defaultRefAge;
    if (name !== 'main' && snapshot && maxRefAge !== undefined && opts.now - snapshot['timestamp-ms'] > maxRefAge) {
      removeRefs.push(name);
      continue;
    }
    if (ref.type === 'tag') {
      retained.add(ref['snapshot-id']);
      referenced.add(ref['snapshot-id']);
      continue;
    }
    const olderThan = ref['max-snapshot-age-ms'] !== undefined ? opts.now - ref['max-snapshot-age-ms'] : expireOlderThan;
    const keep = ref['min-snapshots-to-keep'] ?? minKeep;
    let kept = 0;
    for (const a of ancestry(metadata, ref['snapshot-id'])) {
      referenced.add(a['snapshot-id']);
      if (kept < keep || a['timestamp-ms'] >= olderThan) {
        retained.add(a['snapshot-id']);
        kept++;
      } else break;
    }
    // Ancestors past the walk are still referenced by the branch (they expire, they are not "unreferenced").
  }
  // Snapshots no remaining ref reaches: kept while younger than the default age.
  for (const s of metadata.snapshots) {
    if (!referenced.has(s['snapshot-id']) && s['timestamp-ms'] >= expireOlderThan) retained.add(s['snapshot-id']);
  }
  const expire = metadata.snapshots
    .filter((s) => !retained.has(s['snapshot-id']))
    .sort((a, b) => a['timestamp-ms'] - b['timestamp-ms'] || Number(a['sequence-number'] - b['sequence-number']));
  return {
    expire,
    retain: metadata.snapshots.filter((s) => retained.has(s['snapshot-id'])).map((s) => s['snapshot-id']),
    removeRefs,
    expireOlderThanMs: expireOlderThan,
    minSnapshotsToKeep: minKeep,
  };
}

/**
 * The change that applies a plan: expired refs go, then the snapshots. It asserts that every
 * ref the plan relied on is where it was, so a concurrent commit makes it re-plan.
 */
export function expireChange(metadata: TableMetadata, plan: ExpirePlan): TableChange {
  const requirements: TableChange['requirements'] = [{ type: 'assert-table-uuid', uuid: metadata['table-uuid'] }];
  for (const [name, ref] of Object.entries(metadata.refs)) {
    requirements.push({ type: 'assert-ref-snapshot-id', ref: name, 'snapshot-id': ref['snapshot-id'] });
  }
  const updates: TableChange['updates'] = plan.removeRefs.map((name) => ({ action: 'remove-snapshot-ref' as const, 'ref-name': name }));
  if (plan.expire.length > 0) updates.push({ action: 'remove-snapshots', 'snapshot-ids': plan.expire.map((s) => s['snapshot-id']) });
  return { requirements, updates };
}

/** What an expiry deletes once its commit succeeded, by kind, each sorted. */
export interface ExpiredFiles {
  contentFiles: string[];
  manifests: string[];
  manifestLists: string[];
  statisticsFiles: string[];
}

/**
 * The files only expired snapshots reached: everything the expired snapshots reach minus
 * everything any retained snapshot (of any branch or tag, or unreferenced) still reaches.
 */
export function planExpiredFiles(expired: ReachableFiles, retained: ReachableFiles): ExpiredFiles {
  return {
    contentFiles: expired.contentFiles.minus(retained.contentFiles),
    manifests: expired.manifests.minus(retained.manifests),
    manifestLists: expired.manifestLists.minus(retained.manifestLists),
    statisticsFiles: expired.statisticsFiles.minus(retained.statisticsFiles),
  };
}

export function countExpiredFiles(f: ExpiredFiles): number {
  return f.contentFiles.length + f.manifests.length + f.manifestLists.length + f.statisticsFiles.length;
}
