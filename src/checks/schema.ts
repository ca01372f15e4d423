/**
 * `schema: { columns: { name: type } }` — the columns exist with these Iceberg types. Read
 * from the snapshot's Iceberg schema when the caller gives it (exact: `fixed[16]`, `uuid`);
 * otherwise mapped from DuckDB's types (engine/types.ts). Names are matched exactly, as
 * Iceberg does. A missing column is a failure of this check, not an evaluation error.
 */
import type { ColumnInfo } from '../engine/duckdb.js';
import { icebergTypeOf } from '../engine/types.js';
import { parsePrimitive } from '../iceberg/primitive.js';
import type { IcebergType, NestedField } from '../iceberg/types.js';
import { listText } from './common.js';
import type { Evaluator } from './types.js';

export const schema: Evaluator<'schema'> = async (check, ctx) => {
  const actual = new Map<string, IcebergType | null>();
  const fields: readonly NestedField[] | undefined = ctx.schema?.fields;
  for (const name of Object.keys(check.columns)) {
    const f = fields ? fields.find((x) => x.name === name) : undefined;
    const c: ColumnInfo | undefined = fields ? undefined : ctx.whole.columns.find((x) => x.name === name);
    actual.set(name, f ? f.type : c ? mappedType(c) : null);
  }
  const problems: string[] = [];
  const seen: string[] = [];
  for (const [name, want] of Object.entries(check.columns)) {
    const got = actual.get(name) ?? null;
    seen.push(`${name}: ${got === null ? 'missing' : typeText(got)}`);
    if (got === null) problems.push(`${name} is missing`);
    else if (!sameType(got, want)) problems.push(`${name} is ${typeText(got)}, not ${want}`);
  }
  return {
    passed: problems.length === 0,
    scope: 'table',
    observed: seen.join(', '),
    expected: Object.entries(check.columns).map(([n, t]) => `${n}: ${t}`).join(', '),
    message: problems.length === 0 ? `${Object.keys(check.columns).length} columns have the expected types` : listText(problems, 5),
  };
};

/** A DuckDB type with no Iceberg equivalent (INTERVAL) shows as DuckDB's name and matches nothing. */
function mappedType(c: ColumnInfo): IcebergType {
  try {
    return icebergTypeOf(c.type, c.name);
  } catch {
    return c.type.toString();
  }
}

function typeText(t: IcebergType): string {
  return typeof t === 'string' ? t : t.type;
}

/** `decimal(9,2)` equals `decimal(9, 2)`: compared parsed (spec Appendix C allows the spaces). */
function sameType(got: IcebergType, want: string): boolean {
  if (typeof got !== 'string') return false;
  try {
    return JSON.stringify(parsePrimitive(got)) === JSON.stringify(parsePrimitive(want.trim()));
  } catch {
    return got === want;
  }
}
