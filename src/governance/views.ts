/**
 * Masked views for reads: `floe query --mask` and the sources of `sql` pipelines (so a
 * curated table built from PII-tagged columns is written masked). query/query.ts
 * prepareViews calls the masker for each table it opens: when the table's properties tag
 * columns with a policy still to apply (`apply: read`), the table's view is created masked.
 */
import type { Engine } from '../engine/duckdb.js';
import { createTableView, type TableScan, type TableScanOptions } from '../engine/read.js';
import type { Schema, TableMetadata } from '../iceberg/types.js';
import { applyPoliciesSql } from './apply.js';
import type { Env } from './salt.js';
import { readMaskColumns, readTagsToApply } from './tags.js';

/**
 * Wraps a table's scan query in its masks. `schema`: the schema the scan reads with (a time
 * travel read uses the snapshot's, whose columns may have other names than today's).
 */
export type ViewMask = (scanSql: string, columns: ReadonlySet<string>, schema?: Schema) => string;
/** The table's masks, or null when no tag of the table is applied at read. */
export type ViewMasker = (metadata: TableMetadata, table: string) => ViewMask | null;

/** The masker for reads under this environment (the hash salts come from it). */
export function readMasker(env: Env = process.env): ViewMasker {
  return (metadata, table) => {
    // A tag floe cannot read fails the read (tags.ts). Which columns a tag reaches depends on
    // the schema the view reads with, so that is settled per view: a tagged column since
    // dropped or renamed is still masked in a snapshot that has it under its old name.
    if (readTagsToApply(metadata, table).length === 0) return null;
    return (scanSql, present, schema) => applyPoliciesSql(scanSql, readMaskColumns(metadata, table, schema), table, env, present);
  };
}

/** engine/read.ts createTableView, with the view's query wrapped in the table's masks. */
export function createMaskedTableView(engine: Engine, name: readonly string[], opts: Omit<TableScanOptions, 'engine'>, mask: ViewMask): Promise<TableScan> {
  return createTableView(engine, name, opts, {
    what: 'a masked view',
    sql: async (scanSql) => mask(scanSql, new Set((await engine.columns(scanSql, `read the columns of table ${opts.table}`)).map((c) => c.name)), opts.plan?.schema),
  });
}
