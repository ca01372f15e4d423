/**
 * Reading an API response without rewriting what the server sent.
 *
 * The records of a page go to DuckDB as NDJSON lines cut from the response text itself,
 * never through JSON.parse and JSON.stringify: that round trip turns 64-bit ids into lossy
 * doubles and `10.0` into `10`, so a price column of round values would be typed BIGINT on
 * one run and DOUBLE on the next (a change an Iceberg schema cannot take). The scanner here
 * validates the whole document (RFC 8259) and returns the text spans of the values at the
 * requested dot paths; an array at a path also gets the spans of its elements.
 */

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export interface JsonSpan {
  kind: JsonKind;
  start: number;
  end: number;
}

export interface FoundValue extends JsonSpan {
  /** The elements, when the value is an array. */
  items?: JsonSpan[];
}

/**
 * A key twice in one object at or below a requested value. JSON.parse would keep the last,
 * DuckDB's reader refuses the record; either way the data is ambiguous, so the page fails
 * naming the key instead of a later error about a temp file.
 */
export class JsonDuplicateKeyError extends Error {
  constructor(
    readonly key: string,
    readonly offset: number,
  ) {
    super(`the key ${JSON.stringify(key)} appears twice in one object`);
    this.name = 'JsonDuplicateKeyError';
  }
}

/** Malformed JSON; `offset` is the character where reading stopped. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

interface Target {
  index: number;
  rest: readonly string[];
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const NONE: readonly Target[] = [];

/**
 * Validates `text` as one JSON document and finds the value at each path (a list of object
 * keys; `[]` is the document itself). A path that does not exist gives undefined. When a
 * key repeats on the way to a path, the last occurrence wins, as with JSON.parse; a key
 * repeated inside a found value (a record) throws JsonDuplicateKeyError, unless `uniqueKeys`
 * is false (then only the spans are wanted).
 */
export function scanJson(text: string, paths: readonly (readonly string[])[], o: { uniqueKeys?: boolean } = {}): (FoundValue | undefined)[] {
  const found: (FoundValue | undefined)[] = paths.map(() => undefined);
  const s = new Scanner(text, found, o.uniqueKeys ?? true);
  s.ws();
  try {
    s.value(paths.map((rest, index) => ({ index, rest })));
  } catch (e) {
    // A document nested deeper than the stack allows is not something an API sends on purpose.
    if (e instanceof RangeError) throw new JsonSyntaxError('nested too deeply', s.i);
    throw e;
  }
  s.ws();
  if (s.i !== text.length) s.fail('unexpected text after the document');
  return found;
}

class Scanner {
  i = 0;

  constructor(
    readonly text: string,
    readonly found: (FoundValue | undefined)[],
    readonly uniqueKeys: boolean,
  ) {}

  fail(what: string): never {
    throw new JsonSyntaxError(what, this.i);
  }

  ws(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else return;
    }
  }

  /** `inFound`: the value lies inside a value at a requested path, where keys must be unique. */
  value(targets: readonly Target[], inFound = false): void {
    const t = this.text;
    const start = this.i;
    const c = t[start];
    let kind: JsonKind;
    let items: JsonSpan[] | undefined;
    const found = inFound || targets.some((x) => x.rest.length === 0);
    if (c === '{') {
      kind = 'object';
      this.object(targets, found);
    } else if (c === '[') {
      kind = 'array';
      items = this.array(targets.some((x) => x.rest.length === 0), found);
    } else if (c === '"') {
      kind = 'string';
      this.string();
    } else if (t.startsWith('true', start) || t.startsWith('null', start)) {
      kind = c === 'n' ? 'null' : 'boolean';
      this.i += 4;
    } else if (t.startsWith('false', start)) {
      kind = 'boolean';
      this.i += 5;
    } else {
      NUMBER.lastIndex = start;
      if (!NUMBER.exec(t)) this.fail(c === undefined ? 'unexpected end of the document' : `unexpected character ${JSON.stringify(c)}`);
      kind = 'number';
      this.i = NUMBER.lastIndex;
    }
    for (const x of targets) {
      if (x.rest.length === 0) this.found[x.index] = items ? { kind, start, end: this.i, items } : { kind, start, end: this.i };
    }
  }

  private object(targets: readonly Target[], inFound: boolean): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    const deeper = targets.filter((x) => x.rest.length > 0);
    const keys = inFound && this.uniqueKeys ? new Set<string>() : undefined;
    for (;;) {
      if (this.text[this.i] !== '"') this.fail('expected a string key');
      const at = this.i;
      const key = this.string();
      if (keys !== undefined) {
        if (keys.has(key)) throw new JsonDuplicateKeyError(key, at);
        keys.add(key);
      }
      this.ws();
      if (this.text[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.ws();
      const sub = deeper.length === 0 ? NONE : deeper.filter((x) => x.rest[0] === key).map((x) => ({ index: x.index, rest: x.rest.slice(1) }));
      this.value(sub, inFound);
      this.ws();
      const sep = this.text[this.i];
      this.i++;
      if (sep === '}') return;
      if (sep !== ',') {
        this.i--;
        this.fail("expected ',' or '}'");
      }
      this.ws();
    }
  }

  private array(collect: boolean, inFound: boolean): JsonSpan[] | undefined {
    const items: JsonSpan[] | undefined = collect ? [] : undefined;
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return items;
    }
    for (;;) {
      const start = this.i;
      this.value(NONE, inFound);
      items?.push({ kind: kindAt(this.text, start), start, end: this.i });
      this.ws();
      const sep = this.text[this.i];
      this.i++;
      if (sep === ']') return items;
      if (sep !== ',') {
        this.i--;
        this.fail("expected ',' or ']'");
      }
      this.ws();
    }
  }

  /** Reads a string literal and returns its value (unescaped only when it has escapes). */
  private string(): string {
    const t = this.text;
    const start = this.i;
    let escaped = false;
    this.i++;
    for (;;) {
      const ch = t.charCodeAt(this.i);
      if (Number.isNaN(ch)) this.fail('unterminated string');
      if (ch === 34) break;
      // Raw control characters are not allowed in strings (RFC 8259 §7); a raw newline would also split an NDJSON line.
      if (ch < 0x20) this.fail('control character in a string');
      if (ch === 92) {
        escaped = true;
        const e = t[this.i + 1];
        if (e === 'u') {
          if (!HEX4.test(t.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape');
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else this.fail('bad escape');
      } else this.i++;
    }
    this.i++;
    const lit = t.slice(start, this.i);
    return escaped ? (JSON.parse(lit) as string) : lit.slice(1, -1);
  }
}

function kindAt(text: string, at: number): JsonKind {
  const c = text[at];
  if (c === '{') return 'object';
  if (c === '[') return 'array';
  if (c === '"') return 'string';
  if (c === 't' || c === 'f') return 'boolean';
  if (c === 'n') return 'null';
  return 'number';
}

/**
 * The value's text on one line: whitespace outside strings removed. Valid JSON has no raw
 * line breaks inside strings, so text without CR or LF is already one line and is kept as is.
 */
export function oneLine(json: string): string {
  if (!/[\r\n]/.test(json)) return json;
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 32 || c === 9 || c === 10 || c === 13) {
      out += json.slice(from, i);
      from = i + 1;
    }
  }
  return out + json.slice(from);
}

/** A scalar's text as a query-parameter value: strings unescaped, numbers exactly as written. */
export function scalarText(text: string, span: JsonSpan): string {
  const raw = text.slice(span.start, span.end);
  return span.kind === 'string' ? (JSON.parse(raw) as string) : raw;
}

/**
 * The offset of the first `\u` escape in `json` that is half of a UTF-16 surrogate pair
 * without its other half (`"\ud800"`), or -1. Such an escape is valid JSON grammar but names
 * no Unicode character (RFC 8259 §8.2): DuckDB's reader refuses it, naming a temp file and a
 * line of its own, so the page is refused first, naming the record.
 */
export function loneSurrogateAt(json: string): number {
  if (!json.includes('\\u')) return -1;
  // Each match consumes a backslash and what it escapes, so `\\ud800` (an escaped backslash) is no escape.
  const escape = /\\(?:u([0-9a-fA-F]{4})|[^u])/g;
  /** The offset of a high surrogate waiting for its low half, and where that half must start. */
  let high = -1;
  let highEnd = -1;
  for (let m = escape.exec(json); m !== null; m = escape.exec(json)) {
    const code = m[1] === undefined ? -1 : parseInt(m[1], 16);
    const isLow = code >= 0xdc00 && code <= 0xdfff;
    if (high >= 0) {
      if (isLow && m.index === highEnd) {
        high = -1;
        continue;
      }
      return high;
    }
    if (isLow) return m.index;
    if (code >= 0xd800 && code <= 0xdbff) {
      high = m.index;
      highEnd = escape.lastIndex;
    }
  }
  return high;
}
