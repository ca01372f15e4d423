/**
 * The example's clock. Everything is relative to a fixed as-of date so that recency (RFM),
 * churn gaps and freshness come out the same on every run, whenever it happens.
 */
export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** End of the as-of day; no source record is later than this (except injected clock skew). */
export const AS_OF = Date.UTC(2026, 5, 30, 23, 59, 59);
/** The company's first day of trading; history for CLV and churn starts here. */
export const START = Date.UTC(2023, 6, 1);

/** '2026-06-30T12:34:56Z' (seconds precision, as most exports write it). */
export const isoZ = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** '2026-06-30 12:34:56': SQL style without a zone (the CRM's convention: UTC). */
export const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** '06/30/2026': the legacy CRM import's US-style date. */
export const usDate = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()}`;
};
/** Calendar quarter label, '2026-Q2'. */
export const quarter = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
};
export const clamp = (ms: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, ms));
/** Cents as '1234.50'; integer arithmetic, so no float formatting differences. */
export const money = (cents: number) => `${cents < 0 ? '-' : ''}${Math.trunc(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
