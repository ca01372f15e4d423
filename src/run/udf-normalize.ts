/**
 * The Customer 360 normalisers (src/c360/normalize) as DuckDB scalar functions, so a
 * pipeline's `columns: {x: {normalize: ...}}` runs inside the engine's scan, batch by
 * batch, without rows being collected in JS. A value the normaliser rejects (an invalid
 * email or phone) becomes NULL, as the normalisers define; floe_norm_issue says why, so the
 * run can record it (normalize.ts `valueIssues`).
 *
 * The value and its issue are two calls over the same values of a chunk; results are kept
 * in a small map between them, so each value is normalised once (normalisers are pure).
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBScalarFunction } from '@duckdb/node-api';
import { duckdbApi } from '../engine/duckdb.js';
import { FloeError } from '../errors.js';
import { describeFlag, describeReject, normalizerFor, rowPhoneRegion, type Flag, type Normalized, type NormalizeKind, type Normalizer } from '../c360/normalize/index.js';
import type { NameCase } from '../c360/normalize/name.js';
import type { ColumnRule } from '../pipeline/schema-pipeline.js';
import { NORMALIZER_FUNCTIONS, NORMALIZER_ISSUE_FUNCTION } from './normalize.js';

/** Flags worth recording: the stored value differs from what the source said, or lost a part. */
const RECORDED_FLAGS: ReadonlySet<Flag> = new Set(['nonexistent', 'ambiguous']);

/**
 * Options after the value, by kind, in SQL argument order (normalize.ts normalizerOptions).
 * regionFrom is the row's value of the column a phone rule's `region_from` names; a call
 * without it (no `region_from`) passes only the region.
 */
const OPTIONS: Record<NormalizeKind, readonly (keyof Options)[]> = {
  email: [],
  phone: ['region', 'regionFrom'],
  country: [],
  timestamp: ['format', 'zone'],
  name: ['nameCase'],
  boolean: ['trueValues', 'falseValues'],
};

interface Options {
  region?: string;
  regionFrom?: string;
  /** JSON: a rule's format, a pattern or a list of them (normalize.ts normalizerOptions). */
  format?: string;
  zone?: string;
  /** A JSON array of words, as normalize.ts normalizerOptions passes a rule's true_values. */
  trueValues?: string;
  falseValues?: string;
  /** A name rule's case (preserve, title, upper, lower). */
  nameCase?: string;
}

/** The cache key of a kind with its options. */
const optionsKey = (kind: NormalizeKind, o: Options) =>
  `${kind}\u0000${o.region ?? ''}\u0000${o.format ?? ''}\u0000${o.zone ?? ''}\u0000${o.trueValues ?? ''}\u0000${o.falseValues ?? ''}\u0000${o.nameCase ?? ''}`;

const words = (json: string | undefined): string[] | undefined => (json === undefined ? undefined : (JSON.parse(json) as string[]));

const compiled = new Map<string, Normalizer>();
function normalizer(kind: NormalizeKind, options: Options): Normalizer {
  const key = optionsKey(kind, options);
  let n = compiled.get(key);
  if (!n) {
    const { trueValues, falseValues, format, nameCase, ...rest } = options;
    n = normalizerFor({ normalize: kind, ...rest, ...(nameCase !== undefined ? { case: nameCase as NameCase } : {}), ...(format !== undefined ? { format: JSON.parse(format) as string | string[] } : {}), ...(trueValues !== undefined ? { trueValues: words(trueValues) } : {}), ...(falseValues !== undefined ? { falseValues: words(falseValues) } : {}) });
    compiled.set(key, n);
  }
  return n;
}

/** Recent results by kind, options and value; cleared when it grows past a few chunks. */
const recent = new Map<string, Normalized>();
const RECENT_MAX = 16_384;
function normalize(kind: NormalizeKind, given: Options, value: string): Normalized {
  // A row's own region (region_from) replaces the rule's region, which stays the fallback.
  const options = given.regionFrom === undefined ? given : { region: rowPhoneRegion(given.regionFrom, given.region) };
  const key = `${optionsKey(kind, options)}\u0000${value}`;
  let r = recent.get(key);
  if (!r) {
    r = normalizer(kind, options)(value);
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(key, r);
  }
  return r;
}

/** The issue text of one result, or null when the value was kept as given. */
export function issueOf(r: Normalized): string | null {
  const parts: string[] = [];
  if (r.reject) parts.push(`${r.reject} (${describeReject(r.reject)})`);
  for (const f of r.flags ?? []) if (RECORDED_FLAGS.has(f)) parts.push(`${f} (${describeFlag(f)})`);
  return parts.length ? parts.join(', ') : null;
}

/** Compiles a rule's normaliser once, so bad options fail as a config error naming `where`. */
export function checkNormalizerRule(rule: ColumnRule, where: string): void {
  if (!rule.normalize) return;
  try {
    const timestamp = rule.normalize === 'timestamp';
    const boolean = rule.normalize === 'boolean';
    normalizer(rule.normalize, {
      region: rule.normalize === 'phone' ? rule.region : undefined,
      format: timestamp && rule.format !== undefined ? JSON.stringify(rule.format) : undefined,
      zone: timestamp ? rule.zone : undefined,
      trueValues: boolean && rule.true_values !== undefined ? JSON.stringify(rule.true_values) : undefined,
      falseValues: boolean && rule.false_values !== undefined ? JSON.stringify(rule.false_values) : undefined,
      nameCase: rule.normalize === 'name' ? rule.case : undefined,
    });
  } catch (e) {
    if (e instanceof FloeError) throw new FloeError(e.kind, `${where}: ${e.message}`, { context: e.context, hint: e.hint, cause: e });
    throw e;
  }
}

/** The options of one row: the option vectors, in the order `names` gives them (a call may pass fewer). */
function optionsAt(names: readonly (keyof Options)[], vectors: readonly { getItem(row: number): unknown }[], row: number): Options {
  const options: Options = {};
  vectors.forEach((vector, i) => {
    const name = names[i];
    const o = vector.getItem(row) as string | null;
    if (name === undefined) return;
    if (o !== null) options[name] = o;
  });
  return options;
}

function valueFunction(kind: NormalizeKind): DuckDBScalarFunction {
  const { DuckDBScalarFunction, VARCHAR } = duckdbApi();
  const names = OPTIONS[kind];
  return DuckDBScalarFunction.create({
    name: NORMALIZER_FUNCTIONS[kind],
    returnType: VARCHAR,
    // The value, then up to names.length options (a phone's regionFrom only with region_from).
    parameterTypes: [VARCHAR],
    varArgsType: VARCHAR,
    // An absent option is a NULL argument: DuckDB must still call the function (it would
    // otherwise return NULL for the row), which handles a NULL value itself.
    specialHandling: true,
    mainFunction: (info, input: DuckDBDataChunk, output) => {
      try {
        const values = input.getColumnVector(0);
        const vectors = Array.from({ length: Math.min(names.length, input.columnCount - 1) }, (_, i) => input.getColumnVector(i + 1));
        for (let row = 0; row < input.rowCount; row++) {
          const v = values.getItem(row) as string | null;
          output.setItem(row, v === null ? null : normalize(kind, optionsAt(names, vectors, row), v).value);
        }
        output.flush();
      } catch (e) {
        info.setError(e instanceof Error ? e.message : String(e));
      }
    },
  });
}

/** floe_norm_issue(kind, value, option1, option2): issueOf the normalised value; options in the kind's order (OPTIONS). */
function issueFunction(): DuckDBScalarFunction {
  const { DuckDBScalarFunction, VARCHAR } = duckdbApi();
  return DuckDBScalarFunction.create({
    name: NORMALIZER_ISSUE_FUNCTION,
    returnType: VARCHAR,
    parameterTypes: [VARCHAR, VARCHAR, VARCHAR, VARCHAR],
    specialHandling: true,
    mainFunction: (info, input: DuckDBDataChunk, output) => {
      try {
        const kinds = input.getColumnVector(0);
        const values = input.getColumnVector(1);
        const vectors = [input.getColumnVector(2), input.getColumnVector(3)];
        for (let row = 0; row < input.rowCount; row++) {
          const v = values.getItem(row) as string | null;
          const kind = kinds.getItem(row) as NormalizeKind;
          output.setItem(row, v === null ? null : issueOf(normalize(kind, optionsAt(OPTIONS[kind], vectors, row), v)));
        }
        output.flush();
      } catch (e) {
        info.setError(e instanceof Error ? e.message : String(e));
      }
    },
  });
}

export function registerNormalizers(connection: DuckDBConnection): void {
  for (const kind of Object.keys(OPTIONS) as NormalizeKind[]) connection.registerScalarFunction(valueFunction(kind));
  connection.registerScalarFunction(issueFunction());
}
