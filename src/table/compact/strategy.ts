/**
 * The rewrite strategies of `floe compact`, parsed from the command line. Pure.
 *
 * - `binpack` (default): combine files, keep row order as read;
 * - `sort`: sort every output file by the table's default sort order, or by
 *   `--sort "col [asc|desc] [nulls first|last], ..."` (transforms allowed: `day(ts) desc`);
 * - `zorder`: order by a Z-value interleaving the bits of several columns, so that a filter on
 *   any one of them skips files (`--strategy zorder --zorder a,b` or `--strategy "zorder(a, b)"`).
 */
import { usageError } from '../../errors.js';
import { parseSortExpr, type SortExpr } from '../../pipeline/expressions.js';

export type Strategy =
  | { kind: 'binpack' }
  | { kind: 'sort'; fields?: SortExpr[] }
  | { kind: 'zorder'; columns: string[] };

export interface StrategyInput {
  strategy?: string;
  sort?: string;
  zorder?: string;
}

const ZORDER_CALL = /^zorder\s*\((.*)\)$/is;

export function parseStrategy(o: StrategyInput): Strategy {
  const text = o.strategy?.trim();
  const call = text ? ZORDER_CALL.exec(text) : null;
  let kind = call ? 'zorder' : text?.toLowerCase();
  if (kind === undefined) kind = o.sort !== undefined ? 'sort' : o.zorder !== undefined ? 'zorder' : 'binpack';
  if (kind !== 'binpack' && kind !== 'sort' && kind !== 'zorder') {
    throw usageError(`--strategy: unknown strategy '${o.strategy}'; expected binpack, sort or zorder (or "zorder(col1, col2)")`);
  }
  if (o.sort !== undefined && kind !== 'sort') throw usageError(`--sort applies to --strategy sort, not ${kind}`);
  if (o.zorder !== undefined && kind !== 'zorder') throw usageError(`--zorder applies to --strategy zorder, not ${kind}`);
  if (kind === 'binpack') return { kind };
  if (kind === 'sort') {
    if (o.sort === undefined) return { kind };
    const fields = splitTopLevel(o.sort).map((part) => {
      const p = parseSortExpr(part);
      if (!p.ok) throw usageError(`--sort: ${p.problem}`);
      return p.value;
    });
    if (fields.length === 0) throw usageError('--sort: give at least one column, e.g. --sort "country, updated_at desc"');
    return { kind, fields };
  }
  if (call && o.zorder !== undefined) throw usageError('give the z-order columns once: either --strategy "zorder(a, b)" or --zorder a,b');
  const list = call ? call[1]! : o.zorder;
  if (list === undefined) throw usageError('--strategy zorder needs columns: --zorder col1,col2 or --strategy "zorder(col1, col2)"');
  const columns = splitTopLevel(list).map((c) => c.replace(/^"(.*)"$/, '$1'));
  if (columns.length === 0) throw usageError('--zorder: give at least one column');
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup) throw usageError(`--zorder: column '${dup}' is listed twice`);
  return { kind: 'zorder', columns };
}

/** Splits at commas outside parentheses and quotes: "bucket(16, id) desc, ts" → 2 parts. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

export function describeStrategy(s: Strategy): string {
  if (s.kind === 'binpack') return 'binpack';
  if (s.kind === 'sort') return s.fields ? `sort(${s.fields.map((f) => f.text.trim()).join(', ')})` : 'sort(table order)';
  return `zorder(${s.columns.join(', ')})`;
}
