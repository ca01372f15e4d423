/**
 * `${VAR}` and `${VAR:-default}` in string scalars (DESIGN §4: "`${VAR}` is read from the
 * environment, and a missing variable is an error").
 *
 * It runs on the YAML tree, before validation, replacing scalar values in place: node
 * ranges are untouched, so every later diagnostic still points into the file as written.
 * Rules:
 * - `${VAR:-text}` uses `text` when VAR is unset or empty; `$${` is a literal `${`.
 * - `${VAR}` with VAR set to the empty string is an error, as an unset one is: an empty
 *   DATA_DIR turns `"${DATA_DIR}/*.csv"` into `/*.csv` at the filesystem root. `${VAR:-}`
 *   says an empty value is meant.
 * - Map keys are not interpolated: the file's structure does not change with the environment.
 * - An unquoted scalar that holds a reference takes the type its text would have had if
 *   written literally (`path_style: ${S3_PATH_STYLE}` is a boolean, `batch_size: ${N}` a
 *   number), as if the variable were substituted before parsing; quote it to keep a string.
 *   A quoted scalar that is one reference and nothing else is remembered (`quoted`), so a
 *   field that takes only a boolean or a number can say how to write it (explainQuoted).
 * - Messages name the variable, never its value.
 */
import { isMap, isScalar, isSeq, parse, Scalar } from 'yaml';
import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import { position, type YamlSource } from './parse.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** One substituted reference, kept so secrets.ts can redact the values of secret variables. */
export interface Interpolation {
  path: PathSegment[];
  name: string;
  value: string;
}

export interface InterpolateResult {
  diagnostics: Diagnostic[];
  used: Interpolation[];
  /** Formatted paths whose interpolation failed; validation errors there would only repeat it. */
  failed: Set<string>;
  /** Formatted path → variable, for quoted scalars that are exactly one reference (`"${HDR}"`). */
  quoted: Map<string, string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REF = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

interface StringResult {
  value: string;
  used: { name: string; value: string }[];
  problems: { needle: string; message: string }[];
}

/** Substitutes the references in one string. */
export function interpolateString(text: string, env: Env): StringResult {
  const used: StringResult['used'] = [];
  const problems: StringResult['problems'] = [];
  const value = text.replace(REF, (match, body: string | undefined) => {
    if (match === '$${') return '${';
    if (body === undefined) {
      problems.push({ needle: '${', message: 'unterminated ${ (write $${ for a literal ${)' });
      return match;
    }
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body.trim() : body.slice(0, sep).trim();
    if (!NAME.test(name)) {
      problems.push({ needle: match, message: `malformed reference ${match}: expected \${NAME} or \${NAME:-default}` });
      return match;
    }
    const set = env[name];
    if (sep >= 0 && (set === undefined || set === '')) {
      const fallback = body.slice(sep + 2);
      used.push({ name, value: fallback });
      return fallback;
    }
    if (set === undefined) {
      problems.push({ needle: match, message: `environment variable ${name} is not set (set it, or write \${${name}:-default})` });
      return match;
    }
    if (set === '') {
      problems.push({ needle: match, message: `environment variable ${name} is set but empty (set it to a value, or write \${${name}:-} if an empty value is meant)` });
      return match;
    }
    used.push({ name, value: set });
    return set;
  });
  return { value, used, problems };
}

/** Interpolates every string scalar of the document in place. */
export function interpolateDocument(src: YamlSource, env: Env): InterpolateResult {
  const out: InterpolateResult = { diagnostics: [], used: [], failed: new Set(), quoted: new Map() };
  const seen = new Set<unknown>();
  const walk = (node: unknown, path: PathSegment[]): void => {
    // An anchored node is visited once, where it is defined; aliases share the result.
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (isMap(node)) {
      for (const pair of node.items) walk(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : String(pair.key)]);
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      substitute(src, node, path, env, out);
    }
  };
  walk(src.doc.contents, []);
  return out;
}

function substitute(src: YamlSource, node: Scalar, path: PathSegment[], env: Env, out: InterpolateResult): void {
  const r = interpolateString(node.value as string, env);
  for (const u of r.used) out.used.push({ path, ...u });
  if (r.problems.length > 0) {
    out.failed.add(formatPath(path));
    const [from, to] = node.range ?? [0, 0];
    const raw = src.text.slice(from, to);
    let cursor = 0;
    for (const p of r.problems) {
      // Point at the reference itself inside the scalar; quoting and escapes only shift it
      // when they come before the reference, which the search in the raw text accounts for.
      const at = raw.indexOf(p.needle, cursor);
      if (at >= 0) cursor = at + p.needle.length;
      const { line, col } = position(src, from + Math.max(at, 0));
      out.diagnostics.push({ file: src.file, line, col, path: formatPath(path), message: p.message, severity: 'error' });
    }
    return;
  }
  if (node.type !== Scalar.PLAIN) {
    const whole = /^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(:-[^}]*)?\}$/.exec(node.value as string);
    if (whole) out.quoted.set(formatPath(path), whole[1]!);
  }
  node.value = node.type === Scalar.PLAIN ? retype(r.value) : r.value;
}

/**
 * A field that takes a boolean or a number, given a quoted reference (`header: "${HDR}"`), is
 * reported as `expected boolean, got string`; this says which variable and how to write it.
 */
export function explainQuoted(diagnostics: readonly Diagnostic[], quoted: ReadonlyMap<string, string>): Diagnostic[] {
  if (quoted.size === 0) return [...diagnostics];
  return diagnostics.map((d) => {
    const name = quoted.get(d.path);
    const m = /^expected (boolean|number|integer)\b.*, got string$/.exec(d.message);
    if (name === undefined || !m) return d;
    const key = d.path.replace(/^.*[.\]]/, '').replace(/^\[|"|\]$/g, '') || d.path;
    return {
      ...d,
      message: `${d.message}: "\${${name}}" is quoted, so it stays a string; this field takes a ${m[1]}: write the reference unquoted in block style (\`${key}: \${${name}}\` on its own line), where its value is read as YAML reads it`,
    };
  });
}

/** The value `text` would have as an unquoted YAML scalar, limited to numbers and booleans. */
function retype(text: string): string | number | boolean {
  try {
    const v: unknown = parse(text);
    return typeof v === 'number' || typeof v === 'boolean' ? v : text;
  } catch {
    return text;
  }
}
