/**
 * A pipeline's `columns:` rules as SQL over the extracted relation: renames, explicit types
 * and normalisers. Pure: given the source columns and the rules, returns the SELECT list and
 * the reject-reason expression. Rows whose value cannot be converted to the declared type
 * are not silently nulled: they get a reason and go to quarantine (`<table>__rejects`).
 */
import { parsesWithFormat } from '../pipeline/column-rules.js';
import { decimalScale, isExactNumberType } from '../pipeline/column-type.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import { configError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { duckdbTypeSql } from '../engine/types.js';
import { unrepresentable } from '../ingest/reconcile.js';
import type { ColumnRule } from '../pipeline/schema-pipeline.js';
import { hidesValues } from '../governance/policy.js';

export interface NormalizePlan {
  /** SELECT list producing the target columns (renamed, typed, normalised). */
  select: string;
  /** A VARCHAR expression: NULL for a good row, else why it is rejected. */
  rejectReason: string;
  /** Whether any row can be rejected by these rules (a declared type); when not, rejectReason is constant NULL. */
  rowRejects: boolean;
  /**
   * A VARCHAR expression: NULL for a row whose normalisers kept every value as given, else
   * what they changed: a value nulled because it was invalid ('column email: invalid-email
   * (not a valid email address)'), a local time shifted or chosen across a daylight-saving
   * change. The row itself is kept; the reasons are recorded in
   * the quarantine table beside it.
   */
  valueIssues: string;
  /** Whether any rule normalises (then valueIssues can be non-NULL). */
  hasValueIssues: boolean;
  /** Target column name of each source column. */
  targetNames: Map<string, string>;
}

/** DuckDB scalar functions registered by src/run/udf-normalize.ts, one per normaliser. */
export const NORMALIZER_FUNCTIONS = {
  email: 'floe_norm_email',
  phone: 'floe_norm_phone',
  country: 'floe_norm_country',
  timestamp: 'floe_norm_timestamp',
  name: 'floe_norm_name',
  boolean: 'floe_norm_boolean',
} as const;

/** floe_norm_issue(kind, value, option1, option2): what normalising the value changed or refused, or NULL; the options as the kind's own function takes them. */
export const NORMALIZER_ISSUE_FUNCTION = 'floe_norm_issue';

/**
 * The options a normaliser function takes after the value, as SQL, in the order
 * udf-normalize.ts declares them: phone (region, and with `region_from` the row's value of
 * that source column), timestamp (format as JSON, a pattern or a list of them; zone), boolean
 * (true_values, false_values, each a JSON array of words), name (case).
 */
export function normalizerOptions(rule: ColumnRule): string[] {
  const lit = (v: string | undefined) => (v === undefined ? 'CAST(NULL AS VARCHAR)' : quoteLiteral(v));
  if (rule.normalize === 'phone') return [quoteLiteral(rule.region ?? 'US'), ...(rule.region_from !== undefined ? [`CAST(${quoteIdent(rule.region_from)} AS VARCHAR)`] : [])];
  if (rule.normalize === 'timestamp') return [lit(rule.format && JSON.stringify(rule.format)), lit(rule.zone)];
  if (rule.normalize === 'boolean') return [lit(rule.true_values && JSON.stringify(rule.true_values)), lit(rule.false_values && JSON.stringify(rule.false_values))];
  if (rule.normalize === 'name' && rule.case !== undefined) return [quoteLiteral(rule.case)];
  return [];
}

/** normalizerOptions padded to the two option arguments of floe_norm_issue. */
const issueArgs = (rule: ColumnRule): string[] => [...normalizerOptions(rule), 'CAST(NULL AS VARCHAR)', 'CAST(NULL AS VARCHAR)'].slice(0, 2);

/**
 * Whether any rule calls a normaliser: only then must udf-normalize.ts (and the phone,
 * email, country and timestamp libraries behind it, ~100 modules) be loaded and registered.
 */
export function usesNormalizers(rules: Record<string, ColumnRule>): boolean {
  return Object.values(rules).some((r) => r.normalize !== undefined);
}

/**
 * Registers the normaliser functions on a connection when `rules` use them; loads their
 * libraries only then. Each rule's options are compiled first, so a bad timestamp format or
 * zone is a config error naming the pipeline and column before any row is read.
 */
export async function registerNormalizersFor(connection: DuckDBConnection, rules: Record<string, ColumnRule>, pipeline?: string): Promise<void> {
  if (!usesNormalizers(rules)) return;
  const udf = await import('./udf-normalize.js');
  for (const [column, rule] of Object.entries(rules)) {
    if (rule.normalize) udf.checkNormalizerRule(rule, `${pipeline ? `pipeline ${pipeline}: ` : ''}column ${column}`);
  }
  udf.registerNormalizers(connection);
}

/**
 * The pipeline's rules, with a `type:` rule for each column a CSV source's `columns:` declares
 * `int`, `long` or `decimal(P, S)` that no rule types or normalises (the incremental cursor
 * aside, which the source compares as declared). DuckDB's CSV reader casts the text to the
 * declared type by rounding (`10.5` read as long 11, `1.234` as decimal(9, 2) 1.23) and takes
 * `0x1F` as 31, without a word; with the rule the column is read as text (formattedColumns) and
 * such a value is a row reject, with its line, like `abc` (exactNumber). `implied`: the columns
 * given such a rule (fitImpliedRules).
 */
export function withDeclaredNumberRules(
  rules: Record<string, ColumnRule>,
  source: { kind: string; columns?: Record<string, unknown>; incremental?: { cursor: string } },
): { rules: Record<string, ColumnRule>; implied: string[] } {
  if (source.kind !== 'csv' || !source.columns) return { rules, implied: [] };
  const added = Object.entries(source.columns).flatMap(([c, t]) =>
    typeof t === 'string' && isExactNumberType(t) && c !== source.incremental?.cursor && rules[c]?.type === undefined && rules[c]?.normalize === undefined ? [[c, { ...rules[c], type: t } as ColumnRule] as const] : [],
  );
  return { rules: added.length === 0 ? rules : { ...rules, ...Object.fromEntries(added) }, implied: added.map(([c]) => c) };
}

/**
 * `rules` with each rule of `implied` (withDeclaredNumberRules) keyed by the source column
 * whose name matches its own but for case, as DuckDB matches a declared type to the header
 * (`id: long` for a header `ID`), and left out when no column matches: the user wrote no such
 * rule, so planNormalize must not refuse it as naming a column the source lacks.
 */
export function fitImpliedRules(rules: Record<string, ColumnRule>, implied: readonly string[], sourceColumns: readonly string[]): Record<string, ColumnRule> {
  const known = new Set(sourceColumns);
  const misfits = implied.filter((c) => !known.has(c) && rules[c] !== undefined);
  if (misfits.length === 0) return rules;
  const out = { ...rules };
  for (const c of misfits) {
    const rule = out[c]!;
    delete out[c];
    const match = sourceColumns.find((s) => s.toLowerCase() === c.toLowerCase());
    if (match !== undefined && out[match] === undefined) out[match] = rule;
  }
  return out;
}

/**
 * The source columns whose rule parses their text with a `format:` (a date or timestamp
 * `type`, or `normalize: timestamp`): file readers read them as text (SourceContext.textColumns).
 * A CSV source's `normalize: timestamp` columns are read as text without a `format:` too: typed
 * by DuckDB's sniffer (as TIMESTAMP WITH TIME ZONE once a value has an offset or a zone name)
 * they reached the normaliser as UTC text, every value without an offset read in UTC instead
 * of the rule's `zone:`, and no daylight-saving gap or overlap flagged.
 * So are a CSV source's columns a rule types as an integer or decimal: typed BIGINT by the
 * sniffer from the first rows, a later `10.5` reached the rule as 11 and passed; as text the
 * rule sees the fraction and rejects the row (exactNumber).
 */
export function formattedColumns(rules: Record<string, ColumnRule>, sourceKind?: string): string[] {
  const exactText = (r: ColumnRule) => sourceKind === 'csv' && (r.normalize === 'timestamp' || (r.normalize === undefined && r.type !== undefined && /^(int|long|decimal)/.test(r.type)));
  return Object.entries(rules).flatMap(([c, r]) => (parsesWithFormat(r) || exactText(r) ? [c] : []));
}

export function planNormalize(sourceColumns: readonly string[], rules: Record<string, ColumnRule>, pipeline: string): NormalizePlan {
  const known = new Set(sourceColumns);
  const unknown = Object.keys(rules).filter((c) => !known.has(c));
  if (unknown.length) {
    throw configError(`pipeline ${pipeline}: columns: ${unknown.map((c) => `"${c}"`).join(', ')} not in the source (it has ${sourceColumns.map((c) => `"${c}"`).join(', ')})`, {
      context: { pipeline },
    });
  }
  for (const [c, r] of Object.entries(rules)) {
    if (r.region_from !== undefined && !known.has(r.region_from)) {
      throw configError(`pipeline ${pipeline}: columns.${c}.region_from: "${r.region_from}" is not a column of the source (it has ${sourceColumns.map((x) => `"${x}"`).join(', ')})`, { context: { pipeline } });
    }
  }
  const items: string[] = [];
  const reasons: string[] = [];
  const issues: string[] = [];
  const targetNames = new Map<string, string>();
  for (const col of sourceColumns) {
    const rule = rules[col];
    const target = rule?.rename ?? col;
    targetNames.set(col, target);
    let expr = quoteIdent(col);
    if (rule?.normalize) {
      const fn = NORMALIZER_FUNCTIONS[rule.normalize];
      const text = `CAST(${expr} AS VARCHAR)`;
      expr = `${fn}(${[text, ...normalizerOptions(rule)].join(', ')})`;
      // The boolean normaliser's 'true' / 'false' text is the column's value: a boolean column.
      if (rule.normalize === 'boolean') expr = `CAST(${expr} AS BOOLEAN)`;
      issues.push(
        `CASE WHEN ${text} IS NOT NULL THEN 'column ${col.replace(/'/g, "''")}: ' || ${NORMALIZER_ISSUE_FUNCTION}(${[quoteLiteral(rule.normalize), text, ...issueArgs(rule)].join(', ')}) END`,
      );
    }
    if (rule?.type) {
      const type = duckdbTypeSql(rule.type);
      // With normalize: timestamp the format is the normaliser's; its ISO output casts directly.
      const cast = rule.format && !rule.normalize && /^(date|timestamp)/.test(rule.type)
        ? `TRY_CAST(try_strptime(CAST(${expr} AS VARCHAR), ${formatSql(rule.format)}) AS ${type})`
        : `TRY_CAST(${expr} AS ${type})`;
      const converted = withoutUnrepresentable(exactNumber(expr, cast, rule.type), rule.type);
      // A PII-tagged column's value is not quoted: the reason reaches the run's error, its
      // audit row and <table>__rejects (the row's raw text is in its `raw` column).
      const shown = hidesValues(rule) ? `'(value withheld: PII column)'` : `left(CAST(${expr} AS VARCHAR), 200)`;
      reasons.push(
        `CASE WHEN ${expr} IS NOT NULL AND ${converted} IS NULL THEN 'column ${col.replace(/'/g, "''")}: cannot convert ' || ${shown} || ' to ${rule.type}' END`,
      );
      expr = converted;
    }
    items.push(`${expr} AS ${quoteIdent(target)}`);
  }
  const targets = [...targetNames.values()];
  const dup = targets.find((t, i) => targets.indexOf(t) !== i);
  if (dup) throw configError(`pipeline ${pipeline}: two columns would both be named "${dup}" after renames`, { context: { pipeline } });
  return {
    select: items.join(', '),
    rejectReason: reasons.length ? `NULLIF(concat_ws('; ', ${reasons.join(', ')}), '')` : 'CAST(NULL AS VARCHAR)',
    rowRejects: reasons.length > 0,
    valueIssues: issues.length ? `NULLIF(concat_ws('; ', ${issues.join(', ')}), '')` : 'CAST(NULL AS VARCHAR)',
    hasValueIssues: issues.length > 0,
    targetNames,
  };
}

/** A `format:` for DuckDB's strptime: a pattern, or a list of them tried in order. */
const formatSql = (format: string | readonly string[]): string => (typeof format === 'string' ? quoteLiteral(format) : `[${format.map(quoteLiteral).join(', ')}]`);

/**
 * `cast` (to an integer or decimal type), NULL when it changed a number's value: DuckDB's
 * casts round (`2.5` → long 2, `8.9` → int 9, `1.234` → decimal(10,2) 1.23), so a fraction
 * in a declared integer column was written rounded without a word. NULL, it is a conversion
 * reject like any other value that does not fit. A number written without an exponent is
 * judged by its digits: more fraction digits than the type's scale (zeros at the end aside)
 * change it, however many digits it has (`9223372036854775806.5`, a 38-digit decimal), where a
 * comparison as doubles would see no change. One with an exponent is compared as a double.
 * So is text in hexadecimal or binary notation (`0x1F`, `0b101`), which DuckDB's integer cast
 * reads as 31 and 5. Other values that do not read as a number are left to the cast.
 */
function exactNumber(expr: string, cast: string, type: string): string {
  if (!/^(int|long|decimal)/.test(type)) return cast;
  const scale = decimalScale(type);
  const text = `CAST(${expr} AS VARCHAR)`;
  const fraction = `rtrim(regexp_extract(${text}, '^\\s*[+-]?[0-9]*\\.([0-9]+)\\s*$', 1), '0')`;
  const asDouble = `TRY_CAST(${expr} AS DOUBLE)`;
  const radix = `regexp_matches(${text}, '^\\s*[+-]?0[xXbB]')`;
  return `CASE WHEN length(${fraction}) > ${scale} THEN NULL WHEN ${asDouble} IS NOT NULL AND ${asDouble} IS DISTINCT FROM CAST(${cast} AS DOUBLE) THEN NULL WHEN ${radix} THEN NULL ELSE ${cast} END`;
}

/**
 * DuckDB casts 'infinity' to an infinite date or timestamp and '24:00:00' to a time past the
 * day; Iceberg holds neither (the write-time guard in ingest/reconcile.ts would fail the whole
 * run). Made NULL here, such a value becomes a row reject like any other that does not convert.
 */
function withoutUnrepresentable(cast: string, type: string): string {
  const u = unrepresentable(cast, type);
  return u ? `CASE WHEN ${u.when} THEN NULL ELSE ${cast} END` : cast;
}
