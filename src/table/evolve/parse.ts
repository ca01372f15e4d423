/**
 * The text forms of evolution requests, as `floe table evolve` takes them. Pure; problems
 * are usage errors naming the option and the text.
 *
 *   --add-column "name type [required] [first | after col] [doc 'text']"
 *     type: a primitive, or a nested type at any depth: struct<lat: double, lon: double>,
 *     list<string>, map<string, long> (the text `floe plan` prints for such columns)
 *   --rename-column old=new · --widen-column name=type · --set-property key=value
 *   --partition-by / --add-partition-field "day(ts) [as name]" · --sort-by "col [asc|desc] [nulls first|last]"
 */
import { usageError } from '../../errors.js';
import type { UnboundPartitionField, UnboundSortField } from '../../iceberg/metadata-builder.js';
import { parsePartitionExpr, parseSortExpr, unboundPartitionField, unboundSortField } from '../../pipeline/expressions.js';
import type { AddColumn } from './schema-update.js';
import { formatPrimitive, parsePrimitive } from '../../iceberg/primitive.js';
import type { IcebergType, NestedField } from '../../iceberg/types.js';

const ADD = /^\s*("[^"]+"|\S+)\s+(.*)$/s;

/** `option` names the flag in errors: `--add-column` (table evolve) or `--column` (table create). */
export function parseAddColumn(text: string, option = '--add-column'): AddColumn {
  const expected = () => usageError(`${option} '${text}': expected "name type [required] [first | after col] [doc 'text']", e.g. "email string after name"`);
  const head = ADD.exec(text);
  if (!head) throw expected();
  const read = readTypeText(head[2]!);
  if (read === undefined) throw expected();
  if (typeof read === 'string') throw usageError(`${option} '${text}': ${read}`);
  // list<...>, map<...>, struct<...>: table create takes primitive types only.
  if (read.nested && option === '--column') throw usageError(`${option} '${text}': nested types (${read.nested}<...>) are not supported here; give a primitive type such as string, long or timestamptz`);
  const name = head[1]!.replace(/^"|"$/g, '');
  const out: AddColumn = { name, type: read.text };
  let rest = read.rest.trim();
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

const NESTED = /^(struct|list|map)\s*</i;

/**
 * A primitive type at the start of a text: a name (`long`, `timestamptz`), `decimal(P, S)` or
 * `fixed[L]` with blanks allowed around the arguments (spec: "Primitive Types"). Whether the
 * name is a known type is parsePrimitive's to say.
 */
const PRIMITIVE = /^(?:decimal\s*\(\s*\d+\s*,\s*\d+\s*\)|fixed\s*\[\s*\d+\s*\]|[A-Za-z_][A-Za-z0-9_]*)/i;

/** A primitive type's text as parsePrimitive reads it: no blanks, lower case (`decimal(12,2)`). */
function primitiveText(text: string): string {
  return text.replace(/\s+/g, '').toLowerCase();
}

/**
 * The type at the start of `text`, as normalised text (lower case, no blanks: `decimal(12,2)`,
 * `struct<lat:double,lon:double>`), what follows it, and the kind of nested type it is, if any;
 * undefined when `text` starts with no type, or a message for a nested type that does not close
 * or has no fields. Primitives are checked by parseTypeText.
 */
export function readTypeText(text: string): { text: string; rest: string; nested?: string } | string | undefined {
  const t = text.trimStart();
  const nested = NESTED.exec(t);
  if (!nested) {
    const m = PRIMITIVE.exec(t);
    return m ? { text: primitiveText(m[0]), rest: t.slice(m[0].length) } : undefined;
  }
  // Up to the '>' that closes the first '<' (names in double quotes may hold any character).
  let depth = 0;
  let quoted = false;
  for (let i = nested[0].length - 1; i < t.length; i++) {
    const c = t[i];
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if (c === '<') depth++;
    if (c === '>' && --depth === 0) {
      const whole = t.slice(0, i + 1);
      try {
        return { text: formatTypeText(parseTypeText(whole)), rest: t.slice(i + 1), nested: nested[1]!.toLowerCase() };
      } catch (e) {
        return (e as Error).message;
      }
    }
  }
  return `the type ${t.trim()} has no closing '>'`;
}

/**
 * An Iceberg type from its text: a primitive (`long`, `decimal(9,2)`), `list<T>`,
 * `map<K, V>` or `struct<name: T, ...>` (`name T` also reads; a name in double quotes may hold
 * any character), nested at any depth. Every field, list element and map value is optional;
 * ids are 0 (placeholders for assignFreshIds). Throws an Error naming what cannot be read.
 */
export function parseTypeText(text: string): IcebergType {
  let i = 0;
  const src = text;
  const blank = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const expect = (c: string) => {
    blank();
    if (src[i] !== c) throw new Error(`expected '${c}' at '${src.slice(i) || 'the end'}' in ${src.trim()}`);
    i++;
  };
  const word = () => {
    blank();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (!m) throw new Error(`expected a type at '${src.slice(i) || 'the end'}' in ${src.trim()}`);
    i += m[0].length;
    return m[0].toLowerCase();
  };
  const type = (): IcebergType => {
    const start = i;
    const w = word();
    blank();
    if (src[i] === '<' && (w === 'list' || w === 'map' || w === 'struct')) {
      i++;
      if (w === 'list') {
        const element = type();
        expect('>');
        return { type: 'list', 'element-id': 0, element, 'element-required': false };
      }
      if (w === 'map') {
        const key = type();
        expect(',');
        const value = type();
        expect('>');
        return { type: 'map', 'key-id': 0, key, 'value-id': 0, value, 'value-required': false };
      }
      const fields: NestedField[] = [];
      for (;;) {
        blank();
        if (src[i] === '>' && fields.length === 0) throw new Error(`struct<> needs at least one field in ${src.trim()}`);
        let name: string;
        if (src[i] === '"') {
          const end = src.indexOf('"', i + 1);
          if (end < 0) throw new Error(`a field name in ${src.trim()} has no closing '"'`);
          name = src.slice(i + 1, end);
          i = end + 1;
        } else {
          const m = /^[^\s:<>,"]+/.exec(src.slice(i));
          if (!m) throw new Error(`expected a field name at '${src.slice(i) || 'the end'}' in ${src.trim()}`);
          name = m[0];
          i += name.length;
        }
        blank();
        if (src[i] === ':') i++;
        if (fields.some((f) => f.name.toLowerCase() === name.toLowerCase())) throw new Error(`field '${name}' is given twice in ${src.trim()}`);
        fields.push({ id: 0, name, required: false, type: type() });
        blank();
        if (src[i] === ',') {
          i++;
          continue;
        }
        expect('>');
        return { type: 'struct', fields };
      }
    }
    // A primitive: decimal(P, S) and fixed[L] carry their arguments.
    i = start;
    blank();
    const m = PRIMITIVE.exec(src.slice(i));
    if (!m) throw new Error(`expected a type at '${src.slice(i) || 'the end'}' in ${src.trim()}`);
    i += m[0].length;
    try {
      // The spec's form, as Java and PyIceberg write it: decimal(9, 2).
      return formatPrimitive(parsePrimitive(primitiveText(m[0])));
    } catch {
      throw new Error(`unknown type '${m[0]}' in ${src.trim()}`);
    }
  };
  const t = type();
  blank();
  if (i < src.length) throw new Error(`cannot read '${src.slice(i)}' after the type in ${src.trim()}`);
  return t;
}

/** The text form parseTypeText reads (and `floe plan` prints): `struct<lat:double,tags:list<string>>`. */
export function formatTypeText(t: IcebergType): string {
  if (typeof t === 'string') return t.replace(/\s+/g, '');
  if (t.type === 'list') return `list<${formatTypeText(t.element)}>`;
  if (t.type === 'map') return `map<${formatTypeText(t.key)},${formatTypeText(t.value)}>`;
  return `struct<${t.fields.map((f) => `${/^[^\s:<>,"]+$/.test(f.name) ? f.name : `"${f.name}"`}:${formatTypeText(f.type)}`).join(',')}>`;
}
