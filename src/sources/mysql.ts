/**
 * `kind: mysql` (MySQL and MariaDB), read with `mysql2` as a stream: rows arrive as the
 * server sends them, mysql2 pauses the socket when the stream's buffer is full (backpressure),
 * and every `batch_size` rows are appended to the DuckDB staging table (appender.ts). At most
 * one batch is in JS memory.
 *
 * Types come from the result's column definitions (type, length, scale, flags, charset;
 * MariaDB's extended metadata for json and uuid), read by a LIMIT 0 describe before any row
 * (sql-types.ts, docs/SOURCE-TYPES.md). Values stay exact: BIGINT and DECIMAL as text
 * (supportBigNumbers + bigNumberStrings), dates and times as the server's text
 * (dateStrings), session time_zone '+00:00' so TIMESTAMP text is UTC.
 *
 * A signal (src/cancel.ts) or a lock timeout aborts `ctx.signal`: the read stops at once, not
 * at the next batch. mysql2's destroy() only half-closes the socket (the server goes on
 * sending rows, and the open socket keeps the process alive), so the socket itself is
 * destroyed, the row stream ended with the abort's reason, and `KILL QUERY` sent on a second
 * connection, so that a server still working towards its first row stops too (stopQuery).
 */
import { settleWithin, STOP_QUERY_MS } from './stop-query.js';
import type { Readable } from 'node:stream';
import type { Connection, ConnectionOptions, FieldPacket, QueryOptions } from 'mysql2';
import { configError, FloeError, sourceError } from '../errors.js';
import { redactUrl } from '../pipeline/secrets.js';
import { createStage, type Stage } from './appender.js';
import {
  checkWatermark,
  baseQuery,
  cursorColumn,
  checkCursorType,
  cursorStart,
  describeQuery,
  describeUrl,
  driverMessage,
  incrementalQuery,
  isNetworkError,
  quoteSourceIdent,
  type RelationalConfig,
} from './incremental.js';
import { duckBlobBytes } from './db-cursor-order.js';
import type { Extracted, Source, SourceContext } from './source.js';
import { type ColumnPlan, MYSQL_TYPE, type MysqlField, mysqlColumn, parseTimestamp } from './sql-types.js';
import { mysqlMayFallBackToPlain, mysqlTls, type MysqlTls } from './db-mysql-url.js';

/** The `binary` character set: its strings are bytes (BLOB). */
const BINARY_CHARSET = 63;

type MysqlConfig = Extract<RelationalConfig, { kind: 'mysql' }>;

export function mysqlSource(config: MysqlConfig): Source {
  return {
    kind: 'mysql',
    async extract(ctx: SourceContext): Promise<Extracted> {
      const target = describeUrl(config.connection, 3306);
      const describe = `mysql ${target}`;
      const conn = await connect(config, ctx, target);
      // Ctrl-C or a lock timeout ends a long read now, not at the next batch boundary.
      let stream: Readable | undefined;
      let stopping: Promise<void> | undefined;
      const onAbort = () => {
        stopping ??= stopQuery(config, conn.threadId);
        stream?.destroy(ctx.signal?.reason instanceof Error ? ctx.signal.reason : new Error('aborted'));
        release(conn);
      };
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      // An abort that came while connecting has already fired: act on it now.
      if (ctx.signal?.aborted) onAbort();
      let stage: Stage | undefined;
      try {
        await query(conn, { sql: `SET time_zone = '+00:00'` }, ctx, target, 'set up the session');
        const base = baseQuery('mysql', config);
        const described = await query(conn, { sql: describeQuery(base) }, ctx, target, 'run the query');
        const fields = described.fields.map(toField);
        const plans = fields.map(mysqlColumn);

        // FLOAT text has 6 significant digits (16777216 reads 16777200): read it as DOUBLE, exact.
        let sql = fields.some((f) => f.columnType === MYSQL_TYPE.FLOAT) ? floatsAsDouble(base, fields) : base;
        const values: (string | Buffer)[] = [];
        if (ctx.cursor) {
          const c = cursorColumn(plans.map((p) => p.name), ctx.cursor.column, ctx, describe);
          // A text column read as an instant is read from below the watermark (cursorStart).
          // A text column the table holds as a timestamp (its type changed since): refused (incremental.ts checkCursorType).
          checkCursorType(ctx, isText(plans[c]!, fields[c]!), plans[c]!.sourceType, describe);
          const start = cursorStart(ctx, config, isText(plans[c]!, fields[c]!))!;
          if (start.after !== null) {
            const { param, value, key } = cursorParam(plans[c]!, fields[c]!, start.after);
            sql = incrementalQuery('mysql', sql, plans[c]!.name, param, key, start.inclusive);
            values.push(value);
          }
        }

        stage = await createStage(ctx, plans, { stem: 'mysql', describe });
        const options: QueryOptions = { sql, values, rowsAsArray: true };
        // mysql2 decodes GEOMETRY into objects; read the bytes instead (a 4-byte SRID, then WKB).
        if (fields.some((f) => f.columnType === MYSQL_TYPE.GEOMETRY)) {
          options.typeCast = (field, next) => (field.type === 'GEOMETRY' ? field.buffer() : next());
        }
        ctx.signal?.throwIfAborted();
        const rows = conn.query(options).stream({ highWaterMark: Math.min(config.batch_size, 10_000) });
        stream = rows;
        // mysql2 tells a lost connection (KILL, a server restart, a network cut) only to the
        // connection, and a streamed query then neither ends nor fails: end the stream with it.
        const lost = (e?: unknown) => {
          if (rows.destroyed) return;
          const err = e instanceof Error ? e : Object.assign(new Error('the server closed the connection'), { code: 'PROTOCOL_CONNECTION_LOST' });
          rows.destroy(err);
        };
        const onEnd = () => lost();
        conn.on('error', lost);
        conn.on('end', onEnd);
        let batch: unknown[][] = [];
        try {
          for await (const row of rows) {
            batch.push(row as unknown[]);
            if (batch.length >= config.batch_size) {
              ctx.signal?.throwIfAborted();
              stage.append(batch);
              batch = [];
              ctx.onProgress?.(stage.rows);
            }
          }
        } catch (e) {
          throw wrap(e, ctx, target, 'read rows');
        } finally {
          conn.off('error', lost);
          conn.off('end', onEnd);
        }
        // A destroyed connection may end the stream quietly: never return a partial read.
        ctx.signal?.throwIfAborted();
        stage.append(batch);
        ctx.onProgress?.(stage.rows);
        stage.finish();
      } catch (e) {
        await stage?.abandon();
        // Not end: end waits for the rest of a result that nobody reads any more.
        release(conn);
        // The KILL QUERY sent on the abort, given a moment to reach the server (stopQuery bounds it).
        await stopping;
        // After an abort the driver reports a closed connection; the abort's reason is the news.
        throw ctx.signal?.aborted ? ctx.signal.reason : e;
      } finally {
        ctx.signal?.removeEventListener('abort', onAbort);
      }
      await new Promise<void>((resolve) => conn.end(() => resolve()));
      return { relation: stage.relation, rowsRead: stage.rows, describe };
    },
  };
}

/**
 * Lets go of `conn` at once: mysql2's destroy() only ends the socket's writing side (the
 * server goes on sending a result, and the socket stays open), so the socket is destroyed too.
 */
function release(conn: Connection): void {
  conn.destroy();
  (conn as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
}

/**
 * `KILL QUERY <thread>` on a new connection (a user may kill its own threads' statements), so
 * that the server stops a statement whose client has gone: one still working towards its first
 * row (a sort, an aggregate) would otherwise run until it next writes to the closed socket.
 * Best effort: never rejects, and settles within STOP_QUERY_MS.
 */
async function stopQuery(config: MysqlConfig, threadId: number | undefined): Promise<void> {
  if (!threadId) return;
  let killer: Connection | undefined;
  const attempt = (async () => {
    const { default: mysql } = await import('mysql2');
    // The TLS the read used (a PREFERRED read that fell back to plain text has no TLS to offer either way).
    const tls = (() => {
      try {
        return mysqlTls(config.connection, '');
      } catch {
        return { uri: config.connection, fallBackToPlain: false } satisfies MysqlTls;
      }
    })();
    killer = mysql.createConnection({ uri: tls.uri, ...(tls.ssl ? { ssl: tls.ssl } : {}), connectTimeout: STOP_QUERY_MS });
    killer.on('error', () => undefined);
    await new Promise<void>((resolve) => killer!.query(`KILL QUERY ${Math.trunc(threadId)}`, () => resolve()));
  })();
  await settleWithin(attempt, STOP_QUERY_MS);
  if (killer) release(killer);
}

async function connect(config: MysqlConfig, ctx: SourceContext, target: string): Promise<Connection> {
  const { default: mysql } = await import('mysql2');
  // ssl-mode / ssl=true in the URL, read as MySQL's client reads them (db-mysql-url.ts).
  const tls = mysqlTls(config.connection, ctx.pipeline);
  const options: ConnectionOptions = {
    uri: tls.uri,
    ...(tls.ssl ? { ssl: tls.ssl } : {}),
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    connectTimeout: 30_000,
  };
  let conn: Connection;
  try {
    conn = mysql.createConnection(options);
  } catch (e) {
    // mysql2 decodes the URL's user and password itself: a `%` not followed by two hex digits throws.
    throw configError(`pipeline ${ctx.pipeline}: the connection URL of MySQL at ${target} cannot be read: ${clean(ctx, driverMessage(e))}`, {
      cause: e,
      context: { pipeline: ctx.pipeline, database: target },
      hint: 'percent-encode special characters in the user name and password (% as %25, @ as %40, / as %2F, # as %23)',
    });
  }
  // A dropped connection is reported by the pending query; without a listener the 'error'
  // event would crash the process instead.
  conn.on('error', () => undefined);
  const open = (c: Connection) => new Promise<void>((resolve, reject) => c.connect((err) => (err ? reject(err) : resolve())));
  try {
    await open(conn).catch(async (e: unknown) => {
      if (!mysqlMayFallBackToPlain(tls, e)) throw e;
      // ssl-mode=PREFERRED and a server without TLS: a plain connection, as the mysql client makes.
      conn.destroy();
      const { ssl: _ssl, ...plain } = options;
      conn = mysql.createConnection(plain);
      conn.on('error', () => undefined);
      await open(conn);
    });
  } catch (e) {
    conn.destroy();
    throw sourceError(`pipeline ${ctx.pipeline}: could not connect to MySQL at ${target}: ${clean(ctx, driverMessage(e))}`, {
      cause: e,
      retryable: isNetworkError(e),
      context: { pipeline: ctx.pipeline, database: target },
      hint: isNetworkError(e)
        ? 'check that the server runs and accepts TCP connections at that address'
        : (e as { code?: string } | null)?.code === 'HANDSHAKE_NO_SSL_SUPPORT'
          ? 'the connection URL asks for TLS (ssl=true or ssl-mode REQUIRED, VERIFY_CA, VERIFY_IDENTITY) and the server has none: enable TLS on the server, or use ssl-mode=PREFERRED (TLS when the server has it)'
          : undefined,
    });
  }
  return conn;
}

/** A statement run to its end; an abort rejects it at once with the abort's reason (the released connection never answers). */
function query(conn: Connection, options: QueryOptions, ctx: SourceContext, target: string, purpose: string): Promise<{ fields: FieldPacket[] }> {
  return new Promise((resolve, reject) => {
    const signal = ctx.signal;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    conn.query(options, (err, _rows, fields) => {
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(wrap(err, ctx, target, purpose));
      else resolve({ fields: fields ?? [] });
    });
  });
}

function wrap(e: unknown, ctx: SourceContext, target: string, purpose: string): Error {
  if (e instanceof FloeError || (e instanceof Error && e.name === 'AbortError')) return e;
  const code = (e as { code?: unknown }).code;
  return sourceError(`pipeline ${ctx.pipeline}: MySQL at ${target} could not ${purpose}: ${clean(ctx, driverMessage(e))}${typeof code === 'string' ? ` (${code})` : ''}`, {
    cause: e,
    retryable: isNetworkError(e),
    context: { pipeline: ctx.pipeline, database: target, code },
  });
}

function toField(f: FieldPacket): MysqlField {
  return {
    name: f.name,
    columnType: f.columnType ?? f.type ?? MYSQL_TYPE.VAR_STRING,
    columnLength: f.columnLength ?? f.length ?? 0,
    decimals: f.decimals,
    flags: typeof f.flags === 'number' ? f.flags : 0,
    characterSet: f.characterSet ?? f.charsetNr ?? 0,
    extendedTypeName: f.extendedTypeName,
    extendedFormat: f.extendedFormat,
  };
}

/**
 * `base` with each FLOAT column read as DOUBLE. MySQL and MariaDB print a FLOAT with at most
 * 6 significant digits in the text protocol (123456.789 reads 123457); widening to DOUBLE is
 * exact and its text round-trips, so the staged FLOAT holds the stored value.
 */
function floatsAsDouble(base: string, fields: readonly MysqlField[]): string {
  const list = fields.map((f) => {
    const c = `q.${quoteSourceIdent('mysql', f.name)}`;
    return f.columnType === MYSQL_TYPE.FLOAT ? `CAST(${c} AS DOUBLE) AS ${quoteSourceIdent('mysql', f.name)}` : c;
  });
  // MariaDB drops an ORDER BY of a derived table unless it has a LIMIT, and the row order
  // matters (the later row wins a key's duplicates): a LIMIT of every row keeps it.
  const keepOrder = /\border\s+by\b/i.test(base) && !/\blimit\b/i.test(base) ? '\nLIMIT 18446744073709551615' : '';
  return `SELECT ${list.join(', ')} FROM (\n${base}${keepOrder}\n) AS q`;
}

/** A character column (not BLOB, not MariaDB's UUID): its cursor compares as text. */
const isText = (plan: ColumnPlan, field: MysqlField) => plan.type === 'VARCHAR' && plan.wire === 'VARCHAR' && field.characterSet !== BINARY_CHARSET;

/** A cursor compared as its UTF-8 bytes, as DuckDB compares the staged text (incrementalQuery). */
const asBytes = (c: string) => `CAST(CONVERT(${c} USING utf8mb4) AS BINARY)`;

/**
 * The watermark (text) as a typed MySQL value. Without a cast MySQL compares a number column
 * with a string as doubles (inexact past 2^53) and reads an offset in datetime text as junk.
 * Text and MariaDB's UUID compare as bytes: the server's collation may ignore case or
 * trailing spaces, and MariaDB orders time-based UUIDs by their timestamp, not their text.
 */
function cursorParam(plan: ColumnPlan, field: MysqlField, after: string): { param: string; value: string | Buffer; key?: (c: string) => string } {
  if (isText(plan, field) || plan.type === 'UUID') {
    return { param: 'CAST(? AS BINARY)', value: after, key: asBytes };
  }
  // A binary cursor's watermark is DuckDB's text of the blob (`A\x00`): compared as its bytes (db-cursor-order.ts).
  if (plan.type === 'BLOB') {
    const bytes = duckBlobBytes(after);
    if (bytes) return { param: '?', value: bytes };
  }
  // MySQL's CAST does not fail on text it cannot read ('abc' becomes 0): checkWatermark.
  if (plan.type === 'BIGINT' || plan.type === 'INTEGER') return { param: 'CAST(? AS SIGNED)', value: checkWatermark(plan.name, after, 'integer') };
  if (plan.type.startsWith('DECIMAL')) return { param: `CAST(? AS ${plan.type.replace(' ', '')})`, value: checkWatermark(plan.name, after, 'number') };
  if (plan.type === 'DOUBLE' || plan.type === 'FLOAT') return { param: 'CAST(? AS DOUBLE)', value: checkWatermark(plan.name, after, 'number') };
  if (plan.type === 'DATE') {
    // A date column the pipeline types as timestamp or timestamptz stores a watermark with a
    // time (`2026-01-05 00:00:00+00`): compared as the instant it is (MySQL reads the date as
    // its midnight), not refused.
    const micros = /^\s*\d{4}-\d{2}-\d{2}\s*$/.test(after) ? undefined : parseTimestamp(after.trim());
    if (micros !== undefined) return { param: 'CAST(? AS DATETIME(6))', value: utcText(micros) };
    return { param: 'CAST(? AS DATE)', value: checkWatermark(plan.name, after, 'date') };
  }
  if (plan.type === 'TIMESTAMP' || plan.type === 'TIMESTAMPTZ') {
    const micros = parseTimestamp(after);
    if (micros === undefined) throw sourceError(`incremental cursor ${plan.name}: ${JSON.stringify(after)} is not a timestamp`);
    return { param: 'CAST(? AS DATETIME(6))', value: utcText(micros) };
  }
  return { param: '?', value: after };
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC (session time_zone is '+00:00'). */
function utcText(micros: bigint): string {
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros - ms * 1000n).padStart(3, '0')}`;
}

const clean = (ctx: SourceContext, text: string) => ctx.redact(redactUrl(text));
