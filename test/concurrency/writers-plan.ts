/**
 * The rows the concurrent writers of writers.test.ts append: every (writer, append) pair
 * owns ROWS_PER_APPEND ids no other pair has, so "every row exactly once" is checkable by id.
 */
export const ROWS_PER_APPEND = 4;

/** The ids append `a` of writer `w` adds: w·100000 + a·100 + k, k < ROWS_PER_APPEND. */
export function appendIds(writer: number, append: number): number[] {
  return Array.from({ length: ROWS_PER_APPEND }, (_, k) => writer * 100_000 + append * 100 + k);
}

/** Every id `writers` writers × `appends` appends add, ascending. */
export function expectedIds(writers: number, appends: number): number[] {
  const ids: number[] = [];
  for (let w = 0; w < writers; w++) for (let a = 0; a < appends; a++) ids.push(...appendIds(w, a));
  return ids.sort((x, y) => x - y);
}

/** What one writer process reports on stdout. */
export interface WriterReport {
  writer: number;
  /** The snapshot ids its appends committed, as decimal strings (longs). */
  snapshots: string[];
  /** Commit attempts that lost the compare-and-swap and were retried. */
  retries: number;
  ms: number;
}

/** What a writer process is told (one JSON argument). */
export interface WriterTask {
  uri: string;
  name: string;
  warehouse: string;
  table: string;
  writer: number;
  appends: number;
  /** Folder of the start barrier: the worker writes `ready-<writer>` and waits for `go`. */
  barrier: string;
  /** After this many appends, wait for `<barrier>/resume` before the rest. */
  holdAfter?: number;
}
