/**
 * JSON that keeps longs exact. Node 20's JSON.parse turns 63-bit snapshot ids into lossy
 * doubles, so metadata JSON is parsed here: an integer literal that is not a safe JS
 * integer becomes a bigint; everything else is as JSON.parse would give. `stringify`
 * writes bigints as bare integer literals.
 *
 * The parse boundary (metadata-json.ts) then converts the fields the spec declares as
 * long to bigint unconditionally, so callers never see "sometimes number, sometimes bigint".
 */
import { randomBytes } from 'node:crypto';
import { corruptError } from '../errors.js';

export function parseJson(text: string, source = 'JSON'): unknown {
  return parseJsonMembers(text, source, []).value;
}

/** The texts of the wanted top-level members, as a parse meets them; one met twice has none. */
class MemberTexts {
  readonly texts = new Map<string, string>();
  private readonly seen = new Set<string>();
  constructor(private readonly wanted: readonly string[]) {}

  /** `key`'s value as written, or undefined when it cannot be reused as it is. */
  meet(key: string, text: () => string | undefined): void {
    if (!this.wanted.includes(key)) return;
    const t = this.seen.has(key) ? undefined : text();
    if (t === undefined) this.texts.delete(key);
    else this.texts.set(key, t);
    this.seen.add(key);
  }
}

/**
 * Parses like parseJson, and also gives the text of the top-level object's members named in
 * `keys` (their values exactly as written, whitespace trimmed), for callers that can reuse
 * it instead of serialising the parsed value again. A member that is missing, or given twice,
 * has no text.
 */
export function parseJsonMembers(text: string, source: string, keys: readonly string[]): { value: unknown; members: Map<string, string> } {
  const fast = parseNative(text, keys);
  if (fast !== undefined) return fast;
  const members = new MemberTexts(keys);
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
  let depth = 0;
  /** Raw control characters met in strings so far (JSON.parse rejects them). */
  let controls = 0;
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      depth++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        depth--;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        ws();
        const from = i;
        const controlsBefore = controls;
        const v = value();
        // A value with a raw control character in a string (read leniently here, but not
        // JSON) has no text: it is written again from the parsed value, escaped.
        if (depth === 1) members.meet(key, () => (controls === controlsBefore ? text.slice(from, i) : undefined));
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
          depth--;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      depth++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        depth--;
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
          depth--;
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
      } else {
        if (ch < 32) controls++;
        i++;
      }
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
  return { value: out, members: members.texts };
}

/**
 * What a scan of JSON text finds besides the structure JSON.parse builds: the exact value of
 * every number literal JSON.parse would round (an integer of 16 digits or more, or any literal
 * that is an integer of magnitude 1e15 or more), in document order; how many object keys there
 * are; and where the wanted top-level members' values are.
 */
interface TextScan {
  /** For each number literal whose value is an integer of magnitude ≥ 1e15: its exact value. */
  large: (number | bigint)[];
  keys: number;
  members: Map<string, string>;
}

const LARGE = 1e15;

/**
 * One pass over the text that skips strings by their closing quote. It does not validate:
 * it runs only on text JSON.parse accepted (anything else goes to the exact parser), whose
 * tokens it then reads correctly. Undefined when a string never ends.
 */
function scanText(text: string, wanted: readonly string[]): TextScan | undefined {
  const n = text.length;
  const large: (number | bigint)[] = [];
  const members = new MemberTexts(wanted);
  let keys = 0;
  let depth = 0;
  // At depth 1: the last key's bounds, and where the current member's value starts (-1: none).
  let keyFrom = 0;
  let keyTo = 0;
  let valueFrom = -1;
  const endMember = (to: number) => {
    if (wanted.length === 0) return;
    // A key with escapes ("snap\u0073hots") is the key it decodes to, as JSON.parse reads it.
    const rawKey = text.slice(keyFrom, keyTo);
    const key = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
    members.meet(key, () => text.slice(valueFrom, to).trim());
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // Most frequent first: whitespace, strings, numbers.
    if (c <= 32) {
      i++;
      continue;
    }
    if (c === 34) {
      // A quote ends the string unless an odd number of backslashes precede it.
      let q = i + 1;
      for (;;) {
        q = text.indexOf('"', q);
        if (q < 0) return undefined;
        if (text.charCodeAt(q - 1) !== 92) break;
        let b = q - 2;
        while (text.charCodeAt(b) === 92) b--;
        if (((q - 1 - b) & 1) === 0) break;
        q++;
      }
      if (depth === 1 && valueFrom < 0) {
        keyFrom = i + 1;
        keyTo = q;
      }
      i = q + 1;
      continue;
    }
    if (c >= 45 && c <= 57) {
      // A number ('-' or a digit first; '.' and '/' never start a token): its integer
      // digits, then maybe a fraction and an exponent.
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d > 57 || d < 48) break;
        j++;
      }
      const digits = c === 45 ? j - i - 1 : j - i;
      let plain = true;
      while (j < n) {
        const d = text.charCodeAt(j);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) plain = false;
        else break;
        j++;
      }
      // Only 16+ integer digits or an exponent can reach 1e15.
      if (digits >= 16 || !plain) {
        const lit = text.slice(i, j);
        const v = Number(lit);
        if (Number.isInteger(v) && (v >= LARGE || v <= -LARGE)) large.push(plain && !Number.isSafeInteger(v) ? BigInt(lit) : v);
      }
      i = j;
      continue;
    }
    if (c === 58) {
      keys++;
      if (depth === 1) valueFrom = i + 1;
    } else if (c === 44) {
      if (depth === 1 && valueFrom >= 0) {
        endMember(i);
        valueFrom = -1;
      }
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (depth === 1 && valueFrom >= 0) {
        endMember(i);
        valueFrom = -1;
      }
      depth--;
    }
    i++;
  }
  return { large, keys, members: members.texts };
}

/**
 * The fast path (metadata files grow with every snapshot, and a commit parses one): native
 * JSON.parse, then the numbers it rounded put back exactly from a scan of the text. JSON.parse
 * keeps keys and elements in document order, so the n-th integer of magnitude ≥ 1e15 met in a
 * walk of the result is the n-th such literal in the text. Where that pairing could go wrong —
 * an object with a duplicate key (fewer keys than the text has), or a key that looks like an
 * array index (such keys are enumerated first) — or where JSON.parse rejects the text, it gives
 * undefined and the exact parser takes over.
 */
function parseNative(text: string, wanted: readonly string[]): { value: unknown; members: Map<string, string> } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const scan = scanText(text, wanted);
  if (scan === undefined) return undefined;
  if (scan.large.length === 0) return { value, members: scan.members };
  const restore = new LargeRestore(scan.large);
  const top = restore.value(value);
  if (restore.failed || restore.next !== scan.large.length || restore.keys !== scan.keys) return undefined;
  return { value: top, members: scan.members };
}

/** Walks a JSON.parse result in document order, replacing each large integer by its exact value. */
class LargeRestore {
  next = 0;
  keys = 0;
  failed = false;
  constructor(private readonly large: readonly (number | bigint)[]) {}

  private exact(x: number): number | bigint {
    const y = this.large[this.next++];
    // The pairing must agree with what JSON.parse read; anything else means it is off.
    if (y === undefined || (typeof y === 'number' ? y !== x : Number(y) !== x)) {
      this.failed = true;
      return x;
    }
    return y;
  }

  value(v: unknown): unknown {
    if (typeof v === 'number') return Number.isInteger(v) && (v >= LARGE || v <= -LARGE) ? this.exact(v) : v;
    if (typeof v !== 'object' || v === null || this.failed) return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'number') {
          if (Number.isInteger(x) && (x >= LARGE || x <= -LARGE)) v[i] = this.exact(x);
        } else if (typeof x === 'object' && x !== null) this.value(x);
      }
      return v;
    }
    const o = v as Record<string, unknown>;
    for (const k in o) {
      this.keys++;
      const first = k.charCodeAt(0);
      if (first >= 48 && first <= 57) {
        this.failed = true;
        return v;
      }
      const x = o[k];
      if (typeof x === 'number') {
        if (!Number.isInteger(x) || (x < LARGE && x > -LARGE)) continue;
        const y = this.exact(x);
        if (y === x) continue;
        // An own "__proto__" key must stay a property; assigning it would set the prototype.
        if (k === '__proto__') Object.defineProperty(o, k, { value: y, enumerable: true, writable: true, configurable: true });
        else o[k] = y;
      } else if (typeof x === 'object' && x !== null) this.value(x);
    }
    return v;
  }
}

/**
 * Marks a long in the copy stringifyJson writes. The random part keeps a string a table holds
 * (a property or summary value "\u0000bigint:5") from being taken for a long and written as a
 * number.
 */
const BIGINT_MARKER = `\u0000bigint:${randomBytes(8).toString('hex')}:`;
/** The marker as JSON.stringify writes it in a string literal (NUL escaped), in a RegExp. */
const MARKED_LONG = new RegExp(`"${JSON.stringify(BIGINT_MARKER).slice(1, -1).replace(/\\/g, '\\\\')}(-?\\d+)"`, 'g');

/** JSON.stringify with bigint written as an exact integer literal. */
export function stringifyJson(value: unknown, indent?: number): string {
  // Bigints become marked strings in a copy first: native JSON.stringify without a replacer
  // function is much faster than calling one for every key of a large metadata file.
  const s = JSON.stringify(markBigints(value), null, indent);
  // JSON.stringify escapes the NUL of the marker as the six characters \u0000.
  return s.replace(MARKED_LONG, '$1');
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
