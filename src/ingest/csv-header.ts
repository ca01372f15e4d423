/**
 * A CSV header that names a column twice.
 *
 * DuckDB's reader renames the second of two equal header names, and of two that differ only
 * in case (`email,email` and `Email,email` both read as `…, email_1`): the column a pipeline's
 * `columns:` rules (a PII policy among them) name then no longer covers the second one, which
 * reaches the table as `email_1` untouched. Column names are case-insensitive in floe (as in
 * Iceberg's and DuckDB's SQL), so such a header is refused, naming the file, its header line
 * and the columns: a fact about the file, like an empty one (explain-read.ts refuseEmptyCsv),
 * so a source error, and not a malformed row that `rejects:` could quarantine.
 *
 * Looking costs nothing for a header without duplicates: only when the columns DuckDB bound
 * hold a name that looks renamed (`x_1` beside an `x`, in any case) is the header line of
 * each file read again (its first MiB, csv-malformed-sample.ts firstRecord) to tell such a
 * rename from a column that is really called `email_1`.
 */
import { sourceError } from '../errors.js';
import type { CsvDialect } from './explain-read.js';
import { firstRecord } from './csv-malformed-sample.js';

/** Whether some name in `names` looks like DuckDB's rename of a duplicate header name. */
export function mayHoldRenamedDuplicate(names: readonly string[]): boolean {
  const lower = new Set(names.map((n) => n.toLowerCase()));
  return names.some((n) => {
    const m = /^(.+)_\d+$/.exec(n);
    return m !== null && lower.has(m[1]!.toLowerCase());
  });
}

/** The header names that occur more than once, ignoring case: each group as the names as written with their 1-based positions. */
export function duplicateHeaderNames(fields: readonly string[]): { name: string; position: number }[][] {
  const groups = new Map<string, { name: string; position: number }[]>();
  fields.forEach((name, i) => {
    const key = name.trim().toLowerCase();
    if (key === '') return;
    const g = groups.get(key);
    if (g) g.push({ name, position: i + 1 });
    else groups.set(key, [{ name, position: i + 1 }]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
}

/**
 * Refuses the first of `files` whose header line names a column twice (see the header), when
 * `columns` (the names DuckDB bound for the read) say one may. `header` false: nothing to do.
 */
export async function refuseDuplicateCsvHeader(
  files: readonly string[],
  columns: readonly string[],
  dialect: (file: string) => CsvDialect | Promise<CsvDialect>,
  header: boolean,
): Promise<void> {
  if (!header || !mayHoldRenamedDuplicate(columns)) return;
  for (const file of files) {
    const d = await dialect(file);
    const fields = await firstRecord(file, d).catch(() => undefined);
    if (!fields) continue;
    const dupes = duplicateHeaderNames(fields);
    if (dupes.length === 0) continue;
    const line = d.skip + 1;
    const told = dupes.map((g) => {
      const same = g.every((x) => x.name === g[0]!.name);
      const where = `columns ${g.map((x) => x.position).join(' and ')}`;
      return same ? `"${g[0]!.name}" twice (${where})` : `${g.map((x) => `"${x.name}"`).join(' and ')} (${where}), which differ only in case`;
    });
    throw sourceError(`${file}:${line}: the header names ${told.join('; ')}: a table cannot have two columns of one name, and column names are case-insensitive`, {
      context: { file, line, columns: dupes.map((g) => g.map((x) => x.name).join(' = ')).join(', ') },
      files: [file],
      hint: 'Rename one of the columns in the file, or leave it out of the export.',
    });
  }
}
