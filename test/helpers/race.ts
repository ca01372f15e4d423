/** Commit events that let another writer in between a commit's plan and its swap. */
import type { CommitEvents } from '../../src/table/commit.js';

/**
 * Runs `competitor` once, at the first compare-and-swap of the commit under test (attempt
 * 1; the retries that follow run undisturbed). `raced` counts how often it ran.
 */
export function raceOnce(competitor: () => Promise<unknown>): CommitEvents & { raced: number } {
  const ev = {
    raced: 0,
    beforeSwap: async ({ attempt }: { attempt: number }) => {
      if (attempt !== 1) return;
      ev.raced++;
      await competitor();
    },
  };
  return ev;
}
