/**
 * What the database sources share for stopping the server's statement after a signal
 * (postgres.ts, mysql.ts stopQuery): a second connection sends the cancel, best effort, and the
 * command never waits on it for long.
 */

/** How long an abort waits for its cancel (connect, send, reply) before going on without it. */
export const STOP_QUERY_MS = 2000;

/** Resolves when `work` settles or `ms` have passed, whichever comes first; never rejects. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.then(noop, noop), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

const noop = () => undefined;
