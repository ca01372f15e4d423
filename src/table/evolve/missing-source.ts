/**
 * A default partition spec or sort order over a column the current schema does not have
 * (iceberg/partition-rules.ts, missingLayoutSources): floe never makes one (`table evolve`
 * refuses to drop a column a spec or the sort order uses), but another tool can. Such a table
 * still reads; a write would have nowhere to take the partition values or the sort key from,
 * so it is refused before any file is written, naming the table, the spec or order id, the
 * field and the column, with the `floe table evolve` options that repair it.
 */
import { schemaError, type FloeError } from '../../errors.js';
import { describeMissingSource, missingLayoutSources, type MissingLayoutSource } from '../../iceberg/partition-rules.js';
import type { TableMetadata } from '../../iceberg/types.js';

/** "its default partition spec 0 has partition field 'ts_day' (day of column 'ts', id 2)". */
function describeMissingSources(problems: readonly MissingLayoutSource[], schemaId: number): string {
  const parts: string[] = [];
  for (const what of ['partition spec', 'sort order'] as const) {
    const of = problems.filter((p) => p.what === what);
    if (of.length === 0) continue;
    parts.push(`the default ${what} ${of[0]!.id} uses ${of.map(describeMissingSource).join(' and ')}`);
  }
  return `${parts.join(', and ')}, which the current schema ${schemaId} does not have`;
}

/** The options of `floe table evolve` that take the missing columns out of the layout. */
function repairHint(table: string, problems: readonly MissingLayoutSource[]): string {
  const options = [
    ...problems.filter((p) => p.what === 'partition spec').map((p) => `--drop-partition-field ${p.field}`),
    ...(problems.some((p) => p.what === 'sort order') ? ['--sort-by none'] : []),
  ];
  return `change the layout first: floe table evolve ${table} ${options.join(' ')} (or give a new --partition-by / --sort-by)`;
}

/** Throws when `m`'s default spec or sort order cannot bind to its current schema. */
export function refuseWriteWithMissingLayoutSource(m: TableMetadata, table: string): void {
  const problems = missingLayoutSources(m);
  if (problems.length === 0) return;
  throw missingSourceError(`cannot write to table ${table}: ${describeMissingSources(problems, m['current-schema-id'])}`, table, problems);
}

/** A `table evolve` change that leaves the default spec or sort order over a missing column. */
export function leftInPlaceError(m: TableMetadata, table: string, problems: readonly MissingLayoutSource[]): FloeError {
  return missingSourceError(`table ${table}: ${describeMissingSources(problems, m['current-schema-id'])}; this change leaves that in place`, table, problems);
}

function missingSourceError(message: string, table: string, problems: readonly MissingLayoutSource[]): FloeError {
  const first = problems[0]!;
  return schemaError(message, {
    context: { table, [first.what === 'partition spec' ? 'spec' : 'sort_order']: String(first.id), column: first.lastName ?? `id ${first.sourceId}` },
    hint: repairHint(table, problems),
  });
}
