/**
 * Rows an `incremental.lookback` run reads again (cursor at or below the last committed
 * watermark) are usually the very rows the table already holds. Upserting them would rewrite
 * the files that hold them (or write position deletes) and commit a snapshot on every run
 * even when the source has nothing new. So a re-read row is left out of the merge when the
 * table already holds a row with its key and the same value in every column (compared as
 * text: equal text is the same stored value; a column whose type the write would change
 * compares unequal, and the row is upserted). Rows above the watermark, rows that differ (a
 * late update), rows the delete column marks, and every row of a run whose columns are not
 * the table's (a schema change) go through the merge as before.
 */
import type { Engine } from '../engine/duckdb.js';
import { schemaError } from '../errors.js';
import type { TableMetadata } from '../iceberg/types.js';
import type { LoadedPipeline } from '../pipeline/load.js';
import { settingPosition } from '../pipeline/setting-position.js';
import { cursorKind, isZeroLookback, lookbackText, type LookbackSetting, type LookbackWhere } from '../sources/lookback.js';
import { tableScanSql } from '../engine/read.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { FileIO } from '../io/fileio.js';
import type { LoadedTable } from '../table/load.js';
import { planScan } from '../table/scan.js';
import { and, pred, type SqlLiteral, type UnboundPredicate } from '../table/expr/expr.js';
import { currentSchema } from '../table/snapshot-producer.js';

export interface Reread {
  /** The table as the run read it. */
  table: LoadedTable;
  io: FileIO;
  /** `ns.table`, for messages. */
  name: string;
  /** The last committed watermark: only rows at or below it are compared. */
  watermark: string;
  /**
   * The write's own transform of the rows (PII with `apply: ingest`): the table holds the
   * transformed values, so a row read again is compared after it.
   */
  transform?: (selectSql: string) => string;
  /** `<table>__rejects` as it is, when it exists (quarantineOnce). */
  rejects?: () => Promise<LoadedTable | undefined>;
}

/**
 * What the lookback's bound needs to know before the run, for `readStart` (run/state.ts) in
 * `floe run` and `floe plan` alike: the cursor column's type in the table (the type its
 * watermark was stored from), and where `incremental.lookback` is written in the pipeline file.
 */
export async function lookbackWhere(lp: LoadedPipeline, metadata: TableMetadata | undefined): Promise<Omit<LookbackWhere, 'cursor'>> {
  const where: Omit<LookbackWhere, 'cursor'> = { pipeline: lp.name, file: lp.file };
  const p = lp.pipeline;
  const inc = p.kind === 'ingest' && 'incremental' in p.source ? p.source.incremental : undefined;
  if (p.kind !== 'ingest' || !inc || inc.lookback === undefined) return where;
  const target = p.columns[inc.cursor]?.rename ?? inc.cursor;
  const field = metadata ? currentSchema(metadata).fields.find((f) => f.name === target) : undefined;
  if (field && typeof field.type === 'string') where.type = field.type;
  const at = settingPosition(lp.file, ['source', 'incremental', 'lookback']);
  if (at) where.at = at;
  return where;
}

/**
 * The run's own check of the cursor's type as staged (after the pipeline's column rules),
 * for a table that did not tell it before the run (a column the table lacks, or a type the
 * pipeline changed since): a non-zero lookback on a text cursor fails the run.
 */
export function checkStagedCursor(lookback: LookbackSetting | undefined, stagedType: string | undefined, where: { pipeline: string; file: string; cursor: string }): void {
  if (lookback === undefined || isZeroLookback(lookback) || cursorKind(stagedType) !== 'text') return;
  throw schemaError(
    `pipeline ${where.pipeline} (${where.file}): incremental.lookback ${lookbackText(lookback)} needs a numeric, date or timestamp cursor, but ${where.cursor} is read as ${stagedType} (text): the rows read were compared with a bound computed as a number or a time`,
    {
      context: { pipeline: where.pipeline, cursor: where.cursor, type: stagedType },
      hint: `A text cursor takes no lookback but 0 (ties only); give ${where.cursor} a numeric, date or timestamp type under columns:, or set lookback: 0.`,
    },
  );
}

/**
 * A condition to AND to `where` (over the staged `typed` table) that leaves out the re-read
 * rows the table already holds unchanged; '' when there are none.
 */
export async function withoutUnchanged(
  engine: Engine,
  o: Reread & {
    typed: string;
    where: string;
    key: readonly string[];
    cursor: string;
    /** The read's lower bound (inclusive): the table's rows below it cannot match a re-read row. */
    after: string;
    deleteColumn?: string;
    /** The staging's own columns (reject reason, raw row, file), never written. */
    internal: readonly string[];
  },
): Promise<string> {
  const typed = quoteIdent(o.typed);
  const staged = (await engine.columns(`SELECT * EXCLUDE (${o.internal.map(quoteIdent).join(', ')}) FROM ${typed}`, 'read the staged columns')).map((c) => c.name);
  const compared = staged.filter((c) => c !== o.deleteColumn);
  const target = currentSchema(o.table.metadata).fields.map((f) => f.name);
  const same = compared.length === target.length && compared.every((c) => target.includes(c));
  if (!same || !compared.includes(o.cursor) || o.key.some((k) => !compared.includes(k))) return '';
  const cursorType = (await engine.columns(`SELECT ${quoteIdent(o.cursor)} FROM ${typed}`, 'read the cursor type')).at(0)?.type.toString();
  const c = quoteIdent(o.cursor);
  const low = `CAST(${quoteLiteral(o.after)} AS ${cursorType})`;
  const high = `CAST(${quoteLiteral(o.watermark)} AS ${cursorType})`;
  // Only the files whose cursor bounds reach into [bound, watermark] are read (a recent slice of the table).
  const range = [literal(o.after, cursorType), literal(o.watermark, cursorType)];
  const filter = range[0] && range[1] ? and([pred<UnboundPredicate>({ op: 'gteq', column: o.cursor, literals: [range[0]] }), pred<UnboundPredicate>({ op: 'lteq', column: o.cursor, literals: [range[1]] })]) : undefined;
  const plan = await planScan({ io: o.io, metadata: o.table.metadata, table: o.name, filter });
  const scan = await tableScanSql({ engine, io: o.io, metadata: o.table.metadata, table: o.name, plan });
  const join = o.key.map((k) => `s.${quoteIdent(k)} = t.${quoteIdent(k)}`).join(' AND ');
  const equal = compared.map((col) => `CAST(s.${quoteIdent(col)} AS VARCHAR) IS NOT DISTINCT FROM CAST(t.${quoteIdent(col)} AS VARCHAR)`).join(' AND ');
  const marked = o.deleteColumn ? ` AND s.${quoteIdent(o.deleteColumn)} IS NOT TRUE` : '';
  // The staged rows as the write would store them (the PII transform included).
  const staging = `SELECT rowid AS __floe_r, * FROM ${typed} WHERE ${o.where}`;
  const rows = o.transform ? o.transform(staging) : staging;
  const name = engine.uniqueName('unchanged');
  await engine.run(
    `CREATE TEMP TABLE ${quoteIdent(name)} AS SELECT s.__floe_r AS r FROM (${rows}) AS s ` +
      `JOIN (SELECT * FROM (${scan.sql}) AS t0 WHERE ${c} >= ${low} AND ${c} <= ${high}) AS t ON ${join} ` +
      `WHERE s.${c} <= ${high}${marked} AND ${equal}`,
    `find the rows read again that ${o.name} already holds`,
    { context: { table: o.name } },
  );
  const n = Number((await engine.all(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(name)}`, 'count the rows read again unchanged'))[0]?.n ?? 0);
  if (n > 0) return ` AND ${typed}.rowid NOT IN (SELECT r FROM ${quoteIdent(name)})`;
  await engine.run(`DROP TABLE ${quoteIdent(name)}`, 'drop the rows read again unchanged');
  return '';
}

/** The cursor's value as the literal a scan filter binds (table/expr/bind.ts); undefined: no pruning. */
function literal(text: string, duckType: string | undefined): SqlLiteral | undefined {
  const t = (duckType ?? '').toUpperCase();
  if (t === 'DATE') return { kind: 'date', text };
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP_MS' || t === 'TIMESTAMP_S' || t === 'TIMESTAMP_NS') return { kind: 'timestamp', text };
  if (t === 'TIMESTAMP WITH TIME ZONE') return { kind: 'timestamptz', text };
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(t) && /^[+-]?\d+$/.test(text)) return { kind: 'integer', value: BigInt(text) };
  if (t.startsWith('DECIMAL') && /^[+-]?\d+(\.\d+)?$/.test(text)) return { kind: 'decimal', text };
  if (t === 'DOUBLE' || t === 'FLOAT') return Number.isFinite(Number(text)) ? { kind: 'double', value: Number(text) } : undefined;
  if (t === 'VARCHAR') return { kind: 'string', value: text };
  return undefined;
}

/**
 * The quarantine of a lookback run records a row once, not on every run that reads it again:
 * - a row kept with a value nulled or adjusted (`kept = true`) is recorded only when it goes
 *   into the merge (new, or changed since the table got it); a row read again unchanged, or
 *   one the run leaves out, was recorded by the run that wrote it;
 * - a rejected row (`kept = false`) at or below the old watermark is recorded, and counted
 *   against the reject limits, only when `<table>__rejects` does not already hold its raw row
 *   for this pipeline: a row committed late is quarantined by the first run that reads it.
 * Rows to leave out get a NULL raw row (`raw`), which the counts and the quarantine skip.
 */
export async function quarantineOnce(
  engine: Engine,
  o: Reread & {
    typed: string;
    /** The rows that go into the merge (over `typed`). */
    where: string;
    cursor: string;
    pipeline: string;
    /** The staging's reject reason, value issue and raw row columns. */
    reject: string;
    issue: string;
    raw: string;
  },
): Promise<void> {
  const typed = quoteIdent(o.typed);
  const [reject, issue, raw] = [quoteIdent(o.reject), quoteIdent(o.issue), quoteIdent(o.raw)];
  await engine.run(
    `UPDATE ${typed} SET ${issue} = NULL, ${raw} = NULL WHERE ${reject} IS NULL AND ${issue} IS NOT NULL AND (${o.where}) IS NOT TRUE`,
    `leave out of the quarantine the rows ${o.name} already holds`,
    { context: { table: o.name } },
  );
  const rejects = await o.rejects?.();
  if (!rejects) return;
  const cursorType = (await engine.columns(`SELECT ${quoteIdent(o.cursor)} FROM ${typed}`, 'read the cursor type')).at(0)?.type.toString();
  await engine.run(
    `UPDATE ${typed} SET ${raw} = NULL WHERE ${reject} IS NOT NULL AND ${quoteIdent(o.cursor)} <= CAST(${quoteLiteral(o.watermark)} AS ${cursorType}) ` +
      `AND ${raw} IN (${await rejectedRaw(engine, o, rejects)})`,
    `leave out of the quarantine the rejected rows it already holds`,
    { context: { table: o.name } },
  );
}

/** The raw rows `<table>__rejects` holds as rejected (`kept = false`) for the pipeline, as a subquery. */
async function rejectedRaw(engine: Engine, o: { io: FileIO; name: string; pipeline: string }, rejects: LoadedTable): Promise<string> {
  const plan = await planScan({ io: o.io, metadata: rejects.metadata, table: `${o.name} rejects`, filter: pred<UnboundPredicate>({ op: 'eq', column: 'pipeline', literals: [{ kind: 'string', value: o.pipeline }] }) });
  const scan = await tableScanSql({ engine, io: o.io, metadata: rejects.metadata, table: `${o.name} rejects`, plan });
  return `SELECT raw FROM (${scan.sql}) AS q WHERE q.pipeline = ${quoteLiteral(o.pipeline)} AND NOT q.kept`;
}

/**
 * A rejected row whose cursor has no value once converted (NULL at the source, or text the
 * cursor's type cannot read, `2026-01-05 09:99:00`) is never above a watermark, yet incremental
 * runs read it again: every run reads the NULL cursors (to count them), and a text cursor read
 * as an instant is read from 14 hours below the watermark (sources/incremental.ts cursorStart).
 * It is recorded, and counted against the `rejects:` limits, only while `<table>__rejects`
 * does not hold its raw row for this pipeline: once, by the first run that reads it (again
 * when the row changes at the source).
 */
export async function quarantineUnplaced(
  engine: Engine,
  o: {
    io: FileIO;
    /** `ns.table`, for messages. */
    name: string;
    /** `<table>__rejects` as it is, when it exists. */
    rejects: () => Promise<LoadedTable | undefined>;
    typed: string;
    cursor: string;
    pipeline: string;
    /** The staging's reject reason and raw row columns. */
    reject: string;
    raw: string;
  },
): Promise<void> {
  const typed = quoteIdent(o.typed);
  const unplaced = `${quoteIdent(o.reject)} IS NOT NULL AND ${quoteIdent(o.raw)} IS NOT NULL AND ${quoteIdent(o.cursor)} IS NULL`;
  const n = Number((await engine.all(`SELECT count(*)::BIGINT AS n FROM ${typed} WHERE ${unplaced}`, 'count the rejected rows without a cursor value'))[0]?.n ?? 0);
  if (n === 0) return;
  const rejects = await o.rejects();
  if (!rejects) return;
  await engine.run(
    `UPDATE ${typed} SET ${quoteIdent(o.raw)} = NULL WHERE ${unplaced} AND ${quoteIdent(o.raw)} IN (${await rejectedRaw(engine, o, rejects)})`,
    `leave out of the quarantine the rejected rows without a cursor value it already holds`,
    { context: { table: o.name } },
  );
}
