/**
 * Generated inputs are cached under .cache/bench/ (gitignored), keyed by generator version,
 * row count and seed. A file that is present is never regenerated: 10M rows take a while to
 * write, and every contender must read the very same bytes. Files appear by rename only, so
 * a present file is always complete.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION, writeCsv } from './csv.js';

export interface CachedInput {
  path: string;
  bytes: number;
  /** false when the file was already in the cache. */
  generated: boolean;
  generateMs?: number;
}

export async function cachedCsv(cacheDir: string, rows: number, seed: number, log: (msg: string) => void): Promise<CachedInput> {
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, `csv-v${GENERATOR_VERSION}-${rows}rows-seed${seed}.csv`);
  if (existsSync(path)) return { path, bytes: statSync(path).size, generated: false };
  log(`generating ${rows.toLocaleString('en-US')} rows (seed ${seed}) → ${path}`);
  const started = performance.now();
  const { bytes } = await writeCsv(path, rows, seed);
  const generateMs = performance.now() - started;
  log(`generated ${(bytes / 1e6).toFixed(0)} MB in ${(generateMs / 1000).toFixed(1)} s`);
  return { path, bytes, generated: true, generateMs };
}
