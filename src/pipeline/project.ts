/**
 * floe.yaml: find it, validate it, resolve its relative paths against its own folder so a
 * project behaves the same from any working directory (DESIGN §4).
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CatalogConfig, parseCatalogUri } from '../catalog/open.js';
import { configError, isFloeError } from '../errors.js';
import { type Diagnostic, diagnosticsError, hasErrors } from './diagnostics.js';
import { type Env, explainQuoted } from './interpolate.js';
import { validateAgainst } from './issues.js';
import { locate } from './parse.js';
import type { FileResult } from './pipeline.js';
import { readYamlText } from './pipeline.js';
import { type Project, projectSchema } from './schema-project.js';
import { collectSecrets, createRedactor } from './secrets.js';

export const PROJECT_FILE = 'floe.yaml';

export interface ProjectConfig extends Omit<Project, 'catalog'> {
  /** Absolute path of floe.yaml. */
  file: string;
  /** Its folder: the base of every relative path in the project. */
  dir: string;
  /** `uri` defaults to a SQLite file in a local warehouse (DESIGN §1 "Embedded default"). */
  catalog: CatalogConfig;
  /** Absolute forms of the paths in the file. */
  paths: {
    /** Absolute folder, or the s3:// URL unchanged. */
    warehouse: string;
    pipelines: string;
    /** The SQLite file of a sqlite: catalog; undefined for Postgres. */
    catalog: string | undefined;
  };
}

const exists = (p: string) => stat(p).then((s) => s, () => undefined);

/**
 * floe.yaml from `--project` (the file, or a folder holding it), else the first one found in
 * `cwd` or its parents.
 */
export async function findProjectFile(projectPath?: string, cwd: string = process.cwd()): Promise<string> {
  if (projectPath !== undefined) {
    const p = resolve(cwd, projectPath);
    const s = await exists(p);
    if (s?.isDirectory()) {
      const f = join(p, PROJECT_FILE);
      if (await exists(f)) return f;
      throw configError(`no ${PROJECT_FILE} in ${p}`, { context: { file: f }, hint: `run \`floe init ${projectPath}\` to create one` });
    }
    if (s) return p;
    throw configError(`project file ${p} does not exist`, { context: { file: p } });
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const f = join(dir, PROJECT_FILE);
    if ((await exists(f))?.isFile()) return f;
    if (dirname(dir) === dir) break;
  }
  throw configError(`no ${PROJECT_FILE} in ${resolve(cwd)} or any folder above it`, {
    hint: 'run `floe init` to create a project, or pass --project <path>',
  });
}

const isUrl = (p: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p);

/** A path from a project file: URLs (s3://, https://) unchanged, file:// and relative paths made absolute. */
export function resolveProjectPath(dir: string, p: string): string {
  if (/^file:\/\//i.test(p)) return fileURLToPath(p);
  return isUrl(p) ? p : resolve(dir, p);
}

/** Validates the text of floe.yaml found at `file` (absolute). */
export function validateProjectText(text: string, file: string, env: Env = process.env): FileResult<ProjectConfig> {
  const read = readYamlText(text, file, env);
  if (!read.ok) return { value: undefined, diagnostics: read.diagnostics, used: [], source: read.src };
  // An empty floe.yaml is a valid project: every field has a default.
  const result = validateAgainst(projectSchema, read.data ?? {}, read.src, read.failed);
  const diagnostics: Diagnostic[] = [...read.diagnostics, ...explainQuoted(result.diagnostics, read.quoted)];
  if (result.value === undefined || hasErrors(diagnostics)) return { value: undefined, diagnostics, used: read.used, source: read.src };

  const p = result.value;
  const dir = dirname(file);
  const warehouse = resolveProjectPath(dir, p.warehouse);
  const uri = p.catalog.uri ?? `sqlite:${join(warehouse, 'catalog.db')}`;
  let catalogPath: string | undefined;
  try {
    const target = parseCatalogUri(uri, dir);
    catalogPath = target.kind === 'sqlite' ? target.path : undefined;
  } catch (e) {
    if (!isFloeError(e)) throw e;
    const { line, col } = locate(read.src, ['catalog', 'uri']);
    diagnostics.push({ file, line, col, path: 'catalog.uri', message: e.message.replace(/^catalog\.uri: /, ''), severity: 'error' });
    return { value: undefined, diagnostics, used: read.used, source: read.src };
  }
  const value: ProjectConfig = {
    ...p,
    catalog: { uri, name: p.catalog.name },
    file,
    dir,
    paths: { warehouse, pipelines: resolve(dir, p.pipelines), catalog: catalogPath },
  };
  return { value, diagnostics, used: read.used, source: read.src };
}

/** Reads and validates floe.yaml; the diagnostics say what is wrong. */
export async function readProject(projectPath?: string, options: { cwd?: string; env?: Env } = {}): Promise<FileResult<ProjectConfig> & { file: string }> {
  const file = await findProjectFile(projectPath, options.cwd);
  const text = await readFile(file, 'utf8');
  return { file, ...validateProjectText(text, file, options.env ?? process.env) };
}

/** floe.yaml for commands that need a working project: throws one config error listing every problem. */
export async function loadProjectFile(projectPath?: string, options: { cwd?: string; env?: Env } = {}): Promise<ProjectConfig> {
  const r = await readProject(projectPath, options);
  if (r.value === undefined || hasErrors(r.diagnostics)) {
    const redact = createRedactor(collectSecrets(r.used));
    throw diagnosticsError(
      r.diagnostics.map((d) => ({ ...d, message: redact(d.message) })),
      projectPath,
    );
  }
  return r.value;
}
