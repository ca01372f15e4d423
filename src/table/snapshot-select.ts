/**
 * Picking the snapshot a read sees, and the schema it is read with.
 *
 * - The current snapshot (no selector) is read with the table's current schema, so a column
 *   added or renamed since the last write shows up at once (spec: "Column Projection" —
 *   columns are resolved by field id, so old files read fine under the new schema).
 * - `--snapshot` takes a snapshot id or, when not a number, a branch or tag name; digits no
 *   snapshot has as its id name a ref of that name (resolveSnapshot, for every command).
 * - Time travel by snapshot id, by `--as-of` time or by tag reads with the schema the snapshot
 *   was written with (`schema-id` on the snapshot; spec: "Snapshots"), as Iceberg Java does:
 *   the rows looked like that then. A v1 snapshot without `schema-id` falls back to the
 *   current schema.
 * - A branch is read with the table's current schema: it is the schema the branch's next
 *   commit will use (Java: SnapshotUtil.schemaFor).
 * - `--as-of` walks the snapshot-log, which records the history of `main` (spec: "Table
 *   Metadata Fields", snapshot-log), and takes the last entry at or before the time.
 */
import { notFound, usageError } from '../errors.js';
import type { Schema, Snapshot, SnapshotRef, TableMetadata } from '../iceberg/types.js';

export type SnapshotSelector =
  | { kind: 'current' }
  | { kind: 'id'; snapshotId: bigint }
  /** Milliseconds since the epoch. */
  | { kind: 'as-of'; timestampMs: number }
  | { kind: 'ref'; name: string };

export interface SelectedSnapshot {
  /** null when the table has no snapshot to read (a new table, or a ref-less metadata). */
  snapshot: Snapshot | null;
  /** The schema rows are read with. */
  schema: Schema;
  /** True when a past state was asked for (id, time or tag), not the live table. */
  timeTravel: boolean;
}

/**
 * Parses the text of `--as-of` (or another time option, named by `option`): an ISO-8601 time
 * (`2024-05-01T12:00:00Z`, `2024-05-01 12:00`, with an optional fraction and zone; a date alone
 * means midnight UTC) or milliseconds since the epoch. Times without a zone are UTC.
 *
 * Strict on purpose: `Date.parse` alone reads `-5` as May 2001 and `2026-02-30` as March 2,
 * and a time-travel read or a rollback to a time nobody meant is worse than an error.
 */
export function parseAsOf(text: string, option = '--as-of'): number {
  const t = text.trim();
  const bad = (why?: string) =>
    usageError(`${option} '${text}' is not a time${why ? `: ${why}` : ''}`, {
      hint: 'give an ISO-8601 time such as 2024-05-01T12:00:00Z, a date, or milliseconds since the epoch',
    });
  if (/^\d+$/.test(t)) {
    const ms = Number(t);
    // The range of a JavaScript Date (and of every timestamp-ms floe writes).
    if (!Number.isSafeInteger(ms) || ms > MAX_EPOCH_MS) throw bad('beyond the largest time (year 275760)');
    return ms;
  }
  const m = ISO_TIME.exec(t);
  if (!m) throw bad();
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) throw bad(`${h}:${mi}:${s} is not a time of day`);
  const zoneDigits = zone.toUpperCase() === 'Z' ? '' : zone.slice(1).replace(':', '');
  if (zoneDigits && (Number(zoneDigits.slice(0, 2)) > 23 || Number(zoneDigits.slice(2) || '0') > 59)) throw bad(`${zone} is not a time zone offset`);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  // Date.UTC rolls over (February 30 → March 2): refuse a date it had to move.
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) throw bad(`${y}-${mo}-${d} is not a calendar date`);
  return ms - zoneOffsetMs(zone);
}

const MAX_EPOCH_MS = 8.64e15;
/** yyyy-mm-dd[( |T)hh:mm[:ss[.fraction]]][Z|±hh[:]mm] */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function zoneOffsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
}

/** Parses a snapshot id given on the command line; ids are 64-bit, so never via Number. */
export function parseSnapshotId(text: string): bigint {
  if (!/^-?\d+$/.test(text.trim())) throw usageError(`--snapshot '${text}' is not a snapshot id (a 64-bit integer)`);
  return BigInt(text.trim());
}

/**
 * Whether a selector's text is a snapshot id: digits as an id is written (floe snapshots,
 * Iceberg's metadata), so `0123` or `-0` names a tag or branch, not snapshot 123 or 0.
 */
export function isSnapshotIdText(text: string): boolean {
  const t = text.trim();
  return /^-?(0|[1-9]\d*)$/.test(t) && t !== '-0';
}

/**
 * Parses `--snapshot`: a snapshot id (isSnapshotIdText), else the name of a branch or tag
 * (resolved per table by selectSnapshot, which lists the table's refs when it is unknown).
 */
export function parseSnapshotSelector(text: string): Extract<SnapshotSelector, { kind: 'id' | 'ref' }> {
  const t = text.trim();
  if (t === '') throw usageError('--snapshot needs a snapshot id, a tag or a branch name');
  if (isSnapshotIdText(t)) return { kind: 'id', snapshotId: parseSnapshotId(t) };
  return { kind: 'ref', name: t };
}

export function selectSnapshot(metadata: TableMetadata, selector: SnapshotSelector, table: string): SelectedSnapshot {
  const current = currentSchema(metadata, table);
  switch (selector.kind) {
    case 'current': {
      const id = metadata['current-snapshot-id'];
      if (id === null) return { snapshot: null, schema: current, timeTravel: false };
      return { snapshot: snapshotById(metadata, id, table), schema: current, timeTravel: false };
    }
    case 'id':
    case 'ref': {
      const { snapshot, ref } = resolveSnapshot(metadata, selector, table);
      // A branch is read with the current schema (the one its next commit uses); main is the live table.
      if (ref?.type === 'branch') return { snapshot, schema: current, timeTravel: ref.name !== 'main' };
      return { snapshot, schema: snapshotSchema(metadata, snapshot, table), timeTravel: true };
    }
    case 'as-of': {
      const snapshot = snapshotAsOf(metadata, selector.timestampMs, table);
      return { snapshot, schema: snapshotSchema(metadata, snapshot, table), timeTravel: true };
    }
  }
}

/**
 * The snapshot a selector names, for every command that takes one (`floe query --snapshot`,
 * `snapshot rollback --to-snapshot`, `snapshot tag|branch --snapshot`): digits are a snapshot id
 * first; a ref named with digits only (other engines allow one) is taken when no snapshot has
 * that id, rather than being unreachable; other text names a tag or branch. `ref` is set when
 * a ref was taken. Neither: not found, naming the table.
 */
export function resolveSnapshot(
  metadata: TableMetadata,
  selector: { kind: 'id'; snapshotId: bigint } | { kind: 'ref'; name: string },
  table: string,
  use: 'read' | 'used' = 'read',
): { snapshot: Snapshot; ref?: SnapshotRef & { name: string } } {
  if (selector.kind === 'id') {
    const named = String(selector.snapshotId);
    const byId = metadata.snapshots.find((s) => s['snapshot-id'] === selector.snapshotId);
    if (byId || !metadata.refs[named]) return { snapshot: byId ?? snapshotById(metadata, selector.snapshotId, table, use) };
    return resolveSnapshot(metadata, { kind: 'ref', name: named }, table, use);
  }
  const ref = refByName(metadata, selector.name, table);
  return { snapshot: snapshotById(metadata, ref['snapshot-id'], table, use), ref: { ...ref, name: selector.name } };
}

/** The tag or branch `name`; not found (listing the table's refs) when the table has none of that name. */
export function refByName(metadata: TableMetadata, name: string, table: string): SnapshotRef {
  const ref = metadata.refs[name];
  if (!ref) {
    // Digits written otherwise than an id (0123) are read as a name: say how an id is written.
    const asId = /^[-+]?\d+$/.test(name) && !isSnapshotIdText(name) ? `; a snapshot id is written without a plus sign or leading zeros (${BigInt(name)})` : '';
    throw notFound(`table ${table} has no branch or tag named '${name}'`, { context: { table, ref: name }, hint: describeRefs(metadata) + asId });
  }
  return ref;
}

/** The hint for an unknown ref name: the refs the table has. */
export function describeRefs(metadata: TableMetadata): string {
  const names = Object.keys(metadata.refs).sort();
  return names.length > 0 ? `its refs are: ${names.join(', ')}` : 'the table has no refs';
}

/** The table's current snapshot (main's head), or undefined for a table without one. */
export function currentSnapshot(m: TableMetadata): Snapshot | undefined {
  return m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id']);
}

/** The snapshot with this id, else a not-found error naming the table; `use` words its hint (read, or used by a ref change). */
export function snapshotById(metadata: TableMetadata, id: bigint, table: string, use: 'read' | 'used' = 'read'): Snapshot {
  const s = metadata.snapshots.find((x) => x['snapshot-id'] === id);
  if (!s) {
    throw notFound(`table ${table} has no snapshot ${id}`, {
      context: { table, snapshot: String(id) },
      hint: `list its snapshots with \`floe snapshots ${table}\`; expired snapshots cannot be ${use}`,
    });
  }
  return s;
}

/**
 * The snapshot `main` pointed at, at time `ms`: the last snapshot-log entry with a
 * timestamp at or before it. Entries are kept in commit order, so a rollback shows up as
 * an older id logged later, exactly what main held from then on.
 */
export function snapshotAsOf(metadata: TableMetadata, ms: number, table: string): Snapshot {
  let hit: bigint | undefined;
  for (const e of metadata['snapshot-log']) {
    if (e['timestamp-ms'] <= ms) hit = e['snapshot-id'];
  }
  const when = isoTime(ms);
  if (hit === undefined) {
    const first = metadata['snapshot-log'][0];
    throw notFound(`table ${table} has no snapshot at or before ${when}`, {
      context: { table, asOf: when },
      hint: first ? `its history starts at ${isoTime(first['timestamp-ms'])}` : 'its snapshot log is empty',
    });
  }
  const s = metadata.snapshots.find((x) => x['snapshot-id'] === hit);
  if (!s) {
    throw notFound(`table ${table} was at snapshot ${hit} at ${when}, but that snapshot has expired`, {
      context: { table, asOf: when, snapshot: String(hit) },
    });
  }
  return s;
}

function snapshotSchema(metadata: TableMetadata, snapshot: Snapshot, table: string): Schema {
  const id = snapshot['schema-id'];
  if (id === undefined) return currentSchema(metadata, table);
  const s = metadata.schemas.find((x) => x['schema-id'] === id);
  if (!s) {
    throw notFound(`table ${table}: snapshot ${snapshot['snapshot-id']} was written with schema ${id}, which the metadata does not contain`, {
      context: { table, snapshot: String(snapshot['snapshot-id']), schemaId: id },
    });
  }
  return s;
}

function currentSchema(metadata: TableMetadata, table: string): Schema {
  const s = metadata.schemas.find((x) => x['schema-id'] === metadata['current-schema-id']);
  if (!s) throw notFound(`table ${table}: current schema ${metadata['current-schema-id']} is not in its metadata`, { context: { table } });
  return s;
}

function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
