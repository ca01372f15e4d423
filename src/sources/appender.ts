/**
 * The staging table of a relational source: a DuckDB temp table with the mapped column
 * types (sql-types.ts), filled batch by batch through DuckDB's appender (DESIGN §1 Engine:
 * rows from drivers go into DuckDB through its appender, in batches; only one batch is ever
 * held in JS).
 *
 * Why data chunks, column by column: measured on @duckdb/node-api 1.5.6 (2 busy cores,
 * 300k values per case), a row-by-row `appendX` + `endRow` costs one N-API call per value
 * and ran at a third of the speed of filling a DuckDBDataChunk per 2048 rows and appending
 * it whole. Numbers, booleans, dates and timestamps fill typed arrays (no call per value);
 * strings and blobs cost one call each. A chunk column may be VARCHAR while the table column
 * is DECIMAL, UUID or INTEGER[]: `appendDataChunk` casts it with DuckDB's own parser,
 * vectorised, which beat parsing decimals in JS.
 */
import type { DuckDBAppender, DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';
import { FloeError, sourceError } from '../errors.js';
import { duckdbApi } from '../engine/duckdb.js';
import { quoteIdent } from '../engine/sql.js';
import type { SourceContext } from './source.js';
import { type ColumnPlan, decimalTypeParts, ValueMisfit, type Wire } from './sql-types.js';

type Api = typeof import('@duckdb/node-api');


/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

export interface Stage {
  /** The temp table's name, for Extracted.relation. */
  readonly relation: string;
  /** Rows appended so far. */
  readonly rows: number;
  readonly columns: readonly ColumnPlan[];
  /** Appends one batch of driver rows (arrays in column order) and flushes it into the table. */
  append(rows: readonly (readonly unknown[])[]): void;
  /** Changes a column's type; DuckDB casts the rows already staged (SQLite's dynamic typing). */
  retype(index: number, plan: ColumnPlan): Promise<void>;
  /** Flushes and closes the appender; the table stays for the run. */
  finish(): void;
  /** Closes the appender and drops the table after a failure. */
  abandon(): Promise<void>;
}

/** Who the rows come from, for messages: `pipeline crm (postgres 127.0.0.1:5432/crm)`. */
export interface StageOptions {
  stem: string;
  /** Safe-to-print description of the source, e.g. `postgres db.example.com:5432/crm`. */
  describe: string;
}

export async function createStage(ctx: SourceContext, columns: readonly ColumnPlan[], options: StageOptions): Promise<Stage> {
  // Loaded on first use (engine/duckdb.ts): loading a source module must not load the native binding.
  const api = duckdbApi();
  checkNames(ctx, columns, options.describe);
  const relation = ctx.engine.uniqueName(options.stem);
  const ddl = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  await ctx.engine.run(`CREATE TEMP TABLE ${quoteIdent(relation)} (${ddl})`, `create the staging table of pipeline ${ctx.pipeline}`, {
    kind: 'internal',
  });
  const appender = await ctx.engine.connection.createAppender(relation);
  return new ChunkStage(api, ctx, relation, [...columns], appender, options.describe);
}

/** DuckDB folds identifier case, so `ID` and `id` from Postgres would collide. */
export function checkNames(ctx: SourceContext, columns: readonly ColumnPlan[], describe: string): void {
  if (columns.length === 0) throw sourceError(`pipeline ${ctx.pipeline}: the query on ${describe} returns no columns`);
  const seen = new Map<string, string>();
  for (const c of columns) {
    const key = c.name.toLowerCase();
    const prior = seen.get(key);
    if (prior !== undefined) {
      throw sourceError(`pipeline ${ctx.pipeline}: the query on ${describe} returns two columns named ${JSON.stringify(prior)} and ${JSON.stringify(c.name)}`, {
        hint: 'give each output column a distinct name (case-insensitively) with AS',
        context: { pipeline: ctx.pipeline, column: c.name },
      });
    }
    seen.set(key, c.name);
  }
}

type Wrap = ((v: any) => unknown) | undefined;

class ChunkStage implements Stage {
  rows = 0;
  private types!: DuckDBType[];
  private wraps!: Wrap[];

  constructor(
    private readonly api: Api,
    private readonly ctx: SourceContext,
    readonly relation: string,
    readonly columns: ColumnPlan[],
    private appender: DuckDBAppender | undefined,
    private readonly describe: string,
  ) {
    this.prepare();
  }

  private prepare(): void {
    this.types = this.columns.map((c) => wireType(this.api, c.wire));
    this.wraps = this.columns.map((c) => wireWrap(this.api, c.wire));
    // DuckDB 1.5's VARCHAR → DECIMAL cast takes ~150 µs a value once the width is above 18
    // (a 128-bit decimal); 10 µs in JS is the cheaper side. Those columns go in as decimals.
    this.columns.forEach((c, i) => {
      const wide = c.wire === 'VARCHAR' ? wideDecimal(c.type) : undefined;
      if (!wide) return;
      this.types[i] = this.api.DECIMAL(wide.width, wide.scale);
      this.wraps[i] = (text: string) => new this.api.DuckDBDecimalValue(unscaledDecimal(text, wide.width, wide.scale), wide.width, wide.scale);
    });
  }

  append(rows: readonly (readonly unknown[])[]): void {
    const appender = this.appender;
    if (!appender) throw new FloeError('internal', `staging table ${this.relation} was appended to after it was closed`);
    for (let offset = 0; offset < rows.length; offset += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows.length - offset);
      const chunk = this.api.DuckDBDataChunk.create(this.types, count);
      this.fill(chunk, rows, offset, count);
      try {
        appender.appendDataChunk(chunk);
      } catch (e) {
        throw this.castError(e, rows, offset, count);
      }
    }
    try {
      appender.flushSync();
    } catch (e) {
      throw this.castError(e, rows, 0, rows.length);
    }
    this.rows += rows.length;
  }

  /** Converts and writes one chunk's values, column by column (typed arrays stay hot). */
  private fill(chunk: DuckDBDataChunk, rows: readonly (readonly unknown[])[], offset: number, count: number): void {
    let c = 0;
    let i = 0;
    try {
      for (c = 0; c < this.columns.length; c++) {
        const vector = chunk.getColumnVector(c);
        const convert = this.columns[c]!.convert;
        const wrap = this.wraps[c];
        for (i = 0; i < count; i++) {
          const raw = rows[offset + i]![c];
          let v = raw === null || raw === undefined ? null : convert ? convert(raw) : raw;
          if (v !== null && v !== undefined && wrap) v = wrap(v);
          vector.setItem(i, (v ?? null) as never);
        }
        vector.flush();
      }
    } catch (e) {
      throw this.valueError(e, c, this.rows + offset + i + 1, rows[offset + i]?.[c]);
    }
  }

  private valueError(e: unknown, column: number, row: number, value: unknown): FloeError {
    if (e instanceof FloeError) return e;
    const plan = this.columns[column]!;
    const detail = e instanceof Error ? e.message : String(e);
    return sourceError(
      `pipeline ${this.ctx.pipeline}: row ${row} from ${this.describe}, column ${JSON.stringify(plan.name)} (${plan.sourceType} → ${plan.type}): ${this.ctx.redact(detail)}${excerpt(value, this.ctx)}`,
      {
        cause: e,
        hint: e instanceof ValueMisfit ? e.hint : undefined,
        context: { pipeline: this.ctx.pipeline, column: plan.name, row, sourceType: plan.sourceType, type: plan.type },
      },
    );
  }

  /**
   * appendDataChunk names only the column of a failed cast ("type mismatch in
   * AppendDataChunk, expected DECIMAL(10,2), got VARCHAR for column 3"); find the value with
   * TRY_CAST so the message can point at the row.
   */
  private castError(e: unknown, rows: readonly (readonly unknown[])[], offset: number, count: number): FloeError {
    const message = e instanceof Error ? e.message : String(e);
    const m = /for column (\d+)/.exec(message);
    const column = m ? Number(m[1]) : -1;
    const plan = this.columns[column];
    if (!plan) return sourceError(`pipeline ${this.ctx.pipeline}: DuckDB refused rows from ${this.describe}: ${this.ctx.redact(message)}`, { cause: e });
    let row = -1;
    if (plan.wire === 'VARCHAR') {
      for (let i = 0; i < count && row < 0; i++) {
        const raw = rows[offset + i]![column];
        if (typeof raw === 'string' && !castsTo(raw, plan.type)) row = i;
      }
    }
    const where = row >= 0 ? `row ${this.rows + offset + row + 1}, ` : '';
    const value = row >= 0 ? excerpt(rows[offset + row]![column], this.ctx) : '';
    return sourceError(
      `pipeline ${this.ctx.pipeline}: ${where}column ${JSON.stringify(plan.name)} from ${this.describe}: a value is not a valid ${plan.type} (source type ${plan.sourceType})${value}`,
      { cause: e, context: { pipeline: this.ctx.pipeline, column: plan.name, type: plan.type } },
    );
  }

  async retype(index: number, plan: ColumnPlan): Promise<void> {
    const old = this.columns[index]!;
    this.appender?.closeSync();
    this.appender = undefined;
    await this.ctx.engine.run(
      `ALTER TABLE ${quoteIdent(this.relation)} ALTER COLUMN ${quoteIdent(old.name)} TYPE ${plan.type}`,
      `change column ${old.name} of the staging table to ${plan.type}`,
      { kind: 'internal' },
    );
    this.columns[index] = plan;
    this.prepare();
    this.appender = await this.ctx.engine.connection.createAppender(this.relation);
  }

  finish(): void {
    this.appender?.closeSync();
    this.appender = undefined;
  }

  async abandon(): Promise<void> {
    try {
      this.appender?.closeSync();
    } catch {
      // The appender may hold the rows that failed; closing it re-raises that failure.
    }
    this.appender = undefined;
    await this.ctx.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(this.relation)}`, 'drop a failed staging table').catch(() => undefined);
  }
}

/** Only used on the error path: a cheap check that DuckDB's cast accepts `text`. */
function castsTo(text: string, type: string): boolean {
  // Mirrors DuckDB for the types that travel as VARCHAR: DECIMAL and UUID. Anything else
  // is reported without a row.
  if (/^DECIMAL\(/.test(type)) return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text);
  if (type === 'UUID') return /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(text);
  return true;
}

/** `: "abc…"`: enough of the value to find the row, redacted and cut at 40 characters. */
function excerpt(value: unknown, ctx: SourceContext): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Uint8Array) text = `0x${Buffer.from(value.subarray(0, 20)).toString('hex')}`;
  else if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = JSON.stringify(value) ?? String(value);
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `: value ${JSON.stringify(ctx.redact(cut))}`;
}

function wireType(api: Api, wire: Wire): DuckDBType {
  switch (wire) {
    case 'VARCHAR[]':
      return api.LIST(api.VARCHAR);
    case 'BLOB[]':
      return api.LIST(api.BLOB);
    default:
      return api[wire];
  }
}

/**
 * What setItem wants for each wire type, from what the converters return (WireValues).
 * Date, time and timestamp vectors copy the number out of the value at once, so one mutable
 * value per column serves every row (less garbage on the hot path); string, blob and list
 * vectors keep the object until flush, so those get a fresh one each.
 */
function wireWrap(api: Api, wire: Wire): Wrap {
  switch (wire) {
    case 'DATE': {
      const holder = new api.DuckDBDateValue(0) as { days: number };
      return (days: number) => ((holder.days = days), holder);
    }
    case 'TIME':
      return reused(new api.DuckDBTimeValue(0n));
    case 'TIMESTAMP':
      return reused(new api.DuckDBTimestampValue(0n));
    case 'TIMESTAMPTZ':
      return reused(new api.DuckDBTimestampTZValue(0n));
    case 'BLOB':
      return (bytes: Uint8Array) => new api.DuckDBBlobValue(bytes);
    case 'VARCHAR[]':
      return (items: (string | null)[]) => new api.DuckDBListValue(items);
    case 'BLOB[]':
      return (items: (Uint8Array | null)[]) => new api.DuckDBListValue(items.map((b) => (b === null ? null : new api.DuckDBBlobValue(b))));
    default:
      return undefined;
  }
}

/** DECIMAL(w, s) with w above 18 (stored as 128 bits), or undefined. */
export function wideDecimal(type: string): { width: number; scale: number } | undefined {
  const d = decimalTypeParts(type);
  return d && d.width > 18 ? d : undefined;
}

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?$/;

/**
 * Decimal text → the unscaled integer of DECIMAL(width, scale): "12.5" at scale 2 is 1250n.
 * Digits beyond the scale round half away from zero, as DuckDB's own cast does; integer
 * digits beyond width - scale do not fit, and that is a ValueMisfit, as the cast's error was.
 */
export function unscaledDecimal(text: string, width: number, scale: number): bigint {
  const m = DECIMAL_TEXT.exec(text);
  const whole = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || (whole === '' && frac === '')) throw new ValueMisfit(`${JSON.stringify(text)} is not a decimal number`);
  const intDigits = whole.replace(/^0+/, '');
  if (intDigits.length > width - scale) throw new ValueMisfit(`${text} does not fit DECIMAL(${width}, ${scale})`);
  let n = BigInt((intDigits || '0') + frac.slice(0, scale).padEnd(scale, '0'));
  if (frac.length > scale && frac.charCodeAt(scale) >= 53 /* '5' */) n += 1n;
  if (n >= 10n ** BigInt(width)) throw new ValueMisfit(`${text} does not fit DECIMAL(${width}, ${scale})`);
  return m[1] === '-' ? -n : n;
}

function reused(value: { micros: bigint }): Wrap {
  const holder = value as { micros: bigint };
  return (micros: bigint) => ((holder.micros = micros), holder);
}
