/**
 * A diagnostic is one problem found in floe.yaml or a pipeline file, located precisely
 * enough for an editor to jump to it. Validation collects every diagnostic before
 * reporting (STYLE §7) so a user fixes a file in one round trip, not one error at a time.
 */
import { basename, extname } from 'node:path';
import { configError, type FloeError } from '../errors.js';
import { didYouMean } from './suggest.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** The file as given (absolute when it came from project loading). */
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole (unreadable, missing). */
  line: number;
  /** 1-based; 0 together with line 0. */
  col: number;
  /** Dot path of the field, e.g. `source.kind`, `checks[2].freshness.max_age`; '' for the file. */
  path: string;
  message: string;
  severity: Severity;
}

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * `['checks', 2, 'freshness']` → `checks[2].freshness`. Keys that are not plain words
 * (`write.target-file-size-bytes`) are quoted so the path stays unambiguous.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(String(seg))) out += out === '' ? String(seg) : `.${String(seg)}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/**
 * `file:line:col: path: message` (the compiler convention editors and CI annotate from).
 * Warnings say so after the position, as gcc and tsc do.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const sev = d.severity === 'warning' ? ' warning:' : '';
  const path = d.path === '' ? '' : ` ${d.path}:`;
  return `${where}:${sev}${path} ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** File, then position, so output reads top to bottom like the file. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path),
  );
}

/**
 * `floe run p` when no pipeline is named p. The likeliest cause is a file p.yaml whose `name:`
 * says something else (validate only warns about that): say so, and how to run it.
 * `files` are the pipeline files read, each with the name it goes by.
 */
export function noPipelineNamed(name: string, files: readonly { file: string; name: string }[], projectPath?: string): string {
  const renamed = files.find((f) => basename(f.file, extname(f.file)) === name && f.name !== name);
  if (renamed !== undefined) {
    return `no pipeline named '${name}': ${basename(renamed.file)} declares name '${renamed.name}' (run it as \`${floeCommand(`run ${renamed.name}`, projectPath)}\`, or change its name: to '${name}')`;
  }
  return `no pipeline named '${name}'${didYouMean(name, files.map((f) => f.name))}`;
}

/**
 * A floe command line to suggest in a hint, keeping the `--project` the user gave so it works
 * when pasted from the same folder: `floe --project ../x.yaml validate`.
 */
export function floeCommand(args: string, projectPath?: string): string {
  if (projectPath === undefined) return `floe ${args}`;
  const quoted = /^[A-Za-z0-9_@%+=:,./-]+$/.test(projectPath) ? projectPath : `'${projectPath.replace(/'/g, `'\\''`)}'`;
  return `floe --project ${quoted} ${args}`;
}

/**
 * One config error that lists every error diagnostic, for callers that cannot go on
 * (`floe run` with a broken file). The diagnostics travel as data in the context for --json.
 * `projectPath` is the `--project` given, repeated in the suggested command.
 */
export function diagnosticsError(diagnostics: readonly Diagnostic[], projectPath?: string): FloeError {
  const errors = sortDiagnostics(diagnostics.filter((d) => d.severity === 'error'));
  const n = errors.length;
  const lines = errors.map(formatDiagnostic).join('\n');
  return configError(`${n} error${n === 1 ? '' : 's'} in project files:\n${lines}`, {
    context: { diagnostics: errors },
    hint: `run \`${floeCommand('validate', projectPath)}\` to see every problem, warnings included`,
  });
}
