/**
 * Declarative layout: a pipeline's `partition_by` and `sort_by` evolve an existing table's
 * partition spec and sort order on the next run (the same rules as `floe table evolve`).
 *
 * - A non-empty list is the layout the table must have; an empty list leaves the table's
 *   layout alone (so a table partitioned with `floe table evolve` or `floe load` keeps its
 *   spec; `floe table evolve --partition-by none` removes partitioning).
 * - The layout is committed with the run's data, in one commit (layOut plans it; the write
 *   files the run's rows by the new spec and sort order, ingest/write-table.ts): old files
 *   keep their spec. A run that fails commits neither; an append with no row commits the
 *   layout alone.
 * - A partition or sort column that this run itself adds (on_schema_change: add_columns) binds
 *   to the schema the same commit adds.
 */
import { FloeError } from '../../errors.js';
import type { UnboundPartitionField, UnboundSortField } from '../../iceberg/metadata-builder.js';
import type { Schema, TableMetadata } from '../../iceberg/types.js';
import { applyChange } from '../apply.js';
import type { TableChange } from '../updates.js';
import { withEvolvedSchema } from '../snapshot-producer.js';
import { fieldByPath } from '../../iceberg/schema.js';
import { formatTransform } from '../../iceberg/transforms/index.js';
import { planEvolution, type EvolutionPlan, type EvolveRequest } from './evolve.js';

export interface DeclaredLayout {
  partitionBy: readonly UnboundPartitionField[];
  sortBy: readonly UnboundSortField[];
}

export function layoutRequest(l: DeclaredLayout): EvolveRequest {
  return {
    ...(l.partitionBy.length ? { partitionBy: [...l.partitionBy] } : {}),
    ...(l.sortBy.length ? { sortBy: [...l.sortBy] } : {}),
  };
}

/**
 * The layout change a run would commit (pure); throws a schema error when it cannot bind.
 * A partition field the table already has (same column and transform) keeps its name, so a
 * table created elsewhere with other field names is not re-specced for a name alone.
 */
export function planLayout(m: TableMetadata, l: DeclaredLayout, table: string): EvolutionPlan {
  const req = layoutRequest(l);
  if (req.partitionBy) {
    const schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
    const spec = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']);
    req.partitionBy = req.partitionBy.map((w) => {
      if (w.name !== undefined || !schema) return w;
      const source = fieldByPath(schema, w.sourceName);
      const have = spec?.fields.find((f) => f['source-id'] === source?.id && f.transform === formatTransform(w.transform));
      return have ? { ...w, name: have.name } : w;
    });
  }
  return planEvolution(m, req, table);
}

/** A binding failure that the write itself may fix: a column the table does not have yet. */
export const isMissingColumn = (e: unknown): boolean => e instanceof FloeError && e.kind === 'schema' && /no such column/.test(e.message);

/** A declared layout laid over a table in memory, for a write that commits it with its data. */
export interface LaidOut {
  /** The table as it will be once the change is committed: the schema the write brings, then the layout. The write's files follow its default spec and sort order. */
  view: TableMetadata;
  /** The layout's updates and requirements (planned with the write's schema). */
  change: TableChange;
  /** Readable lines of the change. */
  changes: string[];
}

/**
 * The layout change a write commits with its data (pure): the declared layout planned on
 * `base` with the schema the write adds in place (`evolved`), so a partition or sort column
 * the same write adds binds. Undefined when the table's layout is the declared
 * one. A layout that cannot bind is a mistake in the pipeline file: a config error, before
 * anything is written.
 */
export function layOut(base: TableMetadata, l: DeclaredLayout, table: string, evolved?: Schema): LaidOut | undefined {
  const req = layoutRequest(l);
  if (!req.partitionBy && !req.sortBy) return undefined;
  const now = base['last-updated-ms'];
  const withSchema = evolved ? applyChange(base, withEvolvedSchema({ requirements: [], updates: [] }, base, evolved), { metadataLocation: null, now }) : base;
  let plan: EvolutionPlan;
  try {
    plan = planLayout(withSchema, l, table);
  } catch (e) {
    throw asConfig(e);
  }
  if (plan.change.updates.length === 0) return undefined;
  return { view: applyChange(withSchema, plan.change, { metadataLocation: null, now }), change: plan.change, changes: plan.changes };
}

/** A layout the spec refuses is a mistake in the pipeline file (exit 2). */
function asConfig(e: unknown): unknown {
  if (!(e instanceof FloeError && e.kind === 'schema')) return e;
  return new FloeError('config', `${e.message} (from the pipeline's partition_by/sort_by); nothing was written`, { cause: e, context: e.context, hint: e.hint });
}
