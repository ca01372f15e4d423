/**
 * What makes a `sql` pipeline's table differ between two runs over the same input tables,
 * from DuckDB's parse tree (json_serialize_sql): the clock (`now()`, `current_date`, ...),
 * chance (`random()`, `uuid()`), and window functions whose result depends on the order of
 * rows in a window that has no ORDER BY (`row_number() OVER ()`, `lag(x) OVER (PARTITION BY
 * k)`: DuckDB's threads give rows in any order), and aggregates that keep their rows' order
 * without an ORDER BY of their own (`string_agg(x, ',')`, `list(x)`, `first(x)`; not inside
 * `list_sort()` or `len()`). The run warns about each (a `warning` event);
 * the query still runs, since a load time or a surrogate key may be what is wanted. A
 * reproducible table measures against a date written in the query (pipelines/customer_metrics.yaml,
 * docs/METRICS.md "Reproducibility") and orders every such window.
 *
 * Pure: parse tree in, findings out.
 */

/** Functions whose value depends on when the query runs. */
const CLOCK = new Set(['now', 'get_current_timestamp', 'transaction_timestamp', 'current_timestamp', 'current_date', 'today', 'current_time', 'get_current_time', 'localtimestamp', 'localtime', 'epoch_ms_now', 'current_localtimestamp', 'current_localtime']);
/** Names DuckDB parses as a column and binds as the clock when no column has the name. */
const CLOCK_WORDS = new Set(['current_timestamp', 'current_date', 'current_time', 'localtimestamp', 'localtime']);
/** Functions whose value depends on chance. */
const CHANCE = new Set(['random', 'uuid', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'setseed']);
/** Window functions whose value depends on the order of the rows in their window. */
const ORDERED_WINDOWS = new Set(['row_number', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value', 'first', 'last', 'any_value', 'string_agg', 'list', 'array_agg', 'group_concat']);
/** Aggregates whose value depends on the order of the rows they read, unless given an ORDER BY (`string_agg(x, ',' ORDER BY x)`). */
const ORDERED_AGGREGATES = new Set(['string_agg', 'group_concat', 'listagg', 'list', 'array_agg', 'first', 'last', 'any_value', 'arbitrary']);
/** Functions whose value does not depend on the order of their list or text argument: `list_sort(list(x))`. */
const ORDER_BLIND = new Set(['list_sort', 'array_sort', 'list_reverse_sort', 'array_reverse_sort', 'len', 'length', 'array_length', 'list_sum', 'list_min', 'list_max', 'list_count', 'list_avg', 'list_contains', 'list_has', 'array_contains', 'array_has']);

export interface Unrepeatable {
  /** `now()`, `row_number() OVER (...) without ORDER BY`. */
  what: string;
  why: 'clock' | 'chance' | 'order';
  /** Byte offset in the SQL text (DuckDB's query_location), when the tree gives one. */
  at?: number;
}

/** The clock, chance and unordered windows a query reads, in the order of the tree. */
export function unrepeatable(tree: unknown): Unrepeatable[] {
  const out: Unrepeatable[] = [];
  const at = (node: Record<string, unknown>) => (typeof node.query_location === 'number' && node.query_location < 2 ** 40 ? { at: node.query_location } : {});
  // `blind`: the node is an argument of an ORDER_BLIND function.
  const walk = (n: unknown, blind = false): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x, blind);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const node = n as Record<string, unknown>;
    const name = typeof node.function_name === 'string' ? node.function_name.toLowerCase() : '';
    if (node.class === 'FUNCTION' && CLOCK.has(name)) out.push({ what: `${name}()`, why: 'clock', ...at(node) });
    else if (node.class === 'FUNCTION' && CHANCE.has(name)) out.push({ what: `${name}()`, why: 'chance', ...at(node) });
    else if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names) && node.column_names.length === 1 && CLOCK_WORDS.has(String(node.column_names[0]).toLowerCase())) {
      out.push({ what: String(node.column_names[0]).toLowerCase(), why: 'clock', ...at(node) });
    } else if (node.class === 'WINDOW' && ORDERED_WINDOWS.has(name) && Array.isArray(node.orders) && node.orders.length === 0 && !(Array.isArray(node.arg_orders) && node.arg_orders.length > 0)) {
      out.push({ what: `${name}() OVER (...) without ORDER BY`, why: 'order', ...at(node) });
    } else if (node.class === 'FUNCTION' && ORDERED_AGGREGATES.has(name) && !blind && !hasOrders(node.order_bys)) {
      out.push({ what: `${name}() without ORDER BY`, why: 'order', ...at(node) });
    }
    const argsBlind = node.class === 'FUNCTION' && ORDER_BLIND.has(name);
    for (const [k, v] of Object.entries(node)) walk(v, argsBlind && k === 'children');
  };
  walk((tree as { statements?: unknown[] } | null)?.statements ?? []);
  return out;
}

const hasOrders = (m: unknown): boolean => Array.isArray((m as { orders?: unknown } | null)?.orders) && (m as { orders: unknown[] }).orders.length > 0;

const WHY = {
  clock: 'depends on when the run happens',
  chance: 'is drawn at random',
  order: 'depends on the order in which DuckDB reads the rows, and that varies between runs',
} as const;

/** The warning for one finding; `where` is `pipelines/x.yaml:3:10` or `query line 1, column 8`. */
export function unrepeatableWarning(u: Unrepeatable, where: string | undefined): string {
  const fix =
    u.why === 'clock'
      ? "write the time into the query (DATE '2026-07-01')"
      : u.why === 'chance'
        ? 'derive the value from the input columns (hash(key))'
        : u.what.includes(' OVER ')
          ? 'give the window an ORDER BY with a total order (ties broken by a key)'
          : `give it an ORDER BY with a total order inside its parentheses (${u.what.replace(/\(\).*/, '')}(… ORDER BY x, key))`;
  return `${where ? `${where}: ` : ''}the query reads ${u.what}, which ${WHY[u.why]}: the same input tables give another table on every run; for a table a rerun reproduces, ${fix}`;
}
