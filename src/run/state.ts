/**
 * Incremental state lives in the snapshot (DESIGN §1): the cursor's high-watermark and the
 * run id are summary keys of the snapshot that carries the data, so state and data commit
 * atomically. Reading it back walks main's ancestry from the current snapshot. Run ids are
 * also recorded in a table property written by the same commit, so that they outlive
 * `floe maintain expire` (run-ids.ts).
 */
import { configError } from '../errors.js';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import { settingPosition, settingSource } from '../pipeline/setting-position.js';
import { currentColumnTags } from '../governance/tags.js';
import { ancestry } from '../table/ancestry.js';
import { lookbackBound, lookbackText, type LookbackSetting } from '../sources/lookback.js';
import { readWatermark, recordedCursor, runIdStatus, type RunIdStatus } from './run-ids.js';
import { SUMMARY } from './summary-keys.js';

export { SUMMARY };

/** Re-exported for the run-state tests; the walk itself lives in table/ancestry.ts. */
export { ancestry };

export interface PipelineState {
  /** The last committed high-watermark of this pipeline's cursor column, as text. */
  cursor: string | null;
  /**
   * No cursor was found, and main's history does not reach back to the table's first
   * snapshot (its oldest remaining ancestor has an expired parent): the snapshot that held the
   * cursor may have been expired — a compaction or another pipeline's commit after this
   * pipeline's last run, then `floe maintain expire`. Then a missing cursor does not mean that
   * the pipeline never ran (recoverCursor in state-recover.ts).
   */
  historyExpired: boolean;
  /**
   * No cursor was found on the pipeline's cursor column, but the pipeline committed one on
   * another column (its `incremental.cursor` was changed since): the column and that value.
   * Read from the start, every row the pipeline wrote would be read again (and appended a
   * second time); the run resumes after the table's greatest value of the new column instead
   * (run-pipeline.ts, state-recover.ts).
   */
  cursorMoved?: { column: string; value: string };
  /**
   * Whether this run id was committed to main: by a main ancestor's summary, or by the
   * run-id record that survives expiry (run-ids.ts). `unknown` when neither can tell.
   */
  runStatus(runId: string): RunIdStatus;
  /** runStatus(runId) === 'committed'. */
  hasRun(runId: string): boolean;
}

export function readState(m: TableMetadata | undefined, pipeline: string, cursorColumn: string | undefined): PipelineState {
  const history = m ? ancestry(m) : [];
  let cursor: string | null = null;
  for (const s of history) {
    if (s.summary[SUMMARY.pipeline] !== pipeline) continue;
    const value = s.summary[SUMMARY.cursorValue];
    if (value !== undefined && s.summary[SUMMARY.cursorColumn] === cursorColumn) {
      cursor = value;
      break;
    }
  }
  // Its snapshot expired: the watermark record the same commit wrote (run-ids.ts).
  if (cursor === null && m) cursor = recordedCursor(m, history, pipeline, cursorColumn) ?? null;
  const oldest = history.at(-1);
  const historyExpired = cursor === null && oldest !== undefined && oldest['parent-snapshot-id'] !== undefined && oldest['parent-snapshot-id'] !== null;
  const runStatus = (id: string) => runIdStatus(m, pipeline, id);
  const moved = cursor === null && cursorColumn !== undefined ? movedCursor(m, history, pipeline, cursorColumn) : undefined;
  return { cursor, historyExpired, ...(moved ? { cursorMoved: moved } : {}), runStatus, hasRun: (id) => runStatus(id) === 'committed' };
}

/** The pipeline's newest committed cursor on a column other than `column` (main's history, then its watermark record). */
function movedCursor(m: TableMetadata | undefined, history: readonly Snapshot[], pipeline: string, column: string): { column: string; value: string } | undefined {
  for (const s of history) {
    if (s.summary[SUMMARY.pipeline] !== pipeline) continue;
    const other = s.summary[SUMMARY.cursorColumn];
    const value = s.summary[SUMMARY.cursorValue];
    if (other !== undefined && value !== undefined && other !== column) return { column: other, value };
  }
  const r = m ? readWatermark(m.properties ?? {}, pipeline) : undefined;
  return r && r.column !== column ? { column: r.column, value: r.value } : undefined;
}

/**
 * Whether a run resumes after the greatest value of its cursor column in the table
 * (state-recover.ts recoverCursor) instead of a committed watermark: the snapshot that carried
 * the watermark was expired, or an append pipeline's watermark is on another column (its
 * `incremental.cursor` was changed; read from the start, every row would be appended again,
 * while a merge upserts them). Never on `--full-refresh`. Asked by `floe run` and `floe plan`.
 */
export function resumesFromTable(state: PipelineState, mode: string, fullRefresh = false): boolean {
  return !fullRefresh && (state.historyExpired || (state.cursorMoved !== undefined && mode === 'append'));
}

/**
 * An append pipeline whose `incremental.cursor` was changed, on a table that holds no value of
 * the new column (`recovered` undefined) and without `incremental.initial`: refused (exit 2),
 * by `floe run` and `floe plan` alike, rather than read every row from the start again.
 */
export function checkMovedCursor(
  state: PipelineState,
  o: { pipeline: string; table: string; cursor: string; mode: string; initial: string | number | undefined; recovered: string | undefined; fullRefresh?: boolean },
): void {
  const moved = state.cursorMoved;
  if (!moved || o.recovered !== undefined || o.fullRefresh === true || o.mode !== 'append' || o.initial !== undefined) return;
  throw configError(`pipeline ${o.pipeline}: its watermark is on ${moved.column} (${moved.value}), and ${o.table} holds no value of its incremental.cursor ${o.cursor}: read from the start, every row would be appended again`, {
    context: { pipeline: o.pipeline, cursor: o.cursor },
    hint: `Set incremental.initial to the ${o.cursor} to start from, or run once with --full-refresh to reload ${o.table} from the source.`,
  });
}

/**
 * An incremental cursor on a column the table tags as PII (`floe.pii.<column>` with a policy
 * other than `none`, set by hand or by another pipeline; the pipeline's own `pii:` rules are
 * checked when it is validated, schema-pipeline.ts): refused (exit 2) at the cursor's line:col
 * by `floe run` and `floe plan`, since the cursor's greatest value is committed unmasked as the
 * watermark (snapshot summary floe.cursor.value, table property floe.watermark.<pipeline>).
 * `column` is the cursor's name in the table (after a rename).
 */
export function checkTaggedCursor(m: TableMetadata | undefined, o: { pipeline: string; file: string; table: string; cursor: string; column: string }): void {
  if (!m) return;
  const name = o.column.toLowerCase();
  const tag = currentColumnTags(m, o.table).find((c) => c.column.toLowerCase() === name && c.policy !== 'none');
  if (!tag) return;
  const at = settingPosition(o.file, ['source', 'incremental', 'cursor']);
  const where = at ? `${o.file}:${at.line}:${at.col}: source.incremental.cursor` : `pipeline ${o.pipeline} (${o.file}): incremental.cursor`;
  throw configError(`${where}: the incremental cursor ${o.cursor} is a column ${o.table} tags PII (${tag.tag}: ${tag.policy}): its greatest value is the watermark, stored unmasked in the table's metadata (snapshot summary floe.cursor.value, table property floe.watermark.${o.pipeline}) that floe snapshots, floe describe and any engine show`, {
    context: { pipeline: o.pipeline, table: o.table, cursor: o.cursor },
    hint: 'Name a column that is not PII in incremental.cursor (an updated_at or id column).',
  });
}

/** `floe plan`'s start of a pipeline whose watermark is on another column (cursorMoved). */
export function describeMovedStart(s: ReadStart, moved: { column: string; value: string }, recovered: string | undefined, table: string): string {
  const was = `the last watermark committed is on ${moved.column} (${moved.value}): incremental.cursor was changed since`;
  if (recovered === undefined) return `${describeStart(s)}; ${was}${s.after === null ? ', and a merge upserts the rows read again' : ''}`;
  const from = `${s.column} ${s.inclusive ? '>=' : '>'} ${s.after}`;
  return `${from} (${recovered}, the greatest ${s.column} in ${table}${s.lookback !== undefined ? `, less lookback ${s.lookback}` : ''}; ${was})`;
}

/**
 * The Iceberg type of the cursor's column (`column`: its name in the table, after a rename) in
 * the table's current schema, when the table exists and has it (a primitive type): the type its
 * watermark was taken in (incremental.ts checkCursorType).
 */
export function cursorTableType(m: TableMetadata | undefined, column: string): string | undefined {
  const schema = m?.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
  const field = schema?.fields.find((f) => f.name === column) ?? schema?.fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
  return typeof field?.type === 'string' ? field.type : undefined;
}

export function stateSummary(pipeline: string, runId: string, cursorColumn?: string, cursorValue?: string | null): Record<string, string> {
  const s: Record<string, string> = { [SUMMARY.pipeline]: pipeline, [SUMMARY.runId]: runId };
  if (cursorColumn && cursorValue !== undefined && cursorValue !== null) {
    s[SUMMARY.cursorColumn] = cursorColumn;
    s[SUMMARY.cursorValue] = cursorValue;
  }
  return s;
}

/**
 * Where an incremental run starts reading. `watermark`: the last committed high-watermark
 * (or, before the first commit, `incremental.initial`), which the run's new watermark never
 * falls below. `after` / `inclusive`: the bound the source compares with — the watermark
 * itself, exclusive; with `incremental.lookback` the watermark less the lookback, inclusive
 * (sources/lookback.ts). The lookback applies only to a committed watermark, never to
 * `initial` (a first run reads from where the pipeline says).
 */
export interface ReadStart {
  column: string;
  watermark: string | null;
  after: string | null;
  inclusive: boolean;
  /** The watermark was committed by an earlier run (false: none yet, or `incremental.initial`). */
  committed: boolean;
  /** `incremental.lookback` as written, when the bound was moved by it. */
  lookback?: string;
}

const OFFSET_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * An `incremental.initial` date-time with a UTC offset other than `Z` (`2026-01-01T00:00:00+09:00`) as
 * the UTC instant it names, without the offset (`2025-12-31 15:00:00`); anything else as
 * written. Every use of the bound then agrees: DuckDB's cast to TIMESTAMP drops an offset (it
 * would keep the wall clock), its cast to TIMESTAMPTZ and the database sessions read offset-less
 * text as UTC, and the http source sends the same instant. A text cursor gets the same
 * bound: text with mixed offsets does not order by instant anyway. Pure.
 */
export function utcInitial(text: string): string {
  const m = OFFSET_TIME.exec(text.trim());
  // `Z` is read as UTC by every use already: kept as written.
  if (!m || m[8]!.toUpperCase() === 'Z') return text;
  const [, y, mo, d, h, mi, sec, frac, off] = m;
  const digits = off!.slice(1).replace(':', '');
  const offsetMin = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * (off![0] === '-' ? -1 : 1);
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? '0')) - offsetMin * 60_000;
  if (!Number.isFinite(ms)) return text;
  const t = new Date(ms).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)}${frac ?? ''}`;
}

/**
 * `incremental.initial` as text. YAML reads an unquoted integer as a double, so one beyond
 * 2^53 arrives rounded (`9007199254740995` as 9007199254740996): the read would start above
 * the rows between. Its digits are read again from the pipeline file; when they cannot be
 * (the file changed or is not known), the run fails at the setting rather than start from a
 * rounded bound.
 */
function initialText(initial: string | number, where: { pipeline: string; file?: string }): string {
  if (typeof initial !== 'number' || !Number.isInteger(initial) || Number.isSafeInteger(initial)) return String(initial);
  const setting = where.file !== undefined ? settingSource(where.file, ['source', 'incremental', 'initial']) : undefined;
  const at = setting?.position;
  const digits = setting && /^[+-]?\d+(?![\d.eE])/.exec(setting.text)?.[0];
  if (digits && Number(digits) === initial) return digits.replace(/^\+/, '');
  const prefix = at ? `${where.file}:${at.line}:${at.col}: source.incremental.initial` : `pipeline ${where.pipeline}${where.file ? ` (${where.file})` : ''}: incremental.initial`;
  throw configError(`${prefix}: ${initial} is beyond 2^53, where YAML numbers lose digits`, {
    context: { pipeline: where.pipeline },
    hint: 'Write incremental.initial in quotes ("9007199254740995"): it is then read exactly.',
  });
}

export function readStart(
  where: { pipeline: string; file?: string },
  incremental: { cursor: string; initial?: string | number; lookback?: LookbackSetting },
  committed: string | null,
): ReadStart {
  const column = incremental.cursor;
  if (committed === null) {
    const initial = incremental.initial === undefined ? null : utcInitial(initialText(incremental.initial, where));
    return { column, watermark: initial, after: initial, inclusive: false, committed: false };
  }
  if (incremental.lookback === undefined) return { column, watermark: committed, after: committed, inclusive: false, committed: true };
  const b = lookbackBound(committed, incremental.lookback, { ...where, cursor: column });
  return { column, watermark: committed, after: b.after, inclusive: b.inclusive, committed: true, lookback: lookbackText(incremental.lookback) };
}

/** `updated_at >= 2024-01-05 10:00:00 (last committed 2024-01-05 12:00:00 less lookback 2h)`, for `floe plan`. */
export function describeStart(s: ReadStart): string {
  if (s.after === null) return `every row (no committed ${s.column} yet)`;
  const from = `${s.column} ${s.inclusive ? '>=' : '>'} ${s.after}`;
  if (!s.committed) return `${from} (incremental.initial: no committed ${s.column} yet)`;
  return s.lookback !== undefined ? `${from} (last committed ${s.watermark} less lookback ${s.lookback})` : `${from} (last committed)`;
}

/** The `cursor` field of `floe run --json`'s extract event. */
export function startFields(s: ReadStart): Record<string, unknown> {
  return { column: s.column, watermark: s.watermark, lower_bound: s.after, inclusive: s.inclusive, ...(s.lookback !== undefined ? { lookback: s.lookback } : {}) };
}
