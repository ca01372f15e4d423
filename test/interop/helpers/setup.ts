/**
 * A file's one-time set-up whose failure fails every test of the file. A throwing beforeAll
 * makes vitest report the tests as skipped; these suites never skip (a missing build, venv or
 * jar must show up as failures naming what to run), so the error is kept and re-thrown by a
 * beforeEach, which fails each test with it.
 */
import { beforeAll, beforeEach } from 'vitest';

export function setupOnce(fn: () => Promise<void>, timeoutMs: number): void {
  let failed = false;
  let error: unknown;
  beforeAll(async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      error = e;
    }
  }, timeoutMs);
  beforeEach(() => {
    if (failed) throw error instanceof Error ? error : new Error(`set-up failed: ${String(error)}`);
  });
}
