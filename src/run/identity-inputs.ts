/**
 * The tables an identity pipeline reads, as DuckDB views over their current snapshots, and
 * the names of its outputs.
 */
import type { Catalog } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import type { ResolveInput } from '../c360/identity/records.js';
import { createTableView } from '../engine/read.js';
import type { Engine } from '../engine/duckdb.js';
import { notFound } from '../errors.js';
import type { FileIO } from '../io/fileio.js';
import type { IdentityPipeline } from '../pipeline/schema-pipeline.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import { currentColumnTags } from '../governance/tags.js';

export type { IdentityPipeline };

export { changesTable } from './identity-outputs.js';

export async function openIdentityInputs(engine: Engine, catalog: Catalog, io: FileIO, pipeline: string, p: IdentityPipeline): Promise<ResolveInput[]> {
  const out: ResolveInput[] = [];
  for (const [n, input] of p.inputs.entries()) {
    const id = parseTableIdentifier(input.table);
    if (!(await catalog.tableExists(id))) {
      throw notFound(`pipeline ${pipeline}: input table ${input.table} does not exist`, {
        context: { pipeline, table: input.table },
        hint: 'Run the pipeline that writes it first (floe run --all runs pipelines in dependency order).',
      });
    }
    const table = await loadTable(catalog, io, id);
    const relation = `__id_input_${n}`;
    await createTableView(engine, relation, { io, metadata: table.metadata, table: input.table });
    // Tags floe cannot read fail here, as a masked read would (tags.ts): never copy values untagged.
    const tags = currentColumnTags(table.metadata, input.table);
    out.push({
      table: input.table,
      relation,
      sourceId: input.source_id,
      identifiers: input.identifiers,
      attributes: input.attributes,
      ...(input.updated_at ? { updatedAt: input.updated_at } : {}),
      ...(input.phone_region ? { phoneRegion: input.phone_region } : {}),
      ...(tags.length ? { tags } : {}),
    });
  }
  return out;
}

/**
 * A view of an output's current snapshot (the identity map, the changes) named `relation`,
 * with the table as loaded; undefined when the table does not exist yet.
 */
export async function openOutputView(engine: Engine, catalog: Catalog, io: FileIO, table: string, relation: string): Promise<{ relation: string; table: LoadedTable } | undefined> {
  const id = parseTableIdentifier(table);
  if (!(await catalog.tableExists(id))) return undefined;
  const loaded = await loadTable(catalog, io, id);
  await createTableView(engine, relation, { io, metadata: loaded.metadata, table });
  return { relation, table: loaded };
}
