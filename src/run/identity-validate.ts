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

/** Types of the columns of a schema by dotted path; a struct, list or map as its type name. */
function columnTypes(fields: readonly NestedField[], prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fields) {
    out.set(`${prefix}${f.name}`, typeof f.type === 'string' ? f.type : f.type.type);
    if (typeof f.type === 'object' && f.type.type === 'struct') for (const [k, v] of columnTypes(f.type.fields, `${prefix}${f.name}.`)) out.set(k, v);
  }
  return out;
}

/**
 * Iceberg types an updated_at column may have: a date or timestamp, or text holding one. Any
 * other (an epoch number, a boolean) would read as no time at all for every record, and
 * most_recent would silently keep the oldest values.
 */
export const UPDATED_AT_TYPES = /^(date|timestamp|timestamptz|timestamp_ns|timestamptz_ns|string)$/;

function missingColumnDiagnostics(f: IdentityFile, columnsOf: (table: string) => Map<string, string> | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of namedColumns(f.pipeline)) {
    const types = columnsOf(c.table);
    if (!types) continue;
    const type = types.get(c.column);
    const at = { file: f.file, ...locate(f.source, c.path), path: c.path.join('.') };
    if (type === undefined) out.push({ ...at, message: `column '${c.column}' is not in table ${c.table}${didYouMean(c.column, [...types.keys()])}`, severity: 'error' });
    else if ((c.path[2] === 'identifiers' || c.path[2] === 'source_id') && /^(struct|list|map)$/.test(type)) {
      out.push({ ...at, message: `column '${c.column}' of table ${c.table} is a ${type}: ${c.path[2] === 'source_id' ? 'a source id' : 'an identifier'} must be one value${type === 'struct' ? ` (name a field of it, e.g. '${c.column}.<field>')` : ''}`, severity: 'error' });
    } else if (c.path[2] === 'identifiers' && type === 'boolean') {
      out.push({ ...at, message: `column '${c.column}' of table ${c.table} is a boolean: it has two values and would link every record to half of the others, so it cannot identify anyone`, severity: 'error' });
    } else if (c.path[2] === 'updated_at' && !UPDATED_AT_TYPES.test(type)) {
      out.push({ ...at, message: `column '${c.column}' of table ${c.table} is ${type}: updated_at must be a date or timestamp (or text holding one)`, severity: 'error' });
    }
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
    const columns = new Map<string, Map<string, string> | undefined>();
    for (const f of files) {
      for (const i of f.pipeline.inputs) {
        if (columns.has(i.table)) continue;
        const id = parseTableIdentifier(i.table);
        columns.set(i.table, (await catalog.tableExists(id)) ? columnTypes(currentSchema((await loadTable(catalog, io, id)).metadata).fields) : undefined);
      }
    }
    return files.flatMap((f) => missingColumnDiagnostics(f, (t) => columns.get(t)));
  } catch {
    return [];
  } finally {
    await catalog.close();
  }
}
