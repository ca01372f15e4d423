/**
 * Goal checks over case results. A goal is judged only from contenders that ran and
 * succeeded; otherwise it is reported as not judged (met: null), never guessed.
 */
import { fmtBytes, fmtMs, fmtRatio } from './format.js';
import type { CaseResult, ContenderResult, GoalResult } from './types.js';

export function contender(c: CaseResult | undefined, id: string): ContenderResult | undefined {
  return c?.contenders.find((x) => x.id === id);
}

function why(...cs: (ContenderResult | undefined)[]): string {
  const bad = cs.find((x) => !x || x.status !== 'ok' || x.median_wall_ms === null);
  if (!bad) return 'not judged';
  return `not judged: ${bad.label} ${bad.status === 'not-run' ? 'not run' : 'failed'}${bad.note ? ` (${bad.note})` : ''}`;
}

/** a's median wall time / b's, at most `max`. */
export function wallAtMost(id: string, text: string, c: CaseResult | undefined, a: string, b: string, max: number): GoalResult {
  const x = contender(c, a);
  const y = contender(c, b);
  if (!x?.median_wall_ms || !y?.median_wall_ms || x.status !== 'ok' || y.status !== 'ok') {
    return { id, text, value: null, measured: why(x, y), met: null };
  }
  const r = x.median_wall_ms / y.median_wall_ms;
  return { id, text, value: r, measured: `${fmtRatio(r)} (${fmtMs(x.median_wall_ms)} / ${fmtMs(y.median_wall_ms)})`, met: r <= max };
}

/** b's median wall time / a's (how many times faster a is than b), at least `min`. */
export function speedupAtLeast(id: string, text: string, c: CaseResult | undefined, a: string, b: string, min: number): GoalResult {
  const x = contender(c, a);
  const y = contender(c, b);
  if (!x?.median_wall_ms || !y?.median_wall_ms || x.status !== 'ok' || y.status !== 'ok') {
    return { id, text, value: null, measured: why(x, y), met: null };
  }
  const r = y.median_wall_ms / x.median_wall_ms;
  return { id, text, value: r, measured: `${fmtRatio(r)} faster (${fmtMs(y.median_wall_ms)} / ${fmtMs(x.median_wall_ms)})`, met: r >= min };
}

/** The largest peak RSS of a's runs, at most `maxBytes`. */
export function rssAtMost(id: string, text: string, c: CaseResult | undefined, a: string, maxBytes: number): GoalResult {
  const x = contender(c, a);
  if (!x || x.status !== 'ok' || x.peak_rss_bytes === null) return { id, text, value: null, measured: why(x), met: null };
  return { id, text, value: x.peak_rss_bytes, measured: fmtBytes(x.peak_rss_bytes), met: x.peak_rss_bytes <= maxBytes };
}

/** a's peak RSS in case `big` / in case `small`, at most `max`. */
export function rssGrowthAtMost(id: string, text: string, big: CaseResult | undefined, small: CaseResult | undefined, a: string, max: number): GoalResult {
  const x = contender(big, a);
  const y = contender(small, a);
  if (!x?.peak_rss_bytes || !y?.peak_rss_bytes || x.status !== 'ok' || y.status !== 'ok') {
    return { id, text, value: null, measured: why(x, y), met: null };
  }
  const r = x.peak_rss_bytes / y.peak_rss_bytes;
  return { id, text, value: r, measured: `${fmtRatio(r)} (${fmtBytes(x.peak_rss_bytes)} / ${fmtBytes(y.peak_rss_bytes)})`, met: r <= max };
}
