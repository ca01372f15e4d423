/**
 * `kind: postgres`. Two ways to read, same staged values:
 * - COPY (postgres-copy.ts): when every result column has a type whose text DuckDB's cast
 *   reads exactly, `COPY (query) TO STDOUT (FORMAT csv)` is spooled to a temp file and loaded
 *   by DuckDB's CSV reader; no value passes through JS. A value that load refuses sends the
 *   read to the cursor path, which converts it exactly or reports its row and column.
 * - the cursor: `pg` through a server-side cursor (pg-cursor: a named portal fetched
 *   `batch_size` rows at a time), each batch appended to a DuckDB staging table
 *   (appender.ts). At most one batch is in JS memory.
 *
 * Types come from the result's RowDescription (type OID + typmod), looked up in pg_type
 * before any row is read, never from JS values (sql-types.ts, docs/SOURCE-TYPES.md). Every
 * value arrives as Postgres's text output: the client's type parsers are the identity, so
 * int8, numeric and timestamps never pass through a lossy JS Number or Date.
 *
 * A signal (src/cancel.ts) or a lock timeout aborts `ctx.signal`: the client is closed, and
 * `pg_cancel_backend` is sent on a second connection (stopQuery). Closing alone does not stop
 * a backend that is busy before its next row (a function scan building its result, a sort, an
 * aggregate, on the COPY path and the cursor path alike): it reads nothing from the client
 * until then, so it would run on for as long as the statement takes.
 */
import { settleWithin, STOP_QUERY_MS } from './stop-query.js';
import type { Client, ClientConfig, CustomTypesConfig, FieldDef } from 'pg';
import { configError, FloeError, sourceError } from '../errors.js';
import { pgDriverUrl, pgMayFallBackToPlain } from './db-pg-url.js';
import { checkPgCursorOrder, pgWatermark } from './db-cursor-order.js';
import { quoteIdent } from '../engine/sql.js';
import { redactUrl } from '../pipeline/secrets.js';
import { checkNames, createStage, type Stage } from './appender.js';
import { type CopyColumn, copyColumnSql, copyIntoStage, pgLiteral } from './postgres-copy.js';
import {
  baseQuery,
  checkCursorType,
  cursorColumn,
  cursorStart,
  describeQuery,
  describeUrl,
  driverMessage,
  incrementalQuery,
  postgresCursorCompare,
  isNetworkError,
  type RelationalConfig,
} from './incremental.js';
import type { Extracted, Source, SourceContext } from './source.js';
import { type PgTypeInfo, pgNumericFit, postgresColumn } from './sql-types.js';

type PostgresConfig = Extract<RelationalConfig, { kind: 'postgres' }>;

const identity = (v: string) => v;
/** Every type as text (bytea included, in hex): sql-types.ts converts each exactly. */
const TEXT_TYPES = { getTypeParser: () => identity } as unknown as CustomTypesConfig;

// Output formats the converters rely on; UTC so timestamptz text is the instant itself.
// extra_float_digits=3 makes float output round-trip exactly on servers before 12 too.
// standard_conforming_strings: the COPY path quotes the watermark as a literal (pgLiteral).
const SESSION_SQL = `SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET IntervalStyle TO 'iso_8601'; SET extra_float_digits TO 3; SET bytea_output TO 'hex'; SET standard_conforming_strings TO on`;

/** How the rows were read, for tests and diagnostics. */
export type PostgresPath = { path: 'copy' } | { path: 'cursor'; reason: string };

export interface PostgresSourceOptions {
  /** 'auto' (default): COPY when every column type allows it; 'never': always the cursor. */
  copy?: 'auto' | 'never';
  /** Told which path read the rows. */
  onPath?: (path: PostgresPath) => void;
  /** COPY spool segment size in bytes (tests use small ones). */
  copySegmentBytes?: number;
}

export function postgresSource(config: PostgresConfig, options: PostgresSourceOptions = {}): Source {
  return {
    kind: 'postgres',
    async extract(ctx: SourceContext): Promise<Extracted> {
      const target = describeUrl(config.connection, 5432);
      const describe = `postgres ${target}`;
      const client = await connect(config, ctx, target);
      // Ctrl-C or a lock timeout ends a long fetch now, not at the next batch boundary.
      let stopping: Promise<void> | undefined;
      const onAbort = () => {
        stopping ??= stopQuery(config, ctx, backendPid(client));
        void client.end().catch(() => undefined);
      };
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      // An abort that came while connecting has already fired: act on it now.
      if (ctx.signal?.aborted) onAbort();
      let stage: Stage | undefined;
      try {
        await run(ctx, target, () => client.query(SESSION_SQL), 'set up the session');
        const base = baseQuery('postgres', config);
        const described = await run(ctx, target, () => client.query({ text: describeQuery(base), rowMode: 'array' }), 'run the query');
        const fields: FieldDef[] = described.fields;
        const types = await lookupTypes(client, ctx, target, fields);
        const plans = fields.map((f, i) => postgresColumn(f.name, f.dataTypeID, f.dataTypeModifier, types[i]));

        let sql = base;
        let copySql = base;
        const params: string[] = [];
        if (ctx.cursor) {
          const c = cursorColumn(plans.map((p) => p.name), ctx.cursor.column, ctx, describe);
          const text = types[c]!.category === 'S';
          // A text column the table holds as a timestamp (its type changed since): refused (incremental.ts checkCursorType).
          checkCursorType(ctx, text, types[c]!.display, describe);
          // A text column read as an instant is read from below the watermark (cursorStart).
          const start = cursorStart(ctx, config, text)!;
          // A type staged as its text but ordered otherwise (pg_lsn, money, inet): db-cursor-order.ts.
          checkPgCursorOrder(ctx.pipeline, { name: plans[c]!.name, duckType: plans[c]!.type, category: types[c]!.category, display: types[c]!.display });
          if (start.after !== null) {
            // The watermark is text; cast to the column's base type (no typmod, which could round it).
            // Text compares byte by byte, as DuckDB compares it (incrementalQuery).
            // citext and enums compare as their text (postgresCursorCompare).
            const bound = postgresCursorCompare(types[c]!, '$1');
            sql = incrementalQuery('postgres', base, plans[c]!.name, bound.param, bound.key, start.inclusive);
            // A bytea watermark is DuckDB's text of the blob: sent in Postgres's hex form (db-cursor-order.ts).
            const after = pgWatermark(types[c]!.base, start.after);
            params.push(after);
            // COPY takes no parameters: the same cast of the watermark as a quoted literal.
            const literal = postgresCursorCompare(types[c]!, pgLiteral(after));
            copySql = incrementalQuery('postgres', base, plans[c]!.name, literal.param, literal.key, start.inclusive);
          }
        }

        const copyColumns: CopyColumn[] = plans.map((plan, i) => ({ plan, decimal: pgNumericFit(fields[i]!.dataTypeID, fields[i]!.dataTypeModifier) }));
        const refused = copyColumns.findIndex((c, i) => copyColumnSql(c, `c${i}`) === undefined);
        let reason = options.copy === 'never' ? 'COPY disabled' : refused >= 0 ? `column ${JSON.stringify(plans[refused]!.name)} (${plans[refused]!.sourceType})` : '';
        if (!reason) {
          checkNames(ctx, plans, describe);
          const relation = ctx.engine.uniqueName('postgres');
          const outcome = await copyIntoStage(client, ctx, copySql, copyColumns, relation, (call) => run(ctx, target, call, 'read rows'), options.copySegmentBytes);
          if (outcome.loaded) {
            options.onPath?.({ path: 'copy' });
            return { relation, rowsRead: outcome.rows, describe, afterScan: dropStage(ctx, relation) };
          }
          reason = `a value the COPY load refused: ${outcome.reason.split('\n')[0]}`;
        }
        options.onPath?.({ path: 'cursor', reason });

        stage = await createStage(ctx, plans, { stem: 'postgres', describe });
        const { default: Cursor } = await import('pg-cursor');
        const cursor = client.query(new Cursor(sql, params, { rowMode: 'array', types: TEXT_TYPES }));
        for (;;) {
          ctx.signal?.throwIfAborted();
          const rows: unknown[][] = await run(ctx, target, () => cursor.read(config.batch_size), 'read rows');
          if (rows.length === 0) break;
          stage.append(rows);
          ctx.onProgress?.(stage.rows);
        }
        await run(ctx, target, () => cursor.close(), 'close the cursor');
        stage.finish();
        return { relation: stage.relation, rowsRead: stage.rows, describe, afterScan: dropStage(ctx, stage.relation) };
      } catch (e) {
        await stage?.abandon();
        // The pg_cancel_backend sent on the abort, given a moment to reach the server (stopQuery bounds it).
        await stopping;
        // After an abort the driver reports a closed connection; the abort's reason is the news.
        throw ctx.signal?.aborted ? ctx.signal.reason : e;
      } finally {
        ctx.signal?.removeEventListener('abort', onAbort);
        await client.end().catch(() => undefined);
      }
    },
  };
}

/**
 * The runner has copied the staged rows into its own table: drop the stage, so its memory
 * (or spilled blocks) is free before the rows are written.
 */
const dropStage = (ctx: SourceContext, relation: string) => () =>
  ctx.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(relation)}`, `drop the staging table of pipeline ${ctx.pipeline}`, { kind: 'internal' });

/** The server process serving `client` (from its BackendKeyData), or undefined before it is known. */
function backendPid(client: Client): number | undefined {
  const pid = (client as unknown as { processID?: number | null }).processID;
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The session's application_name (pg_stat_activity shows it). */
const applicationName = (ctx: SourceContext) => `floe ${ctx.pipeline}`.slice(0, 63);

/**
 * `SELECT pg_cancel_backend(<pid>)` on a new connection (a role may cancel its own backends'
 * statements), so that the server stops a statement whose client has gone. Only a backend with
 * this session's application_name is cancelled, so a pid the server has since given to another
 * session is left alone. Best effort: never rejects, and settles within STOP_QUERY_MS; the
 * connection is closed either way.
 */
async function stopQuery(config: PostgresConfig, ctx: SourceContext, pid: number | undefined): Promise<void> {
  if (!pid) return;
  let killer: Client | undefined;
  let timedOut = false;
  const attempt = (async () => {
    const { default: pg } = await import('pg');
    killer = new pg.Client({
      connectionString: pgDriverUrl(config.connection),
      application_name: `${applicationName(ctx)} cancel`.slice(0, 63),
      connectionTimeoutMillis: STOP_QUERY_MS,
    });
    killer.on('error', () => undefined);
    await killer.connect();
    // A cancel that reaches the backend while it waits for the client's next message is
    // ignored (the cursor's Execute may still be on its way): repeat it until the backend has
    // gone (it ends on reading the closed connection) or the time is up.
    while (!timedOut) {
      const r = await killer.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND application_name = $2`, [pid, applicationName(ctx)]);
      if (r.rows.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await settleWithin(attempt, STOP_QUERY_MS);
  timedOut = true;
  if (!killer) return;
  // Not awaited past a moment, and the socket destroyed then: a server that does not answer must not hold the exit.
  await settleWithin(killer.end(), 100);
  (killer as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.();
}

async function connect(config: PostgresConfig, ctx: SourceContext, target: string): Promise<Client> {
  const { default: pg } = await import('pg');
  const open = async (plain: boolean): Promise<Client> => {
    const options: ClientConfig = {
      // sslmode as libpq reads it (db-pg-url.ts).
      connectionString: pgDriverUrl(config.connection, plain),
      types: TEXT_TYPES,
      application_name: applicationName(ctx),
      connectionTimeoutMillis: connectTimeout(config.connection),
    };
    let client: Client;
    try {
      client = new pg.Client(options);
    } catch (e) {
      // node-postgres refuses some URLs as it parses them (sslmode=verify-ca without sslrootcert).
      throw configError(`pipeline ${ctx.pipeline}: the connection URL of PostgreSQL at ${target} cannot be used: ${clean(ctx, driverMessage(e)).split('\n')[0]}`, {
        cause: e,
        context: { pipeline: ctx.pipeline, database: target },
      });
    }
    // A connection that drops while idle is reported by the next query; without a listener
    // the 'error' event would crash the process instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  };
  try {
    try {
      return await open(false);
    } catch (e) {
      // sslmode=prefer or allow on a server without TLS: a plain connection, as libpq makes.
      if (pgMayFallBackToPlain(config.connection, e)) return await open(true);
      throw e;
    }
  } catch (e) {
    if (e instanceof FloeError) throw e;
    throw sourceError(`pipeline ${ctx.pipeline}: could not connect to PostgreSQL at ${target}: ${clean(ctx, driverMessage(e))}`, {
      cause: e,
      retryable: isNetworkError(e),
      context: { pipeline: ctx.pipeline, database: target },
      hint: isNetworkError(e) ? 'check that the server runs and accepts TCP connections at that address' : undefined,
    });
  }
}

/** `connect_timeout` (seconds) from the URL as libpq reads it; 30 s otherwise. */
function connectTimeout(url: string): number {
  try {
    const s = Number(new URL(url).searchParams.get('connect_timeout'));
    return s > 0 ? s * 1000 : 30_000;
  } catch {
    return 30_000;
  }
}

interface TypeRow extends PgTypeInfo {
  /** format_type(oid, NULL): the type without its modifier, for casting the watermark. */
  base: string;
}

/** pg_type facts for each result column, in column order (one round trip). */
async function lookupTypes(client: Client, ctx: SourceContext, target: string, fields: readonly FieldDef[]): Promise<TypeRow[]> {
  const result = await run(
    ctx,
    target,
    () =>
      client.query({
        // An array of a domain (posint[]) has the domain as its element: follow the domain
        // chain to its base type, and take the typmod of the nearest domain that has one.
        text: `WITH RECURSIVE dom(i, oid, mod, depth) AS (
                 SELECT x.i, e.typbasetype, e.typtypmod, 1 FROM unnest($1::oid[]) WITH ORDINALITY AS x(o, i)
                   JOIN pg_type t ON t.oid = x.o JOIN pg_type e ON e.oid = t.typelem WHERE e.typtype = 'd'
                 UNION ALL
                 SELECT dom.i, p.typbasetype, CASE WHEN dom.mod >= 0 THEN dom.mod ELSE p.typtypmod END, dom.depth + 1
                   FROM dom JOIN pg_type p ON p.oid = dom.oid WHERE p.typtype = 'd' AND dom.depth < 32)
               SELECT format_type(x.o, x.m), format_type(x.o, NULL), t.typcategory, coalesce(b.oid, t.typelem), coalesce(b.mod, -1), t.typdelim
               FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS x(o, m, i) JOIN pg_type t ON t.oid = x.o
                 LEFT JOIN LATERAL (SELECT d.oid, d.mod FROM dom d WHERE d.i = x.i ORDER BY d.depth DESC LIMIT 1) b ON true
               ORDER BY x.i`,
        values: [`{${fields.map((f) => f.dataTypeID).join(',')}}`, `{${fields.map((f) => f.dataTypeModifier).join(',')}}`],
        rowMode: 'array',
      }),
    'look up the column types',
  );
  const rows = result.rows as string[][];
  if (rows.length !== fields.length) throw new FloeError('internal', `pg_type lookup returned ${rows.length} rows for ${fields.length} columns`);
  return rows.map(([display, base, category, elem, elemTypmod, delim]) => ({
    display: display!,
    base: base!,
    category: category!,
    elem: Number(elem),
    elemTypmod: Number(elemTypmod),
    delim: delim!,
  }));
}

/** Runs one driver call; a failure becomes a source error naming the pipeline and database. */
async function run<T>(ctx: SourceContext, target: string, call: () => Promise<T>, purpose: string): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof FloeError || (e instanceof Error && e.name === 'AbortError')) throw e;
    const pgError = e as { code?: string; hint?: string; position?: string };
    // A SQLSTATE is five characters; Node's socket codes (EPIPE, ECONNRESET) are not SQLSTATEs.
    const network = isNetworkError(e);
    const sqlstate = !network && typeof pgError.code === 'string' && /^[0-9A-Z]{5}$/.test(pgError.code) ? ` (SQLSTATE ${pgError.code})` : '';
    const lost = network ? ' (the connection to the server was lost)' : '';
    // Class 08 (connection exception), 57P01..03 (server shut down, backend terminated), and the
    // driver's own "Connection terminated unexpectedly" (no code): a retry may well work.
    const transient =
      network || (typeof pgError.code === 'string' && /^(08...|57P0[123])$/.test(pgError.code)) || (e instanceof Error && /^Connection terminated/.test(e.message));
    throw sourceError(`pipeline ${ctx.pipeline}: PostgreSQL at ${target} could not ${purpose}: ${clean(ctx, driverMessage(e))}${sqlstate}${lost}`, {
      cause: e,
      retryable: transient,
      context: { pipeline: ctx.pipeline, database: target, ...(network ? { code: pgError.code } : { sqlstate: pgError.code }) },
      hint: pgError.hint ? clean(ctx, pgError.hint) : undefined,
    });
  }
}

const clean = (ctx: SourceContext, text: string) => ctx.redact(redactUrl(text));
