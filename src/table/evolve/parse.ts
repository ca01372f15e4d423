/**
 * The text forms of evolution requests, as `floe table evolve` takes them. Pure; problems
 * are usage errors naming the option and the text.
 *
 *   --add-column "name type [required] [first | after col] [doc 'text']"
 *   --rename-column old=new · --widen-column name=type · --set-property key=value
 *   --partition-by / --add-partition-field "day(ts) [as name]" · --sort-by "col [asc|desc] [nulls first|last]"
 */
import { usageError } from '../../errors.js';
import type { UnboundPartitionField, UnboundSortField } from '../../iceberg/metadata-builder.js';
import { parsePartitionExpr, parseSortExpr, unboundPartitionField, unboundSortField } from '../../pipeline/expressions.js';
import type { AddColumn } from './schema-update.js';

const ADD = /^\s*("[^"]+"|\S+)\s+((?:decimal)\s*\(\s*\d+\s*,\s*\d+\s*\)|fixed\s*\[\s*\d+\s*\]|[A-Za-z_][A-Za-z0-9_]*)(.*)$/is;

/** `option` names the flag in errors: `--add-column` (table evolve) or `--column` (table create). */
export function parseAddColumn(text: string, option = '--add-column'): AddColumn {
  const m = ADD.exec(text);
  if (!m) throw usageError(`${option} '${text}': expected "name type [required] [first | after col] [doc 'text']", e.g. "email string after name"`);
  // list<...>, map<...>, struct<...>: a nested type, which these options do not take.
  if (/^\s*</.test(m[3]!)) throw usageError(`${option} '${text}': nested types (${m[2]}<...>) are not supported here; give a primitive type such as string, long or timestamptz`);
  const name = m[1]!.replace(/^"|"$/g, '');
  const out: AddColumn = { name, type: m[2]!.replace(/\s+/g, '').toLowerCase() };
  let rest = m[3]!.trim();
  while (rest.length) {
    let k: RegExpExecArray | null;
    if ((k = /^required\b\s*/i.exec(rest))) {
      out.required = true;
    } else if ((k = /^optional\b\s*/i.exec(rest))) {
      out.required = false;
    } else if ((k = /^first\b\s*/i.exec(rest))) {
      out.position = { first: true };
    } else if ((k = /^after\s+("[^"]+"|[^\s]+)\s*/i.exec(rest))) {
      out.position = { after: k[1]!.replace(/^"|"$/g, '') };
    } else if ((k = /^doc\s+(?:'([^']*)'|"([^"]*)"|(.+))\s*/is.exec(rest))) {
      out.doc = (k[1] ?? k[2] ?? k[3] ?? '').trim();
    } else {
      throw usageError(`${option} '${text}': cannot read '${rest}'; expected required, first, after <column> or doc '<text>'`);
    }
    rest = rest.slice(k[0].length).trim();
  }
  return out;
}

/** `key=value`; the value may contain '='. */
export function parsePair(option: string, text: string, what: string): { key: string; value: string } {
  const i = text.indexOf('=');
  const key = i > 0 ? text.slice(0, i).trim() : '';
  const value = i > 0 ? text.slice(i + 1).trim() : '';
  if (!key || (!value && option !== '--set-property')) throw usageError(`${option} '${text}': expected ${what}`);
  return { key, value };
}

export function parsePartitionField(option: string, text: string): UnboundPartitionField {
  const m = /^(.*?)(?:\s+as\s+("[^"]+"|[A-Za-z_][A-Za-z0-9_]*))?\s*$/is.exec(text.trim());
  const p = parsePartitionExpr(m?.[1] ?? text);
  if (!p.ok) throw usageError(`${option} '${text}': ${p.problem}`);
  return { ...unboundPartitionField(p.value), ...(m?.[2] ? { name: m[2].replace(/^"|"$/g, '') } : {}) };
}

export function parseSortField(option: string, text: string): UnboundSortField {
  const p = parseSortExpr(text);
  if (!p.ok) throw usageError(`${option} '${text}': ${p.problem}`);
  return unboundSortField(p.value);
}
