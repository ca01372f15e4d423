/**
 * Stage 1 of resolution, in DuckDB: every input row becomes a record, numbered in
 * (source_table, source_id) order, and every identifier value a (record, kind, value, key,
 * blocked) row. Attributes stay as text for survivorship.
 *
 *   __id_rec (rec, input, source_table, source_id, updated_at, phone_region, a0, a1, ...)
 *   __id_ids (rec, kind, value, key, blocked)
 */
import type { Engine } from '../../engine/duckdb.js';
import { configError } from '../../errors.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql.js';
import type { PiiColumn } from '../../governance/policy.js';
import { PLACEHOLDERS } from '../normalize/text.js';
import { ID_BLOCKED, ID_KEY, ID_VALUE } from './udf.js';

export const REC = '__id_rec';
export const IDS = '__id_ids';

export interface ResolveInput {
  table: string;
  /** A DuckDB relation holding the input's rows. */
  relation: string;
  sourceId: string;
  identifiers: Record<string, string>;
  attributes: Record<string, string>;
  updatedAt?: string;
  /** Column with each record's region for phones without a country code (keys.ts phoneRegionOf). */
  phoneRegion?: string;
  /** The input table's PII tags by current column (governance/tags.ts), copied to the outputs (pii.ts). */
  tags?: readonly PiiColumn[];
}

/** A column reference; 'requester.email' reads field email of struct column requester. */
function columnSql(column: string, columns: readonly string[]): string {
  if (columns.includes(column) || !column.includes('.')) return quoteIdent(column);
  return column.split('.').map(quoteIdent).join('.');
}

/** Attribute and identifier names in profile column order: identifiers first, each once. */
function profileColumns(inputs: readonly Pick<ResolveInput, 'identifiers' | 'attributes'>[]): { kinds: string[]; attributes: string[] } {
  const kinds = [...new Set(inputs.flatMap((i) => Object.keys(i.identifiers)))];
  const attributes = [...new Set(inputs.flatMap((i) => Object.keys(i.attributes)))].filter((a) => !kinds.includes(a));
  return { kinds, attributes };
}

/**
 * An identifier column as text. A number held in a floating or decimal column is written
 * without its fraction when it has none: a phone or loyalty number read as DOUBLE (a JSON or
 * spreadsheet export) is '4155552671', not '4155552671.0', so it parses and matches the same
 * number held as an integer or text elsewhere.
 */
function identifierText(expr: string, type: string | undefined): string {
  if (type === undefined || !/^(DOUBLE|FLOAT|REAL|DECIMAL)/i.test(type)) return `CAST(${expr} AS VARCHAR)`;
  return `CASE WHEN isfinite(CAST(${expr} AS DOUBLE)) AND ${expr} = trunc(${expr}) AND abs(${expr}) < 1e30 THEN CAST(CAST(${expr} AS HUGEINT) AS VARCHAR) ELSE CAST(${expr} AS VARCHAR) END`;
}

/**
 * SQL: the source id column holds an id: not NULL, not blank, and not a placeholder written
 * for a missing one ('NULL', 'n/a', 'none', '-': normalize/text.ts), which would otherwise be
 * one record whose rows all but one are dropped as repeats.
 */
const hasIdSql = (column: string) =>
  `${column} IS NOT NULL AND lower(trim(CAST(${column} AS VARCHAR))) NOT IN (${['', ...PLACEHOLDERS].map(quoteLiteral).join(', ')})`;

export interface InputRowCounts {
  table: string;
  /** Rows of the input. */
  rows: number;
  /** Rows without a source id (NULL, blank or a placeholder such as 'NULL'): not records, not in the identity map. */
  withoutId: number;
  /** Rows whose source id an earlier version of the record already has (only the latest counts). */
  duplicateIds: number;
  /** Rows whose text updated_at does not read as a time (they count as having none); only when some do. */
  badUpdatedAt?: number;
  /**
   * Identifier kinds of the input whose column holds no value in any of its records (a column
   * renamed or dropped at the source reads as all NULL); only when the input has records.
   */
  emptyIdentifiers?: string[];
}

/**
 * Stages the records (REC) and identifier keys (IDS), and counts per input its rows, rows
 * without a source id and rows that repeat a source id, from the same single scan of each
 * input: the row kept for each source id carries how many rows had that id, and the rows
 * without an id collapse into one row carrying their number. `where` narrows the rows read
 * (the counts are then of those rows).
 */
export async function stageRecords(
  engine: Engine,
  inputs: readonly ResolveInput[],
  options: { where?: (input: ResolveInput, col: (column: string) => string) => string | undefined } = {},
): Promise<{ kinds: string[]; attributes: string[]; inputRows: InputRowCounts[] }> {
  const { kinds, attributes } = profileColumns(inputs);
  const parts: string[] = [];
  const idParts: string[] = [];
  const badUpdatedAt = new Map<number, number>();
  for (const [n, input] of inputs.entries()) {
    const cols = (await engine.columns(`SELECT * FROM ${quoteIdent(input.relation)}`, `read the columns of ${input.table}`)).map((c) => c.name);
    const col = (c: string) => columnSql(c, cols);
    // The identifier columns' types (struct fields included), for identifierText.
    const named = Object.entries(input.identifiers);
    const typed = named.length ? await engine.columns(`SELECT ${named.map(([, c], i) => `${col(c)} AS ${quoteIdent(`t${i}`)}`).join(', ')} FROM ${quoteIdent(input.relation)}`, `read the identifier types of ${input.table}`) : [];
    const idTypes = new Map(named.map(([k], i) => [k, String(typed[i]?.type ?? '')]));
    // A struct, list or map read as its text ("{'id': NULL, 'os': ios}") would link every
    // record whose whole value is equal: refused, as floe validate refuses it.
    for (const [kind, column] of named) {
      const type = idTypes.get(kind) ?? '';
      if (/^BOOLEAN$/i.test(type)) {
        throw configError(`input ${input.table}: identifier ${kind} column '${column}' is BOOLEAN: it has two values and would link every record to half of the others, so it cannot identify anyone`, {
          context: { table: input.table, column },
        });
      }
      if (/^(STRUCT|MAP|UNION)\b|\[\d*\]$/i.test(type)) {
        throw configError(`input ${input.table}: identifier ${kind} column '${column}' is ${type}: an identifier must be one value${/^STRUCT/i.test(type) ? ` (name a field of it, e.g. '${column}.<field>')` : ''}`, {
          context: { table: input.table, column },
        });
      }
    }
    const [idType] = await engine.columns(`SELECT ${col(input.sourceId)} FROM ${quoteIdent(input.relation)}`, `read the type of ${input.table}.${input.sourceId}`);
    if (/^(STRUCT|MAP|UNION)\b|\[\d*\]$/i.test(String(idType?.type ?? ''))) {
      throw configError(`input ${input.table}: source_id column '${input.sourceId}' is ${String(idType!.type)}: a source id must be one value${/^STRUCT/i.test(String(idType!.type)) ? ` (name a field of it, e.g. '${input.sourceId}.<field>')` : ''}`, {
        context: { table: input.table, column: input.sourceId },
      });
    }
    if (input.updatedAt) {
      const [t] = await engine.columns(`SELECT ${col(input.updatedAt)} FROM ${quoteIdent(input.relation)}`, `read the type of ${input.table}.${input.updatedAt}`);
      const type = String(t?.type ?? '');
      // An epoch number or a boolean would read as no time for every record (most_recent then
      // silently keeps the oldest values): refused, as floe validate refuses it.
      if (!/^(DATE|TIMESTAMP|VARCHAR)/i.test(type)) {
        throw configError(`input ${input.table}: updated_at column '${input.updatedAt}' is ${type}: it must be a date or timestamp (or text holding one)`, {
          context: { table: input.table, column: input.updatedAt },
        });
      }
      if (/^VARCHAR/i.test(type)) {
        // Text that does not read as a time ('13/09/2020') counts as none: said, not silent.
        const c = col(input.updatedAt);
        const [bad] = await engine.all(
          `SELECT count(*)::BIGINT AS n FROM ${quoteIdent(input.relation)} WHERE trim(${c}) <> '' AND TRY_CAST(${c} AS TIMESTAMPTZ) IS NULL`,
          `check the updated_at text of ${input.table}`,
        );
        if (Number(bad?.n ?? 0) > 0) badUpdatedAt.set(n, Number(bad!.n));
      }
    }
    const select = [
      `${n} AS input`,
      `${quoteLiteral(input.table)} AS source_table`,
      `CAST(${col(input.sourceId)} AS VARCHAR) AS source_id`,
      `${input.updatedAt ? `TRY_CAST(${col(input.updatedAt)} AS TIMESTAMPTZ)` : 'CAST(NULL AS TIMESTAMPTZ)'} AS updated_at`,
      `${input.phoneRegion ? `CAST(${col(input.phoneRegion)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)'} AS phone_region`,
      ...attributes.map((a, i) => `${a in input.attributes ? `CAST(${col(input.attributes[a]!)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)'} AS a${i}`),
      ...kinds.map((k, i) => `${k in input.identifiers ? identifierText(col(input.identifiers[k]!), idTypes.get(k)) : 'CAST(NULL AS VARCHAR)'} AS i${i}`),
    ];
    // A row without a source id (NULL, '' or only blanks) cannot be a record: it could never be
    // told apart from another one, and all of them would collapse into one. Counted as skipped:
    // they share one window partition, whose single kept row carries their number.
    select.push(`${hasIdSql(col(input.sourceId))} AS __has_id`);
    const where = options.where?.(input, col);
    // One record per source id: the latest version when an input repeats an id; among versions
    // equally recent, the one with the smallest values, so that the choice (and the links it
    // makes) does not depend on the order DuckDB's threads read the rows in.
    const tieBreak = [...kinds.map((_k, i) => `i${i}`), ...attributes.map((_a, i) => `a${i}`), 'phone_region'].map((c) => `${c} ASC NULLS LAST`).join(', ');
    const byId = 'PARTITION BY __has_id, CASE WHEN __has_id THEN source_id END';
    parts.push(
      `SELECT *, count(*) OVER (${byId}) AS __rows FROM (SELECT ${select.join(', ')} FROM ${quoteIdent(input.relation)}${where ? ` WHERE ${where}` : ''}) ` +
        `QUALIFY row_number() OVER (${byId} ORDER BY updated_at DESC NULLS LAST, ${tieBreak}) = 1`,
    );
  }
  // The rows without an id (one per input) get no rec, sort last, are counted and then deleted:
  // cheaper than staging into a second table and copying the records out of it.
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${REC} AS SELECT CAST(CASE WHEN __has_id THEN row_number() OVER (PARTITION BY __has_id ORDER BY source_table, source_id) - 1 END AS INTEGER) AS rec, * ` +
      `FROM (${parts.join(' UNION ALL ')}) ORDER BY rec NULLS LAST`,
    'stage the identity input records',
  );
  const counted = await engine.all(
    `SELECT input, sum(__rows)::BIGINT AS n, coalesce(sum(__rows) FILTER (WHERE NOT __has_id), 0)::BIGINT AS without_id, coalesce(sum(__rows - 1) FILTER (WHERE __has_id), 0)::BIGINT AS duplicates FROM ${REC} GROUP BY input`,
    'count the identity input rows',
  );
  const byInput = new Map(counted.map((r) => [Number(r.input), r]));
  // Per input and kind, the records holding a value: a kind none of them holds links nothing.
  const valued = new Map(
    (
      await engine.all(
        `SELECT input, count(*)::BIGINT AS records${kinds.map((_k, i) => `, count(i${i})::BIGINT AS v${i}`).join('')} FROM ${REC} WHERE rec IS NOT NULL GROUP BY input`,
        'count the identifier values of each input',
      )
    ).map((r) => [Number(r.input), r]),
  );
  const inputRows = inputs.map((input, n) => {
    const r = byInput.get(n);
    const bad = badUpdatedAt.get(n);
    const v = valued.get(n);
    const empty = v ? kinds.filter((k, i) => k in input.identifiers && Number(v[`v${i}`] ?? 0) === 0) : [];
    return {
      table: input.table,
      rows: Number(r?.n ?? 0),
      withoutId: Number(r?.without_id ?? 0),
      duplicateIds: Number(r?.duplicates ?? 0),
      ...(bad ? { badUpdatedAt: bad } : {}),
      ...(empty.length ? { emptyIdentifiers: empty } : {}),
    };
  });
  await engine.run(`DELETE FROM ${REC} WHERE rec IS NULL`, 'drop the rows without a source id');
  await engine.run(`ALTER TABLE ${REC} DROP COLUMN __has_id`, 'finish the identity input records');
  await engine.run(`ALTER TABLE ${REC} DROP COLUMN __rows`, 'finish the identity input records');
  for (const [i, k] of kinds.entries()) idParts.push(`SELECT rec, ${quoteLiteral(k)} AS kind, i${i} AS raw, phone_region FROM ${REC} WHERE i${i} IS NOT NULL`);
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${IDS} AS SELECT rec, kind, value, key, ${ID_BLOCKED}(kind, value) AS blocked FROM (` +
      `SELECT rec, kind, ${ID_VALUE}(kind, raw, phone_region) AS value, ${ID_KEY}(kind, raw, phone_region) AS key FROM (${idParts.join(' UNION ALL ')})) WHERE key IS NOT NULL`,
    'compute the identifier match keys',
  );
  return { kinds, attributes, inputRows };
}
