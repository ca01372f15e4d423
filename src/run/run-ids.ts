/**
 * The run-id record: which run ids a pipeline committed to a table, kept where expiry cannot
 * remove it (pure; state.ts reads it, the run's commit writes it).
 *
 * A run id is first of all a summary key of the snapshot that carries the run's data
 * (state.ts). `floe maintain expire` removes old snapshots, and with them that evidence; a
 * rerun of an expired run id would then append its rows a second time. So every run's commit
 * also updates the table property `floe.run-ids.<pipeline>`: a JSON array of
 * `[run id, snapshot timestamp-ms]`, oldest first, holding the last RUN_IDS_KEPT run ids
 * that moved main. It is computed from the base of each commit attempt (the CAS loop in
 * table/commit.ts rebuilds it after a conflict), so concurrent commits of other pipelines
 * never drop an entry, and it commits in the same metadata file as the data.
 *
 * Tables written before the record existed: the first run commit that sees main's whole
 * history (nothing expired yet) folds every pipeline's run ids from it and sets the marker
 * `floe.run-ids` = `complete` (every pipeline with runs on the table has a record). A
 * pipeline's first commit otherwise starts its own record from what history remains.
 *
 * What a run id is, given the table (runIdStatus):
 * - `committed`: a main ancestor carries it, or the record holds it with a timestamp at or
 *   before main's oldest remaining ancestor (its snapshot was expired off main's history);
 * - `new`: nothing holds it and the record is known to cover the pipeline's runs: main's
 *   history is complete, or the pipeline has a record, or the table has the marker. A recorded
 *   run id whose snapshot is newer than the oldest ancestor but not on main was rolled back
 *   (`floe snapshot rollback`): it is new again;
 * - `unknown`: main's history was expired and nothing recorded this pipeline's runs before
 *   (a table last written by an older floe): the run id may have been committed and expired.
 *   Runs refuse such a run id rather than risk appending twice (run-pipeline.ts).
 *
 * Bounded growth: RUN_IDS_KEPT entries per pipeline (about 12 KiB of metadata for Airflow
 * run ids). A run id that falls out of the record leaves its digest (the first 64 bits of its
 * SHA-256, 11 characters) in the table property `floe.run-id-digests.<pipeline>`, oldest
 * first, which keeps the last DIGESTS_KEPT of them (about 53 KiB): a run id whose digest is
 * there, and whose snapshot is not on main's history while that history was expired, is
 * `committed` too. So a pipeline's last RUN_IDS_KEPT + DIGESTS_KEPT run ids are known; only
 * a run id older than that many later runs of its pipeline, whose snapshot is also expired,
 * counts as new. (A chance collision of two 64-bit digests, about one in 10^15 per run at the
 * full record, would skip a new run.) Refusing every unrecorded run id once the record has
 * dropped any would refuse every fresh id of a scheduler that makes one per run (Airflow), so
 * the record keeps digests instead.
 *
 * The watermark record: the same commit also sets `floe.watermark.<pipeline>` when the
 * snapshot it moves main to carries the pipeline's cursor (state.ts stateSummary): one small
 * JSON object per pipeline, `{"column", "value", "snapshot-id", "timestamp-ms"}`. The run state
 * reads the cursor from main's history first; only when no ancestor carries it (expired) does
 * it read this record (recordedCursor), and only for a snapshot that was expired off main's
 * history, not one rolled back. Without it, a run after an expiry resumed from the greatest
 * cursor in the whole table, which another pipeline writing the same table may have set, and
 * never read this pipeline's own rows below it (state-recover.ts is now the fallback for
 * tables written before the record).
 *
 * A commit that moves main other than by a run (`floe snapshot rollback`, `floe snapshot
 * branch main --replace` or `--fast-forward`) rewrites, in the same commit, each record whose
 * snapshot leaves main's ancestry to the newest remaining ancestor carrying that pipeline's
 * cursor, or removes it (watermarkUpdatesForMainMove), so a record present is one of main's
 * ancestors. Another engine's rollback (Spark's rollback_to_snapshot) does not: until a run of
 * the pipeline commits again, the record of a rolled-back snapshot is told from an expired one
 * only by its time (after main's oldest remaining ancestor: rolled back), which an expiry
 * after that rollback defeats; the run then resumes from the rolled-back watermark.
 */
import { createHash } from 'node:crypto';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import { ancestry } from '../table/ancestry.js';
import type { TableChange, TableUpdate } from '../table/updates.js';
import { SUMMARY } from './summary-keys.js';

/** Table property `floe.run-ids.<pipeline>`: the pipeline's last run ids. */
export const RUN_IDS_PREFIX = 'floe.run-ids.';
/** Table property `floe.run-ids` = `complete`: every pipeline that committed runs has a record. */
export const RUN_IDS_MARKER = 'floe.run-ids';
/** Run ids kept per pipeline. */
export const RUN_IDS_KEPT = 200;
/** Table property `floe.run-id-digests.<pipeline>`: digests of the run ids that fell out of the record. */
const RUN_ID_DIGESTS_PREFIX = 'floe.run-id-digests.';
/** Digests kept per pipeline, beyond the RUN_IDS_KEPT run ids. */
export const DIGESTS_KEPT = 4800;
/** Characters of one digest: 64 bits in base64url without padding. */
const DIGEST_CHARS = 11;

/** Table property `floe.watermark.<pipeline>`: the cursor of the pipeline's last run that moved main. */
export const WATERMARK_PREFIX = 'floe.watermark.';

export type RunEntry = readonly [runId: string, timestampMs: number];

/** A pipeline's watermark record. */
export interface RecordedCursor {
  column: string;
  value: string;
  snapshotId: string;
  timestampMs: number;
}

export function watermarkKey(pipeline: string): string {
  return WATERMARK_PREFIX + pipeline;
}

/** The watermark record of `pipeline`, or undefined when there is none or it does not parse. */
export function readWatermark(properties: Readonly<Record<string, string>>, pipeline: string): RecordedCursor | undefined {
  const text = properties[watermarkKey(pipeline)];
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Record<string, unknown> | null;
    if (typeof v?.column !== 'string' || typeof v.value !== 'string' || typeof v['snapshot-id'] !== 'string' || typeof v['timestamp-ms'] !== 'number') return undefined;
    return { column: v.column, value: v.value, snapshotId: v['snapshot-id'], timestampMs: v['timestamp-ms'] };
  } catch {
    return undefined;
  }
}

/**
 * The cursor of `pipeline` on `column` from its watermark record, when no snapshot on main's
 * history carries one (`history`: main's ancestry, newest first) because its snapshot was
 * expired: main's history was expired and the record's snapshot is at or before its oldest
 * remaining ancestor. A record of a snapshot newer than that, which is not on main, was rolled
 * back: it does not count (the run then falls back as before the record existed). Pure.
 */
export function recordedCursor(m: TableMetadata, history: readonly Snapshot[], pipeline: string, column: string | undefined): string | undefined {
  if (column === undefined) return undefined;
  const r = readWatermark(m.properties ?? {}, pipeline);
  const oldest = history.at(-1);
  if (!r || r.column !== column || !oldest || historyComplete(history)) return undefined;
  if (history.some((s) => String(s['snapshot-id']) === r.snapshotId)) return r.value;
  return r.timestampMs <= oldest['timestamp-ms'] ? r.value : undefined;
}

/**
 * The property updates that keep every watermark record true when main moves to snapshot `to`
 * by other than a run's commit (`floe snapshot rollback`, `floe snapshot branch main
 * --replace`). A record whose snapshot is not an ancestor of `to` would otherwise be read, once
 * main's history is expired, as if it had been expired off main, and a run would resume from a
 * watermark whose rows were rolled back. Each record is rewritten to the newest ancestor of `to`
 * that carries the pipeline's cursor on the same column; with none, a record whose snapshot is
 * still in the table (so not an ancestor of `to`) is removed. A record whose snapshot was
 * already expired is kept: it was an ancestor of main when it expired (recordedCursor). Pure.
 */
export function watermarkUpdatesForMainMove(base: TableMetadata, to: bigint): TableUpdate[] {
  const history = ancestry(base, to);
  const present = new Set(base.snapshots.map((s) => String(s['snapshot-id'])));
  const updates: Record<string, string> = {};
  const removals: string[] = [];
  for (const key of Object.keys(base.properties ?? {})) {
    if (!key.startsWith(WATERMARK_PREFIX)) continue;
    const pipeline = key.slice(WATERMARK_PREFIX.length);
    const r = readWatermark(base.properties, pipeline);
    if (!r) continue;
    const newest = history.find((s) => s.summary[SUMMARY.pipeline] === pipeline && s.summary[SUMMARY.cursorColumn] === r.column && s.summary[SUMMARY.cursorValue] !== undefined);
    if (newest) {
      if (String(newest['snapshot-id']) !== r.snapshotId) {
        updates[key] = JSON.stringify({ column: r.column, value: newest.summary[SUMMARY.cursorValue], 'snapshot-id': String(newest['snapshot-id']), 'timestamp-ms': newest['timestamp-ms'] });
      }
    } else if (present.has(r.snapshotId)) {
      removals.push(key);
    }
  }
  const out: TableUpdate[] = [];
  if (Object.keys(updates).length) out.push({ action: 'set-properties', updates });
  if (removals.length) out.push({ action: 'remove-properties', removals });
  return out;
}

export type RunIdStatus = 'committed' | 'new' | 'unknown';

export function runIdsKey(pipeline: string): string {
  return RUN_IDS_PREFIX + pipeline;
}

/** The record of `pipeline`, or undefined when the table has none (or it does not parse: then it is rebuilt). */
export function readRunIds(properties: Readonly<Record<string, string>>, pipeline: string): RunEntry[] | undefined {
  const text = properties[runIdsKey(pipeline)];
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return undefined;
    return v.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number');
  } catch {
    return undefined;
  }
}

export function runIdDigestsKey(pipeline: string): string {
  return RUN_ID_DIGESTS_PREFIX + pipeline;
}

/** A run id's digest as stored in `floe.run-id-digests.<pipeline>`. */
export function runIdDigest(runId: string): string {
  return createHash('sha256').update(runId, 'utf8').digest().subarray(0, 8).toString('base64url');
}

/** Whether the digests of `pipeline` hold `runId`'s (only whole, aligned digests count). */
export function digestsHold(properties: Readonly<Record<string, string>>, pipeline: string, runId: string): boolean {
  const text = properties[runIdDigestsKey(pipeline)];
  if (!text) return false;
  const d = runIdDigest(runId);
  for (let at = text.indexOf(d); at >= 0; at = text.indexOf(d, at + 1)) if (at % DIGEST_CHARS === 0) return true;
  return false;
}

/**
 * The properties for `record` (any length) of `pipeline` on `base`: its last RUN_IDS_KEPT
 * entries, and the digests of the ones it drops appended to the pipeline's digests (when
 * there are any). Pure.
 */
function recordUpdates(base: Readonly<Record<string, string>>, pipeline: string, record: readonly RunEntry[]): Record<string, string> {
  const out: Record<string, string> = { [runIdsKey(pipeline)]: JSON.stringify(record.slice(-RUN_IDS_KEPT)) };
  const dropped = record.slice(0, Math.max(0, record.length - RUN_IDS_KEPT));
  if (dropped.length) {
    const before = base[runIdDigestsKey(pipeline)] ?? '';
    const all = before.slice(before.length % DIGEST_CHARS) + dropped.map((e) => runIdDigest(e[0])).join('');
    out[runIdDigestsKey(pipeline)] = all.slice(-DIGESTS_KEPT * DIGEST_CHARS);
  }
  return out;
}

/** Main's history reaches the table's first snapshot (or there is none): nothing was expired. */
export function historyComplete(history: readonly Snapshot[]): boolean {
  const oldest = history.at(-1);
  return oldest === undefined || oldest['parent-snapshot-id'] === undefined || oldest['parent-snapshot-id'] === null;
}

/** A test of whether a snapshot was committed by `pipeline`'s run `runId` (its summary says so). */
export function ofRun(pipeline: string, runId: string): (s: { summary: Readonly<Record<string, string>> }) => boolean {
  return (s) => s.summary[SUMMARY.pipeline] === pipeline && s.summary[SUMMARY.runId] === runId;
}

/** The run ids of `pipeline` still on main's history, oldest first. */
function historyRuns(history: readonly Snapshot[], pipeline: string): RunEntry[] {
  const out: RunEntry[] = [];
  for (const s of history) {
    const id = s.summary[SUMMARY.runId];
    if (s.summary[SUMMARY.pipeline] === pipeline && id !== undefined) out.push([id, s['timestamp-ms']]);
  }
  return out.reverse();
}

export function runIdStatus(m: TableMetadata | undefined, pipeline: string, runId: string): RunIdStatus {
  if (!m) return 'new';
  const history = ancestry(m);
  if (history.some(ofRun(pipeline, runId))) return 'committed';
  const complete = historyComplete(history);
  const properties = m.properties ?? {};
  const record = readRunIds(properties, pipeline);
  const entry = record?.findLast((e) => e[0] === runId);
  const oldest = history.at(-1);
  // Not on main: expired off its history (older than what remains), or rolled back (newer).
  if (entry && !complete && oldest && entry[1] <= oldest['timestamp-ms']) return 'committed';
  // Fell out of the record (older than its last RUN_IDS_KEPT runs) and expired off main.
  if (!entry && !complete && digestsHold(properties, pipeline, runId)) return 'committed';
  if (complete || record !== undefined || properties[RUN_IDS_MARKER] === 'complete') return 'new';
  return 'unknown';
}

/**
 * The property updates the commit `change` (built on `base`) carries for `pipeline`: its
 * record with `runId` added when the change moves main to a snapshot of this run (a staged,
 * unpublished snapshot is not a committed run), started from history when absent; on a base
 * with its whole history, the marker and every other pipeline's record as well.
 * `runId` undefined: the run's id was not chosen by the caller and is never asked for again.
 */
export function runIdUpdates(base: TableMetadata, change: TableChange, pipeline: string, runId: string | undefined): TableUpdate[] {
  const history = ancestry(base);
  const updates: Record<string, string> = {};
  const existing = readRunIds(base.properties, pipeline);
  let record = existing ?? historyRuns(history, pipeline);
  const moved = runId === undefined ? undefined : snapshotMovingMain(change, pipeline, runId);
  if (runId !== undefined && moved) record = [...record.filter((e) => e[0] !== runId), [runId, moved['timestamp-ms']]];
  if (existing === undefined || moved) Object.assign(updates, recordUpdates(base.properties, pipeline, record));
  const cursor = cursorMovingMain(change, pipeline);
  if (cursor) {
    updates[watermarkKey(pipeline)] = JSON.stringify({
      column: cursor.summary[SUMMARY.cursorColumn],
      value: cursor.summary[SUMMARY.cursorValue],
      'snapshot-id': String(cursor['snapshot-id']),
      'timestamp-ms': cursor['timestamp-ms'],
    });
  }
  if (base.properties[RUN_IDS_MARKER] !== 'complete' && historyComplete(history)) {
    updates[RUN_IDS_MARKER] = 'complete';
    const others = new Set(history.map((s) => s.summary[SUMMARY.pipeline]).filter((p): p is string => p !== undefined && p !== pipeline));
    for (const other of others) {
      if (readRunIds(base.properties, other) === undefined) Object.assign(updates, recordUpdates(base.properties, other, historyRuns(history, other)));
    }
  }
  return Object.keys(updates).length ? [{ action: 'set-properties', updates }] : [];
}

/** The snapshot `change` adds for this run when it also sets main to it. */
function snapshotMovingMain(change: TableChange, pipeline: string, runId: string): Snapshot | undefined {
  const main = change.updates.find((u) => u.action === 'set-snapshot-ref' && u['ref-name'] === 'main');
  if (!main || main.action !== 'set-snapshot-ref') return undefined;
  for (const u of change.updates) {
    if (u.action === 'add-snapshot' && u.snapshot['snapshot-id'] === main['snapshot-id'] && ofRun(pipeline, runId)(u.snapshot)) return u.snapshot;
  }
  return undefined;
}

/** The snapshot `change` adds and sets main to, when `pipeline` committed it with a cursor. */
function cursorMovingMain(change: TableChange, pipeline: string): Snapshot | undefined {
  const main = change.updates.find((u) => u.action === 'set-snapshot-ref' && u['ref-name'] === 'main');
  if (!main || main.action !== 'set-snapshot-ref') return undefined;
  for (const u of change.updates) {
    if (u.action !== 'add-snapshot' || u.snapshot['snapshot-id'] !== main['snapshot-id']) continue;
    const sum = u.snapshot.summary;
    if (sum[SUMMARY.pipeline] === pipeline && sum[SUMMARY.cursorColumn] !== undefined && sum[SUMMARY.cursorValue] !== undefined) return u.snapshot;
  }
  return undefined;
}

/** `change` with the run-id record's and the watermark record's updates appended (the amendChange hook of writeTable). */
export function withRunIds(base: TableMetadata, change: TableChange, pipeline: string, runId: string | undefined): TableChange {
  const extra = runIdUpdates(base, change, pipeline, runId);
  return extra.length ? { ...change, updates: [...change.updates, ...extra] } : change;
}
