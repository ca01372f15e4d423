/**
 * The pipeline file (DESIGN §4, a contract: extend, never break). Two kinds share the
 * header (`name`, `kind`, `description`, `checks`): `ingest` (the default) copies a source
 * into one table; `identity` links records of several tables into customers.
 */
import { z } from 'zod';
import { parsePartitionExpr, parseSortExpr, type Parsed } from './expressions.js';
import { checkList } from './schema-checks.js';
import { columnName, columnType, evenWithErrors, nonNegativeInt, pipelineName, propertyValue, tableName } from './schema-common.js';
import { identityPipeline } from './schema-identity.js';
import { sourceSchema } from './schema-source.js';
import { booleanWordProblems } from '../c360/normalize/boolean.js';
import { strptimeToLuxon } from '../c360/normalize/timestamp-format.js';
import { FloeError } from '../errors.js';
import { piiColumnOf } from '../governance/policy.js';
import { redundantPartitionFields } from '../iceberg/partition-rules.js';

function expression<T>(parse: (s: string) => Parsed<T>) {
  return z.string().transform((s, ctx) => {
    const r = parse(s);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.problem });
    return z.NEVER;
  });
}

/** An IANA zone name the runtime knows (checked without loading a date library). */
function isTimeZone(zone: string): boolean {
  if (zone.toUpperCase() === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const piiPolicy = z.enum(['hash', 'mask', 'redact', 'none']);

const columnRule = z
  .strictObject({
    rename: columnName.optional().describe('Name of the column in the target table'),
    type: columnType.optional(),
    normalize: z.enum(['email', 'phone', 'country', 'timestamp', 'name', 'boolean']).optional(),
    region: z
      .string()
      .regex(/^[A-Z]{2}$/, { error: 'expected an ISO 3166 country code such as US' })
      .optional()
      .describe('Default region for phone numbers written without a country code'),
    region_from: columnName
      .optional()
      .describe("normalize: phone only: a source column with each row's country (ISO alpha-2 or alpha-3 code, or a name); national numbers are read in it, else in region"),
    format: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('strptime format for normalize: timestamp or date/timestamp types, or a list of them tried in order'),
    zone: z
      .string()
      .min(1)
      .optional()
      .describe('normalize: timestamp only: the IANA time zone of values written without an offset (default UTC)'),
    case: z
      .enum(['preserve', 'title', 'upper', 'lower'])
      .optional()
      .describe("normalize: name only: preserve (default, as typed), title ('mary-jane o'brien' → 'Mary-Jane O'Brien'; words typed in mixed case, McDonald, are kept), upper or lower"),
    true_values: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('normalize: boolean only: words read as true besides true, t, yes, y, on, 1 (case-insensitive)'),
    false_values: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('normalize: boolean only: words read as false besides false, f, no, n, off, 0 (case-insensitive)'),
    pii: z
      .union([
        piiPolicy,
        z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'expected a policy (hash, mask, redact, none), a tag such as email, or { tag, policy, apply }' }),
        z.strictObject({
          tag: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'expected a lower-case tag such as email, phone, name' }).optional(),
          policy: piiPolicy.optional().describe('Default mask'),
          apply: z.enum(['read', 'ingest']).optional().describe('read (default): stored raw, masked by floe query --mask and sql pipelines; ingest: stored masked'),
          salt_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe('hash: the environment variable holding the salt (default FLOE_PII_SALT)'),
        }),
      ])
      .optional()
      .describe('Personal data: a policy (hash, mask, redact, none), a tag (email, phone, ...; policy mask), or { tag, policy, apply, salt_env }. Stored as the table property floe.pii.<column>'),
    doc: z.string().optional().describe('Column comment stored in the table schema'),
  })
  .superRefine((v, ctx) => {
    if (v.region !== undefined && v.normalize !== 'phone') {
      ctx.addIssue({ code: 'custom', message: 'region only applies with normalize: phone', path: ['region'] });
    }
    if (v.region_from !== undefined && v.normalize !== 'phone') {
      ctx.addIssue({ code: 'custom', message: 'region_from only applies with normalize: phone', path: ['region_from'] });
    }
    if (v.case !== undefined && v.normalize !== 'name') {
      ctx.addIssue({ code: 'custom', message: 'case only applies with normalize: name', path: ['case'] });
    }
    if (v.zone !== undefined && v.normalize !== 'timestamp') {
      ctx.addIssue({ code: 'custom', message: 'zone only applies with normalize: timestamp', path: ['zone'] });
    } else if (v.zone !== undefined && !isTimeZone(v.zone)) {
      ctx.addIssue({ code: 'custom', message: `'${v.zone}' is not an IANA time zone: use a name such as Europe/Berlin or UTC`, path: ['zone'] });
    }
    for (const list of ['true_values', 'false_values'] as const) {
      if (v[list] !== undefined && v.normalize !== 'boolean') ctx.addIssue({ code: 'custom', message: `${list} only applies with normalize: boolean`, path: [list] });
    }
    if (v.normalize === 'boolean') {
      if (v.type !== undefined && v.type.trim() !== 'boolean') ctx.addIssue({ code: 'custom', message: `normalize: boolean makes a boolean column; drop type: ${v.type} or make it boolean`, path: ['type'] });
      const words = (x: unknown) => (Array.isArray(x) && x.every((w) => typeof w === 'string') ? (x as string[]) : undefined);
      for (const p of booleanWordProblems({ trueValues: words(v.true_values), falseValues: words(v.false_values) })) {
        ctx.addIssue({ code: 'custom', message: p.message, path: [p.list, p.index] });
      }
    }
    if (v.format !== undefined && v.normalize === 'timestamp') {
      // The normaliser's own reading of each pattern (no date library is loaded for it).
      const patterns = typeof v.format === 'string' ? [v.format] : v.format;
      patterns.forEach((pattern, i) => {
        try {
          strptimeToLuxon(pattern);
        } catch (e) {
          const message = e instanceof FloeError && e.hint ? `${e.message} (${e.hint})` : e instanceof Error ? e.message : String(e);
          ctx.addIssue({ code: 'custom', message, path: typeof v.format === 'string' ? ['format'] : ['format', i] });
        }
      });
    }
  }, evenWithErrors);

export const targetSchema = z
  .strictObject({
    table: tableName,
    mode: z.enum(['append', 'overwrite', 'merge']).default('append'),
    key: z.array(columnName).min(1, 'list at least one column').optional().describe('Columns that identify a row; required for merge'),
    delete_column: columnName
      .optional()
      .describe('merge only: a boolean column; an incoming row where it is true deletes the row with its key (the column is not written)'),
    partition_by: z
      .array(expression(parsePartitionExpr).describe('A column, or month(col), day(col), bucket(16, col), truncate(4, col), ...'))
      .default([]),
    sort_by: z.array(expression(parseSortExpr).describe('A column or transform, then optional asc|desc and nulls first|last')).default([]),
    properties: z
      .record(z.string(), propertyValue)
      .default({})
      .superRefine((props, ctx) => {
        // The version a new table is created with: floe writes v1 and v2 tables (not v3's row lineage).
        const v = props['format-version'];
        if (v !== undefined && v !== '1' && v !== '2') {
          ctx.addIssue({ code: 'custom', path: ['format-version'], message: `format-version ${JSON.stringify(v)}: floe creates and writes format 1 and 2 tables (${v === '3' ? 'not v3 row lineage yet' : 'no other version exists'}); give 1 or 2` });
        }
      })
      .describe('Iceberg table properties'),
    on_schema_change: z.enum(['fail', 'add_columns', 'ignore']).default('add_columns'),
    allow_empty: z
      .boolean()
      .optional()
      .describe('overwrite (and --full-refresh): let a run whose source has no rows replace the table\'s rows with none; without it such a run fails and the table is left as it is'),
  })
  .superRefine((v, ctx) => {
    if (v.mode === 'merge' && v.key === undefined) {
      // Reported at `mode: merge`, the line that asks for a key, since `key:` is absent.
      ctx.addIssue({ code: 'custom', message: 'merge needs a key: add key: [column, ...] to target', path: ['mode'] });
    }
    if (v.delete_column !== undefined && v.mode !== 'merge') {
      ctx.addIssue({ code: 'custom', message: 'delete_column only applies with mode: merge', path: ['delete_column'] });
    }
    // A key column twice: the merge's position lookup reads each key column once by field id.
    (Array.isArray(v.key) ? v.key : []).forEach((k, i, all) => {
      if (all.indexOf(k) !== i) ctx.addIssue({ code: 'custom', message: `key lists '${k}' twice`, path: ['key', i] });
    });
    if (v.delete_column !== undefined && Array.isArray(v.key) && v.key.includes(v.delete_column)) {
      ctx.addIssue({ code: 'custom', message: 'delete_column cannot be one of the key columns', path: ['delete_column'] });
    }
    // Iceberg refuses redundant partition fields, day(ts) with hour(ts) (iceberg/partition-rules.ts).
    const parts = (Array.isArray(v.partition_by) ? v.partition_by : []).flatMap((p: unknown, i) => {
      const e = p as { source?: unknown; transform?: unknown; text?: unknown } | null;
      return e && typeof e.source === 'string' && typeof e.transform === 'string' ? [{ source: e.source, transform: e.transform, text: String(e.text).trim(), i }] : [];
    });
    const redundant = redundantPartitionFields(parts);
    if (redundant) {
      const { first, second, reason } = redundant;
      ctx.addIssue({ code: 'custom', path: ['partition_by', second.i], message: `${second.text} is redundant with ${first.text} (partition_by[${first.i}]): ${reason}; keep one of them` });
    }
  }, evenWithErrors);

const rejects = z
  .strictObject({
    max_ratio: z.number().min(0).max(1).optional().describe('Largest share of malformed rows, 0..1, before the run fails'),
    max_count: nonNegativeInt.optional().describe('Largest number of malformed rows before the run fails'),
  })
  .describe('Malformed rows are quarantined with a reason; above these limits the run fails');

export const ingestPipeline = z
  .strictObject({
    name: pipelineName.optional(),
    kind: z.literal('ingest').default('ingest'),
    description: z.string().optional(),
    source: sourceSchema,
    columns: z.record(z.string(), columnRule).default({}).describe('Per-column rules, keyed by the source column name'),
    target: targetSchema,
    rejects: rejects.optional(),
    checks: checkList.default([]),
  })
  .superRefine((v, ctx) => {
    // key, partition_by and sort_by name target columns; naming the pre-rename source column
    // would only fail at run time, far from the line that is wrong.
    const renamed = new Map<string, string>();
    const columns = typeof v.columns === 'object' && v.columns !== null ? v.columns : {};
    for (const [col, rule] of Object.entries(columns)) if (typeof rule?.rename === 'string') renamed.set(col, rule.rename);
    // Rows read again below the watermark are upserted on the key; appended or overwritten, they would be doubled or lost.
    const incremental = typeof v.source === 'object' && v.source !== null && 'incremental' in v.source ? v.source.incremental : undefined;
    const mode = typeof v.target === 'object' && v.target !== null ? v.target.mode : undefined;
    if (incremental?.lookback !== undefined && (mode === undefined || mode === 'append' || mode === 'overwrite')) {
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'incremental', 'lookback'],
        message: `lookback only applies with mode: merge (target.mode is ${mode ?? 'append'}): the rows it reads again are upserted on target.key, never written twice; set mode: merge with a key, or remove lookback`,
      });
    }
    // Each incremental run reads only the rows above the watermark: overwritten with them, the
    // table would lose every earlier row. (--full-refresh turns an append into an overwrite itself.)
    if (incremental !== undefined && incremental !== null && incremental.lookback === undefined && mode === 'overwrite') {
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'incremental'],
        message: 'an overwrite replaces the table with only the rows above the watermark: use mode: append or merge, or drop incremental:',
      });
    }
    // The cursor's greatest value is committed unmasked as the watermark (snapshot summary
    // floe.cursor.value, table property floe.watermark.<pipeline>): a PII-tagged cursor would put
    // raw values in the table's metadata, which floe snapshots, floe describe and any engine show.
    const cursor = typeof incremental?.cursor === 'string' ? incremental.cursor : undefined;
    const cursorRule = cursor !== undefined ? columns[cursor] : undefined;
    const pii = cursor !== undefined && cursorRule && (typeof cursorRule.pii === 'string' || (typeof cursorRule.pii === 'object' && cursorRule.pii !== null)) ? piiColumnOf(cursor, cursorRule) : null;
    if (cursor !== undefined && pii !== null && pii.policy !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'incremental', 'cursor'],
        message: `the incremental cursor ${cursor} is tagged PII (pii ${pii.tag}: ${pii.policy}${pii.apply === 'ingest' ? ', applied at ingest' : ''}): its greatest value is the watermark, stored unmasked in the table's metadata (snapshot summary floe.cursor.value, table property floe.watermark.<pipeline>) that floe snapshots, floe describe and any engine show; name a column that is not PII in incremental.cursor (an updated_at or id column)`,
      });
    }
    // A partition value is stored unmasked in the data files' paths and the manifests (what
    // file listings, floe's messages naming a data file and any engine show): a column masked
    // only on read may be partitioned by bucket (a hash), not by its value or a part of it.
    if (typeof v.target === 'object' && v.target !== null && Array.isArray(v.target.partition_by)) {
      v.target.partition_by.forEach((p, i) => {
        const e = p as { source?: unknown; transform?: unknown; text?: unknown } | null;
        if (!e || typeof e.source !== 'string' || typeof e.transform !== 'string' || /^(bucket|void)\b/.test(e.transform)) return;
        const entry = Object.entries(columns).find(([col, rule]) => (typeof rule?.rename === 'string' ? rule.rename : col).toLowerCase() === (e.source as string).toLowerCase());
        const rule = entry?.[1];
        const tagged = entry && rule && (typeof rule.pii === 'string' || (typeof rule.pii === 'object' && rule.pii !== null)) ? piiColumnOf(entry[0], rule) : null;
        if (!tagged || tagged.policy === 'none' || tagged.apply === 'ingest') return;
        ctx.addIssue({
          code: 'custom',
          path: ['target', 'partition_by', i],
          message: `${String(e.text ?? e.source).trim()} partitions by the PII column ${e.source} (pii ${tagged.tag}: ${tagged.policy}, applied at read): its values would be stored unmasked in the data files' paths and the manifests' partition values, which no mask covers; partition by bucket(N, ${e.source}), or apply the policy at ingest (pii: { tag: ${tagged.tag}, policy: ${tagged.policy}, apply: ingest })`,
        });
      });
    }
    // Every declared column is a source column (run/normalize.ts): two of them named alike after renames always fail the run.
    const named = new Map<string, string>();
    for (const [col, rule] of Object.entries(columns)) {
      const target = typeof rule?.rename === 'string' ? rule.rename : col;
      const other = named.get(target);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['columns', col, ...(typeof rule?.rename === 'string' ? ['rename'] : [])], message: `columns ${other} and ${col} would both be named "${target}" after renames; rename one of them to another name` });
      else named.set(target, col);
    }
    // region_from names another source column (read before renames), not the phone column itself.
    for (const [col, rule] of Object.entries(columns)) {
      if (rule?.region_from === col) ctx.addIssue({ code: 'custom', path: ['columns', col, 'region_from'], message: `region_from names the phone column itself; name the column holding each row's country` });
    }
    if (renamed.size === 0 || typeof v.target !== 'object' || v.target === null) return;
    const check = (name: unknown, path: (string | number)[]) => {
      if (typeof name === 'string' && renamed.has(name) && renamed.get(name) !== name) {
        ctx.addIssue({ code: 'custom', path: ['target', ...path], message: `'${name}' is renamed to '${renamed.get(name)}' by columns.${name}.rename; use the new name` });
      }
    };
    // Sibling fields may have failed and hold anything: look only at well-formed lists.
    const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
    const sourceOf = (x: unknown) => (typeof x === 'object' && x !== null ? (x as { source?: unknown }).source : undefined);
    list(v.target.key).forEach((k, i) => check(k, ['key', i]));
    check(v.target.delete_column, ['delete_column']);
    list(v.target.partition_by).forEach((p, i) => check(sourceOf(p), ['partition_by', i]));
    list(v.target.sort_by).forEach((s, i) => check(sourceOf(s), ['sort_by', i]));
  }, evenWithErrors);

/** Every pipeline file; used for the JSON Schema. Validation picks the branch by `kind` for sharper errors. */
export const pipelineFileSchema = z.union([ingestPipeline, identityPipeline]).meta({
  title: 'floe pipeline',
  description: 'A floe pipeline file: pipelines/<name>.yaml',
});

type WithName<T> = Omit<T, 'name'> & { name: string };
export type IngestPipeline = WithName<z.output<typeof ingestPipeline>>;
export type IdentityPipeline = WithName<z.output<typeof identityPipeline>>;
/** A validated pipeline; `name` is filled from the file name when the file has none. */
export type Pipeline = IngestPipeline | IdentityPipeline;
export type Target = z.output<typeof targetSchema>;
export type ColumnRule = z.output<typeof columnRule>;
