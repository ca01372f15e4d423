/**
 * `columns.<phone>.region_from` names the source column holding each row's country. A name
 * the source does not have failed the run when the normaliser's SQL was planned, without the
 * file, line and column. `floe validate` reads the columns of the sources it can describe
 * without a server: local CSV, JSON Lines, JSON and Parquet files (DuckDB reads the header
 * or schema, not the rows) and SQLite files (the query is prepared, not run). Other sources
 * (Postgres, MySQL, HTTP, sql, s3:// files) are checked when `floe plan` or `floe run`
 * reads them (run/normalize.ts).
 */
import path from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { FileIO } from '../io/fileio.js';
import { type Diagnostic, formatPath } from './diagnostics.js';
import type { LoadedPipeline } from './load.js';
import { locate, type YamlSource } from './parse.js';
import type { IngestPipeline } from './schema-pipeline.js';
import { didYouMean } from './suggest.js';

export interface RegionFromFile {
  file: string;
  source: YamlSource;
  pipeline: IngestPipeline;
  resolved: LoadedPipeline['resolved'];
  projectDir: string;
}

/** The rules with a region_from, as [phone column, named column]. */
const regionFromRules = (p: IngestPipeline): [string, string][] =>
  Object.entries(p.columns).flatMap(([c, r]) => (r.normalize === 'phone' && r.region_from !== undefined && r.region_from !== c ? [[c, r.region_from] as [string, string]] : []));

const FILE_KINDS = new Set(['csv', 'jsonl', 'json', 'parquet']);

/** The source's column names when they can be read locally; undefined otherwise (or when reading fails: the run reports that). */
async function sourceColumns(f: RegionFromFile, engine: () => Promise<import('../engine/duckdb.js').Engine>): Promise<string[] | undefined> {
  const s = f.pipeline.source;
  try {
    if (s.kind === 'sqlite') {
      const file = path.resolve(f.projectDir, f.resolved.connection ?? s.connection);
      const { default: BetterSqlite3 } = await import('better-sqlite3');
      const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      try {
        const { baseQuery } = await import('../sources/incremental.js');
        return db.prepare(baseQuery('sqlite', s)).columns().map((c) => c.name);
      } finally {
        db.close();
      }
    }
    if (!FILE_KINDS.has(s.kind)) return undefined;
    const paths = f.resolved.paths ?? [];
    if (paths.length === 0 || paths.some((p) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p))) return undefined;
    const { createSource } = await import('../sources/index.js');
    const { quoteIdent } = await import('../engine/sql.js');
    const { SOURCE_FILE_COLUMN } = await import('../sources/source.js');
    // File sources use neither the catalog nor a FileIO for local paths.
    const source = await createSource(s, f.resolved, undefined as unknown as Catalog, undefined as unknown as FileIO);
    const e = await engine();
    const extracted = await source.extract({ engine: e, projectDir: f.projectDir, pipeline: f.pipeline.name, pipelineFile: f.file, redact: (t: string) => t });
    const cols = await e.columns(`SELECT * FROM ${quoteIdent(extracted.relation)}`, `describe the source of ${f.pipeline.name}`);
    return cols.map((c) => c.name).filter((c) => c !== SOURCE_FILE_COLUMN);
  } catch {
    return undefined;
  }
}

export async function regionFromDiagnostics(files: readonly RegionFromFile[]): Promise<Diagnostic[]> {
  const given = files.filter((f) => regionFromRules(f.pipeline).length > 0);
  if (given.length === 0) return [];
  let opened: import('../engine/duckdb.js').Engine | undefined;
  const engine = async () => (opened ??= await (await import('../engine/duckdb.js')).openEngine({ threads: 1 }));
  try {
    const out: Diagnostic[] = [];
    for (const f of given) {
      const cols = await sourceColumns(f, engine);
      if (cols === undefined) continue;
      for (const [column, named] of regionFromRules(f.pipeline)) {
        if (cols.includes(named)) continue;
        const at = ['columns', column, 'region_from'];
        out.push({
          file: f.file,
          ...locate(f.source, at),
          path: formatPath(at),
          message: `column '${named}' is not in the source of pipeline ${f.pipeline.name}${didYouMean(named, cols)}`,
          severity: 'error',
        });
      }
    }
    return out;
  } finally {
    opened?.close();
  }
}
