/**
 * The other tables a table's checks read (relationships targets, tables named in sql
 * checks) made visible to DuckDB as views named `ns.table`, as in `floe query`. The checked
 * table itself is never re-read from the catalog: when its own name appears in a check's
 * SQL it must mean the snapshot under check (the staged one, in write-audit-publish), so
 * `ns.table` is made a view of `relation` instead.
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatTableId } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import type { Engine } from '../engine/duckdb.js';
import { createTableView } from '../engine/read.js';
import { viewTarget } from '../engine/read-view-name.js';
import { quoteIdent } from '../engine/sql.js';
import type { FileIO } from '../io/fileio.js';
import { referencedTables } from '../query/query.js';
import { loadTable } from '../table/load.js';
import { relationSql } from './common.js';
import type { Check, RelationName } from './types.js';

export interface CheckViewsOptions {
  /** The checked table, `ns.table`. */
  table: string;
  /** The rows under check; `ns.table` becomes a view of it unless it is that very name. */
  relation: RelationName;
}

/** The SQL texts that name other tables. */
function referencingSql(checks: readonly Check[]): string {
  const parts: string[] = [];
  for (const c of checks) {
    if (c.kind === 'relationships') parts.push(`SELECT * FROM ${c.to.table}`);
    if (c.kind === 'sql') parts.push(c.query);
  }
  return parts.join('\n');
}

/** Creates the views; returns the tables read from the catalog (at their current snapshots). */
export async function prepareCheckViews(engine: Engine, catalog: Catalog, io: FileIO, checks: readonly Check[], o: CheckViewsOptions): Promise<string[]> {
  const text = referencingSql(checks);
  if (text === '') return [];
  const prepared: string[] = [];
  // The checked table is a candidate even when the catalog does not list it yet: on the first
  // run of a pipeline the audit runs before the commit that creates the table.
  const tables = await catalog.listTables();
  if (!tables.some((id) => formatTableId(id) === o.table)) tables.push(parseTableIdentifier(o.table));
  for (const id of referencedTables(text, tables)) {
    const name = formatTableId(id);
    const parts = [...id.namespace, id.name];
    if (name === o.table) {
      if (relationSql(o.relation) !== relationSql(parts)) {
        // Through a temp view with a fresh name: `CREATE VIEW crm.contacts AS SELECT * FROM
        // contacts` would bind `contacts` to itself inside schema crm (infinite recursion).
        const alias = engine.uniqueName('checked');
        await engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(alias)} AS SELECT * FROM ${relationSql(o.relation)}`, `create a view of table ${name} under check`);
        // Placed as every table view is, so a nested `a.b.t` read beside `a.t` finds it.
        const target = await viewTarget(engine, parts, name);
        const sql = `SELECT * FROM temp.main.${quoteIdent(alias)}`;
        await engine.run(`CREATE OR REPLACE VIEW ${target.sql} AS ${sql}`, `create a view of table ${name} under check`, { context: { table: name } });
        target.created(sql);
      }
      continue;
    }
    const t = await loadTable(catalog, io, id);
    await createTableView(engine, parts, { io: t.io, metadata: t.metadata, table: name });
    prepared.push(name);
  }
  return prepared;
}
