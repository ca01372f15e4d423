/**
 * `kind: http`: a JSON API read page by page (DESIGN §4).
 *
 * Each page is fetched (http-request.ts: timeout, retries, Retry-After), its records are cut
 * out of the response text at `records_path` (http-json.ts: no JSON.parse round trip, so
 * 64-bit ids and `10.0` stay as the server wrote them) and written as one NDJSON file per page
 * under `os.tmpdir()/floe-http-<uuid>/`. A number DuckDB would read as a double that cannot hold
 * it (an integer beyond 2^53 in a column with fractions, or beyond 64 bits) is read again from
 * the pages' text, exactly (json-read.ts). At most one page is in JS memory. The relation is a
 * view over DuckDB's JSON reader with `union_by_name`, so DuckDB types the columns across all
 * pages and a field first seen on page 40 is still a column.
 *
 * `records_path` absent: a body that is an array holds the records; an object is one record
 * (a warning names a member of it that is an array of objects: `{"data": [...]}` read without
 * records_path would otherwise load one row holding the records, without a word).
 * Present: the value there is an array of records, an object (one record), or null (none). A
 * path missing from the first page is an error (a typo would otherwise load nothing); missing
 * from a later page, it is an empty page (APIs that omit empty lists, such as Google's, end
 * that way). A page whose records are missing or empty while its body has a top-level `error`
 * or `errors` member that is not empty is a failure, not the end of the data: APIs answer a
 * failed page with `200 OK` and `{"error": …}` often enough, and reading that as "no more
 * records" would commit a silently truncated table. Beside records, such a member is a
 * warning of the run naming the page (a GraphQL API answers a partial failure with the data
 * it has, null where a field failed, and `errors`).
 *
 * Lifetime of the files: the view reads them whenever it is scanned, so they stay until
 * `afterScan` (the runner calls it once it has copied the relation into its own table), and
 * a process 'exit' hook removes what is left (a run that failed before the scan, `floe plan`).
 * A SIGKILL leaves the folder behind in the temp dir.
 *
 * `cursor_path` absent from a first page that has records is a config error naming the
 * pipeline file, the path, the page's URL and the body's top-level keys (http-paging.ts).
 *
 * Incremental reads (`incremental:`, http-incremental.ts): the run's lower bound goes to the API
 * in `incremental.param`, and the runner keeps the rows above the watermark, which commits
 * with the data. Without `param` every page is read. Nothing is committed before the last page
 * is read, so a run that fails on page 40 leaves the table (and its watermark) as it was and
 * the next run starts from page 1 with the same bound.
 */
import { createHash } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { quoteIdent } from '../engine/sql.js';
import { configError, sourceError } from '../errors.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import { collectSecrets, createRedactor, type Redactor } from '../pipeline/secrets.js';
import { fileListSql } from './files.js';
import { jsonLinesReadSql, mayHoldLongInteger, objectsSql, textJsonColumns } from './json-read.js';
import { OVERFLOW_HINT, overflowingNumberIn, shorten } from './json-overflow.js';
import { explainNestedCaseKeys, refuseCaseDuplicateKeys } from './json-keys.js';
import { SAMPLE_RECORDS } from './jsonl-lines.js';
import { type FoundValue, JsonDuplicateKeyError, JsonSyntaxError, type JsonSpan, loneSurrogateAt, oneLine, scalarText, scanJson } from './http-json.js';
import { boundParam, CursorCheck } from './http-incremental.js';
import { createPager } from './http-paging.js';
import { type HttpRequest, type HttpResponse, request, safeUrl } from './http-request.js';
import { echoRedactor } from './http-secrets.js';
import type { Extracted, Source, SourceContext } from './source.js';
import { removeTempDir, tempDir } from './temp-dir.js';

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;

export { parseRetryAfter } from './http-request.js';
export { nextLinkUrl } from './http-paging.js';

export function httpSource(config: HttpConfig): Source {
  return {
    kind: 'http',
    async extract(ctx: SourceContext): Promise<Extracted> {
      const setting = { pipeline: ctx.pipeline, file: ctx.pipelineFile, projectDir: ctx.projectDir };
      const req = buildRequest(config, ctx.pipeline);
      // The read's lower bound, for an API that filters (http-incremental.ts); the runner keeps only the rows above the watermark either way.
      const bound = ctx.cursor ? boundParam(config.incremental, ctx.cursor.after, setting) : undefined;
      if (bound) req.url.searchParams.set(bound.name, bound.value);
      // The pipeline's own secret values (an Authorization header, a password in the URL) are
      // masked here too, whatever the context's redactor knows.
      // So is the Basic credential made from a user and password in the URL: a server that
      // echoes the Authorization header in an error body must not print it (base64 is no mask).
      const own = createRedactor(collectSecrets([], config, { headers: { authorization: req.headers.authorization } }));
      const known: Redactor = (t) => ctx.redact(own(t));
      // An API that quotes the request in an error body sends a query secret back percent-encoded (http-secrets.ts).
      const echoed = echoRedactor(req, known);
      const redact: Redactor = (t) => known(echoed(t));
      const where = safeUrl(req.url, redact);
      const dir = await tempDir('http');
      try {
        const cursor = config.incremental && ctx.cursor ? new CursorCheck(config.incremental.cursor, setting, redact) : undefined;
        const read = await readPages(config, req, dir, { ...ctx, redact }, cursor);
        if (read.records > 0 && !read.fields) {
          throw sourceError(redact(`pipeline ${ctx.pipeline}: the ${read.records} record${read.records === 1 ? '' : 's'} of ${config.method} ${where} ${read.records === 1 ? 'is an empty object' : 'are all empty objects'}, with no field to make a column of`), {
            context: { pipeline: ctx.pipeline, url: redact(where) },
            hint: 'Check records_path: it should point at the array of records, not at an object around it.',
          });
        }
        const relation = ctx.engine.uniqueName('http');
        // An API that returned no records still gives a (one-column, empty) relation.
        // Every record is an object (readPage checked it), so the reader is asked for records;
        // each page is a file, sampled whole unless it is larger than the reader's sample, and
        // mixed-type columns become text (json-read.ts).
        const what = `read the records fetched by pipeline ${ctx.pipeline}`;
        // Keys that differ only in case, in one record or in two, are refused as in json and
        // jsonl files (json-keys.ts): DuckDB would name the second `email_1`.
        const pages = read.files.map((f, i) => ({ read: f, name: read.pageNames[i]!, lines: false as const }));
        const select = read.files.length
          ? await textJsonColumns(ctx.engine, `SELECT * FROM ${jsonLinesReadSql(read.files, { sampleAll: read.largestPage > SAMPLE_RECORDS })}`, what, {
              objects: objectsSql(read.files, 'newline_delimited'),
              mayHoldLong: read.longDigits,
              // Nested keys that differ only in case are named with their page and record (json-keys.ts).
            }, (names) => refuseCaseDuplicateKeys(ctx.engine, pages, 'newline_delimited', names)).catch(async (e: unknown) => Promise.reject(await explainNestedCaseKeys(e, pages, 'newline_delimited')))
          : `SELECT * FROM read_json(${fileListSql([await emptyFile(dir)])}, format = 'newline_delimited')`;
        await ctx.engine.run(
          `CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS ${select}`,
          what,
          { kind: 'source', context: { pipeline: ctx.pipeline, url: redact(where) } },
        );
        const stats = `${read.pages} page${read.pages === 1 ? '' : 's'}, ${read.records} record${read.records === 1 ? '' : 's'}, ${read.retries} retr${read.retries === 1 ? 'y' : 'ies'}`;
        return {
          relation,
          rowsRead: read.records,
          describe: redact(`${config.method} ${where} (${stats}${read.stopped ? `; ${read.stopped}` : ''})`),
          afterScan: () => removeTempDir(dir),
          ...(read.records === 0 ? { noRecords: true } : {}),
          ...warningsOf(read, config, where, redact),
        };
      } catch (e) {
        await removeTempDir(dir);
        throw e;
      }
    },
  };
}

/**
 * What the run should hear about the read: max_pages cutting an incremental read short, and
 * pages whose body reports an error beside its records (a GraphQL API sends the data it could
 * get with `errors` naming what failed, as null fields): the records are read as sent, but
 * not without a word.
 */
function warningsOf(read: ReadResult, config: HttpConfig, where: string, redact: Redactor): { warnings?: string[] } {
  const out: string[] = [];
  // The watermark is the greatest cursor read: on an API that pages newest first, rows on the pages left unread fall below it.
  if (read.stopped && config.incremental) {
    out.push(`${config.method} ${where}: ${read.stopped.replace(/^stopped: /, '')} with incremental.cursor ${config.incremental.cursor}: the watermark committed is the greatest ${config.incremental.cursor} read, so if the API pages newest first the rows on the pages not read are below it and no later run reads them (raise max_pages, or page oldest first)`);
  }
  if (read.oneRecord) out.push(read.oneRecord);
  if (read.reported) {
    const more = read.reported.pages > 1 ? ` (and ${read.reported.pages - 1} more page${read.reported.pages === 2 ? '' : 's'})` : '';
    out.push(`${read.reported.first}${more}; the records were read as sent, and may lack what the error is about (null fields)`);
  }
  return out.length ? { warnings: out.map(redact) } : {};
}

interface ReadResult {
  files: string[];
  /** What messages call the page of each file: `page 2 (url)`. */
  pageNames: string[];
  pages: number;
  records: number;
  /** Records of the largest page. */
  largestPage: number;
  retries: number;
  /** Why paging stopped early, when it did (max_pages). */
  stopped?: string;
  /** The first page, read as one record, holding what looks like the records. */
  oneRecord?: string;
  /** The first page that reports an error beside its records, and how many pages do. */
  reported?: { first: string; pages: number };
  /** Whether some record has a field (DuckDB cannot type records that are all `{}`). */
  fields: boolean;
  /** Whether some record holds an integer of 16 digits, so maybe one a double cannot hold (json-read.ts mayHoldLongInteger). */
  longDigits: boolean;
}

async function readPages(config: HttpConfig, first: HttpRequest, dir: string, ctx: SourceContext, cursor?: CursorCheck): Promise<ReadResult> {
  const pager = createPager(config.pagination);
  const out: ReadResult = { files: [], pageNames: [], pages: 0, records: 0, largestPage: 0, retries: 0, fields: false, longDigits: false };
  let url = pager.first(first.url);
  for (;;) {
    ctx.signal?.throwIfAborted();
    // The page is read as each attempt's response arrives: a body cut short is retried (CutShort).
    const held: { page?: Page } = {};
    const res = await request(
      { ...first, url },
      {
        pipeline: ctx.pipeline,
        timeoutMs: config.timeout,
        retries: config.retries,
        redact: ctx.redact,
        signal: ctx.signal,
        onRetry: (r) => {
          out.retries++;
          // A wait can last minutes (an API's Retry-After): `retry` events, and a line on stderr, say so while it lasts.
          ctx.onEvent?.('retry', { scope: 'http', page: out.pages + 1, attempt: r.attempt + 1, max_attempts: config.retries.max + 1, wait_ms: r.waitMs, reason: ctx.redact(r.reason) });
        },
        page: out.pages + 1,
        incomplete: (r) => {
          try {
            held.page = readPage(r, config, out.pages + 1, ctx, cursor);
            return undefined;
          } catch (e) {
            if (e instanceof CutShort) return e.message;
            throw e;
          }
        },
      },
    );
    const page = held.page!;
    out.pages++;
    if (page.oneRecord !== undefined) out.oneRecord = page.oneRecord;
    if (page.reported !== undefined) out.reported = { first: out.reported?.first ?? page.reported, pages: (out.reported?.pages ?? 0) + 1 };
    if (page.lines.length > 0) {
      const file = join(dir, `page-${String(out.pages).padStart(8, '0')}.ndjson`);
      await writeLines(file, page.lines);
      out.files.push(file);
      out.pageNames.push(`page ${out.pages} (${safeUrl(res.url, ctx.redact)})`);
      out.records += page.lines.length;
      out.largestPage = Math.max(out.largestPage, page.lines.length);
      out.fields ||= page.lines.some((l) => !/^\{\s*\}$/.test(l));
      out.longDigits ||= page.lines.some(mayHoldLongInteger);
    }
    ctx.onProgress?.(out.records);
    const step = pager.next(
      { records: page.lines.length, cursor: page.cursor, hasMore: page.hasMore, link: res.headers.get('link'), fingerprint: page.fingerprint, url: res.url },
      url,
    );
    if (step.kind === 'done') {
      if (step.reason.startsWith('max_pages')) out.stopped = `stopped: ${step.reason}`;
      return out;
    }
    if (step.kind === 'error' && step.config) {
      const file = ctx.pipelineFile === undefined ? '' : ` (${relative(ctx.projectDir, ctx.pipelineFile) || ctx.pipelineFile})`;
      const at = safeUrl(res.url, ctx.redact);
      // The URL ends the message: a masked query value runs to the next space.
      throw configError(ctx.redact(`pipeline ${ctx.pipeline}${file}: ${step.detail}${topKeys(bodyText(res))}; the page: ${first.method} ${at}`), {
        context: { pipeline: ctx.pipeline, url: ctx.redact(at), page: out.pages, ...(ctx.pipelineFile === undefined ? {} : { file: ctx.pipelineFile }) },
        hint: step.detail.includes('has_more_path')
          ? 'has_more_path is a dot path from the top of the response body to a boolean, e.g. has_more or meta.has_more.'
          : step.detail.includes('cursor_record_path')
            ? 'cursor_record_path is a dot path within a record, e.g. id.'
            : 'cursor_path is a dot path from the top of the response body, e.g. meta.next_cursor. If the API leaves the cursor out of its last page, set pagination.missing_cursor: end (a null or empty cursor always ends paging).',
      });
    }
    if (step.kind === 'error') {
      throw sourceError(ctx.redact(`pipeline ${ctx.pipeline}: ${step.detail} (last request: ${first.method} ${safeUrl(url, ctx.redact)})`), {
        context: { pipeline: ctx.pipeline, url: ctx.redact(safeUrl(url, ctx.redact)), page: out.pages },
        hint: 'Check the pagination settings of the source against the API documentation; max_pages bounds a read.',
      });
    }
    url = step.url;
  }
}

/** A response body that ends in the middle of its JSON document: retried as a failed attempt. */
class CutShort extends Error {}

interface Page {
  lines: string[];
  /** The page's `error` or `errors` member, when it reports something beside records. */
  reported?: string;
  /** A body read as one record that holds what looks like the records (no records_path). */
  oneRecord?: string;
  cursor?: string | null;
  /** The boolean at has_more_path (absent: no path, or the page lacks it or holds null). */
  hasMore?: boolean;
  fingerprint: string;
}

/**
 * The readings of a dot path, the fully nested one first: `a.b.c` is a → b → c, and then
 * a → "b.c", "a.b" → c and "a.b.c", for keys that hold dots themselves (Microsoft Graph's
 * next link is the one key `@odata.nextLink`). The first reading the body has wins.
 */
export function dotPaths(p: string | undefined): string[][] {
  if (p === undefined) return [[]];
  const parts = p.split('.');
  // 2^(n-1) readings: beyond 6 segments only the nested one.
  if (parts.length > 6) return [parts];
  const out: string[][] = [];
  for (let joined = 0; joined < 2 ** (parts.length - 1); joined++) {
    const path = [parts[0]!];
    for (let i = 1; i < parts.length; i++) {
      if (joined & (1 << (i - 1))) path[path.length - 1] += `.${parts[i]}`;
      else path.push(parts[i]!);
    }
    out.push(path);
  }
  return out;
}

/** The response body without a leading byte order mark. */
const bodyText = (res: HttpResponse): string => (res.text.charCodeAt(0) === 0xfeff ? res.text.slice(1) : res.text);

function readPage(res: HttpResponse, config: HttpConfig, n: number, ctx: SourceContext, cursor?: CursorCheck): Page {
  const at = `page ${n} (${safeUrl(res.url, ctx.redact)})`;
  const fail = (msg: string, hint?: string) =>
    sourceError(ctx.redact(`pipeline ${ctx.pipeline}: ${msg}`), { context: { pipeline: ctx.pipeline, url: ctx.redact(safeUrl(res.url, ctx.redact)), page: n }, hint });
  const text = bodyText(res);
  // 204 No Content, or an empty body: a page without records.
  if (text.trim() === '') return { lines: [], fingerprint: '' };
  const cursorPath = config.pagination?.kind === 'cursor' ? config.pagination.cursor_path : undefined;
  const cursorPaths = cursorPath === undefined ? [] : dotPaths(cursorPath);
  const hasMorePath = config.pagination?.kind === 'link' ? undefined : config.pagination?.has_more_path;
  const hasMorePaths = hasMorePath === undefined ? [] : dotPaths(hasMorePath);
  const recordPaths = dotPaths(config.records_path);
  let found: (FoundValue | undefined)[];
  // The error members are only looked at beside a records_path: without one, an object body is a record.
  const errorPaths = config.records_path === undefined ? [] : [['error'], ['errors']];
  try {
    found = scanJson(text, [...recordPaths, ...errorPaths, ...cursorPaths, ...hasMorePaths]);
  } catch (e) {
    if (e instanceof JsonDuplicateKeyError) {
      throw fail(`${at} has an object with the key ${JSON.stringify(e.key)} twice (at character ${e.offset}): ${text.slice(Math.max(0, e.offset - 60), e.offset + 60).replace(/\s+/g, ' ')}`, 'A record must name each field once; ask the API provider, floe does not pick one of the values.');
    }
    if (!(e instanceof JsonSyntaxError)) throw e;
    const type = res.headers.get('content-type');
    // Stopped at the very end: the document is whole up to there and then the body ends. A
    // compressed body cut short decodes without an error (fetch reads gzip and deflate
    // leniently, as browsers do), and a body without a length ends where the connection did.
    if (e.offset >= text.length) {
      const encoding = res.headers.get('content-encoding');
      throw new CutShort(`the body ends in the middle of its JSON document (${e.message} at character ${e.offset}, its end${encoding ? `; content-encoding ${encoding}` : ''}): the response was cut short`);
    }
    const start = text.slice(0, 120).replace(/\s+/g, ' ');
    // One record per line (NDJSON, JSON Lines): a whole document, then a line break and the next.
    let gap = e.offset;
    while (gap > 0 && /\s/.test(text[gap - 1]!)) gap--;
    const lines = e.message === 'unexpected text after the document' && text.slice(gap, e.offset).includes('\n') && /[{[]/.test(text[e.offset] ?? '');
    const ndjson = lines || /ndjson|jsonl|json-seq|jsonlines|x-json-stream/i.test(type ?? '');
    throw fail(
      `${at} is not JSON (${e.message} at character ${e.offset}${type ? `; content-type ${type}` : ''}): ${start}`,
      ndjson
        ? 'The body looks like newline-delimited JSON (one record per line), which kind: http does not read: it reads one JSON document per response (an array of records, or an object around them). Ask the API for JSON (an Accept header or a format parameter), or save the response to a file and read it with kind: jsonl.'
        : undefined,
    );
  }
  const records = found.slice(0, recordPaths.length).find((v) => v !== undefined);
  const errors = found.slice(recordPaths.length, recordPaths.length + errorPaths.length);
  const reported = errors.findIndex((v) => v !== undefined && !emptyJson(text, v));
  const full = reported < 0 ? undefined : `"${errorPaths[reported]![0]}": ${text.slice(errors[reported]!.start, errors[reported]!.end).replace(/\s+/g, ' ')}`;
  const member = full !== undefined && full.length > 200 ? `${full.slice(0, 200)}…` : full;
  if (member !== undefined && (records === undefined || records.kind === 'null' || (records.kind === 'array' && records.items?.length === 0))) {
    throw fail(
      `${at} has no records and reports an error: ${member}`,
      'The API answered with an error inside a successful response; nothing was written. Run again once the API recovers.',
    );
  }
  let spans: JsonSpan[];
  if (records === undefined) {
    if (n === 1) throw fail(`${at} has no "${config.records_path}"${topKeys(text)}`, 'records_path is a dot path from the top of the response body, e.g. data.items.');
    spans = [];
  } else if (records.kind === 'array') spans = records.items ?? [];
  else if (records.kind === 'object') spans = [records];
  else if (records.kind === 'null') spans = [];
  else throw fail(`${at}: ${config.records_path ? `"${config.records_path}"` : 'the body'} is a ${records.kind}, not an array of records or an object`);
  const lines: string[] = [];
  // Hashed line by line: a joined copy of a large page would double its memory for a digest.
  const hash = createHash('sha256');
  for (const [i, s] of spans.entries()) {
    if (s.kind !== 'object') throw fail(`record ${i + 1} of ${at} is ${s.kind === 'array' ? 'an array' : s.kind === 'null' ? 'null' : `a ${s.kind}`}, not an object`);
    const line = oneLine(text.slice(s.start, s.end));
    const lone = loneSurrogateAt(line);
    if (lone >= 0) {
      const around = line.slice(Math.max(0, lone - 40), lone + 46);
      throw fail(
        `record ${i + 1} of ${at} has the escape ${line.slice(lone, lone + 6)}, half of a UTF-16 surrogate pair without the other half, which is no Unicode character: ${around}`,
        'The API sent a string cut in the middle of a character (an emoji, say); ask the API provider. floe does not replace it.',
      );
    }
    // A number beyond a double's range would be read as infinity (json-overflow.ts).
    const big = overflowingNumberIn(line);
    if (big) throw fail(`record ${i + 1} of ${at} holds the number ${shorten(big.literal)}, beyond a double's range; it would be stored as infinity`, OVERFLOW_HINT);
    // A second scan of the record, only for incremental pipelines: cheap beside the page's own.
    cursor?.record(line, ctx.redact(`record ${i + 1} of ${at}`), () => Object.keys(JSON.parse(line) as object));
    lines.push(line);
    hash.update(line).update('\n');
  }
  const fingerprint = hash.digest('hex');
  // The scan's values in the order of its paths: records, errors, cursor, has_more.
  const cursorAt = recordPaths.length + errorPaths.length;
  const c = found.slice(cursorAt, cursorAt + cursorPaths.length).find((v) => v !== undefined);
  const more = found.slice(cursorAt + cursorPaths.length).find((v) => v !== undefined && v.kind !== 'null');
  if (more !== undefined && more.kind !== 'boolean') {
    throw fail(`${at}: the value at "${hasMorePath}" is ${text.slice(more.start, Math.min(more.end, more.start + 60))}, not true or false`, 'has_more_path names a boolean of the response body that says whether more pages follow.');
  }
  const hasMore = more === undefined ? undefined : text.slice(more.start, more.end) === 'true';
  const wrapped = config.records_path === undefined && records?.kind === 'object' && n === 1 ? recordsInside(text) : undefined;
  const also = {
    ...(wrapped === undefined ? {} : { oneRecord: ctx.redact(`${at} is an object, read as one record, and its member "${wrapped.key}" is an array of ${wrapped.count} objects: if those are the records, set records_path: ${wrapped.key}`) }),
    ...(member === undefined ? {} : { reported: ctx.redact(`${at} reports an error beside its ${lines.length} record${lines.length === 1 ? '' : 's'}: ${member}`) }),
  };
  const flag = hasMore === undefined ? {} : { hasMore };
  const recordCursor = config.pagination?.kind === 'cursor' ? config.pagination.cursor_record_path : undefined;
  if (recordCursor !== undefined) {
    // The next cursor is a field of the last record (Stripe's starting_after): none on an empty page.
    const last = lines.at(-1);
    const v = last === undefined ? undefined : scanJson(last, dotPaths(recordCursor)).find((x) => x !== undefined);
    if (v !== undefined && (v.kind === 'object' || v.kind === 'array')) throw fail(`${at}: the cursor at "${recordCursor}" of its last record is an ${v.kind}, not a value`);
    return { lines, cursor: v === undefined ? undefined : v.kind === 'null' ? null : scalarText(last!, v), fingerprint, ...flag, ...also };
  }
  if (c === undefined || c.kind === 'null') return { lines, cursor: c === undefined ? undefined : null, fingerprint, ...flag, ...also };
  if (c.kind === 'object' || c.kind === 'array') throw fail(`${at}: the cursor at "${cursorPath}" is an ${c.kind}, not a value`);
  return { lines, cursor: scalarText(text, c), fingerprint, ...flag, ...also };
}

/** Bodies up to this size are looked into for records wrapped in an object (recordsInside). */
const WRAPPED_SCAN_CHARS = 16 * 1024 * 1024;

/**
 * The top-level member of an object body that is a non-empty array of objects (the largest,
 * when several are), or undefined: `{"data": [{…}, …], "meta": {…}}` read without records_path
 * is one record holding the records, a mistake a run should name. Larger bodies are not parsed
 * again for it.
 */
function recordsInside(text: string): { key: string; count: number } | undefined {
  if (text.length > WRAPPED_SCAN_CHARS) return undefined;
  let best: { key: string; count: number } | undefined;
  for (const [key, v] of Object.entries(JSON.parse(text) as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) continue;
    if (best === undefined || v.length > best.count) best = { key, count: v.length };
  }
  return best;
}

/** null, false, "", [] or {}: an `error` member that reports nothing. */
function emptyJson(text: string, v: FoundValue): boolean {
  if (v.kind === 'null') return true;
  const t = text.slice(v.start, v.end).replace(/\s+/g, '');
  return t === 'false' || t === '""' || t === '[]' || t === '{}';
}

/** " (its top-level keys: a, b, c)" for a message, when the body is an object. */
function topKeys(text: string): string {
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return ` (the body is ${Array.isArray(v) ? 'an array' : 'not an object'})`;
    const keys = Object.keys(v);
    return keys.length ? ` (its top-level keys: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', …' : ''})` : ' (the body is an empty object)';
  } catch {
    return '';
  }
}

function buildRequest(config: HttpConfig, pipeline: string): HttpRequest {
  const url = new URL(config.url);
  // Header names are case-insensitive; lower case lets a configured header replace a default.
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'floe' };
  for (const [k, v] of Object.entries(config.headers ?? {})) headers[k.toLowerCase()] = v;
  // fetch refuses URLs with credentials: they become Basic auth, unless a header already authenticates.
  if (url.username !== '' || url.password !== '') {
    headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  for (const [k, v] of Object.entries(config.params ?? {})) url.searchParams.set(k, String(v));
  if (config.body === undefined) return { url, method: config.method, headers };
  if (config.method !== 'POST') {
    throw configError(`pipeline ${pipeline}: the http source has a body but method ${config.method}; a body needs method: POST`, { context: { pipeline } });
  }
  headers['content-type'] ??= 'application/json';
  return { url, method: config.method, headers, body: JSON.stringify(config.body) };
}

/** The lines as an NDJSON file, written in chunks of about 4 MB instead of one string the size of the page. */
async function writeLines(file: string, lines: readonly string[]): Promise<void> {
  const out = await open(file, 'w');
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const line of lines) {
      chunk.push(line);
      size += line.length + 1;
      if (size >= 4_000_000) {
        await out.write(`${chunk.join('\n')}\n`);
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length > 0) await out.write(`${chunk.join('\n')}\n`);
  } finally {
    await out.close();
  }
}

async function emptyFile(dir: string): Promise<string> {
  const file = join(dir, 'empty.ndjson');
  await writeFile(file, '');
  return file;
}
