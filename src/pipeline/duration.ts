/**
 * Durations and percentages as people write them in pipeline files and on the command
 * line (DESIGN §3: `--older-than DUR`, "DUR: 0s, 90m, 6h, 3d"; §4: `max_age: 6h`).
 */
import { configError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// One or more number+unit parts, largest first by convention but not required: 1h30m, 90m, 2w.
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Milliseconds for `0s`, `90m`, `6h`, `3d`, `2w`, `1h30m`, `250ms`; undefined when malformed. */
export function tryParseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < t.length) {
    PART.lastIndex = pos;
    const m = PART.exec(t);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = PART.lastIndex;
  }
  return Math.round(total);
}

export const DURATION_HINT = 'a duration such as 0s, 90m, 6h, 3d or 2w';

/** Milliseconds; throws a config error naming the text for anything else. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw configError(`invalid duration '${text}': expected ${DURATION_HINT}`);
  return ms;
}

/** The shortest exact form: 21600000 → '6h', 5400000 → '1h30m', 0 → '0s'. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/**
 * A percentage 0..100 from `'5%'`, `'0.5%'` or a bare number (read as percent, since the
 * field names say percent: `missing_percent.max`, `volume.max_change`). Undefined if malformed.
 */
export function tryParsePercent(value: string | number): number | undefined {
  const n = typeof value === 'number' ? value : /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)?.[1];
  const p = typeof n === 'string' ? Number(n) : n;
  return p !== undefined && Number.isFinite(p) && p >= 0 ? p : undefined;
}
