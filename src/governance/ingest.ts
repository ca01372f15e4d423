/**
 * PII at ingest: a pipeline's rows pass through the policies of its `apply: ingest`
 * columns before they are written, and the table's properties record every tag
 * (floe.pii.<column>). Tags are set when the table is created and kept in step on later
 * runs (a run that adds, changes or removes a tag commits the property change).
 */
import type { Catalog } from '../catalog/catalog.js';
import { configError } from '../errors.js';
import type { Schema, TableIdentifier } from '../iceberg/types.js';
import type { FileIO } from '../io/fileio.js';
import { commitTable } from '../table/commit.js';
import { loadTable, type LoadedTable } from '../table/load.js';
import type { TableUpdate } from '../table/updates.js';
import { applyPoliciesSql } from './apply.js';
import { DEFAULT_SALT_ENV, PII_POLICIES, PII_PREFIX, piiProperties, SALT_ENV_SUFFIX, type PiiColumn } from './policy.js';
import { ingestSaltChecks, type Env } from './salt.js';
import { currentColumnTags, tableHadColumn, type TaggedTable } from './tags.js';

/** The rows to write with the `apply: ingest` policies applied. */
export function ingestPiiSql(selectSql: string, columns: readonly PiiColumn[], table: string, env: Env = process.env): string {
  return applyPoliciesSql(selectSql, columns.filter((c) => c.apply === 'ingest'), table, env);
}

/**
 * Raw rows written into an existing table (floe load, a pipeline's rows), with the table's own
 * tags recorded as applied at ingest (`<tag>:<policy>:ingest`) applied to the columns the writer
 * does not tag itself (`declared`: a pipeline's `pii:` rules, which its run applies or records).
 * Such a tag says the column holds no raw value, so `floe query --mask` shows it as stored: a
 * writer that does not know the tag would otherwise put raw values there, shown raw under
 * --mask. `written`: the columns of `selectSql` (the table's names). A hashed column needs its
 * salt (exit 2 without it). A tag floe cannot read is left to the reads, which it fails.
 */
export function tableIngestSql(selectSql: string, m: TaggedTable, table: string, written: Schema, declared: readonly PiiColumn[] = [], env: Env = process.env): string {
  let tags: PiiColumn[];
  try {
    tags = currentColumnTags(m, table);
  } catch {
    return selectSql;
  }
  const mine = new Set(declared.map((c) => c.column.toLowerCase()));
  const owed = tags.filter((c) => c.apply === 'ingest' && c.policy !== 'none' && !mine.has(c.column.toLowerCase()));
  for (const c of owed) {
    const type = written.fields.find((f) => f.name === c.column)?.type;
    // hash and mask make a string: a tag set by hand on a column of another type cannot be applied.
    if (type !== undefined && type !== 'string' && c.policy !== 'redact') {
      throw configError(`table ${table}: property ${PII_PREFIX}${c.column} = '${c.tag}:${c.policy}:ingest' says column ${c.column} is stored ${c.policy === 'hash' ? 'hashed' : 'masked'}, but it is a ${typeof type === 'string' ? type : type.type} column; the write cannot apply the policy to it`, {
        context: { table, column: c.column },
        hint: `Record the tag as applied on read: floe table evolve ${table} --set-property ${PII_PREFIX}${c.column}=${c.tag}:${c.policy}`,
      });
    }
  }
  // Hashed with the salt the table's hashes were made with, or refused: this write does not
  // record a salt of its own, so even one that replaces every row must keep the recorded one.
  ingestSaltChecks(owed, table, m.properties, env, false);
  return applyPoliciesSql(selectSql, owed, table, env, new Set(written.fields.map((f) => f.name)));
}

/**
 * Pure: the property updates that make `current` record `columns`' tags. A tag the pipeline
 * no longer declares is removed, except when `keep(column)` says the table holds or held that
 * column: a pipeline that renames its tagged `email` to `mail` leaves the old `email` column
 * with its raw values in the table, and a column dropped since is still in the snapshots
 * written before (time travel); dropping the tag would unmask them. To un-tag a column,
 * declare it `pii: none`.
 */
export function piiPropertyUpdates(current: Readonly<Record<string, string>>, columns: readonly PiiColumn[], keep: (column: string) => boolean = () => false): TableUpdate[] {
  const wanted = piiProperties(columns);
  // A column masked on read (`email:mask`) whose pipeline now applies its policy at ingest
  // (`email:hash:ingest`): the rows written before are raw, in the current snapshot (append,
  // merge) and in every earlier one (time travel). Recording the tag as applied would show them
  // unmasked, so the read tag stays; the new rows are masked again on read, which hides no less.
  // Likewise a tag applied at ingest that is new to a column the table has or had (untagged or
  // `none` until now): the values written before it are raw, so it is recorded as a read tag.
  // A table created with the tag has it from its first commit.
  const held = new Set<string>();
  for (const c of columns) {
    const key = `${PII_PREFIX}${c.column}`;
    if (c.apply !== 'ingest' || c.policy === 'none') continue;
    if (maskedOnRead(current[key])) {
      delete wanted[key];
      held.add(key);
    } else if (!appliedAtIngest(current[key]) && keep(c.column)) {
      wanted[key] = `${c.tag}:${c.policy}`;
      if (current[key] === wanted[key]) delete wanted[key];
      held.add(key);
    }
  }
  const set = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current[k] !== v));
  const columnOf = (k: string) => {
    const rest = k.slice(PII_PREFIX.length);
    return rest.endsWith(SALT_ENV_SUFFIX) && `${PII_PREFIX}${rest.slice(0, -SALT_ENV_SUFFIX.length)}` in current ? rest.slice(0, -SALT_ENV_SUFFIX.length) : rest;
  };
  const declared = new Set(columns.map((c) => c.column));
  const removals = Object.keys(current).filter((k) => k.startsWith(PII_PREFIX) && !(k in wanted) && !held.has(k) && (declared.has(columnOf(k)) || !keep(columnOf(k))));
  const updates: TableUpdate[] = [];
  if (Object.keys(set).length) updates.push({ action: 'set-properties', updates: set });
  if (removals.length) updates.push({ action: 'remove-properties', removals });
  return updates;
}

/** Whether a `floe.pii.*` value records a policy other than `none` as applied at ingest. */
function appliedAtIngest(value: string | undefined): boolean {
  const [, policy, apply] = (value ?? '').split(':');
  return apply === 'ingest' && policy !== 'none';
}

/** Whether a `floe.pii.*` value is a tag applied at read with a policy that hides the value. */
function maskedOnRead(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [tag, policy, apply, ...rest] = value.split(':');
  return tag !== undefined && tag !== '' && policy !== undefined && policy !== 'none' && (PII_POLICIES as readonly string[]).includes(policy) && (apply === undefined || apply === 'read') && rest.length === 0;
}

/**
 * Commits the tag properties when the table's differ; nothing when they match. `table`: the
 * table as the caller's own commit just left it, so it need not be loaded again. Tags of
 * columns the pipeline no longer declares but the table has or had are kept (piiPropertyUpdates).
 */
export async function syncPiiProperties(catalog: Catalog, io: FileIO, id: TableIdentifier, columns: readonly PiiColumn[], table?: LoadedTable): Promise<void> {
  const t = table ?? (await loadTable(catalog, io, id));
  const updatesFor = (m: LoadedTable['metadata']) => piiPropertyUpdates(m.properties, columns, (column) => tableHadColumn(m, column));
  if (updatesFor(t.metadata).length === 0) return;
  await commitTable(catalog, io, id, async (base) => ({ requirements: [], updates: updatesFor(base.metadata) }), { base: t });
}

/**
 * The tags of a pipeline's quarantine table `<table>__rejects`: its `raw` column holds each
 * rejected row as it arrived, PII columns included, and `reason` may quote a value that failed
 * to convert. When the pipeline tags any column with a policy other than `none`, both are
 * masked on read like the table itself (`floe query --mask`); without --mask they read as they
 * are, for whoever fixes the source.
 */
export function rejectsPiiColumns(columns: readonly PiiColumn[]): PiiColumn[] {
  if (!columns.some((c) => c.policy !== 'none')) return [];
  return ['raw', 'reason'].map((column) => ({ column, tag: 'text', policy: 'mask' as const, apply: 'read' as const, saltEnv: DEFAULT_SALT_ENV }));
}
