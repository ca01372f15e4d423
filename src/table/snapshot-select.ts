/**
 * Picking the snapshot a read sees, and the schema it is read with.
 *
 * - The current snapshot (no selector) is read with the table's current schema, so a column
 *   added or renamed since the last write shows up at once (spec: "Column Projection" —
 *   columns are resolved by field id, so old files read fine under the new schema).
 * - `--snapshot` takes a snapshot id or, when not a number, a branch or tag name.
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
import type { Schema, Snapshot, TableMetadata } from '../iceberg/types.js';

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
 * Parses the text of `--as-of`: an ISO-8601 time (`2024-05-01T12:00:00Z`; a date alone
 * means midnight UTC) or milliseconds since the epoch. Times without a zone are UTC.
 */
export function parseAsOf(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : hasZone ? t : `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw usageError(`--as-of '${text}' is not a time`, {
      hint: 'give an ISO-8601 time such as 2024-05-01T12:00:00Z, a date, or milliseconds since the epoch',
    });
  }
  return ms;
}

/** Parses a snapshot id given on the command line; ids are 64-bit, so never via Number. */
export function parseSnapshotId(text: string): bigint {
  if (!/^-?\d+$/.test(text.trim())) throw usageError(`--snapshot '${text}' is not a snapshot id (a 64-bit integer)`);
  return BigInt(text.trim());
}

/**
 * Parses `--snapshot`: digits are a snapshot id, anything else names a branch or tag
 * (resolved per table by selectSnapshot, which lists the table's refs when it is unknown).
 */
export function parseSnapshotSelector(text: string): SnapshotSelector {
  const t = text.trim();
  if (t === '') throw usageError('--snapshot needs a snapshot id, a tag or a branch name');
  if (/^-?\d+$/.test(t)) return { kind: 'id', snapshotId: parseSnapshotId(t) };
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
    case 'id': {
      const snapshot = snapshotById(metadata, selector.snapshotId, table);
      return { snapshot, schema: snapshotSchema(metadata, snapshot, table), timeTravel: true };
    }
    case 'as-of': {
      const snapshot = snapshotAsOf(metadata, selector.timestampMs, table);
      return { snapshot, schema: snapshotSchema(metadata, snapshot, table), timeTravel: true };
    }
    case 'ref': {
      const ref = metadata.refs[selector.name];
      if (!ref) {
        throw notFound(`table ${table} has no branch or tag named '${selector.name}'`, {
          context: { table, ref: selector.name },
          hint: describeRefs(metadata),
        });
      }
      const snapshot = snapshotById(metadata, ref['snapshot-id'], table);
      if (ref.type === 'branch') return { snapshot, schema: current, timeTravel: selector.name !== 'main' };
      return { snapshot, schema: snapshotSchema(metadata, snapshot, table), timeTravel: true };
    }
  }
}

/** The hint for an unknown ref name: the refs the table has. */
export function describeRefs(metadata: TableMetadata): string {
  const names = Object.keys(metadata.refs).sort();
  return names.length > 0 ? `its refs are: ${names.join(', ')}` : 'the table has no refs';
}

export function snapshotById(metadata: TableMetadata, id: bigint, table: string): Snapshot {
  const s = metadata.snapshots.find((x) => x['snapshot-id'] === id);
  if (!s) {
    throw notFound(`table ${table} has no snapshot ${id}`, {
      context: { table, snapshot: String(id) },
      hint: 'list its snapshots with `floe snapshots <table>`; expired snapshots cannot be read',
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
