/**
 * The column tree of a Parquet file as floe resolves it: DuckDB's `parquet_schema()` rows
 * folded back into nested nodes, lists and maps normalised, and a field id on every node
 * that has one — from the file itself, or else from the table's name mapping.
 *
 * Lists and maps follow the Parquet spec's LogicalTypes rules, including the
 * backward-compatibility forms (2-level lists, `array` / `<name>_tuple` elements), so that a
 * node's children mean the same thing DuckDB's LIST and MAP values do: a list has one child
 * (the element), a map two (key, value).
 */
import type { NameMapping, MappedField } from '../iceberg/name-mapping.js';

export interface PhysicalColumn {
  /** The name in the file (for list elements and map keys/values DuckDB does not use it). */
  name: string;
  /** The Iceberg field id: the Parquet field_id, or the one the name mapping gives. */
  id: number | undefined;
  kind: 'primitive' | 'struct' | 'list' | 'map';
  /** DuckDB's type for a primitive column as it reads it, e.g. 'BLOB' for a FIXED without annotation. */
  duckdbType: string | undefined;
  /** struct: its fields; list: [element]; map: [key, value]. */
  children: PhysicalColumn[];
}

/** One row of `parquet_schema()`, in `column_id` order. */
export interface ParquetSchemaRow {
  name: string;
  fieldId: number | null;
  numChildren: number | null;
  repetition: string | null;
  convertedType: string | null;
  logicalType: string | null;
  duckdbType: string | null;
}

/** The top-level columns of one file. */
export function physicalColumns(rows: readonly ParquetSchemaRow[]): PhysicalColumn[] {
  if (rows.length === 0) return [];
  let next = 1;
  const parse = (): Raw => {
    const row = rows[next++]!;
    const kids: Raw[] = [];
    for (let i = 0; i < (row.numChildren ?? 0) && next < rows.length; i++) kids.push(parse());
    return { row, kids };
  };
  const top: Raw[] = [];
  for (let i = 0; i < (rows[0]!.numChildren ?? 0) && next < rows.length; i++) top.push(parse());
  return top.map(resolve);
}

interface Raw {
  row: ParquetSchemaRow;
  kids: Raw[];
}

const node = (row: ParquetSchemaRow, kind: PhysicalColumn['kind'], children: PhysicalColumn[]): PhysicalColumn => ({
  name: row.name,
  id: row.fieldId ?? undefined,
  kind,
  duckdbType: kind === 'primitive' ? (row.duckdbType ?? undefined) : undefined,
  children,
});

/** A field as its parent sees it: a repeated field outside a LIST/MAP group is a list. */
function resolve(raw: Raw): PhysicalColumn {
  const col = shape(raw);
  // Parquet backward-compatibility rule: a repeated field that is not the repeated group of
  // a LIST or MAP annotation is a list of required elements; DuckDB reads it as a LIST too.
  if (raw.row.repetition !== 'REPEATED') return col;
  return { name: col.name, id: undefined, kind: 'list', duckdbType: undefined, children: [col] };
}

function shape({ row, kids }: Raw): PhysicalColumn {
  const logical = row.logicalType ?? '';
  const isGroup = row.numChildren !== null && row.numChildren > 0;
  if (isGroup && kids.length === 1 && (row.convertedType === 'LIST' || logical.startsWith('ListType'))) {
    const repeated = kids[0]!;
    // 3-level: LIST > repeated group with one child > element. A repeated primitive, or a
    // repeated group named 'array' or '<list>_tuple', or with several fields, is the element.
    const threeLevel =
      repeated.kids.length === 1 && repeated.row.name !== 'array' && repeated.row.name !== `${row.name}_tuple`;
    return node(row, 'list', [threeLevel ? resolve(repeated.kids[0]!) : shape(repeated)]);
  }
  if (
    isGroup &&
    kids.length === 1 &&
    (row.convertedType === 'MAP' || row.convertedType === 'MAP_KEY_VALUE' || logical.startsWith('MapType'))
  ) {
    return node(row, 'map', kids[0]!.kids.slice(0, 2).map(resolve));
  }
  return isGroup ? node(row, 'struct', kids.map(resolve)) : node(row, 'primitive', []);
}

/** Whether the file carries Iceberg field ids (any top-level column with one). */
export function hasFieldIds(columns: readonly PhysicalColumn[]): boolean {
  return columns.some((c) => c.id !== undefined);
}

/**
 * Gives the columns of a file without field ids the ids of the table's name mapping (spec:
 * "Column Projection"). A column the mapping does not name gets no id, and so is never read:
 * Iceberg does not match columns by name on its own. Without a mapping, nothing resolves.
 */
export function applyNameMapping(columns: readonly PhysicalColumn[], mapping: NameMapping | undefined): PhysicalColumn[] {
  const walk = (cols: readonly PhysicalColumn[], level: readonly MappedField[] | undefined, roles?: string[]): PhysicalColumn[] =>
    cols.map((c, i) => {
      const name = roles?.[i] ?? c.name;
      const m = level?.find((f) => f.names.includes(name));
      const childRoles = c.kind === 'list' ? ['element'] : c.kind === 'map' ? ['key', 'value'] : undefined;
      return { ...c, id: m?.['field-id'], children: walk(c.children, m?.fields, childRoles) };
    });
  return walk(columns, mapping);
}

/** Reads the schema rows of many files at once; `byFile` keys are the paths as given. */
export function groupSchemaRows(
  rows: readonly Record<string, unknown>[],
): Map<string, ParquetSchemaRow[]> {
  const byFile = new Map<string, { id: number; row: ParquetSchemaRow }[]>();
  for (const r of rows) {
    const file = String(r.file_name);
    let list = byFile.get(file);
    if (!list) byFile.set(file, (list = []));
    list.push({
      id: Number(r.column_id),
      row: {
        name: String(r.name),
        fieldId: r.field_id === null || r.field_id === undefined ? null : Number(r.field_id),
        numChildren: r.num_children === null || r.num_children === undefined ? null : Number(r.num_children),
        repetition: (r.repetition_type as string | null) ?? null,
        convertedType: (r.converted_type as string | null) ?? null,
        logicalType: (r.logical_type as string | null) ?? null,
        duckdbType: (r.duckdb_type as string | null) ?? null,
      },
    });
  }
  return new Map([...byFile].map(([f, list]) => [f, list.sort((a, b) => a.id - b.id).map((x) => x.row)]));
}
