/**
 * The PII tags a masked read applies to a table as it is now (`floe query --mask`, the
 * sources of `sql` pipelines; views.ts).
 *
 * Tags are table properties keyed by column name (`floe.pii.<column>`, policy.ts), but a
 * column's name can change while its data stays: `floe table evolve --rename-column
 * email=mail` keeps `floe.pii.email`. A tag therefore follows the field ids its column name
 * had in any of the table's schemas (Iceberg keeps them all; spec "Schema Evolution": a
 * rename changes the name, never the id), and masks the current column with that id as well
 * as a current column of that name. A dropped column has nothing left to mask.
 *
 * Reads fail closed: a tag whose value floe cannot read is a configuration error, never a
 * column shown unmasked. Pure: no IO.
 */
import { configError } from '../errors.js';
import type { Schema } from '../iceberg/types.js';
import { DEFAULT_SALT_ENV, PII_POLICIES, PII_PREFIX, type PiiColumn, type PiiPolicy, POLICY_STRICTNESS as STRICTNESS } from './policy.js';

export interface TaggedTable {
  schemas: readonly Schema[];
  'current-schema-id': number;
  properties: Readonly<Record<string, string>>;
}

/** Every `floe.pii.<column>` tag of the table's properties; a value floe cannot read throws. */
function readTags(t: TaggedTable, table: string): PiiColumn[] {
  const out: PiiColumn[] = [];
  for (const [key, value] of Object.entries(t.properties)) {
    if (!key.startsWith(PII_PREFIX) || key.endsWith('.salt-env')) continue;
    const column = key.slice(PII_PREFIX.length);
    const [tag, policy, apply, ...rest] = value.split(':');
    const ok =
      tag !== undefined && tag.trim() !== '' && (PII_POLICIES as readonly string[]).includes(policy ?? '') && (apply === undefined || apply === 'ingest' || apply === 'read') && rest.length === 0;
    if (!ok) {
      throw configError(`table ${table}: property ${key} = '${value}' is not a PII tag (<tag>:<policy>, policy one of ${PII_POLICIES.join(', ')}); its column cannot be masked`, {
        context: { table, property: key },
        hint: `Correct it, e.g. floe table evolve ${table} --set-property ${key}=text:mask`,
      });
    }
    out.push({
      column,
      tag,
      policy: policy as PiiPolicy,
      apply: apply === 'ingest' ? 'ingest' : 'read',
      saltEnv: t.properties[`${key}.salt-env`] ?? DEFAULT_SALT_ENV,
    });
  }
  return out;
}

/** The tags applied at read with a policy other than `none`: what a masked read must apply. */
export function readTagsToApply(t: TaggedTable, table: string): PiiColumn[] {
  return readTags(t, table).filter((c) => c.apply === 'read' && c.policy !== 'none');
}

/**
 * The columns to mask on read, one entry each (the strictest tag that reaches it), sorted by
 * column: tags applied at read with a policy other than `none`. `readSchema` is the schema the
 * rows are read with: the current one by default, the snapshot's own for time travel
 * (snapshot-select.ts), where a column may still carry a name it has since lost, or still
 * exist after the current schema dropped it. Names compare case-insensitively (DuckDB binds
 * them so), so a tag never misses its column by case.
 */
export function readMaskColumns(t: TaggedTable, table: string, readSchema?: Schema): PiiColumn[] {
  return tagsByColumn(readTagsToApply(t, table), t, readSchema);
}

/**
 * Every tag of the table (read masks, ingest-applied and `none` classifications) on the
 * current column it reaches, one per column: read policies by strictness first, then tags
 * applied at ingest, then `none`. For copying tags to tables built from this one.
 */
export function currentColumnTags(t: TaggedTable, table: string): PiiColumn[] {
  return tagsByColumn(readTags(t, table), t, undefined);
}

const rank = (c: PiiColumn) => (c.apply === 'read' && c.policy !== 'none' ? 10 + STRICTNESS[c.policy] : c.apply === 'ingest' ? 5 + STRICTNESS[c.policy] : 0);

function tagsByColumn(tags: readonly PiiColumn[], t: TaggedTable, readSchema: Schema | undefined): PiiColumn[] {
  if (tags.length === 0) return [];
  const read = readSchema ?? t.schemas.find((s) => s['schema-id'] === t['current-schema-id']) ?? t.schemas[t.schemas.length - 1];
  if (!read) return [];
  // Only top-level columns can be tagged (policy.ts), so only top-level names are followed.
  const idsByName = new Map<string, Set<number>>();
  for (const s of [...t.schemas, read]) for (const f of s.fields) idsByName.set(f.name.toLowerCase(), (idsByName.get(f.name.toLowerCase()) ?? new Set()).add(f.id));
  const byColumn = new Map<string, PiiColumn>();
  for (const tag of tags) {
    let name = tag.column.toLowerCase();
    // A tag naming a field inside a struct ('requester.email', set by hand) cannot mask the
    // field alone: it masks the whole top-level column rather than nothing.
    for (let dot = name.lastIndexOf('.'); !idsByName.has(name) && dot > 0; dot = name.lastIndexOf('.')) name = name.slice(0, dot);
    const ids = idsByName.get(name) ?? new Set<number>();
    for (const f of read.fields) {
      if (f.name.toLowerCase() !== name && !ids.has(f.id)) continue;
      const seen = byColumn.get(f.name);
      if (seen === undefined || rank(tag) > rank(seen)) byColumn.set(f.name, { ...tag, column: f.name });
    }
  }
  return [...byColumn.values()].sort((a, b) => a.column.localeCompare(b.column));
}

/**
 * True when a column of that name (any case) is in any of the table's schemas: its values may
 * still be read, today or by time travel to a snapshot written with it.
 */
export function tableHadColumn(t: Pick<TaggedTable, 'schemas'>, column: string): boolean {
  const name = column.toLowerCase();
  return t.schemas.some((s) => s.fields.some((f) => f.name.toLowerCase() === name));
}
