import type { Command } from 'commander';
import type { Catalog } from '../../catalog/catalog.js';
import { formatTableIdentifier, parseTableIdentifier } from '../../catalog/identifier.js';
import { FloeError } from '../../errors.js';
import { stringifyJson } from '../../iceberg/json.js';
import type { IcebergType, NestedField, TableMetadata } from '../../iceberg/types.js';
import { formatDuration } from '../../pipeline/duration.js';
import { didYouMean } from '../../pipeline/suggest.js';
import { loadTable } from '../../table/load.js';
import { globalsOf, withProject } from '../context.js';
import { plural } from '../../text-table.js';
import { consoleOutput, oneLine, reportingS3Retries } from '../output.js';
import { currentSnapshot } from '../../table/snapshot-select.js';

export default async function describe(tableName: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const id = parseTableIdentifier(tableName);
    const table = await withProject(globalsOf(cmd), ({ catalog, io }) => loadTable(catalog, io, id).catch((e: unknown) => withTableSuggestion(e, catalog, tableName)), {
      create: false,
    });
    const m = table.metadata;
    if (opts.json) {
      out.out(stringifyJson({ table: tableName, 'metadata-location': table.metadataLocation, metadata: m }, 2));
      return 0;
    }
    out.out(describeText(tableName, table.metadataLocation, m));
    return 0;
  });
}

/**
 * A table that is not in the catalog, with the closest name that is (`raw.MG` for `raw.mg`,
 * `raw.ordrs` for `raw.orders`), as a misspelt pipeline name gets one. Throws `e`, or `e`
 * with the suggestion when the catalog lists one; a catalog that cannot be listed leaves `e`.
 */
export async function withTableSuggestion(e: unknown, catalog: Catalog, name: string): Promise<never> {
  // The table itself is missing (not, say, a metadata file it names).
  if (!(e instanceof FloeError) || e.kind !== 'not-found' || e.context.table !== name) throw e;
  const names = await catalog
    .listTables()
    .then((ids) => ids.map(formatTableIdentifier))
    .catch(() => [] as string[]);
  const hint = didYouMean(name, names.filter((n) => n !== name));
  if (hint === '') throw e;
  throw new FloeError('not-found', `${e.message}${hint}`, { cause: e, context: e.context, ...(e.hint !== undefined ? { hint: e.hint } : {}) });
}

export function describeText(name: string, metadataLocation: string, m: TableMetadata): string {
  const schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
  const lines: string[] = [];
  lines.push(`table            ${name}`);
  lines.push(`format-version   ${m['format-version']}`);
  lines.push(`location         ${m.location}`);
  lines.push(`metadata         ${metadataLocation}`);
  lines.push(`table-uuid       ${m['table-uuid']}`);
  const current = currentSnapshot(m);
  lines.push(
    `current snapshot ${current ? `${current['snapshot-id']} (${current.summary.operation}, ${new Date(current['timestamp-ms']).toISOString()}, ${rowsText(current.summary)})` : 'none'}`,
  );
  lines.push('', `schema ${m['current-schema-id']}:`);
  if (schema) for (const f of schema.fields) fieldLines(f, '  ', lines);
  const spec = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']);
  lines.push('', `partition spec ${m['default-spec-id']}:${spec && spec.fields.length ? '' : ' unpartitioned'}`);
  for (const f of spec?.fields ?? []) {
    const src = schema ? columnNameOf(schema.fields, f['source-id']) : String(f['source-id']);
    lines.push(`  ${f.name} = ${f.transform}(${src})  [field-id ${f['field-id']}]`);
  }
  const order = m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']);
  lines.push('', `sort order ${m['default-sort-order-id']}:${order && order.fields.length ? '' : ' unsorted'}`);
  for (const f of order?.fields ?? []) {
    const src = schema ? columnNameOf(schema.fields, f['source-id']) : String(f['source-id']);
    lines.push(`  ${f.transform === 'identity' ? src : `${f.transform}(${src})`} ${f.direction} ${f['null-order']}`);
  }
  const props = Object.entries(m.properties).sort(([a], [b]) => a.localeCompare(b));
  lines.push('', `properties:${props.length ? '' : ' none'}`);
  for (const [k, v] of props) lines.push(`  ${oneLine(k)} = ${oneLine(v)}`);
  const refs = Object.entries(m.refs);
  if (refs.length) {
    lines.push('', 'refs:');
    // main first, then by name; retention in the words of the snapshot tag/branch options.
    refs.sort(([a], [b]) => (a === 'main' ? -1 : b === 'main' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const [k, r] of refs) {
      const keep = [
        r['min-snapshots-to-keep'] !== undefined ? `retain-last ${r['min-snapshots-to-keep']}` : '',
        r['max-snapshot-age-ms'] !== undefined ? `max-snapshot-age ${formatDuration(r['max-snapshot-age-ms'])}` : '',
        r['max-ref-age-ms'] !== undefined ? `retain ${formatDuration(r['max-ref-age-ms'])}` : '',
      ].filter(Boolean);
      lines.push(`  ${oneLine(k)} (${r.type}) → ${r['snapshot-id']}${keep.length ? `  [${keep.join(', ')}]` : ''}`);
    }
  }
  return lines.join('\n');
}

/**
 * The snapshot's row count from its summary. `total-records` counts the rows of the data files
 * (spec: "Snapshot Summary"), before delete files apply: with deletes it is not the table's row
 * count, so it is worded as what it is, with the delete records beside it.
 */
function rowsText(summary: Record<string, string | undefined>): string {
  const records = summary['total-records'] ?? '?';
  const deletes = summaryDeletes(summary).map(([kind, n]) => plural(n, `${kind} delete`));
  return deletes.length === 0 ? `${records} rows` : `${records} rows in data files, ${deletes.join(', ')}`;
}

/** A snapshot summary's position and equality delete records that are more than 0 (`floe describe`, `floe snapshots`). */
export function summaryDeletes(summary: Record<string, string | undefined>): ['position' | 'equality', bigint][] {
  const out: ['position' | 'equality', bigint][] = [];
  for (const [key, kind] of [['total-position-deletes', 'position'], ['total-equality-deletes', 'equality']] as const) {
    const n = summary[key];
    if (n !== undefined && /^\d+$/.test(n) && BigInt(n) > 0n) out.push([kind, BigInt(n)]);
  }
  return out;
}

function typeText(t: IcebergType): string {
  if (typeof t === 'string') return t;
  if (t.type === 'list') return `list<${typeText(t.element)}>`;
  if (t.type === 'map') return `map<${typeText(t.key)}, ${typeText(t.value)}>`;
  return 'struct';
}

function fieldLines(f: NestedField, indent: string, lines: string[]): void {
  lines.push(`${indent}${f.id}: ${f.name} ${typeText(f.type)}${f.required ? ' NOT NULL' : ''}${f.doc ? `  -- ${f.doc}` : ''}`);
  let t = f.type;
  while (typeof t === 'object' && t.type !== 'struct') t = t.type === 'list' ? t.element : t.value;
  if (typeof t === 'object' && t.type === 'struct') for (const c of t.fields) fieldLines(c, indent + '  ', lines);
}

function columnNameOf(fields: NestedField[], id: number, prefix = ''): string {
  for (const f of fields) {
    if (f.id === id) return prefix + f.name;
    if (typeof f.type === 'object' && f.type.type === 'struct') {
      const found = columnNameOf(f.type.fields, id, `${prefix}${f.name}.`);
      if (found !== String(id)) return found;
    }
  }
  return String(id);
}
