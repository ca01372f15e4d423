/**
 * Where a catalog table's view lives in DuckDB, so that SQL can name it as the catalog does
 * (`ns.t`, `a.b.t`). DuckDB reads a two-part name as schema.table (or catalog.table) and a
 * three-part name as catalog.schema.table; it has no four-part names.
 *
 * - `ns.t` (one namespace level): a view in schema `ns` of the session's own database —
 *   unless a database `ns` is attached for a nested namespace `ns.x`, when it is `ns.main.t`
 *   (DuckDB calls a name that is both a schema and a database ambiguous; with only the
 *   database, `ns.t` resolves to its default schema `main`).
 * - `a.b.t` (two levels): an in-memory database `a` is attached, the view is `a.b.t`. When
 *   `a` is the session's own database (`memory`) the view is simply in its schema `b`.
 *   Views already made in a schema `a` of the session's database move to `a.main` then.
 *   DuckDB reserves `main`, `system` and `temp` as database names: such tables, and tables
 *   three or more levels deep, fail naming the table.
 * - Two tables that DuckDB would see under one name (`memory.x.t` and `x.t`, `a.t` and
 *   `a.main.t`, or names that differ only in case) cannot be read in one session.
 */
import { FloeError, unsupportedError } from '../errors.js';
import type { Engine } from './duckdb.js';
import { quoteIdent, quoteLiteral } from './sql.js';

/** Names DuckDB will not attach a database under (compared case-insensitively). */
const RESERVED_DATABASES = new Set(['main', 'system', 'temp']);

interface Placed {
  /** The catalog table the view shows, as `ns.t`. */
  table: string;
  /** [database or '', schema, view] as created; '' is the session's own database. */
  parts: readonly [string, string, string];
  sql: string;
}

interface ViewState {
  database: string;
  /** Databases attached for nested namespaces, lower-cased. */
  attached: Set<string>;
  /** Views by their lower-cased resolved name `db.schema.view`. */
  views: Map<string, Placed>;
}

const states = new WeakMap<Engine, ViewState>();

async function stateOf(engine: Engine): Promise<ViewState> {
  let s = states.get(engine);
  if (!s) {
    const rows = await engine.all('SELECT current_database() AS db', 'read the session database name');
    s = states.get(engine) ?? { database: String(rows[0]?.db ?? 'memory'), attached: new Set(), views: new Map() };
    states.set(engine, s);
  }
  return s;
}

export interface ViewTarget {
  /** The quoted name to create the view under. */
  sql: string;
  /** Records the view's query once it is created (so it can move, see above). */
  created(sql: string): void;
}

/**
 * Makes the DuckDB schema (and database) a table's view goes in and returns its quoted
 * name. `name` is `[...namespace, table]` or one bare view name; `table` names it in errors.
 */
export async function viewTarget(engine: Engine, name: readonly string[], table: string): Promise<ViewTarget> {
  if (name.length === 1) return { sql: quoteIdent(name[0]!), created: () => undefined };
  if (name.length > 3) {
    throw unsupportedError(
      `table ${table}: its namespace ${name.slice(0, -1).join('.')} is ${name.length - 1} levels deep, and DuckDB names tables with at most three parts (database.schema.table), so SQL cannot name it`,
      { context: { table, feature: 'namespaces deeper than two levels in SQL' }, hint: 'floe query and sql pipelines read tables in namespaces of one or two levels' },
    );
  }
  const s = await stateOf(engine);
  const lower = (x: string) => x.toLowerCase();
  let parts: [string, string, string];
  if (name.length === 2) {
    const [ns, view] = name as [string, string];
    parts = s.attached.has(lower(ns)) ? [ns, 'main', view] : ['', ns, view];
  } else {
    const [db, schema, view] = name as [string, string, string];
    if (lower(db) === lower(s.database)) parts = ['', schema, view];
    else {
      if (RESERVED_DATABASES.has(lower(db))) {
        throw unsupportedError(`table ${table}: DuckDB reserves the name ${db} for its own database, so SQL cannot name a table in namespace ${name.slice(0, -1).join('.')}`, {
          context: { table, feature: `a nested namespace under ${db}` },
        });
      }
      await attach(engine, s, db, table);
      parts = [db, schema, view];
    }
  }
  const key = parts.map((p, i) => lower(i === 0 && p === '' ? s.database : p)).join('.');
  const other = s.views.get(key);
  if (other && other.table !== table) {
    throw unsupportedError(`tables ${other.table} and ${table} are one name to DuckDB (${key}), so one SQL session cannot read both`, {
      context: { table, other: other.table },
      hint: 'read them in separate queries',
    });
  }
  await engine.run(`CREATE SCHEMA IF NOT EXISTS ${qualified(s, parts.slice(0, 2))}`, `create a schema for table ${table}`, { context: { table } });
  return {
    sql: qualified(s, parts),
    created: (sql) => s.views.set(key, { table, parts, sql }),
  };
}

/** Attaches an in-memory database `db`, first moving views of a schema `db` into it. */
async function attach(engine: Engine, s: ViewState, db: string, table: string): Promise<void> {
  if (s.attached.has(db.toLowerCase())) return;
  await engine.run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteIdent(db)}`, `attach a database for table ${table}`, { context: { table } });
  s.attached.add(db.toLowerCase());
  const moving = [...s.views.entries()].filter(([, v]) => v.parts[0] === '' && v.parts[1].toLowerCase() === db.toLowerCase());
  for (const [key, v] of moving) {
    const to: [string, string, string] = [db, 'main', v.parts[2]];
    const toKey = to.map((p) => p.toLowerCase()).join('.');
    const clash = s.views.get(toKey);
    if (clash) {
      throw unsupportedError(`tables ${v.table} and ${clash.table} are one name to DuckDB (${toKey}), so one SQL session cannot read both`, {
        context: { table: v.table, other: clash.table },
        hint: 'read them in separate queries',
      });
    }
    await engine.run(`DROP VIEW ${qualified(s, v.parts)}`, `move the view of table ${v.table}`);
    await engine.run(`CREATE VIEW ${qualified(s, to)} AS ${v.sql}`, `move the view of table ${v.table}`, { context: { table: v.table } });
    s.views.delete(key);
    s.views.set(toKey, { ...v, parts: to });
  }
  // A schema `db` left in the session's database would make `db.t` ambiguous to DuckDB.
  const left = await engine.all(
    `SELECT count(*) AS n FROM duckdb_schemas() WHERE database_name = current_database() AND lower(schema_name) = lower(${quoteLiteral(db)})`,
    `look for a schema named ${db}`,
  );
  if (Number(left[0]?.n ?? 0) > 0) {
    try {
      await engine.run(`DROP SCHEMA ${qualified(s, ['', db])}`, `drop the schema ${db}`);
    } catch (e) {
      throw new FloeError('unsupported', `table ${table}: DuckDB already has a schema ${db} in this session, so the namespace ${db} of the table cannot become a database`, {
        cause: e,
        context: { table },
      });
    }
  }
}

/** Always with the database: once `a` is attached, a bare `a.t` is ambiguous to DuckDB. */
function qualified(s: ViewState, parts: readonly string[]): string {
  return parts.map((p, i) => quoteIdent(i === 0 && p === '' ? s.database : p)).join('.');
}
