/**
 * YAML with positions. The parsed Document keeps every node's source range, so a problem
 * found later (by interpolation or by the zod schemas, which only see plain values and a
 * path) can be reported at the line and column the user has to edit.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
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
  for (const [list, severity] of [[doc.errors, 'error'], [doc.warnings, 'warning']] as const) {
    for (const e of list) {
      const { line, col } = position(source, e.pos[0]);
      // The yaml library's advice (use parseAllDocuments) is for programmers, not for the file's author.
      const message = e.code === 'MULTIPLE_DOCS' ? 'a second YAML document starts here (---): floe reads one document per file (one pipeline per pipeline file)' : stripPosition(e.message);
      diagnostics.push({ file, line, col, path: '', message: `YAML: ${message}`, severity });
    }
  }
  return { source, diagnostics, ok: doc.errors.length === 0 };
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
