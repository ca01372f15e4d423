/**
 * An incremental pipeline's cursor when the snapshot that carried it has been expired
 * (state.ts, `historyExpired`) and the table has no watermark record of the pipeline either
 * (`floe.watermark.<pipeline>`, run-ids.ts: written by every run commit since; so this is
 * the fallback for tables last written by an older floe). Without it the run would read from
 * `incremental.initial` (or everything) again and append every row a second time. The table's
 * own rows say how far the pipeline got: the greatest value of the cursor's column, compared
 * and stored in the same final type as a committed cursor (dbt's `max(cursor) from
 * {{ this }}`). On a table that other writers also fill, that is the greatest cursor any of
 * them wrote, so rows of this pipeline at or below it are never read: the run says so in a
 * warning.
 */
import type { Engine } from '../engine/duckdb.js';
import { tableScanSql } from '../engine/read.js';
import { quoteIdent } from '../engine/sql.js';
import type { LoadedTable } from '../table/load.js';
import { currentSchema } from '../table/snapshot-producer.js';

/** The greatest value of `column` in the table's current rows, as text; undefined when the table has no such column or no value. */
export async function recoverCursor(engine: Engine, table: LoadedTable, tableName: string, column: string): Promise<string | undefined> {
  const field = currentSchema(table.metadata).fields.find((f) => f.name === column);
  if (!field || typeof field.type !== 'string') return undefined;
  const scan = await tableScanSql({ engine, io: table.io, metadata: table.metadata, table: tableName });
  const r = await engine.all(`SELECT CAST(max(${quoteIdent(column)}) AS VARCHAR) AS v FROM (${scan.sql}) AS __t`, `read the greatest ${column} of ${tableName}`);
  const v = r[0]?.v;
  return typeof v === 'string' ? v : undefined;
}
