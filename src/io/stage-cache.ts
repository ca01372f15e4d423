/**
 * A bounded local cache of object-store files, so DuckDB (which reads local paths only) can
 * read them. One temporary folder per process, removed at exit.
 *
 * Bounded by total bytes with least-recently-used eviction. A file used within the last
 * `graceMs` is never evicted: a scan stages all its files before DuckDB opens them, and
 * evicting one of those would fail the scan. So a single scan larger than the cache
 * overshoots the bound until its files age out, instead of failing.
 *
 * Objects are keyed by location: Iceberg never rewrites a file under the same name.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cancelHandlingInstalled } from '../cancel.js';
import { scratchDirSync } from './scratch-dir.js';
import { namePrefix } from './temp-name.js';

interface Entry {
  path: string;
  /** The entry's own folder under the cache. */
  folder: string;
  size: number;
  lastUsed: number;
}

export interface StageCacheOptions {
  maxBytes: number;
  /** Entries used this recently are not evicted. Default 60 s. */
  graceMs?: number;
  /** Injected clock for tests. */
  now?: () => number;
  /** Parent of the cache folder; default the OS temp folder. */
  parentDir?: string;
}

/** Removes every cache folder of this process at exit (also after process.exit() and on SIGINT/SIGTERM/SIGHUP, src/cancel.ts). */
const folders = new Set<string>();
let exitHookInstalled = false;
function removeAtExit(dir: string): void {
  folders.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const removeAll = () => {
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  };
  process.once('exit', removeAll);
  // The CLI handles these signals itself (src/cancel.ts): the command stops and the process
  // exits, so 'exit' removes the folders.
  if (cancelHandlingInstalled()) return;
  // A signal ends the process without 'exit': clean up, then die of the same signal (the
  // listener is gone by then, so the default action applies and the exit status tells).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeAll();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Path segments for a staged copy: the location without its scheme, with no segment that
 * climbs. `?` and `#` are part of an object key (s3://b/in/run#1.csv.gz), not a URL's query
 * or fragment: cutting the name there lost the extension DuckDB reads compression and format
 * from. A segment longer than a file name may be (an S3 key's segment may have 1024 bytes,
 * NAME_MAX is 255, and the download's temporary name adds a suffix) keeps its start and its
 * end, the extensions: the digest folder above it keeps staged copies apart.
 */
export function stagedName(location: string): string[] {
  const rest = location.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const parts = rest.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  return parts.length ? parts.map(shortSegment) : ['file'];
}

const SEGMENT_BYTES = 200;
const SEGMENT_TAIL_CHARS = 40;

function shortSegment(segment: string): string {
  if (Buffer.byteLength(segment) <= SEGMENT_BYTES) return segment;
  const chars = [...segment];
  const tail = chars.slice(-SEGMENT_TAIL_CHARS).join('');
  return `${namePrefix(chars.slice(0, -SEGMENT_TAIL_CHARS).join(''), SEGMENT_BYTES - Buffer.byteLength(tail) - 3)}…${tail}`;
}

export class StageCache {
  readonly dir: string;
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<string>>();
  private total = 0;
  private readonly maxBytes: number;
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(o: StageCacheOptions) {
    this.maxBytes = o.maxBytes;
    this.graceMs = o.graceMs ?? 60_000;
    this.now = o.now ?? Date.now;
    this.dir = scratchDirSync('floe-stage-', { parent: o.parentDir });
    removeAtExit(this.dir);
  }

  get bytes(): number {
    return this.total;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * The local path of `key`, fetched by `fill(path)` on a miss. `fill` writes the whole file
   * at `path` (a temporary name; it is renamed into place only when complete) and returns its
   * size. Concurrent calls for one key share one fetch.
   */
  async get(key: string, fill: (tmpPath: string) => Promise<number>): Promise<string> {
    const hit = this.entries.get(key);
    if (hit) {
      hit.lastUsed = this.now();
      // Re-insert: Map iteration order is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.path;
    }
    const running = this.pending.get(key);
    if (running) return running;
    const p = this.fetch(key, fill).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private async fetch(key: string, fill: (tmpPath: string) => Promise<number>): Promise<string> {
    // <cache>/<digest>/<bucket>/<key>: unique per location, and DuckDB's messages about a
    // staged file (a CSV parse error, say) still show the bucket and key it came from.
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
    const folder = join(this.dir, digest);
    const path = join(folder, ...stagedName(key));
    const tmp = `${path}.${process.pid}.part`;
    try {
      await fs.mkdir(dirname(path), { recursive: true });
      const size = await fill(tmp);
      await fs.rename(tmp, path);
      this.entries.set(key, { path, folder, size, lastUsed: this.now() });
      this.total += size;
    } catch (e) {
      await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
    await this.evict();
    return path;
  }

  /** Drops least recently used entries until the cache fits, sparing recently used ones. */
  private async evict(): Promise<void> {
    if (this.total <= this.maxBytes) return;
    const cutoff = this.now() - this.graceMs;
    for (const [key, e] of this.entries) {
      if (this.total <= this.maxBytes) break;
      if (e.lastUsed > cutoff) continue;
      this.entries.delete(key);
      this.total -= e.size;
      await fs.rm(e.folder, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Removes the folder now (tests; the exit hook does it otherwise). */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
    folders.delete(this.dir);
    this.entries.clear();
    this.total = 0;
  }
}
