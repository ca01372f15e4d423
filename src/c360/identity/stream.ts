/**
 * Reading a query's rows chunk by chunk (2048 rows at a time) instead of materialising them:
 * the identity resolver streams links and claims through typed arrays, never holding a
 * table of JS objects.
 */
import type { DuckDBAppender, DuckDBValue } from '@duckdb/node-api';
import { type Engine, wrapDuckDBError } from '../../engine/duckdb.js';
import { readChunks } from '../../engine/read-chunks.js';
import { quoteIdent } from '../../engine/sql.js';

export async function forEachRow(engine: Engine, sql: string, purpose: string, onRow: (row: DuckDBValue[]) => void): Promise<void> {
  // Run to its end first: a stream that failed part-way looked finished, and the resolver
  // would have gone on with some of its links (engine/read-chunks.ts).
  await readChunks(engine, sql, purpose, async (r) => {
    const width = r.names.length;
    const row: DuckDBValue[] = new Array(width);
    for (let chunk = await r.next(); chunk; chunk = await r.next()) {
      const vectors = Array.from({ length: width }, (_, i) => chunk.getColumnVector(i));
      for (let i = 0; i < chunk.rowCount; i++) {
        for (let c = 0; c < width; c++) row[c] = vectors[c]!.getItem(i);
        onRow(row);
      }
    }
  });
}

/** Creates `table (a INTEGER, b INTEGER)` and fills it from two parallel arrays. */
export async function writeIntPairs(engine: Engine, table: string, columns: [string, string], n: number, get: (i: number) => [number, number] | undefined): Promise<void> {
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} (${quoteIdent(columns[0])} INTEGER, ${quoteIdent(columns[1])} INTEGER)`, `create ${table}`);
  let appender: DuckDBAppender | undefined;
  try {
    appender = await engine.connection.createAppender(table);
    for (let i = 0; i < n; i++) {
      const pair = get(i);
      if (!pair) continue;
      appender.appendInteger(pair[0]);
      appender.appendInteger(pair[1]);
      appender.endRow();
    }
    appender.flushSync();
  } catch (e) {
    throw wrapDuckDBError(e, `fill ${table}`);
  } finally {
    appender?.closeSync();
  }
}
