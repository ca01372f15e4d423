/**
 * `floe table create <table> --column "name type [required] [doc 'text']"... [--partition-by EXPR...]
 * [--sort-by "col [asc|desc] [nulls first|last]"...] [--property k=v]... [--if-not-exists] [--json]`
 *
 * Creates an empty table (DESIGN §3 `floe table create`): one metadata file with the schema
 * (field ids from 1, in the order given), the partition spec, the sort order and the
 * properties, registered in the catalog. Unlike a table created by `floe load` or a run, it
 * exists before its first snapshot. Columns use the text form of `floe table evolve
 * --add-column`, and a required column is allowed here because no row predates it.
 */
import { displacedTableNote, newTableLocation, refuseCaseTwin } from '../../table/new-table.js';
import type { Command } from 'commander';
import { formatTableId, type Catalog } from '../../catalog/catalog.js';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { FloeError, usageError } from '../../errors.js';
import { createTableChange } from '../../iceberg/metadata-builder.js';
import { v3Features } from '../../iceberg/schema.js';
import type { NestedField, StructType, TableIdentifier } from '../../iceberg/types.js';
import type { FileIO } from '../../io/fileio.js';
import type { LoadedTable } from '../../table/load.js';
import type { TableChange } from '../../table/updates.js';
import { joinLocation } from '../../io/fileio.js';
import { columnTypeProblem } from '../../pipeline/column-type.js';
import { createTable } from '../../table/commit.js';
import { parseAddColumn, parsePair, parsePartitionField, parseSortField } from '../../table/evolve/parse.js';
import { refuseRedundantOption } from '../../table/evolve/partition-update.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, reportingS3RetriesUnlessJson } from '../output.js';

interface CreateOptions {
  column?: string[];
  partitionBy?: string[];
  sortBy?: string[];
  property?: string[];
  ifNotExists?: boolean;
  json?: boolean;
}

/** The schema of --column options; pure. */
export function schemaFromColumns(columns: readonly string[]): StructType {
  if (columns.length === 0) throw usageError('give the table at least one --column "name type", e.g. --column "id long required" --column "email string"');
  const fields: NestedField[] = [];
  for (const text of columns) {
    const c = parseAddColumn(text, '--column');
    if (c.position) throw usageError(`--column '${text}': first/after do not apply here; columns are created in the order given`);
    if (c.name.includes('.')) throw usageError(`--column '${text}': nested columns are not supported by table create; name a top-level column`);
    const problem = columnTypeProblem(c.type);
    if (problem !== null) throw usageError(`--column '${text}': ${problem}`);
    if (fields.some((f) => f.name === c.name)) throw usageError(`--column '${text}': column '${c.name}' is given twice`);
    // DuckDB (floe query), Spark and Trino match names without case: `id` and `ID` would read as one column.
    const twin = fields.find((f) => f.name.toLowerCase() === c.name.toLowerCase());
    if (twin) throw usageError(`--column '${text}': column '${c.name}' differs from column '${twin.name}' only in case`, { hint: 'DuckDB, Spark and Trino match column names without case; pick a name that differs in more than case' });
    fields.push({ id: fields.length + 1, name: c.name, required: c.required === true, type: c.type, ...(c.doc ? { doc: c.doc } : {}) });
  }
  return { type: 'struct', fields };
}

/**
 * Creates the table; with `ifNotExists`, another process creating it between the existence
 * check and the catalog insert is the same success as finding it there (null: not created).
 * createTable has already removed this attempt's metadata file.
 */
export async function createUnlessRaced(catalog: Catalog, io: FileIO, id: TableIdentifier, change: TableChange, ifNotExists: boolean): Promise<LoadedTable | null> {
  try {
    return await createTable(catalog, io, id, change);
  } catch (e) {
    if (ifNotExists && e instanceof FloeError && e.kind === 'already-exists') return null;
    throw e;
  }
}

export default async function create(tableName: string, opts: CreateOptions, cmd: Command): Promise<number> {
  const out = consoleOutput(opts.json);
  // Retried S3 requests: one summary line on stderr at the end; with --json they are retry events.
  return reportingS3RetriesUnlessJson(out, async () => {
    const id = parseTableIdentifier(tableName);
    const schema = schemaFromColumns(opts.column ?? []);
    const partitionBy = (opts.partitionBy ?? []).map((t) => parsePartitionField('--partition-by', t));
    const sortBy = (opts.sortBy ?? []).map((t) => parseSortField('--sort-by', t));
    const properties = Object.fromEntries((opts.property ?? []).map((t) => parsePair('--property', t, 'key=value')).map(({ key, value }) => [key, value]));
    const name = formatTableId(id);
    // Iceberg refuses redundant partition fields (day(ts) with hour(ts)).
    refuseRedundantOption(partitionBy, name);
    return withProject(globalsOf(cmd), async ({ catalog, io, project }) => {
      if (await catalog.tableExists(id)) {
        if (opts.ifNotExists) {
          out.event('end', { command: 'table create', table: name, created: false });
          if (!out.json) out.out(`${name} already exists; nothing changed (--if-not-exists)`);
          return 0;
        }
        throw new FloeError('already-exists', `table ${name} already exists`, { hint: 'use --if-not-exists to accept an existing table, or `floe table evolve` to change it' });
      }
      await refuseCaseTwin(catalog, id, 'usage');
      const location = await newTableLocation(catalog, io, project.paths.warehouse, id);
      let change;
      try {
        change = createTableChange({ location, schema, partitionBy, sortBy, properties });
      } catch (e) {
        // A partition or sort field over a column the schema lacks is a mistake on the command line.
        if (e instanceof FloeError && e.kind === 'schema') throw usageError(`${name}: ${e.message}`, { hint: e.hint });
        throw e;
      }
      // A v3-only type on a v2 table is a slip on the command line, found before anything is written.
      const version = Number(properties['format-version'] ?? 2);
      const v3 = version < 3 ? v3Features(schema) : [];
      if (v3.length > 0) {
        throw usageError(`table ${name}: ${v3[0]}, which needs format version 3 (this table would be v${version})`, {
          hint: 'give --property format-version=3, or a v2 type (timestamp, timestamptz)',
        });
      }
      const table = await createUnlessRaced(catalog, io, id, change, !!opts.ifNotExists);
      if (table === null) {
        out.event('end', { command: 'table create', table: name, created: false });
        if (!out.json) out.out(`${name} already exists; nothing changed (--if-not-exists)`);
        return 0;
      }
      // A default folder that holds another table's files (table/new-table.ts).
      const displaced = displacedTableNote(project.paths.warehouse, id, table.metadata.location);
      if (displaced) {
        out.event('warning', { table: name, message: displaced });
        if (!out.json) out.err(`floe: warning: ${displaced}`);
      }
      out.event('end', { command: 'table create', table: name, created: true, location: table.metadata.location, columns: schema.fields.length });
      if (!out.json) out.out(`created ${name} (${schema.fields.length} column${schema.fields.length === 1 ? '' : 's'}) at ${table.metadata.location}`);
      return 0;
    });
  });
}
