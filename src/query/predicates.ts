/**
 * The filters a `floe query` puts on each catalog table, read from DuckDB's own parse tree
 * (`json_serialize_sql`), so quoting, aliases and literal syntax are DuckDB's. Only what is
 * certainly a filter on the table's rows is taken; everything else is left out, which only
 * means less pruning.
 *
 * A table's filter is taken only when the table is referenced exactly once in the statement
 * (its view is shared by every reference), from the WHERE clause of the SELECT whose FROM
 * reaches the table through inner or cross joins only (an outer join's WHERE can keep rows
 * the filter would drop). From that clause, AND-ed terms of the forms
 *
 *   col op literal (=, <>, <, <=, >, >=; either side), col [NOT] IN (literals),
 *   col BETWEEN a AND b, col IS [NOT] NULL, col LIKE 'prefix%', starts_with(col, 'p')
 *
 * and ORs made only of such terms. Columns are bare (only when the FROM has a single
 * relation) or qualified by the table's alias or name. A sampled table is never pruned.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { formatDecimal } from '../iceberg/conversions.js';
import { parseJson } from '../iceberg/json.js';
import type { TableIdentifier } from '../iceberg/types.js';
import { and, or, pred, type PredicateOp, type SqlLiteral, type UnboundExpr } from '../table/expr/index.js';
// Names compare as DuckDB compares them: ASCII letters without case, others exactly.
import { asciiLower } from '../table/expr/bind.js';

type Node = Record<string, unknown>;

/** Each referenced table's filter by its dotted name; tables without a usable filter are absent. */
export async function queryFilters(engine: Engine, sql: string, tables: readonly TableIdentifier[]): Promise<Map<string, UnboundExpr>> {
  if (tables.length === 0) return new Map();
  let text: string;
  try {
    const rows = await engine.all(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS j`, 'parse the query for scan planning');
    text = String(rows[0]?.j ?? '');
  } catch {
    return new Map();
  }
  return filtersFromParseTree(text, tables);
}

/** The pure part of queryFilters: from the JSON text of json_serialize_sql. */
function filtersFromParseTree(json: string, tables: readonly TableIdentifier[]): Map<string, UnboundExpr> {
  const out = new Map<string, UnboundExpr>();
  let tree: Node;
  try {
    // parseJson keeps integers beyond 2^53 exact (as bigint).
    tree = parseJson(json, 'json_serialize_sql') as Node;
  } catch {
    return out;
  }
  const statements = tree.statements;
  if (tree.error !== false || !Array.isArray(statements) || statements.length !== 1) return out;
  const root = (statements[0] as Node).node;
  const bases: { node: Node; select: Node | null }[] = [];
  collectBaseTables(root, null, bases);
  for (const id of tables) {
    const parts = [...id.namespace, id.name].map(asciiLower);
    const hits = bases.filter((b) => sameName(b.node, parts));
    if (hits.length !== 1 || !hits[0]!.select) continue;
    const { node, select } = hits[0]!;
    // A sample draws from the rows the scan produces: keep the population whole.
    if (node.sample || (select!.sample ?? null) !== null) continue;
    const where = select!.where_clause as Node | null;
    if (!where) continue;
    const relations = fromRelations(select!.from_table as Node);
    const qualifiers = node.alias ? [[asciiLower(String(node.alias))]] : [parts.slice(-1), parts];
    const columnOf = (ref: Node): string | null => {
      if (ref.class !== 'COLUMN_REF') return null;
      const names = (ref.column_names as string[]).map(String);
      if (names.length === 1) return relations === 1 ? names[0]! : null;
      const q = names.slice(0, -1).map(asciiLower);
      return qualifiers.some((x) => x.length === q.length && x.every((p, i) => p === q[i])) ? names[names.length - 1]! : null;
    };
    const filter = conjunction(where, columnOf);
    if (filter) out.set([...id.namespace, id.name].join('.'), filter);
  }
  return out;
}

function sameName(node: Node, parts: string[]): boolean {
  const names = [node.catalog_name, node.schema_name, node.table_name].map((x) => asciiLower(String(x ?? ''))).filter((x) => x !== '');
  return names.length === parts.length && names.every((n, i) => n === parts[i]);
}

/**
 * Every BASE_TABLE in the tree, with the SELECT node whose FROM reaches it through inner and
 * cross joins only (null when it sits under an outer join or anything else).
 */
function collectBaseTables(n: unknown, select: Node | null, out: { node: Node; select: Node | null }[]): void {
  if (Array.isArray(n)) {
    for (const x of n) collectBaseTables(x, null, out);
    return;
  }
  if (!n || typeof n !== 'object') return;
  const node = n as Node;
  if (node.type === 'BASE_TABLE' && typeof node.table_name === 'string') {
    out.push({ node, select });
    return;
  }
  if (node.type === 'SELECT_NODE') {
    for (const [k, v] of Object.entries(node)) collectBaseTables(v, k === 'from_table' ? node : null, out);
    return;
  }
  if (node.type === 'JOIN') {
    const inner = node.join_type === 'INNER' && (node.ref_type === 'REGULAR' || node.ref_type === 'CROSS');
    for (const [k, v] of Object.entries(node)) collectBaseTables(v, inner && (k === 'left' || k === 'right') ? select : null, out);
    return;
  }
  for (const v of Object.values(node)) collectBaseTables(v, null, out);
}

/** How many relations a FROM clause joins (inner/cross joins flattened). */
function fromRelations(n: Node | null | undefined): number {
  if (!n) return 0;
  if (n.type === 'JOIN') return fromRelations(n.left as Node) + fromRelations(n.right as Node);
  return 1;
}

type ColumnOf = (n: Node) => string | null;

/**
 * AND-ed terms; terms that are not understood are dropped (an AND is only weakened, also
 * as a branch of an OR, which an OR of weakened branches stays).
 */
function conjunction(n: Node, col: ColumnOf): UnboundExpr | null {
  if (n.type === 'CONJUNCTION_AND') {
    const kept = (n.children as Node[]).map((c) => conjunction(c, col)).filter((x): x is UnboundExpr => x !== null);
    return kept.length ? and(kept) : null;
  }
  return term(n, col);
}

const COMPARISON: Record<string, PredicateOp> = {
  COMPARE_EQUAL: 'eq',
  COMPARE_NOTEQUAL: 'notEq',
  COMPARE_LESSTHAN: 'lt',
  COMPARE_LESSTHANOREQUALTO: 'lteq',
  COMPARE_GREATERTHAN: 'gt',
  COMPARE_GREATERTHANOREQUALTO: 'gteq',
};
const FLIPPED: Partial<Record<PredicateOp, PredicateOp>> = { lt: 'gt', lteq: 'gteq', gt: 'lt', gteq: 'lteq' };

/** One term, or null when it is not fully understood (an OR needs every branch). */
function term(n: Node, col: ColumnOf): UnboundExpr | null {
  const p = (op: PredicateOp, column: string, literals: SqlLiteral[]) => pred({ op, column, literals });
  const type = String(n.type);
  if (type === 'CONJUNCTION_OR') {
    const parts = (n.children as Node[]).map((c) => conjunction(c, col));
    return parts.every((x) => x !== null) ? or(parts as UnboundExpr[]) : null;
  }
  if (n.class === 'COMPARISON' && COMPARISON[type]) {
    const op = COMPARISON[type]!;
    const left = n.left as Node;
    const right = n.right as Node;
    const lc = col(left);
    const rl = literal(right);
    if (lc !== null && rl) return p(op, lc, [rl]);
    const rc = col(right);
    const ll = literal(left);
    if (rc !== null && ll) return p(FLIPPED[op] ?? op, rc, [ll]);
    return null;
  }
  if (type === 'COMPARE_IN' || type === 'COMPARE_NOT_IN') {
    const [first, ...rest] = n.children as Node[];
    const c = first ? col(first) : null;
    const lits = rest.map(literal);
    if (c === null || lits.length === 0 || lits.some((l) => l === null)) return null;
    return p(type === 'COMPARE_IN' ? 'in' : 'notIn', c, lits as SqlLiteral[]);
  }
  if (type === 'COMPARE_BETWEEN') {
    const c = col(n.input as Node);
    const lo = literal(n.lower as Node);
    const hi = literal(n.upper as Node);
    return c !== null && lo && hi ? and([p('gteq', c, [lo]), p('lteq', c, [hi])]) : null;
  }
  if (type === 'OPERATOR_IS_NULL' || type === 'OPERATOR_IS_NOT_NULL') {
    const c = col((n.children as Node[])[0]!);
    return c === null ? null : p(type === 'OPERATOR_IS_NULL' ? 'isNull' : 'notNull', c, []);
  }
  if (n.class === 'FUNCTION') {
    const name = String(n.function_name);
    const args = n.children as Node[];
    if (args.length !== 2 || String(n.schema ?? '') !== '') return null;
    const c = col(args[0]!);
    const lit = literal(args[1]!);
    if (c === null || lit?.kind !== 'string') return null;
    if (name === '~~' || name === 'like') {
      // 'prefix%' with no other wildcard and nothing that could be an escape.
      const m = /^([^%_\\]*)%$/.exec(lit.value);
      return m && m[1] !== '' ? p('startsWith', c, [{ kind: 'string', value: m[1]! }]) : null;
    }
    if (name === 'starts_with' || name === 'prefix') return p('startsWith', c, [lit]);
  }
  return null;
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/** A constant, or a cast of a string constant to DATE / TIMESTAMP / TIMESTAMPTZ / BOOLEAN. */
function literal(n: Node | undefined): SqlLiteral | null {
  if (!n) return null;
  if (n.class === 'CAST' && n.try_cast !== true) {
    const child = literal(n.child as Node);
    const to = String((n.cast_type as Node | undefined)?.id ?? '');
    if (child?.kind !== 'string') return null;
    if (to === 'DATE') return { kind: 'date', text: child.value };
    if (to === 'TIMESTAMP') return { kind: 'timestamp', text: child.value };
    if (to === 'TIMESTAMP WITH TIME ZONE') return { kind: 'timestamptz', text: child.value };
    if (to === 'BOOLEAN') {
      const v = child.value.trim().toLowerCase();
      return v === 't' || v === 'true' ? { kind: 'boolean', value: true } : v === 'f' || v === 'false' ? { kind: 'boolean', value: false } : null;
    }
    if (to === 'VARCHAR') return child;
    return null;
  }
  if (n.class !== 'CONSTANT') return null;
  const value = n.value as Node | undefined;
  if (!value || value.is_null !== false) return null;
  const typeInfo = value.type as Node;
  const id = String(typeInfo?.id ?? '');
  const v = value.value;
  if (id === 'VARCHAR' && typeof v === 'string') return { kind: 'string', value: v };
  if (id === 'BOOLEAN' && typeof v === 'boolean') return { kind: 'boolean', value: v };
  if (id === 'DOUBLE' || id === 'FLOAT') return typeof v === 'number' && Number.isFinite(v) ? { kind: 'double', value: v } : null;
  if (INTEGER_TYPES.has(id)) {
    const n = bigIntOf(v);
    return n === null ? null : { kind: 'integer', value: n };
  }
  if (id === 'DECIMAL') {
    const unscaled = bigIntOf(v);
    const scale = Number((typeInfo.type_info as Node | null)?.scale);
    if (unscaled === null || !Number.isInteger(scale) || scale < 0) return null;
    return { kind: 'decimal', text: formatDecimal(unscaled, scale) };
  }
  return null;
}

function bigIntOf(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (v && typeof v === 'object') {
    // HUGEINT: { upper: signed high 64 bits, lower: unsigned low 64 bits }.
    const upper = bigIntOf((v as Node).upper);
    const lower = bigIntOf((v as Node).lower);
    return upper === null || lower === null ? null : (upper << 64n) + lower;
  }
  return null;
}
