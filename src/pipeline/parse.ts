/**
 * YAML with positions. The parsed Document keeps every node's source range, so a problem
 * found later (by interpolation or by the zod schemas, which only see plain values and a
 * path) can be reported at the line and column the user has to edit.
 */
import { type Document, isAlias, type YAMLError, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { Diagnostic, PathSegment } from './diagnostics.js';

export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

export interface ParsedYaml {
  source: YamlSource;
  /** Syntax errors and warnings. */
  diagnostics: Diagnostic[];
  /** False when the text is not well-formed YAML; its tree must not be validated further. */
  ok: boolean;
}

// "at line 3, column 1:" and the source excerpt are appended by the library; we report the
// position in our own format instead.
const stripPosition = (m: string) => m.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');

export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    keepSourceTokens: true,
    prettyErrors: false,
    // `<<: *defaults` lets several pipelines share blocks; duplicate keys stay errors, since
    // the later one silently winning is how a wrong value goes unnoticed.
    merge: true,
    uniqueKeys: true,
  });
  const source: YamlSource = { file, text, doc, lines };
  const diagnostics: Diagnostic[] = [];
  const flowRef = unquotedFlowReference(text, doc.errors);
  const seen = new Set<string>();
  for (const [list, severity] of [[doc.errors, 'error'], [doc.warnings, 'warning']] as const) {
    for (const e of list) {
      // An unquoted ${VAR} inside a flow collection breaks the collection, and every token after it
      // is reported again: one diagnostic at the reference says what to write instead.
      if (flowRef !== undefined && severity === 'error' && e.pos[0] >= flowRef.offset) continue;
      // A block mapping's key indented deeper than the keys above it is read as the continuation of
      // the previous line's value: the library reports that twice at the previous value.
      if (e.code === 'BLOCK_AS_IMPLICIT_KEY' && list.some((o) => o.code === 'MULTILINE_IMPLICIT_KEY' && o.pos[0] === e.pos[0])) continue;
      const { offset, message: ours } = errorPlace(source, e);
      const { line, col } = position(source, offset);
      // The yaml library's advice (use parseAllDocuments) is for programmers, not for the file's author.
      const message = e.code === 'MULTIPLE_DOCS' ? 'a second YAML document starts here (---): floe reads one document per file (one pipeline per pipeline file)' : (ours ?? stripPosition(e.message));
      const key = `${line}:${col}:${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push({ file, line, col, path: '', message: `YAML: ${message}`, severity });
    }
  }
  if (flowRef !== undefined) {
    const { line, col } = position(source, flowRef.offset);
    const ref = flowRef.ref;
    diagnostics.push({
      file,
      line,
      col,
      path: '',
      message: `YAML: ${ref} inside a flow collection ({...} or [...]) must be quoted, since { and } end a plain value there: quote the value that holds it ("${ref}"), or write this map or list in block style (one key per line, where key: ${ref} needs no quotes)`,
      severity: 'error',
    });
  }
  if (doc.errors.length === 0) diagnostics.push(...roundedIntegers(source));
  return { source, diagnostics, ok: doc.errors.length === 0 };
}

/**
 * Plain integers a double cannot hold (beyond 2^53 in magnitude): YAML reads
 * `expect: 9007199254740993` as the double 9007199254740992, so a check would compare with
 * another number than the one written. Each is an error at its position, with the quoted
 * form (read as text) as the way out. `source.incremental.initial` is read again as written
 * (run/state.ts readStart), so it is left alone.
 */
function roundedIntegers(src: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const visit = (n: unknown, path: string): void => {
    if (path === 'source.incremental.initial') return;
    if (isScalar(n)) {
      const written = n.range ? src.text.slice(n.range[0], n.range[1]).trim() : '';
      if (typeof n.value === 'number' && Number.isInteger(n.value) && !Number.isSafeInteger(n.value) && /^[-+]?\d+$/.test(written)) {
        const { line, col } = position(src, n.range![0]);
        out.push({
          file: src.file,
          line,
          col,
          path: '',
          message: `the number ${written} is beyond 2^53 and YAML would read it as ${BigInt(n.value).toString()}: quote it ("${written}") to keep every digit`,
          severity: 'error',
        });
      }
    } else if (isMap(n)) {
      for (const pair of n.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        visit(pair.key, `${path}#key`);
        visit(pair.value, path ? `${path}.${key}` : key);
      }
    } else if (isSeq(n)) n.items.forEach((item, i) => visit(item, `${path}[${i}]`));
  };
  visit(src.doc.contents, '');
  return out;
}

/**
 * Where to report a syntax error. An indentation error is reported on the line to re-indent:
 * a key read as the continuation of the line above (MULTILINE_IMPLICIT_KEY) at that key, and
 * BAD_INDENT at the first character of the misplaced line, not the line break before it.
 */
function errorPlace(src: YamlSource, e: YAMLError): { offset: number; message?: string } {
  const [from, to] = e.pos;
  if (e.code === 'MULTILINE_IMPLICIT_KEY') {
    const lineStart = src.text.lastIndexOf('\n', Math.max(0, to - 1)) + 1;
    if (lineStart > from) {
      const previous = position(src, from).line;
      return { offset: firstNonBlank(src.text, lineStart), message: `this line is indented deeper than the keys above it, so it is read as part of the value on line ${previous}: a mapping's keys must start at the same column` };
    }
    return { offset: from };
  }
  if (e.code === 'BAD_INDENT') return { offset: firstNonBlank(src.text, from) };
  return { offset: from };
}

function firstNonBlank(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i < text.length ? i : offset;
}

/**
 * The first unquoted `${...}` inside a flow collection, when a syntax error is reported at or
 * after it on its line: in `{header: ${HDR}}` the `{` of the reference opens a nested map.
 * Quotes and comments are followed line by line, which is enough for the single-line flow
 * maps of pipeline files; anything else is left to the library's own messages.
 */
function unquotedFlowReference(text: string, errors: readonly YAMLError[]): { offset: number; ref: string } | undefined {
  if (errors.length === 0) return undefined;
  const first = Math.min(...errors.map((e) => e.pos[0]));
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length && i <= first; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote && quote === "'" && text[i + 1] === "'") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if ((c === '"' || c === "'") && depth > 0) {
      quote = c;
      continue;
    }
    if (c === '$' && text[i + 1] === '{' && depth > 0 && text[i - 1] !== '$') {
      const end = text.indexOf('}', i);
      const lineEnd = text.indexOf('\n', i);
      const ref = end > 0 && (lineEnd < 0 || end < lineEnd) ? text.slice(i, end + 1) : '${';
      // Only when the first error is on this reference's line, so an unrelated error is kept.
      const errorLine = text.lastIndexOf('\n', first - 1);
      const refLine = text.lastIndexOf('\n', i - 1);
      return errorLine === refLine ? { offset: i, ref } : undefined;
    }
    // At block level a bracket opens a flow collection only where a value or item starts.
    if ((c === '{' || c === '[') && (depth > 0 || /(^\s*|\n\s*|[:-]\s+)$/.test(text.slice(Math.max(0, i - 40), i)))) depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    else if (c === '\n' && depth === 0) quote = undefined;
  }
  return undefined;
}

export function position(src: YamlSource, offset: number): Position {
  const { line, col } = src.lines.linePos(Math.max(0, Math.min(offset, src.text.length)));
  return { line, col };
}

function deref(src: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(src.doc) : node;
}

const keyText = (k: unknown) => (isScalar(k) ? String(k.value) : String(k));

/** The pair for `key` in a map, looking through `<<` merge keys. */
function findPair(src: YamlSource, map: unknown, key: string, depth = 0): Pair | undefined {
  if (!isMap(map) || depth > 8) return undefined;
  const direct = map.items.find((p) => keyText(p.key) === key);
  if (direct) return direct as Pair;
  for (const p of map.items) {
    if (keyText(p.key) !== '<<') continue;
    const v = deref(src, p.value);
    const sources = isSeq(v) ? v.items.map((i) => deref(src, i)) : [v];
    for (const s of sources) {
      const hit = findPair(src, s, key, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

const start = (n: unknown): number | undefined => (n && typeof n === 'object' && 'range' in n ? (n as Node).range?.[0] : undefined);

/**
 * Where to point for a problem at `path`. A scalar is pointed at itself; a map or list at
 * the key that introduces it (the line a reader looks for); a missing field at the nearest
 * enclosing key that exists. With `at: 'key'` the last segment's key is used even for a scalar
 * (unknown keys, misnamed attributes).
 */
export function locate(src: YamlSource, path: readonly PathSegment[], at: 'value' | 'key' = 'value'): Position {
  let node: unknown = deref(src, src.doc.contents);
  let best = start(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(src, node, String(seg));
      if (!pair) break;
      best = start(pair.key) ?? best;
      const value = deref(src, pair.value);
      if (last) {
        if (at === 'value' && isScalar(value) && value.value !== null) best = start(value) ?? best;
        break;
      }
      node = value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = start(item) ?? best;
      node = deref(src, item);
    } else {
      break;
    }
  }
  return position(src, best);
}

/** The scalar node at `path`, if there is one (used to point inside a string). */
export function scalarAt(src: YamlSource, path: readonly PathSegment[]): Node | undefined {
  let node: unknown = deref(src, src.doc.contents);
  for (const seg of path) {
    if (isMap(node)) node = deref(src, findPair(src, node, String(seg))?.value);
    else if (isSeq(node) && typeof seg === 'number') node = deref(src, node.items[seg]);
    else return undefined;
  }
  return isScalar(node) ? node : undefined;
}
