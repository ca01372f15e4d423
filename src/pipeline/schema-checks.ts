/**
 * `checks:` (DESIGN §4): a list of single-key maps, `- row_count: { min: 1 }`, each with
 * optional sibling keys `severity` and `name`. Parsed into a flat tagged union,
 * `{ kind: 'row_count', severity, name, min }`, so src/checks/ switches on `kind`.
 */
import { z } from 'zod';
import {
  columnList,
  columnName,
  columnType,
  duration,
  evenWithErrors,
  nonNegativeInt,
  percent,
  positiveInt,
  tableNameProblem,
} from './schema-common.js';

const has = (x: unknown) => x !== undefined && x !== null;

function atLeastOne(keys: string[]) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if (!keys.some((k) => has(v[k]))) ctx.addIssue({ code: 'custom', message: `give at least one of ${keys.join(', ')}` });
  };
}

/** A check with both bounds whose min is above its max can never pass: refused, at max. */
function minNotAboveMax(v: { min?: unknown; max?: unknown }, ctx: z.RefinementCtx) {
  if (typeof v.min === 'number' && typeof v.max === 'number' && v.min > v.max) {
    ctx.addIssue({ code: 'custom', message: `max ${v.max} is below min ${v.min}: the check could never pass`, path: ['max'] });
  }
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const relationshipTarget = z
  .union([
    z.string().superRefine((s, ctx) => {
      const parts = s.split('.');
      const problem = parts.length === 3 ? tableNameProblem(parts.slice(0, 2).join('.')) : `expected namespace.table.column, got '${s}'`;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    z.strictObject({
      table: z.string().superRefine((s, ctx) => {
        const p = tableNameProblem(s);
        if (p) ctx.addIssue({ code: 'custom', message: p });
      }),
      column: columnName,
    }),
  ])
  .transform((v) => {
    if (typeof v !== 'string') return v;
    const parts = v.split('.');
    return { table: `${parts[0]}.${parts[1]}`, column: parts[2]! };
  });

/** A check's SQL: not blank (a query of spaces is an error of every evaluation). */
const query = z.string().min(1, 'the query is empty').refine((q) => q.trim() !== '', { error: 'the query is empty' });

/**
 * The first construct of a regular expression that JavaScript accepts and RE2 does not:
 * look-ahead and look-behind groups, back-references by number or name. Escaped characters
 * and character classes are skipped, so `\\(?=` and `[(?=]` are not flagged.
 */
export function re2Unsupported(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `the back-reference \\${next}`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'the named back-reference \\k<...>';
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return `the look-ahead (?${rest[0]}`;
      if (rest === '<=' || rest === '<!') return `the look-behind (?${rest}`;
    }
  }
  return undefined;
}

/** Parameters of each check kind, as written after the kind key. */
export const CHECK_PARAMS = {
  row_count: z
    .strictObject({ min: nonNegativeInt.optional(), max: nonNegativeInt.optional() })
    .superRefine(atLeastOne(['min', 'max']), evenWithErrors)
    .superRefine(minNotAboveMax, evenWithErrors),
  freshness: z.strictObject({
    column: columnName.optional().describe('Timestamp column; without it, the age of the latest snapshot'),
    // An age of at most 0 holds only for data stamped this very millisecond: a check that fails every time.
    max_age: duration.refine((ms) => ms > 0, { error: 'max_age must be more than 0: nothing is that fresh' }),
  }),
  not_null: columnList.describe('Columns that must have no nulls'),
  missing_percent: z.strictObject({ column: columnName, max: percent }),
  unique: columnList.describe('Columns whose combination must be unique (one composite key)'),
  accepted_values: z.strictObject({ column: columnName, values: z.array(scalar).min(1, 'list at least one value') }),
  range: z
    .strictObject({ column: columnName, min: z.union([z.number(), z.string()]).optional(), max: z.union([z.number(), z.string()]).optional() })
    .superRefine(atLeastOne(['min', 'max']), evenWithErrors)
    .superRefine(minNotAboveMax, evenWithErrors),
  format: z
    .strictObject({
      column: columnName,
      pattern: z
        .string()
        .superRefine((s, ctx) => {
          try {
            new RegExp(s);
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(e as Error).message}` });
            return;
          }
          // DuckDB matches with RE2, which has no look-around and no back-references: found
          // here rather than as an error of every evaluation.
          const unsupported = re2Unsupported(s);
          if (unsupported) ctx.addIssue({ code: 'custom', message: `${unsupported} is not supported: patterns use RE2 syntax (no look-around, no back-references)` });
        })
        .optional(),
      builtin: z.enum(['email', 'e164', 'uuid']).optional(),
    })
    .superRefine((v, ctx) => {
      if (has(v.pattern) === has(v.builtin)) ctx.addIssue({ code: 'custom', message: 'give exactly one of pattern, builtin' });
    }, evenWithErrors),
  relationships: z.strictObject({ column: columnName, to: relationshipTarget.describe("namespace.table.column, or { table, column }") }),
  schema: z.strictObject({ columns: z.record(z.string(), columnType) }),
  volume: z.strictObject({
    max_change: percent.describe('Largest allowed change in row count against the recent average'),
    window: positiveInt.default(1).describe('How many previous snapshots make the average'),
  }),
  // `sql: "SELECT count(*) ..."` passes when the query returns 0 (DESIGN §4), or `expect`.
  sql: z.union([query, z.strictObject({ query, expect: scalar.default(0) })]),
} as const;

export type CheckKind = keyof typeof CHECK_PARAMS;
export const CHECK_KINDS = Object.keys(CHECK_PARAMS) as CheckKind[];

type P<K extends CheckKind> = z.output<(typeof CHECK_PARAMS)[K]>;
interface Common {
  /** Unique within the pipeline: given, or derived from the kind and columns. */
  name: string;
  severity: 'warn' | 'error';
}
export type Check = Common &
  (
    | ({ kind: 'row_count' } & P<'row_count'>)
    | ({ kind: 'freshness' } & P<'freshness'>)
    | { kind: 'not_null'; columns: string[] }
    | ({ kind: 'missing_percent' } & P<'missing_percent'>)
    | { kind: 'unique'; columns: string[] }
    | ({ kind: 'accepted_values' } & P<'accepted_values'>)
    | ({ kind: 'range' } & P<'range'>)
    | ({ kind: 'format' } & P<'format'>)
    | ({ kind: 'relationships' } & P<'relationships'>)
    | ({ kind: 'schema' } & P<'schema'>)
    | ({ kind: 'volume' } & P<'volume'>)
    | { kind: 'sql'; query: string; expect: string | number | boolean }
  );

/** A check before its default name is filled in (Omit distributed over the union). */
type Draft = Check extends infer C ? (C extends Check ? Omit<C, 'name'> & { name?: string } : never) : never;

const itemShape = {
  severity: z.enum(['warn', 'error']).default('error'),
  name: z.string().min(1).optional(),
  ...Object.fromEntries(CHECK_KINDS.map((k) => [k, CHECK_PARAMS[k].optional()])),
} as { severity: z.ZodDefault<z.ZodEnum<{ warn: 'warn'; error: 'error' }>>; name: z.ZodOptional<z.ZodString> } & {
  [K in CheckKind]: z.ZodOptional<(typeof CHECK_PARAMS)[K]>;
};

/** The name a check gets when none is given: kind plus its columns, e.g. `not_null(contact_id,email)`. */
function defaultName(c: Record<string, unknown>): string {
  const cols = Array.isArray(c.columns) ? (c.columns as string[]) : typeof c.column === 'string' ? [c.column] : [];
  return cols.length === 0 ? String(c.kind) : `${String(c.kind)}(${cols.join(',')})`;
}

export const checkItem = z
  .strictObject(itemShape)
  .superRefine((v, ctx) => {
    // An unknown key is already reported as "unknown check kind" with a suggestion; a second
    // "needs a kind" error on the same item would only repeat it.
    if (ctx.issues.some((i) => i.code === 'unrecognized_keys' && (i.path ?? []).length === 0)) return;
    const kinds = CHECK_KINDS.filter((k) => k in v);
    if (kinds.length === 0) ctx.addIssue({ code: 'custom', message: `a check needs a kind: one of ${CHECK_KINDS.join(', ')}` });
    if (kinds.length > 1) ctx.addIssue({ code: 'custom', message: `a check has exactly one kind, found ${kinds.join(' and ')}` });
  }, evenWithErrors)
  .transform((v): Draft => {
    const kind = CHECK_KINDS.find((k) => k in v)!;
    const params = v[kind] as unknown;
    const base = { severity: v.severity, ...(v.name === undefined ? {} : { name: v.name }) };
    if (kind === 'not_null' || kind === 'unique') return { ...base, kind, columns: params as string[] };
    if (kind === 'sql') return { ...base, kind, ...(typeof params === 'string' ? { query: params, expect: 0 } : (params as { query: string; expect: string | number | boolean })) };
    return { ...base, kind, ...(params as object) } as Draft;
  })
  // Editors get "exactly one kind per item" from the JSON Schema too.
  .meta({ id: 'check', oneOf: CHECK_KINDS.map((k) => ({ required: [k] })) });

/** Names default from kind and columns; repeats get #2, #3 so results and JUnit cases stay distinct. */
export const checkList = z.array(checkItem).transform((items): Check[] => {
  const seen = new Map<string, number>();
  return items.map((c) => {
    const base = c.name ?? defaultName(c);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { ...c, name: n === 1 ? base : `${base}#${n}` } as Check;
  });
});
