/**
 * Snapshot references as changes (pure): rollback of `main`, tags and branches (spec:
 * "Snapshot References"; Iceberg Java ManageSnapshots). Every change moves or removes a ref
 * with `set-snapshot-ref` / `remove-snapshot-ref`, guarded by `assert-ref-snapshot-id` on
 * the ref's current value, so a concurrent commit makes the commit loop re-plan it against
 * the new table state.
 */
import { alreadyExists, FloeError, notFound, usageError } from '../errors.js';
import type { Snapshot, SnapshotRef, TableMetadata } from '../iceberg/types.js';
import { ancestry } from './ancestry.js';
import { sameRef } from './apply.js';
import { describeRefs, resolveSnapshot, snapshotAsOf, snapshotById } from './snapshot-select.js';
import type { TableChange, TableRequirement, TableUpdate } from './updates.js';

export const MAIN_BRANCH = 'main';

function currentMain(metadata: TableMetadata, table: string): bigint {
  const id = metadata.refs[MAIN_BRANCH]?.['snapshot-id'];
  if (id === undefined) throw notFound(`table ${table} has no snapshots yet`, { context: { table } });
  return id;
}

const guard = (metadata: TableMetadata, ref: string): TableRequirement => ({
  type: 'assert-ref-snapshot-id',
  ref,
  'snapshot-id': metadata.refs[ref]?.['snapshot-id'] ?? null,
});

const uuid = (metadata: TableMetadata): TableRequirement => ({ type: 'assert-table-uuid', uuid: metadata['table-uuid'] });

/** Checks a ref name: non-empty, no surrounding spaces. */
function validateRefName(name: string, table: string): void {
  if (name.trim() === '' || name.trim() !== name) {
    throw usageError(`'${name}' is not a valid branch or tag name for table ${table}`, { context: { table, ref: name } });
  }
}

/**
 * `--snapshot 12345` reads digits as a snapshot id: a new ref named so would be shadowed by
 * any snapshot with that id, so floe does not create one (one another engine made can still
 * be moved, dropped and read).
 */
function validateNewRefName(name: string, table: string): void {
  // A line break or an ESC in a name would break or drive every listing that prints it.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw usageError(`${JSON.stringify(name)} is not a valid name for a new branch or tag of table ${table}: it contains a control character`, {
      context: { table },
    });
  }
  if (/^-?\d+$/.test(name)) {
    throw usageError(`'${name}' is not a valid name for a new branch or tag of table ${table}: a name of digits only reads as a snapshot id`, {
      context: { table, ref: name },
      hint: `give it a letter, e.g. v${name.replace(/^-/, '')}`,
    });
  }
}

// ---------------------------------------------------------------------------------------
// Rollback
// ---------------------------------------------------------------------------------------

/** A snapshot id, the snapshot a tag or branch points at (`--to-snapshot v1`), or a time. */
export type RollbackTarget = { snapshotId: bigint } | { ref: string } | { timestampMs: number };

export interface RollbackPlan {
  from: bigint;
  to: Snapshot;
  change: TableChange;
}

/**
 * Moves `main` back to one of its ancestors (Java rollbackTo / rollbackToTime). By time, the
 * target is the ancestor main held just before that time (ancestorHeldBefore). Rolling back to
 * the current snapshot is a no-op plan (no updates).
 */
export function planRollback(metadata: TableMetadata, target: RollbackTarget, table: string, expectedFrom?: bigint): RollbackPlan {
  const from = currentMain(metadata, table);
  if (expectedFrom !== undefined && from !== expectedFrom) throw refMoved(table, MAIN_BRANCH, expectedFrom, from, 'roll back');
  const history = ancestry(metadata, from);
  let to: Snapshot | undefined;
  if ('snapshotId' in target || 'ref' in target) {
    const s = resolveSnapshot(metadata, 'ref' in target ? { kind: 'ref', name: target.ref } : { kind: 'id', snapshotId: target.snapshotId }, table, 'used').snapshot;
    if (!history.some((a) => a['snapshot-id'] === s['snapshot-id'])) {
      const expired = historyCutBefore(history, s);
      if (expired) {
        throw usageError(`table ${table}: main's history before snapshot ${expired['snapshot-id']} has been expired (its parent ${expired['parent-snapshot-id']} is gone), so its ancestry cannot be followed back to snapshot ${s['snapshot-id']}; rollback only moves main back along the history it still has`, {
          context: { table, snapshot: String(s['snapshot-id']) },
          hint: `to make snapshot ${s['snapshot-id']} current anyway (this drops main's newer commits from main): floe snapshot branch ${table} main --snapshot ${s['snapshot-id']} --replace`,
        });
      }
      throw usageError(`table ${table}: snapshot ${s['snapshot-id']} is not an ancestor of the current snapshot ${from}; rollback only moves main back along its history`, {
        context: { table, snapshot: String(s['snapshot-id']) },
        hint: `to read it, create a branch there: floe snapshot branch ${table} <name> --snapshot ${s['snapshot-id']}; to make it current anyway (say, to undo a rollback): floe snapshot branch ${table} main --snapshot ${s['snapshot-id']} --replace`,
      });
    }
    to = s;
  } else {
    to = ancestorHeldBefore(metadata, history, target.timestampMs);
    if (!to) {
      const when = new Date(target.timestampMs).toISOString();
      throw notFound(`table ${table} has no snapshot in main's history committed before ${when}`, {
        context: { table, time: when },
        hint: history.length > 0 ? `its oldest retained ancestor was committed at ${new Date(history[history.length - 1]!['timestamp-ms']).toISOString()}` : undefined,
      });
    }
  }
  const updates: TableUpdate[] =
    to['snapshot-id'] === from ? [] : [{ action: 'set-snapshot-ref', 'ref-name': MAIN_BRANCH, type: 'branch', 'snapshot-id': to['snapshot-id'], ...retention(metadata.refs[MAIN_BRANCH]) }];
  return { from, to, change: { requirements: [uuid(metadata), guard(metadata, MAIN_BRANCH)], updates } };
}

/**
 * Where main's retained history ends at a parent that has been expired and `target` was
 * committed before that point, the oldest retained ancestor: `target` may have been in main's
 * history, but the parent links that would show it are gone (Iceberg Java refuses the rollback
 * too). Undefined when the history is whole or `target` is newer than where it was cut.
 */
function historyCutBefore(history: readonly Snapshot[], target: Snapshot): Snapshot | undefined {
  const oldest = history[history.length - 1];
  const parent = oldest?.['parent-snapshot-id'];
  if (oldest === undefined || parent === undefined || parent === null) return undefined;
  return target['timestamp-ms'] <= oldest['timestamp-ms'] ? oldest : undefined;
}

/**
 * The ancestor `main` held just before `ms`, by the snapshot log (as `--as-of` reads it): a
 * snapshot committed without moving main (one a run whose checks failed staged, published
 * later with --fast-forward, or a branch's commits fast-forwarded into main) was not the
 * table's state until then, so its own timestamp does not make it a target. Where the log
 * names no ancestor before `ms` (history it lost to expiry, a log another engine did not
 * keep), Java's rollbackToTime rule: the newest ancestor committed before `ms`.
 */
function ancestorHeldBefore(metadata: TableMetadata, history: readonly Snapshot[], ms: number): Snapshot | undefined {
  const byId = new Map(history.map((s) => [s['snapshot-id'], s]));
  let held: Snapshot | undefined;
  for (const e of metadata['snapshot-log']) {
    if (e['timestamp-ms'] < ms && byId.has(e['snapshot-id'])) held = byId.get(e['snapshot-id']);
  }
  return held ?? history.find((a) => a['timestamp-ms'] < ms);
}

/**
 * A retried commit re-plans on the table as it is now. When another writer moved the ref in
 * between, the change the user asked for was decided on a state that is gone: carrying it out
 * would silently undo that writer's commit (a rollback or a branch move would drop its
 * snapshot from the branch). Not retryable: the user decides again.
 */
function refMoved(table: string, ref: string, was: bigint | null, now: bigint | null, verb: string): FloeError {
  const at = (id: bigint | null) => (id === null ? 'nowhere (it did not exist)' : `snapshot ${id}`);
  return new FloeError('conflict', `table ${table}: another writer moved ${ref} from ${at(was)} to ${at(now)} while this command ran; not going to ${verb} over that commit`, {
    retryable: false,
    context: { table, ref, expected: was === null ? null : String(was), actual: now === null ? null : String(now) },
    hint: `look at \`floe snapshots ${table}\` and run the command again if it still applies; the table is unchanged by this command`,
  });
}

/** The snapshot a fast-forward moves the branch to, after checking it only moves forward. */
function fastForwardTarget(metadata: TableMetadata, req: RefRequest, existing: SnapshotRef | undefined, table: string): bigint {
  const from = req.name;
  const to = req.fastForwardTo!;
  if (snapshotGiven(req) || req.replace) throw usageError(`table ${table}: --fast-forward takes no --snapshot, --as-of or --replace: it moves branch '${from}' to the head of '${to}'`, { context: { table, ref: from } });
  if (!existing) throw notFound(`table ${table} has no branch named '${from}' to fast-forward`, { context: { table, ref: from }, hint: describeRefs(metadata) });
  if (existing.type !== 'branch') throw usageError(`table ${table}: '${from}' is a tag; only a branch can be fast-forwarded`, { context: { table, ref: from } });
  // A snapshot id publishes a snapshot no ref holds: the one a run whose checks failed staged
  // (write-audit-publish), once its data is fixed or accepted. Digits are resolved as every
  // --snapshot is: a snapshot id first, then a ref of that name.
  const digits = /^\d+$/.test(to);
  const staged = digits ? metadata.snapshots.find((s) => String(s['snapshot-id']) === to) : undefined;
  if (!staged && !metadata.refs[to]) {
    throw notFound(`table ${table} has no branch or tag named '${to}'${digits ? ` and no snapshot ${to}` : ''}`, { context: { table, ref: to }, hint: describeRefs(metadata) });
  }
  const { snapshot, ref: source } = staged ? { snapshot: staged, ref: undefined } : resolveSnapshot(metadata, { kind: 'ref', name: to }, table, 'used');
  const target = snapshot['snapshot-id'];
  if (source && req.expectedFastForwardTarget !== undefined && target !== req.expectedFastForwardTarget) {
    throw refMoved(table, `${source.type} '${to}'`, req.expectedFastForwardTarget, target, `fast-forward '${from}' to it`);
  }
  if (!ancestry(metadata, target).some((a) => a['snapshot-id'] === existing['snapshot-id'])) {
    throw usageError(`table ${table}: cannot fast-forward branch '${from}' to '${to}' (snapshot ${target}): ${from}'s snapshot ${existing['snapshot-id']} is not an ancestor of it`, {
      context: { table, ref: from },
      hint: `'${from}' has commits that '${to}' lacks; to move it anyway (dropping them from '${from}'), give --snapshot ${target} --replace`,
    });
  }
  return target;
}

/**
 * Retention values must be positive: Iceberg Java's SnapshotRef builder (which reads every
 * ref of a metadata file) refuses 0, so a `--retain 0s` ref would make the table unloadable
 * in Spark and Trino. (A zero --retain-last is refused where the option is read.)
 */
function validateRetention(req: RefRequest, table: string): void {
  const zero = (what: string, v: number | undefined) => {
    if (v !== undefined && !(v > 0)) {
      throw usageError(`${what} must be longer than 0 for table ${table}'s ${req.name}: Iceberg readers refuse a ref that expires at once`, {
        context: { table, ref: req.name },
        hint: 'give at least 1s; to remove the ref now, use --drop',
      });
    }
  };
  zero('--retain', req.maxRefAgeMs);
  zero('--max-snapshot-age', req.maxSnapshotAgeMs);
  if (req.minSnapshotsToKeep !== undefined && !(req.minSnapshotsToKeep >= 1)) throw usageError(`--retain-last must be 1 or more for table ${table}'s ${req.name}`, { context: { table, ref: req.name } });
}

/** The retention settings of a ref, carried over when the ref moves. */
export function retention(ref: SnapshotRef | undefined): Pick<SnapshotRef, 'max-ref-age-ms' | 'max-snapshot-age-ms' | 'min-snapshots-to-keep'> {
  const out: Pick<SnapshotRef, 'max-ref-age-ms' | 'max-snapshot-age-ms' | 'min-snapshots-to-keep'> = {};
  if (ref?.['max-ref-age-ms'] !== undefined) out['max-ref-age-ms'] = ref['max-ref-age-ms'];
  if (ref?.['max-snapshot-age-ms'] !== undefined) out['max-snapshot-age-ms'] = ref['max-snapshot-age-ms'];
  if (ref?.['min-snapshots-to-keep'] !== undefined) out['min-snapshots-to-keep'] = ref['min-snapshots-to-keep'];
  return out;
}

// ---------------------------------------------------------------------------------------
// Tags and branches
// ---------------------------------------------------------------------------------------

export interface RefRequest {
  name: string;
  /** The snapshot to point at; default: the current snapshot of main. */
  snapshotId?: bigint;
  /** Or: the snapshot this tag or branch points at (`--snapshot v1`, as `floe query --snapshot` reads it). */
  snapshotRef?: string;
  /** Or: the snapshot main pointed at at this time (`--as-of`, ms since the epoch; the snapshot log, as `floe query --as-of`). */
  asOfMs?: number;
  /** Remove the ref instead. */
  drop?: boolean;
  /** Allow moving (or changing) an existing ref. */
  replace?: boolean;
  /** Tags and branches: how long the ref itself is kept (spec: max-ref-age-ms). */
  maxRefAgeMs?: number;
  /** Branches only. */
  minSnapshotsToKeep?: number;
  maxSnapshotAgeMs?: number;
  /**
   * On a retried commit: the snapshot the ref held when the command first planned (null: it
   * did not exist). A ref another writer moved since then is a conflict, not a silent overwrite.
   */
  expectedBefore?: bigint | null;
  /**
   * Branches only: move this existing branch to the head of that branch or tag, only if the
   * branch's snapshot is an ancestor of it (Java ManageSnapshots.fastForwardBranch): publishing
   * an audited branch to main without dropping anything main has.
   */
  fastForwardTo?: string;
  /** On a retried fast-forward: the head of `fastForwardTo` when the command first planned. */
  expectedFastForwardTarget?: bigint;
}

export interface RefPlan {
  action: 'created' | 'replaced' | 'updated' | 'dropped' | 'unchanged';
  name: string;
  type: 'tag' | 'branch';
  /** The ref's snapshot before (null: it did not exist). */
  before: bigint | null;
  /** The ref's snapshot after (null: dropped). */
  after: bigint | null;
  change: TableChange;
}

const snapshotGiven = (req: RefRequest) => req.snapshotId !== undefined || req.snapshotRef !== undefined || req.asOfMs !== undefined;

/** The snapshot `--snapshot ID|REF` or `--as-of TIME` names, if one was given. */
function requestedSnapshot(metadata: TableMetadata, req: RefRequest, table: string): bigint | undefined {
  if ([req.snapshotId, req.snapshotRef, req.asOfMs].filter((v) => v !== undefined).length > 1) {
    throw usageError(`give one of --snapshot or --as-of for table ${table}'s ${req.name}`, { context: { table, ref: req.name } });
  }
  if (req.snapshotRef !== undefined) return resolveSnapshot(metadata, { kind: 'ref', name: req.snapshotRef }, table, 'used').snapshot['snapshot-id'];
  if (req.asOfMs !== undefined) return snapshotAsOf(metadata, req.asOfMs, table)['snapshot-id'];
  if (req.snapshotId !== undefined) return resolveSnapshot(metadata, { kind: 'id', snapshotId: req.snapshotId }, table, 'used').snapshot['snapshot-id'];
  return undefined;
}

/** Creates, moves, updates or drops a tag (`type: 'tag'`) or branch (`type: 'branch'`). */
export function planRef(metadata: TableMetadata, type: 'tag' | 'branch', req: RefRequest, table: string): RefPlan {
  const { name } = req;
  validateRefName(name, table);
  const existing = metadata.refs[name];
  const before = existing?.['snapshot-id'] ?? null;
  if (req.expectedBefore !== undefined && before !== req.expectedBefore) {
    throw refMoved(table, `${existing?.type ?? type} '${name}'`, req.expectedBefore, before, req.drop ? 'drop it' : 'change it');
  }
  if (!existing && !req.drop) validateNewRefName(name, table);
  if (existing && existing.type !== type) {
    throw usageError(`table ${table}: '${name}' is a ${existing.type}, not a ${type}`, {
      context: { table, ref: name },
      hint: `use floe snapshot ${existing.type} to change it`,
    });
  }
  validateRetention(req, table);
  const requirements = [uuid(metadata), guard(metadata, name)];
  const retentionGiven = req.maxRefAgeMs !== undefined || req.minSnapshotsToKeep !== undefined || req.maxSnapshotAgeMs !== undefined;
  if (req.drop) {
    if (name === MAIN_BRANCH) throw usageError(`table ${table}: the main branch cannot be dropped`, { context: { table, ref: name } });
    if (snapshotGiven(req) || req.replace || retentionGiven || req.fastForwardTo !== undefined) {
      throw usageError(`table ${table}: --drop takes no --snapshot, --as-of, --replace, --fast-forward or retention options (it removes ${type} '${name}')`, { context: { table, ref: name } });
    }
    if (!existing) {
      throw notFound(`table ${table} has no ${type} named '${name}'`, { context: { table, ref: name }, hint: describeRefs(metadata) });
    }
    return {
      action: 'dropped',
      name,
      type,
      before: existing['snapshot-id'],
      after: null,
      change: { requirements, updates: [{ action: 'remove-snapshot-ref', 'ref-name': name }] },
    };
  }
  if (type === 'tag' && name === MAIN_BRANCH) throw usageError(`table ${table}: 'main' is the main branch and cannot be a tag`, { context: { table } });
  // Without --snapshot: a new ref starts at main's head, a retention change keeps the ref where
  // it is, and --replace moves it to main's head (the help's default; Spark's CREATE OR
  // REPLACE TAG|BRANCH does the same), rather than leaving it where it was.
  const asked = req.fastForwardTo !== undefined ? undefined : requestedSnapshot(metadata, req, table);
  const target =
    req.fastForwardTo !== undefined
      ? fastForwardTarget(metadata, req, existing, table)
      : (asked ?? (existing && !req.replace ? existing['snapshot-id'] : currentMain(metadata, table)));
  snapshotById(metadata, target, table, 'used');
  if (existing && target !== existing['snapshot-id'] && !req.replace && req.fastForwardTo === undefined) {
    throw alreadyExists(`table ${table} already has a ${type} '${name}' at snapshot ${existing['snapshot-id']}`, {
      context: { table, ref: name },
      hint: `give --replace to move it to snapshot ${target}`,
    });
  }
  if (existing && !req.replace && !retentionGiven && req.fastForwardTo === undefined) {
    throw alreadyExists(`table ${table} already has a ${type} '${name}' at snapshot ${existing['snapshot-id']}`, {
      context: { table, ref: name },
      hint: '--replace moves it, --drop removes it, retention options change its retention',
    });
  }
  const ref: SnapshotRef = { ...retention(existing), 'snapshot-id': target, type };
  if (req.maxRefAgeMs !== undefined) ref['max-ref-age-ms'] = req.maxRefAgeMs;
  if (type === 'branch') {
    if (req.minSnapshotsToKeep !== undefined) ref['min-snapshots-to-keep'] = req.minSnapshotsToKeep;
    if (req.maxSnapshotAgeMs !== undefined) ref['max-snapshot-age-ms'] = req.maxSnapshotAgeMs;
  }
  const same = existing !== undefined && sameRef(existing, ref);
  const action: RefPlan['action'] = !existing ? 'created' : same ? 'unchanged' : target !== existing['snapshot-id'] ? 'replaced' : 'updated';
  const updates: TableUpdate[] = same
    ? []
    : [{ action: 'set-snapshot-ref', 'ref-name': name, type, 'snapshot-id': target, ...retention(ref) }];
  return { action, name, type, before: existing?.['snapshot-id'] ?? null, after: target, change: { requirements, updates } };
}
