/**
 * `normalize: phone` with a `region` libphonenumber has no numbering plan for (`XX`, `ZZ`):
 * the schema only checks the shape (two capital letters), and the normaliser refused the
 * region when the run reached it, without the file, line and column. Checked at every
 * project load instead, so `floe validate` reports it and `floe run` stops before reading
 * the source. libphonenumber is loaded only when some pipeline gives a region.
 */
import { type Diagnostic, formatPath } from './diagnostics.js';
import { locate, type YamlSource } from './parse.js';
import type { Pipeline } from './schema-pipeline.js';

/** floe's one two-letter alias the phone normaliser accepts besides the ISO codes (c360/normalize/country.ts). */
const ALIASES: Readonly<Record<string, string>> = { UK: 'GB' };

export async function phoneRegionDiagnostics(files: readonly { file: string; source: YamlSource; pipeline: Pipeline }[]): Promise<Diagnostic[]> {
  const given = files.flatMap(({ file, source, pipeline }) =>
    pipeline.kind !== 'ingest' ? [] : Object.entries(pipeline.columns).flatMap(([column, rule]) => (rule.normalize === 'phone' && rule.region !== undefined ? [{ file, source, column, region: rule.region }] : [])),
  );
  if (given.length === 0) return [];
  const { isSupportedCountry } = await import('libphonenumber-js/max');
  return given.flatMap(({ file, source, column, region }) => {
    if (isSupportedCountry(ALIASES[region] ?? region)) return [];
    return [{
      file,
      ...locate(source, ['columns', column, 'region']),
      path: formatPath(['columns', column, 'region']),
      message: `phone region '${region}' is not an ISO 3166 alpha-2 code with a telephone numbering plan; use a code such as US, GB or DE`,
      severity: 'error' as const,
    }];
  });
}
