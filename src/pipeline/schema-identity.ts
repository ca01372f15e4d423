/**
 * `kind: identity` pipelines (DESIGN §4, Customer 360): link records of several tables
 * into customers through shared identifiers, then pick one value per attribute.
 */
import { z } from 'zod';
import { checkList } from './schema-checks.js';
import { columnName, evenWithErrors, pipelineName, positiveInt, tableName } from './schema-common.js';
import { didYouMean } from './suggest.js';

const mapping = (what: string) => z.record(z.string(), columnName).describe(`${what} → column of the input table`);

const input = z.strictObject({
  table: tableName,
  source_id: columnName.describe('Column that identifies a record within the input table'),
  identifiers: mapping('identifier kind (email, phone, device_id, loyalty_id, ...)').refine((m) => Object.keys(m).length > 0, 'list at least one identifier'),
  attributes: mapping('profile attribute').default({}),
  updated_at: columnName.optional().describe('Column used by most_recent survivorship'),
  phone_region: columnName.optional().describe("Column with each record's region for phones written without a country code: a country code or name, or a locale such as en-GB (default US)"),
});

const strategy = z.enum(['most_recent', 'most_frequent', 'source_priority']);

/** Normalised: `country: most_frequent` and `email: { source_priority: [...] }` both become a rule object. */
const attributeRule = z
  .union([strategy, z.strictObject({ strategy: strategy.optional(), source_priority: z.array(tableName).min(1).optional() })])
  .transform((r) => {
    if (typeof r === 'string') return { strategy: r };
    return { strategy: r.strategy ?? (r.source_priority ? ('source_priority' as const) : ('most_recent' as const)), ...(r.source_priority ? { source_priority: r.source_priority } : {}) };
  });

/** Columns of the profiles table that attributes may not take. */
const RESERVED_COLUMNS = ['customer_id', 'source_records'];

export type SurvivorshipStrategy = z.output<typeof strategy>;
export type AttributeRule = z.output<typeof attributeRule>;

const survivorship = z
  .object({ default: strategy.default('most_recent') })
  .catchall(attributeRule)
  .transform(({ default: d, ...rest }) => ({ default: d, attributes: rest as Record<string, AttributeRule> }))
  .describe('default strategy, then one rule per attribute: a strategy or { source_priority: [tables] }');

const match = z.strictObject({
  block_values: z.record(z.string(), z.array(z.union([z.string(), z.number()]).transform(String))).default({}).describe('Identifier values never used for linking, e.g. test@example.com'),
  max_per_profile: z.record(z.string(), positiveInt).default({}).describe('Most distinct values of an identifier kind one customer may have; above it the weakest link is cut (docs/IDENTITY.md)'),
});

export const identityPipeline = z
  .strictObject({
    name: pipelineName.optional(),
    kind: z.literal('identity'),
    description: z.string().optional(),
    inputs: z.array(input).min(1, 'list at least one input'),
    match: match.prefault({}),
    survivorship: survivorship.prefault({}),
    outputs: z.strictObject({
      identity_map: tableName.describe('(source_table, source_id, customer_id)'),
      profiles: tableName.describe('One golden record per customer_id'),
      identity_changes: tableName.optional().describe('Merges, splits and guard cuts, appended per run; default <namespace of identity_map>.identity_changes'),
    }),
    checks: checkList.default([]).describe('Checks on outputs.profiles'),
  })
  .superRefine((v, ctx) => {
    // Any field may have failed and hold any shape: read only what is well-formed.
    const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    const inputs = Array.isArray(v.inputs) ? v.inputs.filter(isObj) : [];
    const tables = new Set(inputs.map((i) => i.table).filter((t): t is string => typeof t === 'string'));
    // A record is (source_table, source_id): two inputs over one table would make every row
    // two records, each in the identity map under its own customer.
    if (Array.isArray(v.inputs)) {
      const firstAt = new Map<string, number>();
      v.inputs.forEach((i, n) => {
        if (!isObj(i) || typeof i.table !== 'string') return;
        const first = firstAt.get(i.table);
        if (first === undefined) firstAt.set(i.table, n);
        else ctx.addIssue({ code: 'custom', path: ['inputs', n, 'table'], message: `table ${i.table} is already input ${first}: list each table once (its rows are the records of one input)` });
      });
    }
    const keysOf = (x: unknown) => (isObj(x) ? Object.keys(x) : []);
    const kinds = new Set(inputs.flatMap((i) => keysOf(i.identifiers)));
    const attrs = new Set([...kinds, ...inputs.flatMap((i) => keysOf(i.attributes))]);
    // When another survivorship field failed, the value is still the raw map: read both shapes.
    const surv = (isObj(v.survivorship) ? v.survivorship : {}) as { attributes?: Record<string, AttributeRule> } & Record<string, unknown>;
    const { default: _d, ...raw } = surv;
    const rules = (isObj(surv.attributes) ? surv.attributes : raw) as Record<string, { source_priority?: unknown } | undefined>;
    for (const [attr, rule] of Object.entries(rules)) {
      if (!attrs.has(attr)) {
        ctx.addIssue({ code: 'custom', path: ['survivorship', attr], params: { at: 'key' }, message: `no input has an attribute or identifier '${attr}'${didYouMean(attr, attrs)}` });
      }
      const priority = typeof rule === 'object' && rule !== null && Array.isArray(rule.source_priority) ? (rule.source_priority as unknown[]) : [];
      priority.forEach((t, i) => {
        if (typeof t === 'string' && !tables.has(t)) ctx.addIssue({ code: 'custom', path: ['survivorship', attr, 'source_priority', i], message: `'${t}' is not one of the inputs${didYouMean(t, tables)}` });
      });
    }
    for (const key of ['block_values', 'max_per_profile'] as const) {
      for (const kind of keysOf(isObj(v.match) ? v.match[key] : undefined)) {
        if (!kinds.has(kind)) ctx.addIssue({ code: 'custom', path: ['match', key, kind], params: { at: 'key' }, message: `no input has an identifier '${kind}'${didYouMean(kind, kinds)}` });
      }
    }
    const outKeys = ['identity_map', 'profiles', 'identity_changes'] as const;
    const given: Record<string, unknown> = isObj(v.outputs) ? v.outputs : {};
    const outs = outKeys.map((k) => (typeof given[k] === 'string' ? (given[k] as string) : undefined));
    outs.forEach((t, i) => {
      if (t === undefined) return;
      const first = outs.indexOf(t);
      if (first < i) ctx.addIssue({ code: 'custom', path: ['outputs', outKeys[i]!], message: `${outKeys[i]} and ${outKeys[first]} must be different tables` });
      if (tables.has(t)) ctx.addIssue({ code: 'custom', path: ['outputs', outKeys[i]!], message: `'${t}' is also an input` });
    });
    // The profile column of a kind holds identifier values only: an attribute of that name
    // (in any input) would be dropped without a word.
    inputs.forEach((i, n) => {
      for (const a of keysOf(i.attributes)) {
        if (kinds.has(a)) ctx.addIssue({ code: 'custom', path: ['inputs', n, 'attributes', a], params: { at: 'key' }, message: `attribute '${a}' has the name of an identifier kind, whose profile column takes identifier values only: list the column under identifiers, or give the attribute another name` });
      }
    });
    // Profile column names compare without case (Iceberg, DuckDB, SQL): 'Email' beside 'email'
    // would be written as a column 'Email_1'.
    const spelled = new Map<string, string>();
    inputs.forEach((i, n) => {
      for (const field of ['identifiers', 'attributes'] as const) {
        for (const a of keysOf(i[field])) {
          const first = spelled.get(a.toLowerCase());
          if (first === undefined) spelled.set(a.toLowerCase(), a);
          else if (first !== a) ctx.addIssue({ code: 'custom', path: ['inputs', n, field, a], params: { at: 'key' }, message: `'${a}' differs from '${first}' only in case: profile column names are compared without case, so give it the same spelling or another name` });
        }
      }
    });
    for (const a of attrs) {
      if (RESERVED_COLUMNS.includes(a.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['inputs'], message: `'${a}' cannot be an identifier or attribute name: profiles has a column of that name` });
    }
  }, evenWithErrors);
