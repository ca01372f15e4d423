/**
 * A query's rows a chunk (2048 rows) at a time, and its failure when it fails.
 *
 * DuckDB's streaming results end the same way whether the query ran out of rows or failed
 * part-way: the C API's fetch gives no chunk in both cases, and only `duckdb_result_error`
 * tells them apart, which the Node bindings do not expose. So a stream that failed at row
 * 1,937,409 of 2,000,000 (a cast of `'n/a'`) looked like a result of 1,937,408 rows: `floe
 * query` printed them with exit 0. Here a SELECT runs to its end first, into a temp table,
 * where a failure throws as any statement's does; the chunks are then read from that table
 * (in an attached in-memory database, out of the query's SHOW TABLES),
 * whose scan keeps the rows' order (preserve_insertion_order). The table lives in DuckDB's
 * memory and spills past the session's memory limit like any other.
 */
import { type DuckDBDataChunk, type DuckDBPreparedStatement, type DuckDBType, StatementType } from '@duckdb/node-api';
import { type Engine, wrapDuckDBError } from './duckdb.js';
import { quoteIdent } from './sql.js';

/** The in-memory database the results go to (it spills past the memory limit like the session's own tables). */
const SCRATCH = '__floe_results';

export interface ChunkReader {
  /** The query's column names (as it names them: two may be alike) and types. */
  names: string[];
  types: DuckDBType[];
  /** The next chunk, or undefined after the last. */
  next(): Promise<DuckDBDataChunk | undefined>;
}

/**
 * Runs `sql` and hands `read` its chunks; the temp table (and the prepared statement) go once
 * `read` returns or throws. A statement other than a SELECT (PRAGMA, SHOW) is read as it
 * streams: it cannot go into a table, and such statements do not fail part-way.
 */
export async function readChunks<T>(engine: Engine, sql: string, purpose: string, read: (r: ChunkReader) => Promise<T>, options: { userSql?: string } = {}): Promise<T> {
  const fail = (e: unknown): never => {
    throw wrapDuckDBError(e, purpose, options);
  };
  const prepared = await engine.connection.prepare(sql).catch(fail);
  let table: string | undefined;
  let source: DuckDBPreparedStatement = prepared;
  try {
    const names = Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
    if (prepared.statementType === StatementType.SELECT && names.length > 0) {
      // In a database of its own, so that the query's SHOW TABLES does not list it.
      await engine.connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${SCRATCH}`).catch(fail);
      table = `${SCRATCH}.main.${quoteIdent(engine.uniqueName('query_result'))}`;
      // Columns by position: a result may name two alike (`SELECT 1 a, 2 a`).
      const aliases = names.map((_, i) => quoteIdent(`c${i}`)).join(', ');
      // The closing parenthesis on a line of its own: the query may end in a `-- comment`.
      const created = await engine.connection.run(`CREATE TABLE ${table} AS SELECT * FROM (${sql.replace(/;\s*$/, '')}\n) AS q(${aliases})`).then(
        () => true,
        (e: unknown) => {
          // Text that parses alone but not as a subquery (a trailing `; -- note`): read as it streams.
          if (e instanceof Error && /^Parser Error/.test(e.message)) return false;
          return fail(e);
        },
      );
      if (created) source = await engine.connection.prepare(`SELECT * FROM ${table}`).catch(fail);
      else table = undefined;
    }
    const result = await source.stream().catch(fail);
    const types = result.columnTypes();
    return await read({
      names,
      types,
      next: async () => {
        const chunk = await result.fetchChunk().catch(fail);
        return chunk && chunk.rowCount > 0 ? chunk : undefined;
      },
    });
  } finally {
    if (source !== prepared) source.destroySync();
    prepared.destroySync();
    if (table !== undefined) await engine.connection.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}
