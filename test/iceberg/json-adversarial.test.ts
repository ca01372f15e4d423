import { describe, expect, it } from 'vitest';
import { jsonLong, markedTree, parseJson, parseJsonMembers, stringifyJson } from '../../src/iceberg/json.js';
import { seeded } from '../helpers/random.js';

// Review tests for the native-parse-then-restore path of json.ts: documents are generated as
// text with their expected value (not through stringifyJson), so they hold what other writers
// put in metadata files: any whitespace (CRLF, tabs), \u escapes in keys and strings (also of
// quotes and backslashes), exponent and negative forms of large integers, keys that look like
// array indexes, "__proto__" keys, and top-level members whose key is written with escapes.

/** A value as comparable data: objects as their own entries in key order (keeps "__proto__"). */
function canon(v: unknown): unknown {
  if (Array.isArray(v)) return ['arr', v.map(canon)];
  if (v !== null && typeof v === 'object') return ['obj', Object.keys(v).map((k) => [k, canon((v as Record<string, unknown>)[k])])];
  if (typeof v === 'bigint') return ['big', v.toString()];
  return v;
}

const own = (o: Record<string, unknown>, k: string, v: unknown) =>
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

function generator(seed: number) {
  const rnd = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ws = () => (rnd() < 0.5 ? '' : pick([' ', '\t', '\n', '\r\n', '  \r\n\t', ' \n ']));
  /** A JSON string literal for `s`, with some characters written as \u escapes. */
  const lit = (s: string) => {
    let out = '"';
    for (const ch of s) {
      if (ch === '"' || ch === '\\') out += rnd() < 0.5 ? `\\${ch}` : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
      else if (ch.charCodeAt(0) < 32 || rnd() < 0.1) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
      else if (ch === '/' && rnd() < 0.5) out += '\\/';
      else out += ch;
    }
    return `${out}"`;
  };
  const text = () => {
    const parts = ['"', '\\', '\\"', '"\\', '9223372036854775807', '-1e20', ':', ',', '{', ']', 'é', '\u2028', 'a', '/', '\n', ' '];
    let s = '';
    for (let k = Math.floor(rnd() * 5); k > 0; k--) s += pick(parts);
    return s;
  };
  const long = (): bigint => {
    const v = (BigInt(Math.floor(rnd() * 2 ** 31)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
    return rnd() < 0.3 ? -v - (rnd() < 0.1 ? 1n : 0n) : v;
  };
  /** A leaf: [text, value]. */
  const leaf = (): [string, unknown] => {
    const r = Math.floor(rnd() * 9);
    if (r === 0) {
      const v = rnd() < 0.1 ? -(2n ** 63n) : long();
      return [String(v), Number.isSafeInteger(Number(v)) ? Number(v) : v];
    }
    if (r === 1) {
      // A safe integer of magnitude at least 1e15: stays a number.
      const v = (rnd() < 0.5 ? -1 : 1) * (1e15 + Math.floor(rnd() * (Number.MAX_SAFE_INTEGER - 1e15)));
      return [String(v), v];
    }
    if (r === 2) {
      // Exponent and fraction forms: doubles, as JSON.parse reads them.
      const t = pick(['1e15', '-1E+16', '1.5e18', '9.223372036854775807e18', '12345678901234567.0', '-0.5e16', '1e400', '2E-3', '1000000000000000.25']);
      return [t, Number(t)];
    }
    if (r === 3) {
      const s = text();
      return [lit(s), s];
    }
    if (r === 4) {
      const v = Math.floor(rnd() * 1e6);
      return [String(v), v];
    }
    if (r === 5) return ['null', null];
    if (r === 6) return [rnd() < 0.5 ? 'true' : 'false', undefined];
    if (r === 7) {
      const v = rnd() * 1e6;
      return [String(v), v];
    }
    return ['-0', -0];
  };
  const key = (): string => {
    const r = rnd();
    if (r < 0.1) return '__proto__';
    if (r < 0.2) return String(Math.floor(rnd() * 20));
    if (r < 0.3) return `${Math.floor(rnd() * 9)}x`;
    return `k${text()}${Math.floor(rnd() * 1000)}`;
  };
  const node = (depth: number): [string, unknown] => {
    const r = rnd();
    if (depth > 3 || r < 0.35) {
      const [t, v] = leaf();
      // true/false: the value follows from the text.
      return [t, v === undefined ? t === 'true' : v];
    }
    if (r < 0.6) {
      const items = Array.from({ length: Math.floor(rnd() * 5) }, () => node(depth + 1));
      return [`[${ws()}${items.map(([t]) => t).join(`${ws()},${ws()}`)}${ws()}]`, items.map(([, v]) => v)];
    }
    const o: Record<string, unknown> = {};
    const members: string[] = [];
    for (let k = Math.floor(rnd() * 5); k > 0; k--) {
      const name = key();
      if (Object.prototype.hasOwnProperty.call(o, name)) continue;
      const [t, v] = node(depth + 1);
      own(o, name, v);
      members.push(`${lit(name)}${ws()}:${ws()}${t}`);
    }
    return [`{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`, o];
  };
  return { node, lit, ws, rnd };
}

describe('parseJson on documents as other writers write them', () => {
  it('gives the exact value of every literal, whatever the spacing, escapes and keys', () => {
    const g = generator(4242);
    let large = 0;
    for (let n = 0; n < 400; n++) {
      const [text, value] = g.node(0);
      if (/\d{16}/.test(text)) large++;
      expect(canon(parseJson(text, 'doc.json')), text).toEqual(canon(value));
    }
    expect(large).toBeGreaterThan(100);
  });

  it('reads a top-level member whose key is written with escapes as that key', () => {
    // Small values (no large integer): the native parse's result is used as it is.
    const r = parseJsonMembers('{"snap\\u0073hots" : [1, 2] , "z":0}', 't', ['snapshots']);
    expect((r.value as Record<string, unknown>).snapshots).toEqual([1, 2]);
    expect(r.members.get('snapshots')).toBe('[1, 2]');
  });

  it.each([
    ['the escaped key last', '{"snapshots":[1],"snap\\u0073hots":[2]}'],
    ['the escaped key first', '{"snap\\u0073hots":[1],"snapshots":[2]}'],
    ['two spellings of the escape', '{"\\u0073napshots":[1],"snap\\u0073hots":[2]}'],
    ['a large integer too (exact parser)', '{"snapshots":[1],"n":9223372036854775807,"snap\\u0073hots":[2]}'],
  ])('gives no text for a member written twice under two spellings of its key: %s', (_what, text) => {
    const r = parseJsonMembers(text, 't', ['snapshots']);
    expect((r.value as Record<string, unknown>).snapshots).toEqual([2]);
    // The text, if any, must be that of the value the parse kept.
    expect(r.members.get('snapshots') ?? '[2]').toBe('[2]');
  });

  it('gives the member text of every wanted top-level member in random documents', () => {
    const g = generator(77);
    for (let n = 0; n < 200; n++) {
      const parts: string[] = [];
      const want = new Map<string, string>();
      for (const name of ['snapshots', 'refs', 'other']) {
        if (g.rnd() < 0.2) continue;
        const [t] = g.node(1);
        parts.push(`${g.lit(name)}${g.ws()}:${g.ws()}${t}`);
        want.set(name, t);
      }
      const text = `${g.ws()}{${g.ws()}${parts.join(`${g.ws()},${g.ws()}`)}${g.ws()}}${g.ws()}`;
      const r = parseJsonMembers(text, 't', ['snapshots', 'refs']);
      for (const name of ['snapshots', 'refs']) expect(r.members.get(name), text).toBe(want.get(name));
    }
  });
});

describe('stringifyJson on strings that look like its own long markers', () => {
  it('writes them as the strings they are, next to real longs', () => {
    const look = '\u0000bigint:5';
    expect(stringifyJson({ a: look, b: 5n, c: [look, -(2n ** 63n)] })).toBe('{"a":"\\u0000bigint:5","b":5,"c":["\\u0000bigint:5",-9223372036854775808]}');
    // Inside a tree declared marked (snapshots, logs), where strings are not looked at.
    const tree = markedTree({ id: jsonLong(9223372036854775807n), summary: { note: look, n: '-\u0000bigint:1' } });
    expect(parseJson(stringifyJson({ snapshots: [tree] }))).toEqual({ snapshots: [{ id: 9223372036854775807n, summary: { note: look, n: '-\u0000bigint:1' } }] });
  });
});
