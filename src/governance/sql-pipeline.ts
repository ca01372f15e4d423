/**
 * What a `sql` pipeline's query may read. Its catalog tables are read through their masked
 * views (views.ts), so a curated table never holds a raw value of a PII-tagged column; a file
 * read would bypass that: `read_parquet` of a tagged table's own data files gives the raw
 * values, and a file outside the warehouse has no tags at all. So a sql pipeline reads catalog
 * tables only (sql-reads.ts): files (`read_parquet`, `read_csv`, `glob`, `FROM 'x.parquet'`),
 * DuckDB's catalog functions and schemas (they print the masked views' SQL, hash salts
 * included), other table functions and statements other than one SELECT are refused:
 *
 * - by `floe validate`, `floe run` and every command that loads the project, before anything
 *   runs, at the file, line and column of the offending name (sqlPipelineDiagnostics);
 * - again when the pipeline runs, against the catalog tables it really opened
 *   (checkSqlPipelineQuery), for callers that did not load the project.
 *
 * Files are brought in by a file pipeline (`kind: csv`, `parquet`, ...), whose columns can be
 * tagged; the sql pipeline then reads its table.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent } from '../engine/sql.js';
import { configError, FloeError } from '../errors.js';
import type { TableMetadata } from '../iceberg/types.js';
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { locate, parseYaml, position, scalarAt, type YamlSource } from '../pipeline/parse.js';
import type { PiiColumn } from './policy.js';
import type { Env } from './salt.js';
import { outputLineage } from './sql-lineage.js';
import { charIndex, lineCol, parseTree, readProblems, type ReadProblem } from './sql-reads.js';
import { inheritedTags, type TaggedInput } from './sql-tags.js';
import { currentColumnTags } from './tags.js';
import { readMasker, type ViewMasker } from './views.js';

export interface SqlPipelineFile {
  file: string;
  source: YamlSource;
  /** The pipeline's source.query, as loaded (after ${VAR} interpolation). */
  query: string;
}

/** The query as the run hands it to DuckDB: without a trailing `;`. Leading text is kept so offsets match. */
export const runnableQuery = (query: string): string => query.trimEnd().replace(/;\s*$/, '');

const HINT =
  'A sql pipeline reads catalog tables by name (ns.table), through their PII masks. Load files with a file pipeline (kind: csv, parquet, json, jsonl) and read its table; write one SELECT (WITH ... SELECT).';

/** The sentence for one problem; `query` for the PIVOT note. */
function describe(p: ReadProblem, query = ''): string {
  switch (p.kind) {
    case 'statement':
      // DuckDB cannot serialise PIVOT / UNPIVOT, even inside a SELECT, so what they read cannot be checked.
      if (/\b(un)?pivot\b/i.test(query)) return `${p.what} (DuckDB cannot show what a PIVOT or UNPIVOT reads, so floe cannot check it): a sql pipeline runs one SELECT; write the pivot as conditional aggregates, sum(x) FILTER (WHERE k = 'a') AS a`;
      return `${p.what}: a sql pipeline runs one SELECT (or WITH ... SELECT)`;
    case 'statements':
      return `${p.what}: a sql pipeline runs one SELECT (or WITH ... SELECT)`;
    case 'file':
      return `reads ${p.what}: a sql pipeline may not read files, the warehouse's own data files included (they hold the raw values of PII-tagged columns)`;
    case 'function':
      return `reads ${p.what}: a sql pipeline reads only catalog tables (DuckDB's catalog functions would show the masked views' SQL, hash salts included)`;
    case 'relation':
      return `reads ${p.what}: a sql pipeline reads only catalog tables (ns.table)`;
  }
}

/** The problems of a query, with their character index in `query`. */
async function problemsOf(engine: Engine, query: string, views?: readonly string[]): Promise<(ReadProblem & { index?: number })[]> {
  const problems = readProblems(await parseTree(engine, query), views);
  return problems.map((p) => ({ ...p, ...(p.at !== undefined ? { index: charIndex(query, p.at) } : {}) }));
}

/** The pipeline file a run reads the query from: messages then name it, line and column. */
export interface QueryFile {
  /** The pipeline file (absolute, or relative to the project). */
  file: string;
  projectDir?: string;
}

/**
 * `pipelines/x.yaml:7:10` for a character index of the query (as the run hands it to
 * DuckDB), read from the pipeline file again (positions are not kept past loading); the file
 * alone when it cannot be read or parsed now, or undefined without a file.
 */
export function queryFileAt(where: QueryFile | undefined, query: string, index: number | undefined): string | undefined {
  if (where === undefined) return undefined;
  const shown = where.projectDir === undefined ? where.file : relative(where.projectDir, where.file) || where.file;
  try {
    const parsed = parseYaml(readFileSync(where.file, 'utf8'), where.file);
    if (!parsed.ok) return shown;
    const at = index === undefined ? locate(parsed.source, ['source', 'query']) : queryPosition(parsed.source, query, index);
    return `${shown}:${at.line}:${at.col}`;
  } catch {
    return shown;
  }
}

/** The character index in `text` of a 1-based line and column. */
function indexOf(text: string, line: number, col: number): number {
  const lines = text.split('\n');
  if (line < 1 || line > lines.length) return 0;
  return lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, col - 1);
}

/**
 * An error DuckDB gave running the query (a column or table it cannot bind, a type error), at
 * the pipeline file's line and column when the error says where it is in the query
 * (`context.line`/`col`, engine/duckdb.ts wrapDuckDBError with `userSql`), else at the
 * query's value.
 */
export function queryErrorAtFile(e: unknown, query: string, where: QueryFile | undefined): unknown {
  if (!(e instanceof FloeError) || where === undefined) return e;
  // Without a position (DuckDB gives none for some binder errors): at the query's value.
  const at = queryFileAt(where, query, typeof e.context.line === 'number' ? indexOf(query, e.context.line, typeof e.context.col === 'number' ? e.context.col : 1) : undefined);
  if (at === undefined) return e;
  return new FloeError(e.kind, `${at}: source.query: ${e.message}`, { cause: e.cause ?? e, context: { ...e.context, file: where.file }, retryable: e.retryable, ...(e.hint !== undefined ? { hint: e.hint } : {}), files: e.files });
}

/**
 * Refuses (configuration error, exit 2) a sql pipeline's query that reads anything but the
 * catalog tables of `views` (the tables floe opened for it). The message names the pipeline
 * file, line and column of the offending name when `where` gives the file (as `floe
 * validate` does), else the pipeline and the line and column in the query.
 */
export async function checkSqlPipelineQuery(engine: Engine, query: string, pipeline: string, views: readonly string[], where?: QueryFile): Promise<void> {
  const problems = await problemsOf(engine, query, views);
  if (problems.length === 0) return;
  const first = problems[0]!;
  const inQuery = first.index !== undefined ? (({ line, col }) => ` (query line ${line}, column ${col})`)(lineCol(query, first.index)) : '';
  const file = queryFileAt(where, query, first.index);
  const head = file !== undefined ? `${file}: source.query: pipeline ${pipeline}${inQuery}` : `pipeline ${pipeline}${inQuery}`;
  throw configError(`${head}: ${describe(first, query)}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
    context: { pipeline, reads: [...new Set(problems.map((p) => p.what))].join(', '), ...(where ? { file: where.file } : {}) },
    hint: HINT,
  });
}

/**
 * Where a character index of the query value is in the pipeline file. The name at that index
 * is looked up in the scalar's own text (block, quoted or plain: indentation and folding move
 * characters, names stay whole): the n-th occurrence in the value is the n-th in the text.
 * Falls back to the start of the value.
 */
export function queryPosition(source: YamlSource, query: string, index: number): { line: number; col: number } {
  const path = ['source', 'query'];
  const node = scalarAt(source, path);
  const range = node?.range;
  if (!range) return locate(source, path);
  const raw = source.text.slice(range[0], range[1]);
  const rest = query.slice(index);
  const skip = /^['"]/.test(rest) ? 1 : 0;
  const token = /^[A-Za-z0-9_$\\/.:-]+/.exec(rest.slice(skip))?.[0];
  if (!token) return position(source, range[0]);
  let nth = 0;
  for (let i = query.indexOf(token); i !== -1 && i <= index + skip; i = query.indexOf(token, i + 1)) nth++;
  let at = -1;
  for (let k = 0; k < nth; k++) {
    at = raw.indexOf(token, at + 1);
    if (at === -1) return position(source, range[0]);
  }
  // Point at the quote that opens a string ('x.parquet'), as the query text does.
  return position(source, range[0] + at - (skip && /['"]/.test(raw[at - 1] ?? '') ? 1 : 0));
}

/**
 * `floe validate` (and every command that loads the project): the problems of each sql
 * pipeline's query, at file:line:col. One DuckDB session parses every query.
 */
export async function sqlPipelineDiagnostics(files: readonly SqlPipelineFile[]): Promise<Diagnostic[]> {
  if (files.length === 0) return [];
  const { openEngine } = await import('../engine/duckdb.js');
  const engine = await openEngine({ threads: 1 });
  const out: Diagnostic[] = [];
  try {
    for (const f of files) {
      const query = runnableQuery(f.query);
      for (const p of await problemsOf(engine, query)) {
        const at = p.index !== undefined ? queryPosition(f.source, query, p.index) : locate(f.source, ['source', 'query']);
        out.push({ file: f.file, ...at, path: 'source.query', message: describe(p, query), severity: 'error' });
      }
    }
  } finally {
    engine.close();
  }
  return out;
}

export interface SqlPipelineReads {
  /** The masker for prepareViews: the tables' masks (views.ts), noting each table it is asked about. */
  mask: ViewMasker;
  /** checkSqlPipelineQuery against the tables prepareViews opened. */
  check(engine: Engine, query: string, pipeline: string, views: readonly string[], where?: QueryFile): Promise<void>;
  /**
   * The tags the query's output columns inherit (sql-tags.ts), by the column names of
   * `relation` (the query's result); empty when no table it reads has a tag.
   */
  outputTags(engine: Engine, query: string, relation: string): Promise<PiiColumn[]>;
}

/** Governance of one sql pipeline run: the masks of its reads, the check, the inherited tags. */
export function sqlPipelineReads(env: Env = process.env): SqlPipelineReads {
  const read = readMasker(env);
  const tables = new Map<string, TableMetadata>();
  return {
    mask: (metadata, table) => {
      tables.set(table, metadata);
      return read(metadata, table);
    },
    check: checkSqlPipelineQuery,
    async outputTags(engine, query, relation) {
      const inputs: TaggedInput[] = [...tables].map(([table, m]) => ({
        table,
        columns: (m.schemas.find((s) => s['schema-id'] === m['current-schema-id']) ?? m.schemas[m.schemas.length - 1])?.fields.map((f) => f.name) ?? [],
        tags: currentColumnTags(m, table),
      }));
      if (!inputs.some((i) => i.tags.length > 0)) return [];
      const outputs = (await engine.columns(`SELECT * FROM ${quoteIdent(relation)}`, 'describe the query of a sql pipeline')).map((c) => c.name);
      const lineage = outputLineage(await parseTree(engine, query), new Map(inputs.map((i) => [i.table, { columns: i.columns }])), query);
      return inheritedTags(outputs, lineage, inputs);
    },
  };
}
