/**
 * Infers an Iceberg schema from a DuckDB query (`SELECT * FROM read_csv('f.csv')`), for
 * `floe load` and for tables created from a pipeline's first run.
 *
 * The query is prepared, not executed: the prepared statement carries the structured result
 * types, so nested STRUCT/LIST/MAP types never go through DuckDB's type text. Every field is
 * optional (a source file proves nothing about future rows), and ids are assigned 1..n the
 * way Iceberg Java's TypeUtil.assignFreshIds does (src/iceberg/schema.ts).
 */
import type { NestedField, Schema } from '../iceberg/types.js';
import { assignFreshIds } from '../iceberg/schema.js';
import { schemaError } from '../errors.js';
import type { ColumnInfo, Engine } from './duckdb.js';
import { icebergTypeOf, type TypeMappingOptions } from './types.js';

export interface InferSchemaOptions extends TypeMappingOptions {
  /** The schema-id of the result; 0 for a new table. */
  schemaId?: number;
}

export async function inferSchema(engine: Engine, sql: string, options: InferSchemaOptions = {}): Promise<Schema> {
  const columns = await engine.columns(sql, 'describe the query to infer a table schema', { kind: 'source' });
  return schemaFromColumns(columns, options);
}

/** The schema for a list of DuckDB result columns (the pure half of inferSchema). */
export function schemaFromColumns(columns: readonly ColumnInfo[], options: InferSchemaOptions = {}): Schema {
  const problems: string[] = [];
  checkNames(columns.map((c) => c.name), '', problems);
  const fields: NestedField[] = [];
  for (const c of columns) {
    try {
      const type = icebergTypeOf(c.type, c.name, options);
      fields.push({ id: 0, name: c.name, required: false, type });
      collectStructNames(type, c.name, problems);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (problems.length > 0) {
    // Every problem at once: a user fixing a wide CSV should not iterate column by column.
    throw schemaError(`cannot infer an Iceberg schema:\n  - ${problems.join('\n  - ')}`, {
      context: { problems },
    });
  }
  const schema: Schema = { type: 'struct', 'schema-id': options.schemaId ?? 0, fields };
  return assignFreshIds(schema, 1);
}

function collectStructNames(t: NestedField['type'], path: string, problems: string[]): void {
  if (typeof t === 'string') return;
  if (t.type === 'struct') {
    checkNames(t.fields.map((f) => f.name), path, problems);
    for (const f of t.fields) collectStructNames(f.type, `${path}.${f.name}`, problems);
  } else if (t.type === 'list') {
    collectStructNames(t.element, `${path}.element`, problems);
  } else {
    collectStructNames(t.key, `${path}.key`, problems);
    collectStructNames(t.value, `${path}.value`, problems);
  }
}

/**
 * Names must be non-empty and distinct ignoring case: DuckDB resolves identifiers without
 * regard to case, so `Email` and `email` could not both be written or read back.
 */
function checkNames(names: readonly string[], parent: string, problems: string[]): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const where = parent ? `in '${parent}'` : 'at the top level';
    if (name.length === 0) {
      problems.push(`an empty column name ${where}`);
      continue;
    }
    const prior = seen.get(name.toLowerCase());
    if (prior !== undefined) problems.push(`columns '${prior}' and '${name}' ${where} differ only in case or repeat`);
    else seen.set(name.toLowerCase(), name);
  }
}
