/**
 * JSON that keeps longs exact. Node 20's JSON.parse turns 63-bit snapshot ids into lossy
 * doubles, so metadata JSON is parsed here: an integer literal that is not a safe JS
 * integer becomes a bigint; everything else is as JSON.parse would give. `stringify`
 * writes bigints as bare integer literals.
 *
 * The parse boundary (metadata-json.ts) then converts the fields the spec declares as
 * long to bigint unconditionally, so callers never see "sometimes number, sometimes bigint".
 */
import { corruptError } from '../errors.js';

export function parseJson(text: string, source = 'JSON'): unknown {
  const fast = parseNative(text);
  if (fast.ok) return fast.value;
  // The exact parser below: invalid JSON gets its line and column from it.
  let i = 0;
  const fail = (what: string): never => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < i && k < text.length; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    throw corruptError(`${source}: invalid JSON at line ${line}, column ${col}: ${what}`, {
      context: { file: source, line, column: col },
    });
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const v = value();
        // A "__proto__" key must become an own property, not the object's prototype.
        if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        else obj[key] = v;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === 't' && text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (c === 'f' && text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (c === 'n' && text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    return num();
  };
  const str = (): string => {
    // Find the closing quote; delegate unescaping of the literal to JSON.parse.
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const ch = text.charCodeAt(i);
      if (ch === 34) break;
      if (ch === 92) {
        escaped = true;
        i += 2;
      } else i++;
    }
    i++;
    const lit = text.slice(start, i);
    if (!escaped) return lit.slice(1, -1);
    try {
      return JSON.parse(lit) as string;
    } catch {
      return fail('bad string escape');
    }
  };
  const num = (): number | bigint => {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const r = m.exec(text);
    if (!r) return fail('unexpected character');
    i = m.lastIndex;
    const lit = r[0];
    if (r[1] === undefined && r[2] === undefined) {
      const n = Number(lit);
      return Number.isSafeInteger(n) ? n : BigInt(lit);
    }
    return Number(lit);
  };
  const out = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return out;
}

const LONG_MARKER = '\u0000floe-long:';

/**
 * The fast path (metadata files grow with every snapshot, and a commit parses one): native
 * JSON.parse. Integer literals of 16 digits or more — the only ones that can exceed 2^53 —
 * are first turned into marked strings and revived after: a safe integer as a
 * number, else a bigint, exactly as the parser below returns them. Text with an escaped NUL
 * (which could forge a marker) or that JSON.parse rejects goes to the exact parser.
 */
function parseNative(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.includes('\\u0000')) return { ok: false };
  // A number token follows ':', '[' or ',' and precedes ',', '}' or ']'. The same characters
  // inside a string would get an unescaped quote and a backslash outside the string, which
  // JSON.parse rejects: such text then takes the exact parser.
  const prepared = text.replace(/([:,[]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"\\u0000floe-long:$2"');
  const marked = prepared.length !== text.length;
  try {
    const value: unknown = JSON.parse(prepared);
    return { ok: true, value: marked ? reviveLongs(value) : value };
  } catch {
    return { ok: false };
  }
}

/**
 * Replaces marked strings by their integer, in place (faster than a JSON.parse reviver).
 * Plain assignment keeps the parsed objects' fast shapes; only a "__proto__" key (an own
 * property from JSON.parse) needs defineProperty, since assigning it would set the prototype.
 */
function reviveLongs(v: unknown): unknown {
  if (typeof v === 'string') return reviveMarked(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') {
        if (x.charCodeAt(0) === 0) v[i] = reviveMarked(x);
      } else if (typeof x === 'object' && x !== null) reviveLongs(x);
    }
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'string') {
        if (x.charCodeAt(0) !== 0) continue;
        const y = reviveMarked(x);
        if (y === x) continue;
        if (k === '__proto__') Object.defineProperty(o, k, { value: y, enumerable: true, writable: true, configurable: true });
        else o[k] = y;
      } else if (typeof x === 'object' && x !== null) reviveLongs(x); // objects are revived in place
    }
  }
  return v;
}

function reviveMarked(v: string): unknown {
  if (!v.startsWith(LONG_MARKER)) return v;
  const lit = v.slice(LONG_MARKER.length);
  const n = Number(lit);
  return Number.isSafeInteger(n) ? n : BigInt(lit);
}

const BIGINT_MARKER = '\u0000bigint:';

/** JSON.stringify with bigint written as an exact integer literal. */
export function stringifyJson(value: unknown, indent?: number): string {
  // Bigints become marked strings in a copy first: native JSON.stringify without a replacer
  // function is much faster than calling one for every key of a large metadata file.
  const s = JSON.stringify(markBigints(value), null, indent);
  // JSON.stringify escapes the NUL of the marker as the six characters \u0000.
  return s.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

const markedTrees = new WeakSet<object>();

/** A long in a tree built for stringifyJson with `markedTree`: written as an exact integer literal. */
export function jsonLong(v: bigint): unknown {
  return BIGINT_MARKER + v.toString();
}

/**
 * Declares that `tree` holds every long as a `jsonLong` value and no bigint anywhere below it,
 * so stringifyJson does not look inside. For the parts of a metadata file that come by the
 * thousand (snapshots, log entries). A bigint left inside makes JSON.stringify throw.
 */
export function markedTree<T extends object>(tree: T): T {
  markedTrees.add(tree);
  return tree;
}

/** A copy of a JSON tree with every bigint as a marked string; subtrees without bigints are shared. */
function markBigints(v: unknown): unknown {
  if (typeof v === 'bigint') return jsonLong(v);
  if (typeof v !== 'object' || v === null || markedTrees.has(v)) return v;
  // Objects with their own JSON form (toJSON) are left to JSON.stringify.
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = markBigints(x);
      if (y !== x) (out ??= v.slice())[i] = y;
    }
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (typeof x !== 'bigint' && (typeof x !== 'object' || x === null)) continue;
    const y = markBigints(x);
    if (y === x) continue;
    out ??= { ...o };
    // An own "__proto__" key must stay a property; assigning it would set the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: y, enumerable: true, writable: true, configurable: true });
    else out[k] = y;
  }
  return out ?? o;
}

/** A long field read from JSON: number or bigint in, bigint out. */
export function toLong(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw corruptError(`${what}: expected a long, got ${JSON.stringify(typeof v === 'undefined' ? null : v)}`);
}
