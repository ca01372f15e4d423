/**
 * Masked views for reads: `floe query --mask` and the sources of `sql` pipelines (so a
 * curated table built from PII-tagged columns is written masked). query/query.ts
 * prepareViews calls the masker for each table it opens: when the table's properties tag
 * columns with a policy still to apply (`apply: read`), the table's view is created masked.
 */
import type { Engine } from '../engine/duckdb.js';
import { createTableView, type TableScan, type TableScanOptions } from '../engine/read.js';
import type { TableMetadata } from '../iceberg/types.js';
import { applyPoliciesSql } from './apply.js';
import type { Env } from './salt.js';
import { readMaskColumns } from './tags.js';

/** Wraps a table's scan query in its masks; null when the table has nothing to mask. */
export type ViewMask = (scanSql: string, columns: ReadonlySet<string>) => string;
export type ViewMasker = (metadata: TableMetadata, table: string) => ViewMask | null;

/** The masker for reads under this environment (the hash salts come from it). */
export function readMasker(env: Env = process.env): ViewMasker {
  return (metadata, table) => {
    // Tags follow renamed columns, and one floe cannot read fails the read (tags.ts).
    const columns = readMaskColumns(metadata, table);
    if (columns.length === 0) return null;
    return (scanSql, present) => applyPoliciesSql(scanSql, columns, table, env, present);
  };
}

/** engine/read.ts createTableView, with the view's query wrapped in the table's masks. */
export function createMaskedTableView(engine: Engine, name: readonly string[], opts: Omit<TableScanOptions, 'engine'>, mask: ViewMask): Promise<TableScan> {
  return createTableView(engine, name, opts, {
    what: 'a masked view',
    sql: async (scanSql) => mask(scanSql, new Set((await engine.columns(scanSql, `read the columns of table ${opts.table}`)).map((c) => c.name))),
  });
}
