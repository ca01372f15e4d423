/**
 * `table:` of a postgres, mysql or sqlite source → the FROM target sent to the database.
 *
 * A part written plain (`crm.Contacts`) stays unquoted, so the database folds its case exactly
 * as it would for the same name typed in its own shell (Postgres lowercases, MySQL depends on
 * lower_case_table_names). A part the user quoted (`public."Orders"`, MySQL `` `Orders` ``) is
 * that exact name: the tables an ORM creates (`"Orders"`, `"OrderItems"`) can only be named so,
 * and a dot inside the quotes (`"sales.2024"`) is part of the name. Any other part (a space, a
 * dash: `crm.Mixed Case`) is quoted as it is written.
 */
import { configError } from '../errors.js';

export type TableDialect = 'postgres' | 'mysql' | 'sqlite';

const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** An identifier quoted for the source database (not DuckDB). */
export function quoteSourceIdent(dialect: TableDialect, name: string): string {
  return dialect === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

/** The parts of `table`, each with whether it was quoted; null when a quote is not closed. */
export function tableParts(table: string): { name: string; quoted: boolean }[] | null {
  const parts: { name: string; quoted: boolean }[] = [];
  let i = 0;
  for (;;) {
    const open = table[i];
    if (open === '"' || open === '`') {
      let name = '';
      let j = i + 1;
      for (;;) {
        if (j >= table.length) return null;
        if (table[j] === open) {
          if (table[j + 1] === open) {
            name += open;
            j += 2;
            continue;
          }
          break;
        }
        name += table[j];
        j += 1;
      }
      parts.push({ name, quoted: true });
      i = j + 1;
      if (i >= table.length) return parts;
      if (table[i] !== '.') return null;
      i += 1;
    } else {
      const dot = table.indexOf('.', i);
      const end = dot < 0 ? table.length : dot;
      const name = table.slice(i, end);
      if (name.includes('"') || name.includes('`')) return null;
      parts.push({ name, quoted: false });
      if (dot < 0) return parts;
      i = dot + 1;
    }
  }
}

export function tableRef(dialect: TableDialect, table: string): string {
  const parts = tableParts(table);
  if (!parts || parts.some((p) => p.name === '')) {
    throw configError(`source table ${JSON.stringify(table)} is not a table name: write schema.table, quoting a part that holds a dot or must keep its case ("Orders")`, {
      context: { table },
    });
  }
  return parts.map((p) => (!p.quoted && PLAIN.test(p.name) ? p.name : quoteSourceIdent(dialect, p.name))).join('.');
}
