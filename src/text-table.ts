/**
 * A plain aligned text table, shared by every command that prints rows (query, snapshots,
 * run summaries, check results).
 */
import { stringifyJson } from './iceberg/json.js';

/** A plain aligned text table; cells are stringified, nulls shown as NULL. */
export function formatTable(columns: string[], rows: unknown[][]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'string') return v;
    if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v instanceof Uint8Array) return '\\x' + Buffer.from(v).toString('hex');
    return stringifyJson(v);
  };
  const text = rows.map((r) => r.map(cell));
  // A loop, not Math.max(...rows): spreading a few hundred thousand rows overflows the stack.
  // Columns are measured in terminal cells, not UTF-16 units: `城市` takes four, `é` as e + U+0301 one.
  const widths = columns.map((c) => displayWidth(c));
  for (const r of text) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, displayWidth(r[i] ?? ''));
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(c)))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, W and F, by block);
// emoji are matched by their Emoji_Presentation property instead.
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x2329, 0x232a], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff],
  [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f],
  [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4], [0x17000, 0x18cff], [0x1b000, 0x1b2ff], [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;
const EMOJI_MODIFIER = /^\p{Emoji_Modifier}$/u;

function codePointWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x300) return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? 0 : 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  // Hangul jamo medial vowels and final consonants join the syllable before them.
  if (cp >= 0x1160 && cp <= 0x11ff) return 0;
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return 2;
  }
  return EMOJI.test(ch) ? 2 : 1;
}

/**
 * The columns a string takes in a terminal: East Asian Wide and Fullwidth characters (CJK,
 * Hangul, fullwidth forms, emoji, a flag) take two, combining marks and format characters none.
 * Per code point, not per grapheme cluster: an Indic conjunct may count one more than a
 * terminal shows.
 */
export function displayWidth(s: string): number {
  let w = 0;
  // ASCII fast path: most cells are plain.
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let flag = false;
  for (const ch of s) {
    // A skin-tone modifier joins the emoji before it; two regional indicators make one flag.
    if (EMOJI_MODIFIER.test(ch)) continue;
    const regional = ch >= '\u{1f1e6}' && ch <= '\u{1f1ff}';
    if (regional && flag) {
      flag = false;
      continue;
    }
    flag = regional;
    w += codePointWidth(ch);
  }
  return w;
}

/** A count and its noun: `1 row`, `2 rows`, `3 files`; `many` for an irregular plural. */
export function plural(n: number | bigint, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 || n === 1n ? one : many}`;
}

/**
 * Text from data (a value, a property, a ref name another engine made) as one line of inert
 * text for the terminal: a line break or tab would split or shift a table row, and an ESC
 * would drive the terminal; control characters show as `\n`, `\t`, `\r`, `\u001b`.
 */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
