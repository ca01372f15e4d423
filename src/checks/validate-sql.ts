/**
 * `floe validate` reads the query of every `sql` check with DuckDB's parser, so a syntax
 * error, or a statement that is not a query, is reported at file:line:col before any run or
 * CI check meets it. Parsing only: which tables and columns a query names is known only
 * against the data, at evaluation. `{{ this }}` and `{{ batch }}` stand for relations and are
 * read as table names.
 *
 * What a sql check may read (PII governance): the rows under check (`{{ this }}`,
 * `{{ batch }}`) and catalog tables by name (`ns.table`), as a `kind: sql` pipeline
 * (governance/sql-reads.ts). Files (`read_parquet` of the warehouse's data files gives the raw
 * values of every table, masked or not), DuckDB's catalog functions and schemas
 * (`duckdb_views()` prints the masked views' SQL, hash salts included), other table functions
 * and statements other than one SELECT are refused: at every project load, at the check's
 * file:line:col (sqlCheckReadDiagnostics), and again when the check is evaluated
 * (checkSqlCheckReads, sql.ts).
 */
import type { Engine } from '../engine/duckdb.js';
import { configError } from '../errors.js';
import { charIndex, lineCol, parseTree, readProblems, type ReadProblem } from '../governance/sql-reads.js';
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { isScalar, type Scalar } from 'yaml';
import type { PathSegment } from '../pipeline/diagnostics.js';
import { locate, position, type Position, scalarAt, type YamlSource } from '../pipeline/parse.js';
import type { Check } from '../pipeline/schema-checks.js';

export interface SqlCheckFile {
  file: string;
  source: YamlSource;
  checks: readonly Check[];
}

/** Why DuckDB cannot parse a query, and where (a character index in it) when DuckDB says. */
export interface SqlProblem {
  message: string;
  index?: number;
}

/** Why DuckDB cannot parse `query` as one SELECT, or undefined when it can. */
export type SqlParser = (query: string) => Promise<string | SqlProblem | undefined>;

const problemOf = (p: string | SqlProblem): SqlProblem => (typeof p === 'string' ? { message: p } : p);

/**
 * An index into `query` after `{{ this }}` / `{{ batch }}` became `__floe_this` / `__floe_batch`
 * and the text was trimmed, as an index into the query as written.
 */
function writtenIndex(written: string, index: number): number {
  const i = index + (written.length - written.trimStart().length);
  let shift = 0;
  for (const m of written.matchAll(/\{\{\s*(this|batch)\s*\}\}/g)) {
    const at = m.index + shift;
    const replaced = `__floe_${m[1]}`.length;
    if (i < at) break;
    // Inside a placeholder: its start.
    if (i < at + replaced) return m.index;
    shift += replaced - m[0].length;
  }
  return i - shift;
}

/**
 * Where a character index of a query is in the YAML file that holds it at `path`: exact for a
 * literal block scalar (`|`, DuckDB's line and column move by the block's indentation) and for
 * a one-line plain or quoted scalar; a folded block (`>`) or a flow scalar over several lines
 * joins lines, so its position is the start of the value. Also the start of the value when the
 * text does not match the value (a tab in the indentation, an escape before the index).
 */
export function queryValuePosition(source: YamlSource, path: readonly PathSegment[], query: string, index: number): Position {
  const node = scalarAt(source, path);
  const fallback = () => locate(source, path);
  if (!node || !isScalar(node) || !node.range || typeof node.value !== 'string' || node.value !== query) return fallback();
  const scalar = node as Scalar;
  const [from, to] = scalar.range!;
  const raw = source.text.slice(from, to);
  const before = query.slice(0, index);
  const line = before.split('\n').length - 1;
  const col = index - (before.lastIndexOf('\n') + 1);
  if (scalar.type === 'BLOCK_LITERAL') {
    // The header line (`|`, `|-`, `|2`, a comment), then the content lines.
    const header = /^\|([1-9])?[-+]?([1-9])?[ \t]*(#[^\n]*)?\n/.exec(raw);
    if (!header) return fallback();
    const contentStart = from + header[0].length;
    const contentLines = source.text.slice(contentStart).split('\n');
    const firstText = contentLines.find((l) => l.trim() !== '');
    // An explicit indentation indicator counts from the parent's indentation: not followed here.
    if (firstText === undefined || header[1] !== undefined || header[2] !== undefined) return fallback();
    const indent = firstText.length - firstText.trimStart().length;
    const target = contentLines[line];
    const valueLine = query.split('\n')[line];
    if (target === undefined || valueLine === undefined || /\t/.test(target.slice(0, indent)) || target.slice(indent) !== valueLine) return fallback();
    const p = position(source, contentStart);
    return { line: p.line + line, col: indent + col + 1 };
  }
  // An error at the first character of a quoted value: at its opening quote, the value's start.
  if (/\n/.test(raw) || index === 0) return fallback();
  if (scalar.type === 'PLAIN') return raw.startsWith(query) ? position(source, from + index) : fallback();
  if (scalar.type === 'QUOTE_SINGLE') {
    // '' stands for one quote.
    let r = 1;
    for (let v = 0; v < index; v++) r += raw[r] === "'" && raw[r + 1] === "'" ? 2 : 1;
    return position(source, from + r);
  }
  if (scalar.type === 'QUOTE_DOUBLE') return raw.slice(1, 1 + index).includes('\\') ? fallback() : position(source, from + 1 + index);
  return fallback();
}

/** The problems of the sql checks of these files; pure apart from `parse`. */
export async function sqlCheckDiagnostics(files: readonly SqlCheckFile[], parse: SqlParser): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const f of files) {
    for (const [i, c] of f.checks.entries()) {
      if (c.kind !== 'sql') continue;
      const query = c.query.replace(/\{\{\s*(this|batch)\s*\}\}/g, '__floe_$1').trim().replace(/;\s*$/, '');
      const found = await parse(query);
      if (found === undefined) continue;
      const problem = problemOf(found);
      const simple = typeof scalarOf(f.source, i) === 'string';
      const path = simple ? ['checks', i, 'sql'] : ['checks', i, 'sql', 'query'];
      const at = problem.index === undefined ? locate(f.source, path) : queryValuePosition(f.source, path, c.query, writtenIndex(c.query, problem.index));
      out.push({ file: f.file, ...at, path: `checks[${i}].sql${simple ? '' : '.query'}`, message: `DuckDB cannot read this query: ${problem.message}`, severity: 'error' });
    }
  }
  return out;
}

function scalarOf(source: YamlSource, i: number): unknown {
  const item = source.doc.getIn(['checks', i, 'sql']);
  return typeof item === 'string' ? item : undefined;
}

/** A parser backed by a DuckDB session (opened once, for every query of the project). */
export async function withDuckDBParser<T>(fn: (parse: SqlParser) => Promise<T>): Promise<T> {
  const { openEngine } = await import('../engine/duckdb.js');
  const { quoteLiteral } = await import('../engine/sql.js');
  const engine = await openEngine({ threads: 1 });
  try {
    return await fn(async (query) => {
      const rows = await engine.all(`SELECT json_serialize_sql(${quoteLiteral(query)}) AS j`, 'parse the query of a sql check');
      const j = JSON.parse(String(rows[0]?.j ?? '{}')) as { error?: boolean; error_message?: string; position?: string; statements?: unknown[] };
      if (j.error) {
        if (j.error_message === 'Only SELECT statements can be serialized to json!') return 'a check runs one SELECT query (or WITH ... SELECT)';
        // DuckDB's parser gives the error's offset in characters (code points) of the query.
        const at = j.position !== undefined && /^\d+$/.test(j.position) ? Array.from(query).slice(0, Number(j.position)).join('').length : undefined;
        return { message: j.error_message ?? 'unknown error', ...(at !== undefined ? { index: at } : {}) };
      }
      if ((j.statements?.length ?? 0) !== 1) return 'a check runs one SELECT query, not several statements';
      return undefined;
    });
  } finally {
    engine.close();
  }
}

/**
 * The check's query with `{{ this }}` and `{{ batch }}` as qualified names of the same length
 * (`______.t`, `_______.b`), so DuckDB's offsets in it are those of the query as written.
 * `names`: each placeholder (lower-case) and what it stands for.
 */
export function withPlaceholders(query: string): { text: string; names: Map<string, 'this' | 'batch'> } {
  const names = new Map<string, 'this' | 'batch'>();
  const text = query.replace(/\{\{\s*(this|batch)\s*\}\}/g, (m: string, kind: 'this' | 'batch') => {
    const name = `${'_'.repeat(m.length - 2)}.${kind === 'this' ? 't' : 'b'}`;
    names.set(name, kind);
    return name;
  });
  return { text, names };
}

/** The query a check runs: without trailing whitespace and `;` (leading text kept, so offsets match). */
export const checkQueryText = (query: string): string => query.trimEnd().replace(/;\s*$/, '');

export const SQL_CHECK_READS_HINT =
  'A sql check reads {{ this }}, {{ batch }} and catalog tables by name (ns.table), in one SELECT (WITH ... SELECT). Load files with a file pipeline (kind: csv, parquet, json, jsonl) and read its table.';

/** The sentence for one thing a check may not read. */
export function describeCheckRead(p: ReadProblem): string {
  switch (p.kind) {
    case 'statement':
    case 'statements':
      return `${p.what}: a check runs one SELECT query (or WITH ... SELECT)`;
    case 'file':
      return `reads ${p.what}: a sql check may not read files, the warehouse's own data files included (they hold the raw values of PII-tagged columns)`;
    case 'function':
      return `reads ${p.what}: a sql check reads only {{ this }}, {{ batch }} and catalog tables (DuckDB's catalog functions would show the masked views' SQL, hash salts included)`;
    case 'relation':
      return `reads ${p.what}: a sql check reads only {{ this }}, {{ batch }} and catalog tables (ns.table)`;
  }
}

/** ` (query line L, column C)` for a problem DuckDB located, else ''. */
function whereIn(query: string, p: ReadProblem): string {
  if (p.at === undefined) return '';
  const { line, col } = lineCol(query, charIndex(query, p.at));
  return ` (query line ${line}, column ${col})`;
}

/**
 * Every project load: what the sql checks read besides `{{ this }}`, `{{ batch }}` and catalog
 * tables, at the check's file:line:col. Statements other than SELECT are left to `floe
 * validate`'s parse (sqlCheckDiagnostics) and to evaluation, which refuses them before running.
 */
export async function sqlCheckReadDiagnostics(files: readonly SqlCheckFile[]): Promise<Diagnostic[]> {
  if (!files.some((f) => f.checks.some((c) => c.kind === 'sql'))) return [];
  const { openEngine } = await import('../engine/duckdb.js');
  const engine = await openEngine({ threads: 1 });
  const out: Diagnostic[] = [];
  try {
    for (const f of files) {
      for (const [i, c] of f.checks.entries()) {
        if (c.kind !== 'sql') continue;
        const { text } = withPlaceholders(checkQueryText(c.query));
        const problems = readProblems(await parseTree(engine, text)).filter((p) => p.kind !== 'statement' && p.kind !== 'statements');
        const simple = typeof scalarOf(f.source, i) === 'string';
        const path = simple ? ['checks', i, 'sql'] : ['checks', i, 'sql', 'query'];
        for (const p of problems) {
          out.push({ file: f.file, ...locate(f.source, path), path: `checks[${i}].sql${simple ? '' : '.query'}`, message: `${describeCheckRead(p)}${whereIn(text, p)}`, severity: 'error' });
        }
      }
    }
  } finally {
    engine.close();
  }
  return out;
}

/**
 * Evaluation: refuses (configuration error) a check query that reads anything but the rows
 * under check and catalog tables. Returns the parse tree, and the qualified names it reads.
 */
export async function checkSqlCheckReads(engine: Engine, text: string, check: string, table: string): Promise<{ tree: unknown; relations: string[] }> {
  const tree = await parseTree(engine, text);
  const relations: string[] = [];
  const problems = readProblems(tree, undefined, relations);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw configError(`check ${check} on ${table}: ${describeCheckRead(first)}${whereIn(text, first)}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
      context: { table, check, reads: [...new Set(problems.map((p) => p.what))].join(', ') },
      hint: SQL_CHECK_READS_HINT,
    });
  }
  return { tree, relations };
}
