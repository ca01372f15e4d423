/**
 * Declarative layout: a pipeline's `partition_by` and `sort_by` evolve an existing table's
 * partition spec and sort order on the next run (the same rules as `floe table evolve`).
 *
 * - A non-empty list is the layout the table must have; an empty list leaves the table's
 *   layout alone (so a table partitioned with `floe table evolve` or `floe load` keeps its
 *   spec; `floe table evolve --partition-by none` removes partitioning).
 * - The layout is committed on its own, just before the data, under the run's table lock;
 *   old files keep their spec, the run's files use the new one.
 * - A partition or sort column that this run itself adds (on_schema_change: add_columns)
 *   does not exist before the write; then the layout is committed right after it, and the
 *   following runs write with it.
 */
import type { Catalog } from '../../catalog/catalog.js';
import { formatTableId } from '../../catalog/catalog.js';
import { FloeError } from '../../errors.js';
import type { UnboundPartitionField, UnboundSortField } from '../../iceberg/metadata-builder.js';
import type { TableIdentifier, TableMetadata } from '../../iceberg/types.js';
import type { FileIO } from '../../io/fileio.js';
import { commitTable, type CommitEvents } from '../commit.js';
import { loadTable } from '../load.js';
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

export interface LayoutWrite<T> {
  result: T;
  /** Readable lines of the committed layout changes. */
  changes: string[];
}

/**
 * Runs `write` with the table's layout evolved to `layout` first (or right after, when the
 * layout names a column the write adds). A table that does not exist yet is created by the
 * write with this layout, so nothing is evolved.
 */
export async function writeWithLayout<T>(
  o: { catalog: Catalog; io: FileIO; id: TableIdentifier; layout: DeclaredLayout; events?: CommitEvents },
  write: () => Promise<T>,
): Promise<LayoutWrite<T>> {
  const name = formatTableId(o.id);
  const req = layoutRequest(o.layout);
  if (!req.partitionBy && !req.sortBy) return { result: await write(), changes: [] };
  if (!(await o.catalog.tableExists(o.id))) return { result: await write(), changes: [] };
  const evolve = () => commitLayout(o, name);
  let before: string[] | undefined;
  try {
    before = await evolve();
  } catch (e) {
    if (!isMissingColumn(e)) throw asConfig(e);
  }
  if (before !== undefined) return { result: await write(), changes: before };
  const result = await write();
  try {
    return { result, changes: await evolve() };
  } catch (e) {
    if (!(e instanceof FloeError)) throw e;
    throw new FloeError('config', `${name}: the data was committed with the table's current layout, but the pipeline's partition_by/sort_by cannot be applied: ${e.message}`, {
      cause: e,
      context: { table: name },
      hint: 'partition_by and sort_by must name columns of the target table',
    });
  }
}

/** A layout the spec refuses is a mistake in the pipeline file (exit 2). */
function asConfig(e: unknown): unknown {
  if (!(e instanceof FloeError && e.kind === 'schema')) return e;
  return new FloeError('config', `${e.message} (from the pipeline's partition_by/sort_by); nothing was written`, { cause: e, context: e.context, hint: e.hint });
}

/** Commits the declared layout when the table's differs; the committed change lines, or none. */
async function commitLayout(o: { catalog: Catalog; io: FileIO; id: TableIdentifier; layout: DeclaredLayout; events?: CommitEvents }, name: string): Promise<string[]> {
  const current = await loadTable(o.catalog, o.io, o.id);
  if (planLayout(current.metadata, o.layout, name).change.updates.length === 0) return [];
  let changes: string[] = [];
  await commitTable(o.catalog, o.io, o.id, async (base) => {
    const plan = planLayout(base.metadata, o.layout, name);
    changes = plan.changes;
    return plan.change;
  }, { ...o.events, base: current });
  return changes;
}
