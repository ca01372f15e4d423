/**
 * Matching an incoming query's columns to an existing table's schema, for appends and
 * overwrites that do not evolve the schema. Pure: returns the projection to write or
 * every problem at once (names the column, the incoming type and the table type).
 */
import { schemaError } from '../errors.js';
import { quoteIdent } from '../engine/sql.js';
import { isPromotionAllowed } from '../iceberg/schema.js';
import type { IcebergType, Schema, StructType } from '../iceberg/types.js';

/** A type with field ids removed, for comparing shapes. */
export function typeShape(t: IcebergType): string {
  if (typeof t === 'string') return t.replace(/\s+/g, '');
  if (t.type === 'list') return `list<${typeShape(t.element)}${t['element-required'] ? '!' : ''}>`;
  if (t.type === 'map') return `map<${typeShape(t.key)},${typeShape(t.value)}${t['value-required'] ? '!' : ''}>`;
  return `struct<${t.fields.map((f) => `${f.name}:${typeShape(f.type)}${f.required ? '!' : ''}`).join(',')}>`;
}

const shapeNoRequired = (t: IcebergType) => typeShape(t).replace(/!/g, '');

export interface Reconciled {
  /** SELECT list over the incoming query producing exactly the table's columns. */
  projection: string;
}

export function reconcileColumns(table: Schema, incoming: StructType, tableName: string): Reconciled {
  const problems: string[] = [];
  const byName = new Map(incoming.fields.map((f) => [f.name, f]));
  const byLower = new Map(incoming.fields.map((f) => [f.name.toLowerCase(), f]));
  const used = new Set<string>();
  const items: string[] = [];
  for (const f of table.fields) {
    const src = byName.get(f.name) ?? byLower.get(f.name.toLowerCase());
    if (!src) {
      if (f.required) problems.push(`column "${f.name}" is required by ${tableName} but missing from the input`);
      items.push(`NULL AS ${quoteIdent(f.name)}`);
      continue;
    }
    used.add(src.name);
    const same = shapeNoRequired(src.type) === shapeNoRequired(f.type);
    if (!same && !isPromotionAllowed(src.type, f.type)) {
      problems.push(
        `column "${f.name}": the input has type ${typeShape(src.type)}, the table ${tableName} has ${typeShape(f.type)}`,
      );
    }
    items.push(`${quoteIdent(src.name)} AS ${quoteIdent(f.name)}`);
  }
  const extra = incoming.fields.filter((f) => !used.has(f.name)).map((f) => `"${f.name}"`);
  if (extra.length) {
    problems.push(`the input has column(s) ${extra.join(', ')} that ${tableName} does not have`);
  }
  if (problems.length) {
    throw schemaError(`cannot write to ${tableName}: ${problems.join('; ')}`, {
      context: { table: tableName, problems },
      hint: extra.length
        ? 'floe load never changes a table\'s schema; evolve it first (or use a pipeline with on_schema_change: add_columns).'
        : undefined,
    });
  }
  return { projection: items.join(', ') };
}
