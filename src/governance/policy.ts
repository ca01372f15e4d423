/**
 * PII tags: which columns hold personal data, what kind (the tag: email, phone, name, ...)
 * and what floe does with it (the policy). Declared per column in pipeline files
 * (`columns: { email: { normalize: email, pii: email } }`, or the long form
 * `pii: { tag: email, policy: hash, apply: ingest, salt_env: MY_SALT }`) and stored as table
 * properties so every reader of the table knows them:
 *
 *   floe.pii.<column>           = <tag>:<policy>            masked when read with masks
 *   floe.pii.<column>           = <tag>:<policy>:ingest     already applied when written
 *   floe.pii.<column>.salt-env  = <ENV NAME>                hash only; default FLOE_PII_SALT
 *
 * Pure: no IO.
 */
import type { ColumnRule } from '../pipeline/schema-pipeline.js';

export type PiiPolicy = 'hash' | 'mask' | 'redact' | 'none';
export const PII_POLICIES: readonly PiiPolicy[] = ['hash', 'mask', 'redact', 'none'];
export const PII_PREFIX = 'floe.pii.';
export const DEFAULT_SALT_ENV = 'FLOE_PII_SALT';
/** `floe.pii.<column>.salt-env`: the property naming a hashed column's salt variable. */
export const SALT_ENV_SUFFIX = '.salt-env';

/** Stricter policies win when two tags reach one column (a rename and a new tag, several inputs). */
export const POLICY_STRICTNESS: Readonly<Record<PiiPolicy, number>> = { none: 0, mask: 1, hash: 2, redact: 3 };

export interface PiiColumn {
  /** The column in the table. */
  column: string;
  tag: string;
  policy: PiiPolicy;
  /** `ingest`: the stored values are already hashed/masked/redacted; `read`: stored raw. */
  apply: 'read' | 'ingest';
  /** The environment variable holding the hash salt. */
  saltEnv: string;
}

type PiiRule = NonNullable<ColumnRule['pii']>;

/**
 * The PII column of one `columns:` rule, or null without `pii:`. The short form names a
 * policy (`pii: hash`) or a tag (`pii: email`, policy mask); the tag defaults to the
 * column's normaliser (email, phone, name) or `text`.
 */
export function piiColumnOf(column: string, rule: Pick<ColumnRule, 'pii' | 'normalize'>): PiiColumn | null {
  const pii = rule.pii as PiiRule | undefined;
  if (pii === undefined) return null;
  const defaultTag = rule.normalize === 'email' || rule.normalize === 'phone' || rule.normalize === 'name' ? rule.normalize : 'text';
  if (typeof pii === 'string') {
    if ((PII_POLICIES as readonly string[]).includes(pii)) return { column, tag: defaultTag, policy: pii as PiiPolicy, apply: 'read', saltEnv: DEFAULT_SALT_ENV };
    return { column, tag: pii, policy: 'mask', apply: 'read', saltEnv: DEFAULT_SALT_ENV };
  }
  return {
    column,
    tag: pii.tag ?? defaultTag,
    policy: pii.policy ?? 'mask',
    apply: pii.apply ?? 'read',
    saltEnv: pii.salt_env ?? DEFAULT_SALT_ENV,
  };
}

/** Whether a column rule tags the column with a policy that hides its values (not `none`): messages and rejects must not quote them. */
export function hidesValues(rule: Pick<ColumnRule, 'pii' | 'normalize'>): boolean {
  return (piiColumnOf('', rule)?.policy ?? 'none') !== 'none';
}

/** The PII columns of a pipeline's rules, by their target (renamed) column names. */
export function piiColumns(rules: Record<string, Pick<ColumnRule, 'pii' | 'normalize' | 'rename'>>): PiiColumn[] {
  const out: PiiColumn[] = [];
  for (const [source, rule] of Object.entries(rules)) {
    const c = piiColumnOf(rule.rename ?? source, rule);
    if (c) out.push(c);
  }
  return out.sort((a, b) => a.column.localeCompare(b.column));
}

/** The table properties recording the columns' tags. */
export function piiProperties(columns: readonly PiiColumn[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of columns) {
    out[`${PII_PREFIX}${c.column}`] = `${c.tag}:${c.policy}${c.apply === 'ingest' ? ':ingest' : ''}`;
    if (c.policy === 'hash' && c.saltEnv !== DEFAULT_SALT_ENV) out[`${PII_PREFIX}${c.column}${SALT_ENV_SUFFIX}`] = c.saltEnv;
  }
  return out;
}

/** The PII columns recorded in a table's properties; malformed entries are skipped. */
export function piiColumnsFromProperties(properties: Readonly<Record<string, string>>): PiiColumn[] {
  const out: PiiColumn[] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (!key.startsWith(PII_PREFIX) || key.endsWith(SALT_ENV_SUFFIX)) continue;
    const column = key.slice(PII_PREFIX.length);
    const [tag, policy, apply] = value.split(':');
    if (!tag || !policy || !(PII_POLICIES as readonly string[]).includes(policy)) continue;
    out.push({
      column,
      tag,
      policy: policy as PiiPolicy,
      apply: apply === 'ingest' ? 'ingest' : 'read',
      saltEnv: properties[`${key}${SALT_ENV_SUFFIX}`] ?? DEFAULT_SALT_ENV,
    });
  }
  return out.sort((a, b) => a.column.localeCompare(b.column));
}
