/**
 * `source:` of an ingest pipeline (DESIGN §4): one strict object per kind, told apart by
 * `kind`. Adding a source kind means adding one schema here and one file in src/sources/.
 */
import { z } from 'zod';
import { DURATION_HINT } from './duration.js';
import { tableParts } from '../sources/db-table-ref.js';
import { bentUrlProblem, columnType, duration, evenWithErrors, nonNegativeInt, pathList, positiveInt, urlString } from './schema-common.js';

const str = z.string().min(1);

/** Reads keep a high-watermark in the snapshot summary (DESIGN §1 "State lives in the snapshot"). */
const incremental = z
  .strictObject({
    cursor: str.describe('A monotonically increasing column; rows above the last committed value are read'),
    initial: z.union([z.string(), z.number()]).optional().describe('The cursor value to start from on the first run'),
    lookback: z
      .union([
        z.number().min(0),
        z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/, { error: `expected ${DURATION_HINT} (a timestamp or date cursor), or a number (a numeric cursor)` }),
      ])
      .optional()
      .describe(
        'mode: merge only: read again the rows whose cursor is at most this far below the last committed value (rows committed late), from cursor >= watermark - lookback; a duration for timestamp and date cursors, a number for numeric ones; 0 reads again only the rows equal to the watermark',
      ),
  })
  .describe('Read only rows newer than the last run');

/** postgres, mysql and sqlite read either a query or a whole table: exactly one. */
function queryOrTable(v: { query?: unknown; table?: unknown }, ctx: z.RefinementCtx): void {
  const has = (x: unknown) => x !== undefined && x !== null;
  if (has(v.query) && has(v.table)) ctx.addIssue({ code: 'custom', message: 'give either query or table, not both', path: ['table'] });
  if (!has(v.query) && !has(v.table)) ctx.addIssue({ code: 'custom', message: 'give a query or a table to read' });
}

const relational = {
  query: str.optional().describe('SQL run on the source database'),
  table: str
    .refine((t) => tableParts(t)?.every((p) => p.name !== '') === true, {
      message: 'not a table name: write schema.table, quoting a part that holds a dot or must keep its case ("Orders"), and close each quote',
    })
    .optional()
    .describe('A table of the source database, read whole (or incrementally); quote a part to keep its case: public."Orders"'),
  incremental: incremental.optional(),
  batch_size: positiveInt.default(10_000).describe('Rows fetched per round trip'),
};

export const csvSource = z.strictObject({
  kind: z.literal('csv'),
  path: pathList,
  delimiter: z.string().min(1).max(4).default(','),
  header: z.boolean().default(true),
  quote: z.string().max(1).default('"'),
  escape: z.string().max(1).default('"'),
  encoding: z.string().default('utf-8'),
  columns: z.record(z.string(), columnType).optional().describe('Column types, overriding type detection'),
  skip: nonNegativeInt.default(0).describe('Lines to skip before the header'),
  incremental: incremental.optional(),
});

const jsonFields = {
  path: pathList,
  records_path: str.optional().describe('Dot path to the array of records inside each document, e.g. data.items'),
  incremental: incremental.optional(),
};
export const jsonlSource = z.strictObject({ kind: z.literal('jsonl'), ...jsonFields });
export const jsonSource = z.strictObject({ kind: z.literal('json'), ...jsonFields });
export const parquetSource = z.strictObject({ kind: z.literal('parquet'), path: pathList, incremental: incremental.optional() });

export const postgresSource = z
  .strictObject({
    kind: z.literal('postgres'),
    connection: urlString(['postgres', 'postgresql'], 'postgresql://user:password@host:5432/db, usually "${VAR}"'),
    ...relational,
  })
  .superRefine(queryOrTable, evenWithErrors);

export const mysqlSource = z
  .strictObject({
    kind: z.literal('mysql'),
    connection: urlString(['mysql', 'mariadb'], 'mysql://user:password@host:3306/db, usually "${VAR}"'),
    ...relational,
  })
  .superRefine(queryOrTable, evenWithErrors);

export const sqliteSource = z
  .strictObject({
    kind: z.literal('sqlite'),
    connection: str.describe('Path of the SQLite database file, relative to the folder of floe.yaml, or a sqlite: URI as catalog.uri takes it (sqlite:crm.db, sqlite:///crm.db)'),
    ...relational,
  })
  .superRefine(queryOrTable, evenWithErrors);

/** Each kind names where the next request's position comes from. */
/** page, offset and cursor paging: the body's own word on whether more pages follow (http-paging.ts). */
const hasMorePath = str
  .optional()
  .describe('Dot path of a boolean in the response body that says whether more pages follow (has_more): false ends paging after this page; true with no next page is an error');

const pagination = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('page'),
    param: str.default('page'),
    start: nonNegativeInt.default(1),
    size_param: str.optional(),
    size: positiveInt.optional(),
    has_more_path: hasMorePath,
    max_pages: positiveInt.optional(),
  }),
  z.strictObject({
    kind: z.literal('offset'),
    param: str.default('offset'),
    limit_param: str.default('limit'),
    limit: positiveInt.default(100),
    has_more_path: hasMorePath,
    max_pages: positiveInt.optional(),
  }),
  z.strictObject({
    kind: z.literal('cursor'),
    param: str
      .optional()
      .describe('Query parameter that carries the cursor; without it, the value at cursor_path is the URL of the next page (absolute, or relative to the page)'),
    cursor_path: str.optional().describe('Dot path of the next cursor (or next page URL) in the response body; null or "" ends paging'),
    cursor_record_path: str
      .optional()
      .describe("Instead of cursor_path: dot path, within the page's last record, of the next cursor (Stripe's starting_after=<id of the last record>); an empty page ends paging; needs param"),
    missing_cursor: z
      .enum(['error', 'end'])
      .default('error')
      .describe('A first page with records but without cursor_path: error (a mistyped path), or end (the API leaves the cursor out of its last page); absent from a later page, it always ends paging'),
    has_more_path: hasMorePath,
    max_pages: positiveInt.optional(),
  }),
  // RFC 8288 `Link: <...>; rel="next"` headers, as GitHub and many REST APIs send them.
  z.strictObject({ kind: z.literal('link'), max_pages: positiveInt.optional() }),
]);

/**
 * http: the read's lower bound also goes to the API as a query parameter (`param`), so an API
 * that filters sends only the new pages; the runner keeps only rows above the watermark either way.
 */
const httpIncremental = incremental.extend({
  param: str
    .optional()
    .describe('Query parameter that carries the lower bound to the API (in the query string, also with POST); without it every page is read and only rows above the watermark are kept'),
  format: z
    .enum(['iso8601', 'unix', 'unix_ms', 'text'])
    .default('iso8601')
    .describe('How the bound is written into param: iso8601 (a date-time as 2026-01-05T10:00:00Z; a date, number or text as it is), unix (epoch seconds), unix_ms (epoch milliseconds), text (the watermark as floe stores it)'),
}).describe('Read only records newer than the last run; the bound goes to the API in param');

/** `incremental.param` is one query parameter among those floe sets: two settings naming one would overwrite each other. */
function paramClash(v: { url?: unknown; params?: unknown; pagination?: unknown; incremental?: unknown }, ctx: z.RefinementCtx): void {
  const name = (v.incremental as { param?: unknown } | undefined)?.param;
  if (typeof name !== 'string') return;
  const paging = (v.pagination ?? {}) as Record<string, unknown>;
  const others = [
    ...['param', 'size_param', 'limit_param'].filter((k) => paging[k] === name).map((k) => `pagination.${k}`),
    ...(typeof v.params === 'object' && v.params !== null && Object.hasOwn(v.params, name) ? [`params.${name}`] : []),
    ...(typeof v.url === 'string' && URL.canParse(v.url) && new URL(v.url).searchParams.has(name) ? ['the query string of url'] : []),
  ];
  if (others.length) {
    ctx.addIssue({ code: 'custom', path: ['incremental', 'param'], message: `"${name}" is also ${others.join(' and ')}: the watermark would overwrite it, or it the watermark; name the API's filter parameter here` });
  }
}

/** `cursor` paging reads its cursor from the body (`cursor_path`) or from the last record (`cursor_record_path`, sent in `param`): one of them. */
function cursorSource(v: { pagination?: unknown }, ctx: z.RefinementCtx): void {
  const p = v.pagination as { kind?: unknown; param?: unknown; cursor_path?: unknown; cursor_record_path?: unknown } | undefined;
  if (p?.kind !== 'cursor') return;
  if (p.cursor_path === undefined && p.cursor_record_path === undefined) {
    ctx.addIssue({ code: 'custom', path: ['pagination', 'cursor_path'], message: 'cursor paging needs cursor_path (where the body holds the next cursor or page URL) or cursor_record_path (where the last record holds it)' });
  } else if (p.cursor_path !== undefined && p.cursor_record_path !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['pagination', 'cursor_record_path'], message: 'give cursor_path or cursor_record_path, not both: the next cursor comes from one place' });
  } else if (p.cursor_record_path !== undefined && p.param === undefined) {
    ctx.addIssue({ code: 'custom', path: ['pagination', 'cursor_record_path'], message: 'cursor_record_path needs param, the query parameter the cursor is sent in (starting_after, after, since_id)' });
  }
}

/** `page` paging sends a page size only with both `size_param` and `size`: one alone would be ignored without a word. */
function pageSize(v: { pagination?: unknown }, ctx: z.RefinementCtx): void {
  const p = v.pagination as { kind?: unknown; size_param?: unknown; size?: unknown } | undefined;
  if (p?.kind !== 'page' || (p.size_param === undefined) === (p.size === undefined)) return;
  ctx.addIssue(
    p.size === undefined
      ? { code: 'custom', path: ['pagination', 'size_param'], message: 'size_param needs size, the page size to send in it; without size nothing would be sent' }
      : { code: 'custom', path: ['pagination', 'size'], message: 'size needs size_param, the query parameter the API reads the page size from; without it size would be ignored' },
  );
}

export const httpSource = z.strictObject({
  kind: z.literal('http'),
  url: urlString(['http', 'https'], 'The endpoint; may hold "${VAR}" references').superRefine((s, ctx) => {
    const p = bentUrlProblem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  }),
  method: z.enum(['GET', 'POST']).default('GET'),
  headers: z.record(z.string(), z.string()).optional().describe('Request headers; secret values belong in "${VAR}"'),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('Query parameters'),
  body: z.unknown().optional().describe('JSON body for POST'),
  records_path: str.optional().describe('Dot path to the array of records in the response body'),
  pagination: pagination.optional(),
  incremental: httpIncremental.optional(),
  // prefault, not default: the default is text parsed like a written value, so it reads '30s' in the JSON Schema.
  timeout: duration
    .refine((ms) => ms > 0, { error: 'must be above 0: each attempt gets this long to answer, redirects and body included (0s would fail every request)' })
    .prefault('30s'),
  retries: z
    .strictObject({
      max: nonNegativeInt.default(3),
      backoff: duration.prefault('1s').describe('Delay before the first retry; doubled for each further retry'),
    })
    .prefault({}),
})
  .superRefine(paramClash, evenWithErrors)
  .superRefine(pageSize, evenWithErrors)
  .superRefine(cursorSource, evenWithErrors);

export const sqlSource = z.strictObject({
  kind: z.literal('sql'),
  query: str.describe('SQL over catalog tables by name (namespace.table); runs after the pipelines that write them'),
  incremental: incremental.optional(),
});

export const sourceSchema = z.discriminatedUnion('kind', [
  csvSource,
  jsonlSource,
  jsonSource,
  parquetSource,
  postgresSource,
  mysqlSource,
  sqliteSource,
  httpSource,
  sqlSource,
]);

export const SOURCE_KINDS = ['csv', 'jsonl', 'json', 'parquet', 'postgres', 'mysql', 'sqlite', 'http', 'sql'] as const;

export type Source = z.output<typeof sourceSchema>;
export type SourceKind = Source['kind'];
export type HttpPagination = z.output<typeof pagination>;
