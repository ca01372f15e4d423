/**
 * One pipeline file, text → validated Pipeline + diagnostics. The order matters: YAML
 * syntax, then `${VAR}` interpolation on the tree (positions preserved), then the schema.
 */
import { basename, extname } from 'node:path';
import { type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { type Env, explainQuoted, type Interpolation, interpolateDocument } from './interpolate.js';
import { validateAgainst } from './issues.js';
import { locate, parseYaml, type YamlSource } from './parse.js';
import { PIPELINE_NAME } from './schema-common.js';
import { identityPipeline } from './schema-identity.js';
import { ingestPipeline, type Pipeline } from './schema-pipeline.js';

export interface FileResult<T> {
  value: T | undefined;
  diagnostics: Diagnostic[];
  /** Interpolated references, for redaction (values included: never print these). */
  used: Interpolation[];
  /** The parsed file, to locate further findings (absent when the YAML did not parse). */
  source?: YamlSource;
}

/** The pipeline name a file gets when it has no `name:`: its base name without extension. */
export function pipelineNameFromFile(file: string): string {
  return basename(file, extname(file));
}

/** Text of YAML → interpolated plain value, or the diagnostics that prevent it. */
export function readYamlText(text: string, file: string, env: Env): { data: unknown; src: YamlSource; diagnostics: Diagnostic[]; used: Interpolation[]; failed: Set<string>; quoted: Map<string, string>; ok: boolean } {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return { data: undefined, src: parsed.source, diagnostics: parsed.diagnostics, used: [], failed: new Set(), quoted: new Map(), ok: false };
  const interp = interpolateDocument(parsed.source, env);
  const data: unknown = parsed.source.doc.toJS({ maxAliasCount: 100 });
  return { data, src: parsed.source, diagnostics: [...parsed.diagnostics, ...interp.diagnostics], used: interp.used, failed: interp.failed, quoted: interp.quoted, ok: true };
}

export function validatePipelineText(text: string, file: string, env: Env = process.env): FileResult<Pipeline> {
  const read = readYamlText(text, file, env);
  if (!read.ok) return { value: undefined, diagnostics: read.diagnostics, used: [] };
  const { data, src } = read;
  const diagnostics = [...read.diagnostics];
  if (data === null || data === undefined) {
    diagnostics.push({ file, line: 1, col: 1, path: '', message: 'the file is empty: a pipeline needs at least source and target', severity: 'error' });
    return { value: undefined, diagnostics, used: read.used, source: src };
  }
  // Pick the schema by `kind` so an identity file is not reported against ingest's fields.
  const kind = typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>).kind : undefined;
  const schema = kind === 'identity' ? identityPipeline : ingestPipeline;
  const result = validateAgainst(schema, data, src, read.failed);
  diagnostics.push(...explainQuoted(result.diagnostics, read.quoted));

  const fromFile = pipelineNameFromFile(file);
  const given = result.value?.name;
  if (given !== undefined && given !== fromFile) {
    // Allowed, since the file name is not part of the contract, but `floe run <name>` and the
    // file list in the folder then disagree; say so.
    const { line, col } = locate(src, ['name']);
    diagnostics.push({ file, line, col, path: 'name', message: `name '${given}' differs from the file name '${fromFile}'`, severity: 'warning' });
  }
  if (given === undefined && result.value !== undefined && !PIPELINE_NAME.test(fromFile)) {
    diagnostics.push({ file, line: 1, col: 1, path: 'name', message: `the file name '${fromFile}' is not a valid pipeline name (letters, digits, _ and -): rename the file or add name:`, severity: 'error' });
  }
  const value = result.value === undefined || diagnostics.some((d) => d.severity === 'error') ? undefined : ({ ...result.value, name: given ?? fromFile } as Pipeline);
  return { value, diagnostics: sortDiagnostics(diagnostics), used: read.used, source: src };
}
