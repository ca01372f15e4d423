/**
 * `incremental:` on `kind: http` (DESIGN §1 "State lives in the snapshot"). The watermark is
 * the runner's, as for every source kind: read back from the snapshot summary (run/state.ts
 * readStart, `incremental.lookback` included), and the rows at or below it are left out by
 * the runner (run-pipeline.ts materialise), so a row an API hands over again is never written
 * twice nor quarantined again. What the http source adds:
 *
 * - the read's lower bound goes to the API in the query parameter `incremental.param` (on the
 *   first request; page, offset and cursor paging keep it on every page they build, and next
 *   links from a body or a Link header are followed as the API gives them), written as
 *   `incremental.format` says. No bound (a first run without `initial`, `--full-refresh`
 *   without `initial`): no parameter.
 * - each record's cursor is checked as the page is read, so that a mistyped cursor or a
 *   record without one fails naming the page and the record, not a column of a temp view.
 */
import { relative } from 'node:path';
import { configError, sourceError } from '../errors.js';
import { settingPosition } from '../pipeline/setting-position.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import type { Redactor } from '../pipeline/secrets.js';
import { scanJson, type JsonKind } from './http-json.js';
import { parseTimestamp } from './sql-types.js';

type HttpConfig = Extract<SourceConfig, { kind: 'http' }>;
export type HttpIncremental = NonNullable<HttpConfig['incremental']>;

/** Where a run's messages point: the pipeline, and its file when known. */
export interface SettingWhere {
  pipeline: string;
  /** The pipeline file (absolute, or relative to the project). */
  file?: string;
  projectDir?: string;
}

/**
 * `pipelines/orders.yaml:7:32` for a setting under `source.incremental`, or the file alone
 * when it cannot be read again (it was read when the project loaded).
 */
export function settingAt(where: SettingWhere, key: string): string {
  if (where.file === undefined) return `pipeline ${where.pipeline}`;
  const shown = where.projectDir === undefined ? where.file : relative(where.projectDir, where.file) || where.file;
  const at = settingPosition(where.file, ['source', 'incremental', key]);
  return at ? `${shown}:${at.line}:${at.col}` : shown;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A date-time with a time of day, as DuckDB writes a TIMESTAMP[TZ] or as an API writes ISO-8601. */
const DATE_TIME = /^-?\d{4,}-\d\d-\d\d[ T]\d\d:\d\d/;

/**
 * The bound as the API is sent it.
 *
 * `iso8601` (the default): a date-time as an ISO-8601 UTC instant, `2026-01-05T10:00:00.123Z`
 * (fractions only when there are any). The watermark is stored as the cursor column holds it,
 * and DuckDB reads an API's `"2026-01-05T10:00:00Z"` as a TIMESTAMP, whose text is
 * `2026-01-05 10:00:00`: sent as such, most APIs would refuse it or read it in their own zone.
 * A date, a number or other text is sent as it is (a date is ISO-8601 already).
 * `unix` / `unix_ms`: epoch seconds / milliseconds of a date-time or date, rounded down, so
 * that the API sends the rows of the watermark's last second too and the runner drops those at
 * or below it (rounded up, a row later in that second would be missed); a number is sent as it
 * is (taken to be in the API's unit already).
 * `text`: the watermark exactly as floe stores it.
 */
export function formatBound(after: string, format: HttpIncremental['format'], where: SettingWhere, column: string): string {
  const value = after.trim();
  if (format === 'text' || NUMBER.test(value)) return value;
  const dateTime = DATE_TIME.test(value);
  if (format === 'iso8601' && !dateTime) return value;
  const micros = parseTimestamp(value);
  if (micros === undefined) {
    if (format === 'iso8601') return value;
    throw configError(`${settingAt(where, 'format')}: source.incremental.format: ${format} cannot write the ${column} bound ${JSON.stringify(value)}, which is neither a date-time nor a number`, {
      context: { pipeline: where.pipeline, cursor: column },
      hint: 'unix and unix_ms need a date-time cursor (and incremental.initial); format: text sends the bound as floe stores it.',
    });
  }
  const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
  if (format === 'unix') return String(floorDiv(micros, 1_000_000n));
  if (format === 'unix_ms') return String(floorDiv(micros, 1_000n));
  const ms = floorDiv(micros, 1_000n);
  const iso = new Date(Number(ms)).toISOString();
  const sub = micros - ms * 1_000n;
  if (iso.length !== 24) return iso; // years outside 0000–9999: toISOString's own ±YYYYYY form
  const fraction = `${iso.slice(20, 23)}${String(sub).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

/**
 * The query parameter of this run: `incremental.param` with the bound, or undefined when the
 * pipeline sets no `param` or the run has no bound (a first run without `initial`).
 */
export function boundParam(inc: HttpIncremental | undefined, after: string | null | undefined, where: SettingWhere): { name: string; value: string } | undefined {
  if (inc?.param === undefined || after === null || after === undefined) return undefined;
  return { name: inc.param, value: formatBound(after, inc.format, where, inc.cursor) };
}

/**
 * Checks each record's cursor as its page is read: present (a record without it means a
 * mistyped `cursor`, or an API that left it out), a number or a text (an object, array or
 * boolean has no order to keep a watermark in), and of one kind across the read (a text
 * among numbers would turn the column into text, compared as text: `'9' > '10'`). JSON
 * null is let through: the runner leaves such rows out and says how many (as for every
 * source kind).
 */
export class CursorCheck {
  /** The kind of the first non-null cursor, and where it was. */
  private seen: { kind: 'string' | 'number'; at: string } | undefined;
  /** Whether an earlier record had the cursor field. */
  private found = false;

  constructor(
    private readonly column: string,
    private readonly where: SettingWhere,
    /** Masks the pipeline's secrets in messages: they quote the record's fields and values. */
    private readonly redact: Redactor = (t) => t,
  ) {}

  /** `record` is the record's JSON text; `at` says which record of which page, for messages. */
  record(record: string, at: string, keys: () => string[]): void {
    const [v] = scanJson(record, [[this.column]]);
    if (v === undefined) {
      const fields = keys();
      const nested = this.column.includes('.') && fields.includes(this.column.split('.')[0]!);
      const detail = `${at} has no field ${JSON.stringify(this.column)}, the incremental cursor (its fields: ${fields.slice(0, 12).join(', ')}${fields.length > 12 ? ', …' : ''})`;
      if (!this.found) {
        throw configError(this.redact(`${settingAt(this.where, 'cursor')}: source.incremental.cursor: ${detail}`), {
          context: { pipeline: this.where.pipeline, cursor: this.column },
          hint: nested
            ? 'incremental.cursor names a top-level field of each record (after records_path); a field nested inside another is not read as a cursor.'
            : 'incremental.cursor names a field of each record (after records_path), spelled as the API spells it.',
        });
      }
      throw sourceError(this.redact(`pipeline ${this.where.pipeline}: ${detail}, while earlier records have it`), {
        context: { pipeline: this.where.pipeline, cursor: this.column },
        hint: 'Every record needs its cursor value (null is allowed: such rows are left out with a warning); nothing was written.',
      });
    }
    this.found = true;
    if (v.kind === 'null') return;
    if (v.kind !== 'string' && v.kind !== 'number') {
      throw configError(this.redact(`${settingAt(this.where, 'cursor')}: source.incremental.cursor: the ${JSON.stringify(this.column)} of ${at} is ${article(v.kind)}: ${oneLine(record.slice(v.start, v.end))}; a cursor is a number or a text (a date-time, an id)`), {
        context: { pipeline: this.where.pipeline, cursor: this.column },
        hint: 'Name a field whose values only grow: an update time or a sequence number.',
      });
    }
    if (this.seen === undefined) {
      this.seen = { kind: v.kind, at };
      return;
    }
    if (this.seen.kind !== v.kind) {
      throw sourceError(
        this.redact(`pipeline ${this.where.pipeline}: the incremental cursor ${JSON.stringify(this.column)} of ${at} is ${article(v.kind)} (${oneLine(record.slice(v.start, v.end))}), but that of ${this.seen.at} is ${article(this.seen.kind)}: mixed, they would be compared as text`),
        { context: { pipeline: this.where.pipeline, cursor: this.column }, hint: 'The API sends the cursor in two forms; nothing was written.' },
      );
    }
  }
}

const article = (kind: JsonKind) => (kind === 'object' || kind === 'array' ? `an ${kind}` : `a ${kind}`);
const oneLine = (s: string) => {
  const t = s.replace(/\s+/g, ' ');
  return t.length > 80 ? `${t.slice(0, 80)}…` : t;
};

/** `floe plan`'s incremental line and `--json` field, with the query parameter the run sends. */
export function planParam<P extends { text: string; lower_bound: string | null }>(plan: P, inc: HttpIncremental, where: SettingWhere): P & { param?: { name: string; value: string | null } } {
  if (inc.param === undefined) return { ...plan, text: `${plan.text}; no incremental.param: every page is read` };
  const sent = boundParam(inc, plan.lower_bound, where);
  return sent === undefined
    ? { ...plan, text: `${plan.text}; ${inc.param} not sent`, param: { name: inc.param, value: null } }
    : { ...plan, text: `${plan.text}; sent as ${sent.name}=${sent.value}`, param: { name: sent.name, value: sent.value } };
}
