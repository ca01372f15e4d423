/**
 * `freshness: { column, max_age }` — how old the newest value of a timestamp or date column
 * is; without a column, how long ago the snapshot under check was committed (its
 * `timestamp-ms`, spec: "Snapshots"). Always the whole table: the newest value may well be
 * in an older batch. The newest value of a PII-tagged column, and its age, are not quoted.
 */
import type { ColumnInfo } from '../engine/duckdb.js';
import { icebergTypeOf, TYPE_ID } from '../engine/types.js';
import { schemaError } from '../errors.js';
import { formatDuration } from '../pipeline/duration.js';
import { col, isWithheld, plural, resolveColumn, targetFor, toNumber } from './common.js';
import type { Snapshot } from '../iceberg/types.js';
import type { Evaluator, SnapshotInfo } from './types.js';

const TEMPORAL = new Set<number>([
  TYPE_ID.DATE,
  TYPE_ID.TIMESTAMP,
  TYPE_ID.TIMESTAMP_S,
  TYPE_ID.TIMESTAMP_MS,
  TYPE_ID.TIMESTAMP_NS,
  TYPE_ID.TIMESTAMP_TZ,
]);

/**
 * An age in its two largest units, days at most: `29d2h`, `1h30m`, `45s` (not `4w1d2h`, nor
 * `2521d15h48m9s`). Seconds are noise next to days, and weeks are harder to compare.
 */
export function ageText(ms: number): string {
  if (ms < 0) return `${ageText(-ms)} in the future`;
  let rest = Math.floor(ms / 1000);
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size && parts.length < 2) parts.push(`${Math.floor(rest / size)}${unit}`);
    else if (parts.length > 0) break;
    rest %= size;
  }
  return parts.join('');
}
const age = ageText;

/** How far ahead of now a value may be and still count: clocks of source systems drift a little. */
export const FUTURE_ALLOWANCE_MS = 5 * 60_000;

export const freshness: Evaluator<'freshness'> = async (check, ctx) => {
  const t = targetFor(ctx, 'table');
  const expected = `<= ${formatDuration(check.max_age)}`;
  if (check.column === undefined) {
    if (!ctx.snapshot) return { passed: false, scope: t.scope, observed: null, expected, message: 'the table has no snapshot yet' };
    // A compaction or a manifest rewrite commits a `replace` snapshot that brings no data: the
    // age is that of the newest snapshot that changed the data, or a nightly compaction would
    // keep a table whose pipeline stopped passing for ever.
    const d = ctx.snapshot.dataChange;
    const measured = d ?? ctx.snapshot;
    const ms = ctx.now - measured.timestampMs;
    const when = new Date(measured.timestampMs).toISOString();
    const ok = ms <= check.max_age;
    const after = d === undefined ? 0 : d.rewrites - 1;
    const note = d === undefined ? '' : d.parentExpired
      ? ` (it${after === 0 ? '' : ` and the ${plural(after, 'snapshot')} after it`} only rewrote files; the snapshot before it has expired)`
      : ` (${after === 0 ? `snapshot ${ctx.snapshot.id}` : `the ${plural(d.rewrites, 'snapshot')}`} since only rewrote files)`;
    const what = d === undefined ? 'snapshot' : d.parentExpired ? 'the data is at least as old as snapshot' : 'the data last changed in snapshot';
    return {
      passed: ok,
      scope: t.scope,
      observed: age(ms),
      expected,
      message: `${what} ${measured.id}${d === undefined ? ' was' : ','} committed at ${when}, ${age(ms)} ago${ok ? '' : `, older than ${formatDuration(check.max_age)}`}${note}`,
    };
  }
  const c = resolveColumn(t, check.column, ctx.table);
  assertTemporal(c, ctx.table);
  // DATE and TIMESTAMP (no zone) are read as UTC, like Iceberg's timestamp: the session is UTC.
  const value = c.type.typeId === TYPE_ID.TIMESTAMP_TZ ? col(c) : `CAST(${col(c)} AS TIMESTAMP)`;
  // A value in the future says nothing about when data last arrived, and one bad row dated
  // 2099 would otherwise keep the check passing for ever: such values are left out (and
  // counted), beyond a small allowance for clocks that are a little ahead.
  const cutoff = ctx.now + FUTURE_ALLOWANCE_MS;
  const rows = await ctx.all(
    `SELECT max(__ms) FILTER (WHERE __ms <= ${cutoff}) AS ms, CAST(max(__v) FILTER (WHERE __ms <= ${cutoff}) AS VARCHAR) AS latest, ` +
      `count(*) FILTER (WHERE __ms > ${cutoff}) AS future, CAST(max(__v) AS VARCHAR) AS newest ` +
      `FROM (SELECT ${col(c)} AS __v, epoch_ms(${value}) AS __ms FROM ${t.sql} WHERE ${col(c)} IS NOT NULL)`,
  );
  const r = rows[0] ?? {};
  // A PII-tagged column (a birth date): its newest value is one person's, and its age is the
  // value again (now minus it). The message says only whether it is within max_age.
  const hidden = await isWithheld(ctx, c.name);
  const future = toNumber(r.future);
  const ahead = future === 0 ? '' : `${plural(future, 'value')} of ${c.name} in the future (${hidden ? 'values withheld: PII column' : `up to ${String(r.newest)}`}) ${future === 1 ? 'was' : 'were'} left out`;
  if (r.latest === null || r.latest === undefined) {
    const message = future === 0 ? `${c.name} has no values to measure freshness by` : `every value of ${c.name} is in the future, so there is nothing to measure freshness by: ${ahead}`;
    return { passed: false, scope: t.scope, observed: null, expected, message };
  }
  const ms = ctx.now - toNumber(r.ms);
  const ok = ms <= check.max_age;
  if (hidden) {
    return {
      passed: ok,
      scope: t.scope,
      observed: null,
      expected,
      message: `the newest ${c.name} is ${ok ? 'within' : 'older than'} ${formatDuration(check.max_age)} (value and age withheld: PII column)${ahead ? `; ${ahead}` : ''}`,
    };
  }
  return {
    passed: ok,
    scope: t.scope,
    observed: age(ms),
    expected,
    message: `the newest ${c.name} is ${String(r.latest)}, ${ms < 0 ? age(ms) : `${age(ms)} old`}${ok ? '' : `, older than ${formatDuration(check.max_age)}`}${ahead ? `; ${ahead}` : ''}`,
  };
};

/**
 * The newest snapshot in `snapshot`'s ancestry (spec: "Snapshots", parent-snapshot-id) that
 * changed the data, when `snapshot` only rewrote files (operation `replace`), as
 * SnapshotInfo.dataChange; undefined when `snapshot` changed the data itself. A chain whose
 * parent has expired stops at the oldest rewrite still known (`parentExpired`).
 */
export function lastDataChange(snapshots: readonly Snapshot[], snapshot: Snapshot): SnapshotInfo['dataChange'] {
  if (snapshot.summary?.operation !== 'replace') return undefined;
  const byId = new Map(snapshots.map((s) => [s['snapshot-id'], s] as const));
  let at = snapshot;
  let rewrites = 1;
  for (;;) {
    const parentId = at['parent-snapshot-id'];
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (!parent) {
      // No parent at all: a table whose first snapshot is a rewrite (another engine's); it is the data.
      if (parentId === undefined && at === snapshot) return undefined;
      return { id: at['snapshot-id'], timestampMs: at['timestamp-ms'], rewrites, parentExpired: true };
    }
    if (parent.summary?.operation !== 'replace') return { id: parent['snapshot-id'], timestampMs: parent['timestamp-ms'], rewrites, parentExpired: false };
    at = parent;
    rewrites++;
  }
}

function assertTemporal(c: ColumnInfo, table: string): void {
  if (TEMPORAL.has(c.type.typeId)) return;
  // Named by its Iceberg type, as `floe describe` shows it (`string`, not DuckDB's VARCHAR).
  let type: string;
  try {
    const t = icebergTypeOf(c.type, c.name);
    type = typeof t === 'string' ? t : t.type;
  } catch {
    type = c.type.toString();
  }
  const text = c.type.typeId === TYPE_ID.VARCHAR
    ? `; a pipeline writes text times as timestamps with \`type: timestamp\` (or timestamptz) on the column in its columns:`
    : '';
  throw schemaError(`freshness needs a date or timestamp column, but ${c.name} in table ${table} is ${type}`, {
    context: { table, column: c.name },
    hint: `name a date or timestamp column, or leave out column to measure the age of the latest snapshot${text}`,
  });
}
