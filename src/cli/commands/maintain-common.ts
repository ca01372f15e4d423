/** Option parsing shared by `floe maintain ...` and `floe snapshot ...`. */
import { usageError } from '../../errors.js';
import { DURATION_HINT, tryParseDuration } from '../../pipeline/duration.js';

/** 100,000 years: far beyond any table's history, well inside the range of a Date. */
const MAX_DURATION_DAYS = 36_500_000;
const MAX_DURATION_MS = MAX_DURATION_DAYS * 86_400_000;

/** A duration option (`--older-than 3d`) in milliseconds; a usage error naming the option otherwise. */
export function durationOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = tryParseDuration(text);
  if (ms === undefined) throw usageError(`${flag} '${text}' is not a duration: expected ${DURATION_HINT}`);
  // Counted back from now, a longer one leaves the range of a time (and of timestamp-ms).
  if (!Number.isSafeInteger(ms) || ms > MAX_DURATION_MS) throw usageError(`${flag} '${text}' is longer than floe can count back from now (at most ${MAX_DURATION_DAYS}d)`);
  return ms;
}

/** A whole-number option with a minimum. */
export function countOption(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw usageError(`${flag} '${text}' is not a whole number`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw usageError(`${flag} ${t} is too large: at most ${Number.MAX_SAFE_INTEGER}`);
  if (n < min) throw usageError(`${flag} ${text} must be ${min} or more`);
  return n;
}

export { plural } from '../../text-table.js';

export const iso = (ms: number) => new Date(ms).toISOString();
