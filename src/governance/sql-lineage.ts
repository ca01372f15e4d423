/**
 * Column lineage of a `sql` pipeline's query: for each output column, the catalog-table
 * columns whose values reach it, read from DuckDB's parse tree (json_serialize_sql). The
 * output inherits the PII tags of those columns (sql-tags.ts).
 *
 * How a value is followed:
 * - a column reference, by name, alias or `alias.column` (`ns.table.column`, struct fields
 *   `c.address.city`), through FROM subqueries, CTEs (recursive ones to a fixed point), joins
 *   (USING/NATURAL columns carry both sides), set operations (UNION column by column, BY NAME
 *   by name), `*` / `t.*` with EXCLUDE and REPLACE, and earlier select-list aliases;
 * - any expression carries every column it mentions (lower(email), CASE, COALESCE, ||,
 *   casts, struct and list functions, lambdas), and a scalar or IN / EXISTS subquery every
 *   column of its result;
 * - an aggregate or window function carries its arguments (min, max, first, string_agg,
 *   list, sum, lag ... return or reveal input values), except the counting ones (count,
 *   count(DISTINCT), count_if, approx_count_distinct) and the ranking window functions
 *   (row_number, rank, ntile, ...), which return numbers about rows, never a value;
 * - WHERE, JOIN ... ON, GROUP BY, HAVING, QUALIFY, ORDER BY and window PARTITION/ORDER
 *   clauses choose rows but put no value in a column, so they carry nothing.
 *
 * What cannot be followed is flagged `unsure` on its column (a name that resolves nowhere,
 * `hash(*)` whose star DuckDB's serialiser drops), or makes the whole query unknown (null: a
 * construct not handled here, `COLUMNS('regex')` whose column count depends on the data);
 * sql-tags.ts then fails closed. Pure: parse tree in, lineage out.
 */

/** A tagged source column: `<table>\u0000<column>` (lower-case table, column as in its schema). */
export type SourceKey = string;
export const sourceKey = (table: string, column: string): SourceKey => `${table.toLowerCase()}\u0000${column}`;

export interface Taint {
  /** The catalog-table columns whose values reach this value. */
  from: Set<SourceKey>;
  /** Something in the expression could not be followed. */
  unsure: boolean;
}

export interface OutputColumn {
  /** The column's name when the tree says it (alias, column name); absent for unnamed expressions. */
  name?: string;
  taint: Taint;
}

/** A catalog table the query reads: its columns (current schema, in order). */
export interface LineageTable {
  columns: readonly string[];
}

class Unknown extends Error {}

interface Col {
  name?: string;
  taint: Taint;
  /** The right side's copy of a USING/NATURAL join column: `*` shows it once, through the left side. */
  hidden?: boolean;
}

interface Rel {
  /** The name the query refers to it by (alias, table name, CTE name), lower-case. */
  alias?: string;
  /** `ns.table` of a catalog table, lower-case, for `ns.table.column` references. */
  qualified?: string;
  cols: Col[];
}

interface Scope {
  rels: Rel[];
  /** Select-list aliases defined so far (DuckDB lets later items use them). */
  aliases?: Map<string, Taint>;
  /** Lambda parameters. */
  locals?: Set<string>;
  outer?: Scope;
}

type Node = Record<string, unknown>;
type Ctes = ReadonlyMap<string, Col[]>;

const empty = (): Taint => ({ from: new Set(), unsure: false });
const unsure = (): Taint => ({ from: new Set(), unsure: true });
function union(...ts: Taint[]): Taint {
  const out = empty();
  for (const t of ts) {
    for (const k of t.from) out.from.add(k);
    out.unsure ||= t.unsure;
  }
  return out;
}

/** Aggregates that count rows or values: their result reveals no input value. */
const COUNTING = new Set(['count', 'count_star', 'count_if', 'countif', 'approx_count_distinct']);
/** Window functions whose result is a number about the row's position, never an input value. */
const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'rank_dense']);
/** Names SQL reads as values, not columns, when no column has them. */
const SQL_VALUE_NAMES = new Set(['current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'current_user', 'session_user', 'user', 'current_role', 'current_schema', 'current_catalog']);
/** Table functions of sql-reads.ts SAFE_TABLE_FUNCTIONS: one column named after the function. */
const ONE_COLUMN_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

const str = (x: unknown): string => (typeof x === 'string' ? x : '');
const lower = (x: unknown): string => str(x).toLowerCase();

/**
 * The lineage of the query's output columns, in order; null when the query has a construct
 * the analysis does not follow (the caller then fails closed for every column). `tables`:
 * the catalog tables the query reads, by `ns.table` (any case). `query`: the SQL text, to
 * see arguments DuckDB's serialiser drops (`hash(*)`).
 */
export function outputLineage(tree: unknown, tables: ReadonlyMap<string, LineageTable>, query: string): OutputColumn[] | null {
  const root = tree as { error?: boolean; statements?: { node?: unknown }[] } | null;
  if (!root || root.error || root.statements?.length !== 1) return null;
  const byName = new Map([...tables].map(([k, v]) => [k.toLowerCase(), v]));
  const bytes = Buffer.from(query, 'utf8');
  try {
    return new Analysis(byName, bytes).queryNode(root.statements[0]!.node as Node, new Map(), undefined).map((c) => ({ ...(c.name !== undefined ? { name: c.name } : {}), taint: c.taint }));
  } catch (e) {
    if (e instanceof Unknown) return null;
    throw e;
  }
}

class Analysis {
  constructor(
    private readonly tables: ReadonlyMap<string, LineageTable>,
    private readonly query: Buffer,
  ) {}

  /** A query node (SELECT, set operation, recursive CTE) with its WITH clause. */
  queryNode(node: Node, ctes: Ctes, outer: Scope | undefined): Col[] {
    if (!node || typeof node !== 'object') throw new Unknown();
    const scope = this.withCtes(node, ctes, outer);
    switch (node.type) {
      case 'SELECT_NODE':
        return this.select(node, scope, outer);
      case 'SET_OPERATION_NODE':
        return this.setOperation(node, scope, outer);
      case 'RECURSIVE_CTE_NODE':
        return this.recursive(node, scope, outer);
      default:
        throw new Unknown();
    }
  }

  private withCtes(node: Node, ctes: Ctes, outer: Scope | undefined): Ctes {
    const map = (node.cte_map as { map?: { key?: unknown; value?: { query?: { node?: Node }; aliases?: unknown[] } }[] } | undefined)?.map;
    if (!Array.isArray(map) || map.length === 0) return ctes;
    const out = new Map(ctes);
    for (const e of map) {
      const body = e.value?.query?.node;
      if (!body) throw new Unknown();
      out.set(lower(e.key), renamed(this.queryNode(body, out, outer), e.value?.aliases));
    }
    return out;
  }

  private setOperation(node: Node, ctes: Ctes, outer: Scope | undefined): Col[] {
    const children = Array.isArray(node.children) ? (node.children as Node[]) : [node.left as Node, node.right as Node];
    const sides = children.map((c) => this.queryNode(c, ctes, outer));
    const [first, ...rest] = sides;
    if (!first) throw new Unknown();
    const type = str(node.setop_type);
    // EXCEPT returns left rows; INTERSECT left rows equal to right ones: the left side's values.
    if (type === 'EXCEPT' || type === 'INTERSECT') return first;
    if (type === 'UNION_BY_NAME') {
      const out = new Map<string, Col>();
      for (const side of sides) {
        for (const c of side) {
          if (c.name === undefined) throw new Unknown();
          const seen = out.get(c.name.toLowerCase());
          out.set(c.name.toLowerCase(), seen ? { name: seen.name, taint: union(seen.taint, c.taint) } : c);
        }
      }
      return [...out.values()];
    }
    return first.map((c, i) => ({ ...(c.name !== undefined ? { name: c.name } : {}), taint: union(c.taint, ...rest.map((r) => r[i]?.taint ?? unsure())) }));
  }

  /** WITH RECURSIVE: the anchor's columns, widened by the recursive part until nothing changes. */
  private recursive(node: Node, ctes: Ctes, outer: Scope | undefined): Col[] {
    const name = lower(node.cte_name);
    let cols = renamed(this.queryNode(node.left as Node, ctes, outer), node.aliases as unknown[] | undefined);
    for (let round = 0; round < 32; round++) {
      const right = this.queryNode(node.right as Node, new Map([...ctes, [name, cols]]), outer);
      const next = cols.map((c, i) => ({ ...c, taint: union(c.taint, right[i]?.taint ?? unsure()) }));
      if (next.every((c, i) => c.taint.from.size === cols[i]!.taint.from.size && c.taint.unsure === cols[i]!.taint.unsure)) return next;
      cols = next;
    }
    return cols.map((c) => ({ ...c, taint: union(c.taint, unsure()) }));
  }

  private select(node: Node, ctes: Ctes, outer: Scope | undefined): Col[] {
    const scope: Scope = { rels: node.from_table ? this.from(node.from_table as Node, ctes, outer) : [], aliases: new Map(), ...(outer ? { outer } : {}) };
    const out: Col[] = [];
    for (const item of (node.select_list as Node[] | undefined) ?? []) {
      if (item.type === 'STAR') {
        out.push(...this.star(item, scope, ctes));
        continue;
      }
      if (hasColumnsStar(item)) throw new Unknown(); // COLUMNS(...) inside an expression: one output per matching column
      const taint = this.expr(item, scope, ctes);
      const name = str(item.alias) || (item.type === 'COLUMN_REF' ? ((item.column_names as string[] | undefined) ?? []).at(-1) : undefined);
      out.push({ ...(name !== undefined ? { name } : {}), taint });
      if (str(item.alias)) scope.aliases!.set(str(item.alias).toLowerCase(), taint);
    }
    return out;
  }

  /** `*`, `t.*`, `* EXCLUDE (...) REPLACE (... AS c)`, `COLUMNS(*)`. */
  private star(item: Node, scope: Scope, ctes: Ctes): Col[] {
    if (item.columns === true && item.expr) throw new Unknown(); // COLUMNS('regex') / COLUMNS(lambda)
    const relation = lower(item.relation_name);
    const rels = relation ? scope.rels.filter((r) => r.alias === relation || r.qualified === relation) : scope.rels;
    if (relation && rels.length === 0) throw new Unknown();
    const exclude = new Set(((item.exclude_list as unknown[] | undefined) ?? []).map((x) => lower(x)));
    for (const q of (item.qualified_exclude_list as unknown[] | undefined) ?? []) {
      const parts = ((q as { column_names?: unknown[] } | undefined)?.column_names ?? []).map(lower);
      if (parts.length) exclude.add(parts.at(-1)!);
    }
    const replace = new Map<string, Taint>();
    for (const r of (item.replace_list as { key?: unknown; value?: Node }[] | undefined) ?? []) replace.set(lower(r.key), this.expr(r.value!, scope, ctes));
    const rename = new Map<string, string>();
    for (const r of (item.rename_list as { key?: unknown; value?: unknown }[] | undefined) ?? []) {
      const from = (r.key as { column_names?: unknown[] } | string | undefined);
      rename.set(typeof from === 'string' ? from.toLowerCase() : lower(from?.column_names?.at(-1)), str(r.value));
    }
    const out: Col[] = [];
    for (const rel of rels) {
      for (const c of rel.cols) {
        if (c.hidden && !relation) continue;
        if (c.name === undefined) {
          out.push(c);
          continue;
        }
        const key = c.name.toLowerCase();
        if (exclude.has(key)) continue;
        out.push({ name: rename.get(key) ?? c.name, taint: replace.get(key) ?? c.taint });
      }
    }
    return out;
  }

  /** The relations of a FROM clause. */
  private from(ref: Node, ctes: Ctes, outer: Scope | undefined): Rel[] {
    const alias = lower(ref.alias);
    switch (ref.type) {
      case 'EMPTY':
        return [];
      case 'BASE_TABLE': {
        const parts = [ref.catalog_name, ref.schema_name, ref.table_name].map(str).filter((x) => x !== '');
        const name = parts.join('.').toLowerCase();
        if (parts.length === 1 && ctes.has(name)) return [{ alias: alias || name, cols: renamed(ctes.get(name)!, ref.column_name_alias as unknown[]) }];
        const table = this.tables.get(name);
        if (!table) throw new Unknown();
        const cols = table.columns.map((c) => ({ name: c, taint: { from: new Set([sourceKey(name, c)]), unsure: false } }));
        return [{ alias: alias || lower(parts.at(-1)), qualified: name, cols: renamed(cols, ref.column_name_alias as unknown[]) }];
      }
      case 'SUBQUERY': {
        const sub = (ref.subquery as { node?: Node } | undefined)?.node;
        if (!sub) throw new Unknown();
        return [{ ...(alias ? { alias } : {}), cols: renamed(this.queryNode(sub, ctes, outer), ref.column_name_alias as unknown[]) }];
      }
      case 'JOIN': {
        const left = this.from(ref.left as Node, ctes, outer);
        // The right side may be LATERAL: it sees the left side's columns.
        const right = this.from(ref.right as Node, ctes, { rels: left, ...(outer ? { outer } : {}) });
        const type = str(ref.join_type);
        if (type === 'SEMI' || type === 'ANTI') return left;
        let using = ((ref.using_columns as unknown[] | undefined) ?? []).map(lower);
        if (ref.ref_type === 'NATURAL') {
          const names = new Set(left.flatMap((r) => r.cols.map((c) => c.name?.toLowerCase())));
          using = [...new Set(right.flatMap((r) => r.cols.flatMap((c) => (c.name !== undefined && names.has(c.name.toLowerCase()) ? [c.name.toLowerCase()] : []))))];
        }
        if (using.length === 0) return [...left, ...right];
        // A USING column is one column holding either side's value (FULL joins coalesce them).
        const rightTaint = new Map(using.map((u) => [u, union(...right.flatMap((r) => r.cols.filter((c) => c.name?.toLowerCase() === u).map((c) => c.taint)))]));
        const mark = (rels: Rel[], hide: boolean): Rel[] =>
          rels.map((r) => ({
            ...r,
            cols: r.cols.map((c) => {
              const u = c.name?.toLowerCase();
              if (u === undefined || !rightTaint.has(u)) return c;
              return hide ? { ...c, hidden: true } : { ...c, taint: union(c.taint, rightTaint.get(u)!) };
            }),
          }));
        return [...mark(left, false), ...mark(right, true)];
      }
      case 'TABLE_FUNCTION': {
        const fn = ref.function as Node | undefined;
        const name = lower(fn?.function_name);
        if (!ONE_COLUMN_FUNCTIONS.has(name)) throw new Unknown();
        const taint = this.expr(fn!, outer ?? { rels: [] }, ctes);
        return [{ alias: alias || name, cols: renamed([{ name, taint }], ref.column_name_alias as unknown[]) }];
      }
      case 'EXPRESSION_LIST': {
        const rows = (ref.values as Node[][] | undefined) ?? [];
        const width = rows[0]?.length ?? 0;
        const cols: Col[] = Array.from({ length: width }, (_, i) => ({ name: `col${i}`, taint: union(...rows.map((row) => (row[i] ? this.expr(row[i]!, outer ?? { rels: [] }, ctes) : empty()))) }));
        return [{ alias: alias || 'valueslist', cols }];
      }
      default:
        throw new Unknown();
    }
  }

  /** The columns whose values reach an expression's value. */
  expr(e: Node, scope: Scope, ctes: Ctes): Taint {
    if (!e || typeof e !== 'object') return empty();
    const type = str(e.type);
    if (type === 'COLUMN_REF') return this.resolve(((e.column_names as unknown[] | undefined) ?? []).map(str), scope);
    if (type === 'STAR') {
      // `list_value(* EXCLUDE (a))`, `struct_pack(t.*)`: every column the star takes.
      if (e.columns === true && e.expr) return union(...scope.rels.flatMap((r) => r.cols.map((c) => c.taint)));
      return union(...this.star(e, scope, ctes).map((c) => c.taint));
    }
    if (type === 'SUBQUERY') {
      const sub = (e.subquery as { node?: Node } | undefined)?.node;
      if (!sub) throw new Unknown();
      return union(...this.queryNode(sub, ctes, scope).map((c) => c.taint), e.child ? this.expr(e.child as Node, scope, ctes) : empty());
    }
    if (type === 'LAMBDA') {
      const params = collectNames(e.lhs);
      return this.expr(e.expr as Node, { rels: [], locals: new Set(params), outer: scope }, ctes);
    }
    if (type === 'POSITIONAL_REFERENCE') return union(...scope.rels.flatMap((r) => r.cols.map((c) => c.taint)));
    if (type === 'FUNCTION') {
      const name = lower(e.function_name);
      if (COUNTING.has(name)) return empty();
      const children = (e.children as Node[] | undefined) ?? [];
      // DuckDB's serialiser drops a lone `*` / `t.*` argument (`hash(*)`, `concat(t.*)`): the
      // function then shows no children though its text has arguments. Take every column.
      if (children.length === 0 && this.hasArguments(e)) return union(...scope.rels.flatMap((r) => r.cols.map((c) => c.taint)));
      return union(...children.map((c) => this.expr(c, scope, ctes)));
    }
    if (type.startsWith('WINDOW_')) {
      const name = lower(e.function_name);
      if (COUNTING.has(name)) return empty();
      const args = [...((e.children as Node[] | undefined) ?? []), e.offset_expr as Node, e.default_expr as Node].filter((x) => x && typeof x === 'object');
      if (RANKING.has(name)) return union(...args.map((c) => this.expr(c, scope, ctes)).map((t) => ({ from: new Set<SourceKey>(), unsure: t.unsure })));
      return union(...args.map((c) => this.expr(c, scope, ctes)));
    }
    // Everything else (CASE, COALESCE, operators, casts, comparisons, COLLATE, BETWEEN, struct
    // and list literals, ...) carries every expression inside it.
    const parts: Taint[] = [];
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (!v || typeof v !== 'object') return;
      const o = v as Node;
      if (typeof o.type === 'string' && typeof o.class === 'string') parts.push(this.expr(o, scope, ctes));
      else Object.values(o).forEach(visit);
    };
    for (const [k, v] of Object.entries(e)) if (k !== 'cast_type' && k !== 'value') visit(v);
    return union(...parts);
  }

  /** A column reference, in this scope and then the enclosing ones. */
  private resolve(names: string[], scope: Scope): Taint {
    const parts = names.map((n) => n.toLowerCase());
    for (let s: Scope | undefined = scope; s; s = s.outer) {
      const hit = lookup(parts, s);
      if (hit) return hit;
    }
    // `current_date` and its kin parse as names; DuckDB binds them to values when no column has the name.
    if (parts.length === 1 && SQL_VALUE_NAMES.has(parts[0]!)) return empty();
    return unsure();
  }

  /** True when the function's text has something between its parentheses. */
  private hasArguments(e: Node): boolean {
    const at = typeof e.query_location === 'number' ? e.query_location : undefined;
    if (at === undefined || at >= this.query.length) return true;
    const text = this.query.subarray(at, Math.min(this.query.length, at + 4096)).toString('utf8');
    // The function's own name, then its parenthesis: `current_date` has none, `now()` an empty pair.
    const m = /^(?:"[^"]*"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]*"|[A-Za-z_][\w$]*))*\s*\(\s*(\S)/.exec(text);
    return m !== null && m[1] !== ')';
  }
}

function lookup(parts: string[], s: Scope): Taint | undefined {
  const [a, b, c] = parts;
  if (a === undefined) return undefined;
  const colIn = (rels: readonly Rel[], name: string) => rels.flatMap((r) => r.cols.filter((x) => x.name?.toLowerCase() === name && !x.hidden).map((x) => x.taint));
  if (parts.length === 1) {
    const cols = colIn(s.rels, a);
    if (cols.length) return union(...cols);
    if (s.aliases?.has(a)) return s.aliases.get(a);
    if (s.locals?.has(a)) return empty();
    // `SELECT t FROM t`: the whole row as a struct.
    const rel = s.rels.filter((r) => r.alias === a);
    if (rel.length) return union(...rel.flatMap((r) => r.cols.map((x) => x.taint)));
    return undefined;
  }
  // alias.column[.field...]
  const byAlias = s.rels.filter((r) => r.alias === a);
  if (b !== undefined && byAlias.length) {
    const cols = byAlias.flatMap((r) => r.cols.filter((x) => x.name?.toLowerCase() === b).map((x) => x.taint));
    if (cols.length) return union(...cols);
  }
  // ns.table.column[.field...]
  if (b !== undefined && c !== undefined) {
    const cols = s.rels.filter((r) => r.qualified === `${a}.${b}`).flatMap((r) => r.cols.filter((x) => x.name?.toLowerCase() === c).map((x) => x.taint));
    if (cols.length) return union(...cols);
  }
  // column.field[...] (a struct), or a lambda parameter's field
  const cols = colIn(s.rels, a);
  if (cols.length) return union(...cols);
  if (s.aliases?.has(a)) return s.aliases.get(a);
  if (s.locals?.has(a)) return empty();
  return undefined;
}

/** Columns renamed by an alias list (`t AS x(a, b)`, `WITH c(a, b) AS ...`); extra columns keep their names. */
function renamed(cols: Col[], aliases: readonly unknown[] | undefined): Col[] {
  if (!aliases || aliases.length === 0) return cols;
  return cols.map((c, i) => (i < aliases.length ? { ...c, name: str(aliases[i]) } : c));
}

function collectNames(n: unknown): string[] {
  if (Array.isArray(n)) return n.flatMap(collectNames);
  if (!n || typeof n !== 'object') return [];
  const o = n as Node;
  if (o.type === 'COLUMN_REF') return ((o.column_names as unknown[] | undefined) ?? []).map(lower).slice(-1);
  return Object.values(o).flatMap(collectNames);
}

/** A COLUMNS(...) star inside an expression, outside subqueries. */
function hasColumnsStar(n: unknown): boolean {
  if (Array.isArray(n)) return n.some(hasColumnsStar);
  if (!n || typeof n !== 'object') return false;
  const o = n as Node;
  if (o.type === 'STAR' && o.columns === true) return true;
  if (o.type === 'SUBQUERY') return false;
  return Object.values(o).some(hasColumnsStar);
}
