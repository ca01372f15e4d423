/**
 * `floe validate` for identity pipelines: every column an input names (source_id,
 * identifiers, attributes, updated_at, phone_region) must be in the input table. Checked against the
 * catalog when the table already exists there; a table not created yet is checked by the run.
 * Only an existing SQLite catalog file is opened, read-only in effect (no table is created),
 * so validate never creates a warehouse or reaches a database server.
 */
import { existsSync } from 'node:fs';
import type { Catalog } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import type { NestedField } from '../iceberg/types.js';
import { RoutingFileIO } from '../io/resolve.js';
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { locate, type YamlSource } from '../pipeline/parse.js';
import type { ProjectConfig } from '../pipeline/project.js';
import type { IdentityPipeline } from '../pipeline/schema-pipeline.js';
import { didYouMean } from '../pipeline/suggest.js';
import { loadTable } from '../table/load.js';
import { currentSchema } from '../table/snapshot-producer.js';

export interface IdentityFile {
  file: string;
  source: YamlSource;
  pipeline: IdentityPipeline;
}

/** The named columns of each input, with the YAML path each is written at. */
function namedColumns(p: IdentityPipeline): { input: number; table: string; column: string; path: (string | number)[] }[] {
  return p.inputs.flatMap((i, n) => [
    { input: n, table: i.table, column: i.source_id, path: ['inputs', n, 'source_id'] },
    ...Object.entries(i.identifiers).map(([k, c]) => ({ input: n, table: i.table, column: c, path: ['inputs', n, 'identifiers', k] })),
    ...Object.entries(i.attributes).map(([k, c]) => ({ input: n, table: i.table, column: c, path: ['inputs', n, 'attributes', k] })),
    ...(i.updated_at ? [{ input: n, table: i.table, column: i.updated_at, path: ['inputs', n, 'updated_at'] }] : []),
    ...(i.phone_region ? [{ input: n, table: i.table, column: i.phone_region, path: ['inputs', n, 'phone_region'] }] : []),
  ]);
}

/** Column names of a schema, with struct fields as dotted paths ('requester.email'). */
function columnPaths(fields: readonly NestedField[], prefix = ''): string[] {
  return fields.flatMap((f) => [`${prefix}${f.name}`, ...(typeof f.type === 'object' && f.type.type === 'struct' ? columnPaths(f.type.fields, `${prefix}${f.name}.`) : [])]);
}

function missingColumnDiagnostics(f: IdentityFile, columnsOf: (table: string) => readonly string[] | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of namedColumns(f.pipeline)) {
    const cols = columnsOf(c.table);
    if (!cols || cols.includes(c.column)) continue;
    out.push({ file: f.file, ...locate(f.source, c.path), path: c.path.join('.'), message: `column '${c.column}' is not in table ${c.table}${didYouMean(c.column, cols)}`, severity: 'error' });
  }
  return out;
}

export async function identityColumnDiagnostics(project: ProjectConfig, files: readonly IdentityFile[]): Promise<Diagnostic[]> {
  if (files.length === 0 || !project.paths.catalog || !existsSync(project.paths.catalog)) return [];
  let catalog: Catalog;
  try {
    catalog = await (await import('../catalog/open.js')).openCatalog(project.catalog, project.dir, { create: false });
  } catch {
    return []; // an unreadable catalog is reported by the commands that need it
  }
  try {
    const io = RoutingFileIO.forStorage(project.storage);
    const columns = new Map<string, string[] | undefined>();
    for (const f of files) {
      for (const i of f.pipeline.inputs) {
        if (columns.has(i.table)) continue;
        const id = parseTableIdentifier(i.table);
        columns.set(i.table, (await catalog.tableExists(id)) ? columnPaths(currentSchema((await loadTable(catalog, io, id)).metadata).fields) : undefined);
      }
    }
    return files.flatMap((f) => missingColumnDiagnostics(f, (t) => columns.get(t)));
  } catch {
    return [];
  } finally {
    await catalog.close();
  }
}
