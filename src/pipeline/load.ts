/**
 * A whole project: floe.yaml plus every pipeline file in its `pipelines:` folder, validated
 * together. This is `floe validate` (it returns data and never prints; the CLI formats the
 * diagnostics) and the loader every other command starts from.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseCatalogUri } from '../catalog/open.js';
import { type Diagnostic, noPipelineNamed, sortDiagnostics } from './diagnostics.js';
import type { Env, Interpolation } from './interpolate.js';
import { locate, type YamlSource } from './parse.js';
import { pipelineNameFromFile, validatePipelineText } from './pipeline.js';
import { type ProjectConfig, readProject, resolveProjectPath } from './project.js';
import { runOrder, type RunOrder } from './order.js';
import type { Pipeline } from './schema-pipeline.js';
import { collectSecrets, createRedactor, type Redactor } from './secrets.js';
import { didYouMean } from './suggest.js';

export interface LoadedPipeline {
  name: string;
  /** Absolute path of the pipeline file. */
  file: string;
  pipeline: Pipeline;
  /** Source locations resolved against the folder of floe.yaml (URLs unchanged). */
  resolved: { paths?: string[]; connection?: string };
}

export interface LoadOptions {
  /** Where the search for floe.yaml starts, and the base of relative `select` paths; default process.cwd(). */
  cwd?: string;
  /** Variables for `${VAR}`; default process.env. */
  env?: Env;
  /**
   * Only these pipelines (`floe validate a b`): names, or paths of pipeline files (which may
   * lie outside the pipelines folder). Every file is still read, for names and run order.
   */
  select?: string[];
  /** Parse the query of every `sql` check with DuckDB (`floe validate`; checks/validate-sql.ts). */
  checkSql?: boolean;
}

export interface ProjectLoad {
  /** Undefined when floe.yaml has errors. */
  project: ProjectConfig | undefined;
  /** The valid pipelines (only the selected ones, when `select` is given), in run order. */
  pipelines: LoadedPipeline[];
  /** Every problem in the files concerned, sorted by file and position, secrets redacted. */
  diagnostics: Diagnostic[];
  /** Run order of every valid pipeline in the folder. */
  order: RunOrder;
  /** Masks every secret the files or their variables hold; use it on anything printed. */
  redact: Redactor;
}

const isYaml = (f: string) => /\.ya?ml$/i.test(f);
const looksLikePath = (s: string) => s.includes('/') || s.includes('\\') || isYaml(s);

function resolveSource(dir: string, p: Pipeline): LoadedPipeline['resolved'] {
  if (p.kind !== 'ingest') return {};
  const s = p.source;
  if (s.kind === 'csv' || s.kind === 'json' || s.kind === 'jsonl' || s.kind === 'parquet') {
    return { paths: s.path.map((x) => resolveProjectPath(dir, x)) };
  }
  if (s.kind === 'sqlite') return { connection: sqliteSourcePath(dir, s.connection) };
  return {};
}

/**
 * A sqlite source's database file. Besides a path, the URI forms the catalog takes
 * (`sqlite:crm.db`, `sqlite:///crm.db`, `jdbc:sqlite:/abs/crm.db`; catalog/open.ts) name a
 * file the same way, so a URI copied from floe.yaml or a PyIceberg config reads that file and
 * not one named `sqlite:crm.db`. A URI the catalog refuses is left as written: the source then
 * fails naming it.
 */
function sqliteSourcePath(dir: string, connection: string): string {
  if (/^\s*(jdbc:)?sqlite:/i.test(connection)) {
    try {
      const target = parseCatalogUri(connection, dir);
      if (target.kind === 'sqlite' && target.path !== ':memory:') return target.path;
    } catch {
      // As written.
    }
  }
  return resolveProjectPath(dir, connection);
}

interface FileEntry {
  file: string;
  /** The pipeline's name, or the file's base name when the file is invalid. */
  name: string;
  loaded?: LoadedPipeline;
  source?: YamlSource;
}

/** Reads and validates floe.yaml and every pipeline file. Throws only when floe.yaml cannot be found or read. */
export async function loadProject(projectPath?: string, options: LoadOptions = {}): Promise<ProjectLoad> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const proj = await readProject(projectPath, { cwd, env });
  const dir = dirname(proj.file);
  const diagnostics: Diagnostic[] = [...proj.diagnostics];
  const used: Interpolation[] = [...proj.used];
  const configs: unknown[] = [proj.value];

  // The folder is known even when another field of floe.yaml is wrong: keep going, so one
  // run reports the pipelines' problems too.
  const folder = proj.value?.paths.pipelines ?? resolve(dir, 'pipelines');
  let files: string[] = [];
  try {
    // Not recursive: sample data beside the pipelines may well include YAML.
    files = (await readdir(folder)).filter(isYaml).sort().map((n) => join(folder, n));
  } catch {
    const at = proj.source ? locate(proj.source, ['pipelines']) : { line: 1, col: 1 };
    diagnostics.push({ file: proj.file, ...at, path: 'pipelines', message: `the pipelines folder ${folder} does not exist`, severity: 'error' });
  }
  files = files.filter((f) => f !== proj.file);
  if (files.length === 0 && !diagnostics.some((d) => d.path === 'pipelines')) {
    diagnostics.push({ file: proj.file, line: 0, col: 0, path: 'pipelines', message: `no pipeline files (*.yaml) in ${folder}`, severity: 'warning' });
  }
  for (const s of options.select ?? []) {
    const f = resolve(cwd, s);
    if (looksLikePath(s) && !files.includes(f)) files.push(f);
  }

  const entries: FileEntry[] = [];
  const byName = new Map<string, FileEntry>();
  for (const file of files) {
    const entry: FileEntry = { file, name: pipelineNameFromFile(file) };
    entries.push(entry);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      diagnostics.push({ file, line: 0, col: 0, path: '', message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, severity: 'error' });
      continue;
    }
    const r = validatePipelineText(text, file, env);
    diagnostics.push(...r.diagnostics);
    used.push(...r.used);
    entry.source = r.source;
    if (r.value === undefined) continue;
    configs.push(r.value);
    entry.name = r.value.name;
    const clash = byName.get(entry.name);
    if (clash !== undefined) {
      diagnostics.push({ file, ...locate(r.source!, ['name']), path: 'name', message: `pipeline name '${entry.name}' is already used by ${clash.file}`, severity: 'error' });
      continue;
    }
    byName.set(entry.name, entry);
    entry.loaded = { name: entry.name, file, pipeline: r.value, resolved: resolveSource(dir, r.value) };
  }
  const valid = entries.filter((e): e is FileEntry & { loaded: LoadedPipeline } => e.loaded !== undefined);

  // Two pipelines writing one table is allowed (two sources appending to it), but worth a look.
  const writers = new Map<string, string>();
  for (const e of valid) {
    if (e.loaded.pipeline.kind !== 'ingest') continue;
    const t = e.loaded.pipeline.target.table;
    const other = writers.get(t);
    if (other === undefined) writers.set(t, e.name);
    else diagnostics.push({ file: e.file, ...locate(e.source!, ['target', 'table']), path: 'target.table', message: `pipeline ${other} also writes ${t}`, severity: 'warning' });
  }

  // Identity inputs' columns against the tables already in the catalog (src/run/identity-validate.ts).
  const identityFiles = valid.flatMap((e) => (e.loaded.pipeline.kind === 'identity' ? [{ file: e.file, source: e.source!, pipeline: e.loaded.pipeline }] : []));
  // Identity outputs another pipeline writes too (src/run/identity-outputs.ts).
  if (identityFiles.length) diagnostics.push(...(await import('../run/identity-outputs.js')).identityOutputDiagnostics(valid.map((e) => ({ name: e.name, file: e.file, source: e.source!, pipeline: e.loaded.pipeline }))));
  if (identityFiles.length && proj.value) diagnostics.push(...(await (await import('../run/identity-validate.js')).identityColumnDiagnostics(proj.value, identityFiles)));

  // Phone regions libphonenumber has no numbering plan for (phone-regions.ts).
  const typed = valid.map((e) => ({ file: e.file, source: e.source!, pipeline: e.loaded.pipeline }));
  diagnostics.push(...(await (await import('./phone-regions.js')).phoneRegionDiagnostics(typed)));
  // Date and timestamp patterns DuckDB's strptime cannot read (column-formats.ts).
  diagnostics.push(...(await (await import('./column-formats.js')).columnFormatDiagnostics(typed)));
  // Phone region_from columns the source does not have, for the sources readable locally: only for `floe validate` (region-from.ts).
  if (options.checkSql) {
    const regionFrom = valid.flatMap((e) => (e.loaded.pipeline.kind === 'ingest' ? [{ file: e.file, source: e.source!, pipeline: e.loaded.pipeline, resolved: e.loaded.resolved, projectDir: dir }] : []));
    diagnostics.push(...(await (await import('./region-from.js')).regionFromDiagnostics(regionFrom)));
  }

  // The queries of sql checks, parsed by DuckDB: only for `floe validate`, which is the one command that loads no engine otherwise.
  const sqlFiles = options.checkSql ? valid.flatMap((e) => (e.loaded.pipeline.checks.some((c) => c.kind === 'sql') ? [{ file: e.file, source: e.source!, checks: e.loaded.pipeline.checks }] : [])) : [];
  // So are the queries of sql pipelines: one that DuckDB cannot parse passed validate and failed the run.
  const sqlSources = options.checkSql
    ? valid.flatMap((e) => {
        const p = e.loaded.pipeline;
        return p.kind === 'ingest' && p.source.kind === 'sql' ? [{ file: e.file, source: e.source!, query: p.source.query }] : [];
      })
    : [];
  if (sqlFiles.length || sqlSources.length) {
    const { queryValuePosition, sqlCheckDiagnostics, withDuckDBParser } = await import('../checks/validate-sql.js');
    diagnostics.push(
      ...(await withDuckDBParser(async (parse) => {
        const out = await sqlCheckDiagnostics(sqlFiles, parse);
        for (const q of sqlSources) {
          const found = await parse(q.query);
          const problem = typeof found === 'string' ? { message: found, index: undefined } : found;
          // Several statements, or one other than SELECT, are reported by the reads' check below.
          if (problem === undefined || problem.message.startsWith('a check runs')) continue;
          // At the error's line and column inside the query when DuckDB gives its offset.
          const at = problem.index === undefined ? locate(q.source, ['source', 'query']) : queryValuePosition(q.source, ['source', 'query'], q.query, problem.index);
          out.push({ file: q.file, ...at, path: 'source.query', message: `DuckDB cannot read this query: ${problem.message}`, severity: 'error' });
        }
        return out;
      })),
    );
  }

  // What sql checks read: the checked rows and catalog tables only, never files or DuckDB's catalog (checks/validate-sql.ts); refused at every load.
  const checkReads = valid.flatMap((e) => (e.loaded.pipeline.checks.some((c) => c.kind === 'sql') ? [{ file: e.file, source: e.source!, checks: e.loaded.pipeline.checks }] : []));
  if (checkReads.length) diagnostics.push(...(await (await import('../checks/validate-sql.js')).sqlCheckReadDiagnostics(checkReads)));

  // What sql pipelines read: catalog tables only, never files (governance/sql-pipeline.ts); refused before any run.
  const sqlPipelines = valid.flatMap((e) => {
    const p = e.loaded.pipeline;
    return p.kind === 'ingest' && p.source.kind === 'sql' ? [{ file: e.file, source: e.source!, query: p.source.query }] : [];
  });
  if (sqlPipelines.length) diagnostics.push(...(await (await import('../governance/sql-pipeline.js')).sqlPipelineDiagnostics(sqlPipelines)));

  const order = runOrder(
    valid.map((e) => {
      const path = e.loaded.pipeline.kind === 'identity' ? ['inputs'] : ['source', 'query'];
      return { ...e.loaded, readsAt: { ...locate(e.source!, path), path: path.join('.') } };
    }),
  );
  diagnostics.push(...order.diagnostics);

  // Selection happens after everything is read, so a misspelt name gets a suggestion and a
  // selected but broken file still shows its errors.
  let chosen = entries;
  if (options.select !== undefined && options.select.length > 0) {
    chosen = [];
    for (const s of options.select) {
      const hit = looksLikePath(s) ? entries.find((e) => e.file === resolve(cwd, s)) : (byName.get(s) ?? entries.find((e) => e.name === s));
      if (hit) chosen.push(hit);
      else diagnostics.push({ file: folder, line: 0, col: 0, path: '', message: noPipelineNamed(s, entries, projectPath), severity: 'error' });
    }
    const keep = new Set([proj.file, folder, ...chosen.map((e) => e.file)]);
    diagnostics.splice(0, diagnostics.length, ...diagnostics.filter((d) => keep.has(d.file)));
  }
  const rank = new Map(order.order.map((n, i) => [n, i]));
  const pipelines = [...new Set(chosen)]
    .flatMap((e) => (e.loaded ? [e.loaded] : []))
    .sort((a, b) => rank.get(a.name)! - rank.get(b.name)!);

  const redact = createRedactor(collectSecrets(used, ...configs));
  return {
    project: proj.value,
    pipelines,
    diagnostics: sortDiagnostics(diagnostics).map((d) => ({ ...d, message: redact(d.message) })),
    order,
    redact,
  };
}

/** The function behind `floe validate [pipeline...]`: same as loadProject, named for the command. */
export function validateProject(projectPath?: string, options: LoadOptions = {}): Promise<ProjectLoad> {
  return loadProject(projectPath, options);
}
