/**
 * What a check evaluation takes and gives back. The checks themselves are the validated
 * configs of src/pipeline/schema-checks.ts (`{ kind, name, severity, ...params }`); this
 * module adds the context they run in and the shape of their results.
 */
import type { ColumnInfo, Engine } from '../engine/duckdb.js';
import type { Schema } from '../iceberg/types.js';
import type { Check, CheckKind } from '../pipeline/schema-checks.js';

export type { Check, CheckKind };

/** `warn` and `fail` are a failed check at severity warn and error; `error`: it could not be evaluated. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error';

/** Which rows a check looked at: the new batch of an incremental run, or the whole table. */
export type CheckScope = 'batch' | 'table';

/** What a check measured: a count, a percentage or age as text, a value returned by SQL. */
export type Observed = number | string | boolean | null;

export interface CheckResult {
  /** The checked table, `ns.table`. */
  table: string;
  name: string;
  kind: CheckKind;
  severity: 'warn' | 'error';
  status: CheckStatus;
  scope: CheckScope;
  observed: Observed;
  /** The requirement in words: `>= 1`, `<= 6h`, `0 nulls`. */
  expected: string;
  /** One sentence for the person who has to act. */
  message: string;
  durationMs: number;
  /** The pipeline that declares the check, null for ad-hoc ones; set by `floe check` (several pipelines may write one table). */
  pipeline?: string | null;
}

/**
 * Something that kept checks from running, reported beside the results so that a CI job
 * still gets its report: an invalid project file (kind `config`, with its position), or a
 * failure of the command itself (a catalog that cannot be opened).
 */
export interface CheckProblem {
  /** The FloeError kind: `config` for an invalid file. */
  kind: string;
  /** The file, relative to the project folder; null when the problem is not in a file. */
  file: string | null;
  /** 1-based; null (or 0) when the problem is about the file as a whole or no file. */
  line: number | null;
  col: number | null;
  /** The field, e.g. `checks[0]`; null when none. */
  path: string | null;
  message: string;
}

/** A DuckDB relation: a view or table name, or its qualified parts (`['crm', 'contacts']`). */
export type RelationName = string | readonly string[];

export interface SnapshotInfo {
  id: bigint;
  /** The snapshot's `timestamp-ms` (spec: "Snapshots"). */
  timestampMs: number;
  /**
   * When this snapshot only rewrote files (operation `replace`: a compaction, a manifest
   * rewrite), the newest snapshot in its ancestry that changed the data: what a freshness
   * check without a column measures. Absent when the snapshot itself changed the data.
   */
  dataChange?: { id: bigint; timestampMs: number; rewrites: number; parentExpired: boolean };
}

export interface VolumeHistoryQuery {
  table: string;
  check: string;
  /** Batch counts and table counts are different series; never compare one with the other. */
  scope: CheckScope;
  /** How many previous runs: the check's `window`. */
  limit: number;
  /** The snapshot under check, left out so a re-check does not compare a snapshot with itself. */
  excludeSnapshotId: bigint | null;
  /**
   * The pipeline that declares the check (null for ad-hoc checks): pipelines that write one
   * table bring batches of their own sizes, so each has its own series. Undefined: any.
   */
  pipeline?: string | null;
}

/** Row counts observed by earlier runs of a volume check, newest first. */
export type VolumeHistory = (q: VolumeHistoryQuery) => Promise<number[]>;

export interface EvaluateOptions {
  engine: Engine;
  checks: readonly Check[];
  /** The rows of the snapshot under check (the whole table). */
  relation: RelationName;
  /** The new rows of an incremental run; without it every check sees `relation`. */
  batchRelation?: RelationName;
  /** `ns.table`, for results and messages. */
  table: string;
  /** The snapshot under check; null for a table without one. Freshness without a column uses it. */
  snapshot: SnapshotInfo | null;
  /** The snapshot's Iceberg schema, for the schema check; without it, types are mapped from DuckDB's. */
  schema?: Schema;
  /** The volume check's baseline (history.ts: historyLookup). */
  history?: VolumeHistory;
  /** The pipeline that declares the checks, null for ad-hoc ones: the volume check's series (VolumeHistoryQuery.pipeline). */
  pipeline?: string | null;
  /** "Now" in epoch milliseconds, for freshness; default Date.now(). */
  now?: number;
  /**
   * The columns (lower-cased) whose values messages must not quote: PII-tagged columns
   * (withheldColumns). Asked only when a message would quote values.
   */
  withheld?: () => Promise<ReadonlySet<string>>;
}

/** A relation ready for SQL, with its columns. */
export interface Target {
  sql: string;
  scope: CheckScope;
  columns: readonly ColumnInfo[];
}

/** What one check kind's evaluator needs. */
export interface CheckContext {
  engine: Engine;
  table: string;
  snapshot: SnapshotInfo | null;
  schema?: Schema;
  history?: VolumeHistory;
  /** See EvaluateOptions.pipeline. */
  pipeline?: string | null;
  now: number;
  /** The whole table. */
  whole: Target;
  /** The new batch of an incremental run, if any. */
  batch?: Target;
  /** Runs a query for the check being evaluated; errors name the check and table. */
  all(sql: string): Promise<Record<string, unknown>[]>;
  /** See EvaluateOptions.withheld. */
  withheld?: () => Promise<ReadonlySet<string>>;
}

/** An evaluator's verdict; evaluate.ts adds status, severity, timing. */
export interface Outcome {
  passed: boolean;
  scope: CheckScope;
  observed: Observed;
  expected: string;
  message: string;
}

export type CheckOf<K extends CheckKind> = Extract<Check, { kind: K }>;
export type Evaluator<K extends CheckKind> = (check: CheckOf<K>, ctx: CheckContext) => Promise<Outcome>;
