/**
 * Printing helpers. Results go to stdout; logs, warnings and errors to stderr, so that
 * `--json` / `--format json` output on stdout stays machine-readable.
 *
 * "Nothing to do" is a result: a command that changes tables (compact, maintain, snapshot,
 * table evolve|create) prints the line saying that nothing was done, and why, on stdout like
 * the summary it prints when it does something. With --json that line is not printed: stdout
 * holds only the JSON, whose `end` event (or document) tells that nothing was done. A command
 * whose stdout is data (tables, query, check's report) prints an empty result there and the
 * explanation ("no tables yet") on stderr.
 */
import { cancelledBy } from '../cancel.js';
import { FloeError } from '../errors.js';
import { stringifyJson } from '../iceberg/json.js';
import { s3RetryObserver, setS3RetryNoticeWriter, setS3RetryObserver, type S3RetryEvent } from '../io/s3-retry.js';
import { setForcedEnd } from './signals.js';

// An S3 request retried after a timeout (or a slow failure) is told on stderr at once
// (io/s3-retry.ts): a command waiting on a silent store says so while it waits. Set here, where
// every command's output is made, and not in main.ts, so that `floe --help` loads no S3 code.
setS3RetryNoticeWriter((line) => process.stderr.write(`${line}\n`));

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** One NDJSON event on stdout (only when --json). */
  event(type: string, fields: Record<string, unknown>): void;
  readonly json: boolean;
}

export function consoleOutput(json = false): Output {
  let ended = false;
  const output: Output = {
    json,
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    event: (type, fields) => {
      if (type === 'end') ended = true;
      if (json) process.stdout.write(stringifyJson({ event: type, time: new Date().toISOString(), ...fields }) + '\n');
    },
  };
  // A command ended at once by a second signal (cli/signals.ts) still ends its stream with an end event.
  if (json) setForcedEnd((fields) => {
    if (!ended) output.event('end', fields);
  });
  // S3 requests retried anywhere in this command become `retry` events (docs/S3.md). The
  // observer is process-level (see s3-retry.ts for why); only --json output registers one.
  if (json) setS3RetryObserver((r) => output.event('retry', s3RetryFields(r)));
  return output;
}

/** A retried S3 request as the fields of a `retry` event. */
export function s3RetryFields(r: S3RetryEvent): Record<string, unknown> {
  return {
    scope: 's3',
    operation: r.operation,
    location: r.location,
    endpoint: r.endpoint,
    attempt: r.attempt,
    max_attempts: r.maxAttempts,
    wait_ms: r.waitMs,
    ...(r.status !== undefined ? { status: r.status } : {}),
    code: r.code,
  };
}

/**
 * For commands without NDJSON events (`query`, `check`), whose stdout may be machine output
 * (`--format json|csv|junit`): counts the S3 requests retried while `run` runs, then prints
 * one summary line on stderr, also when the command fails. Nothing when nothing was retried.
 * A line per retry would bury a query's output under a flaky store's noise; one line says
 * that the store misbehaved and how, which is what a person reading a slow query needs.
 */
export async function reportingS3Retries<T>(out: Output, run: () => Promise<T>): Promise<T> {
  const retries: S3RetryEvent[] = [];
  const previous = setS3RetryObserver((r) => retries.push(r));
  try {
    return await run();
  } finally {
    const scope = deferredSummary;
    if (scope === undefined) {
      setS3RetryObserver(previous);
      const line = s3RetrySummary(retries);
      if (line !== undefined) out.err(line);
    } else {
      // What runs after the command in the scope (its audit record) is counted in the same line.
      scope.retries.push(...retries);
      scope.out = out;
      setS3RetryObserver((r) => {
        scope.retries.push(r);
        previous?.(r);
      });
    }
  }
}

/** Set while withDeferredS3Summary runs: the retries so far, and the output of the command that reports them. */
let deferredSummary: { retries: S3RetryEvent[]; out?: Output } | undefined;

/**
 * Runs a command together with what follows it in the same process — its row in
 * floe.audit_log (cli/lazy.ts) — so that the summary line of reportingS3Retries also counts
 * the S3 requests retried after the command returned, and is printed once, at the very end
 * (before the error of a failed command, which propagates after this).
 */
export async function withDeferredS3Summary<T>(run: () => Promise<T>): Promise<T> {
  const before = s3RetryObserver();
  const scope: { retries: S3RetryEvent[]; out?: Output } = { retries: [] };
  deferredSummary = scope;
  try {
    return await run();
  } finally {
    deferredSummary = undefined;
    setS3RetryObserver(before);
    const line = scope.out === undefined ? undefined : s3RetrySummary(scope.retries);
    if (line !== undefined) scope.out!.err(line);
  }
}

/**
 * reportingS3Retries for a command whose `--json` output is an NDJSON stream (its output came
 * from `consoleOutput(true)`): with `--json` each retry is already a `retry` event, so the
 * summary line is printed only for the text output, and never twice.
 */
export function reportingS3RetriesUnlessJson<T>(out: Output, run: () => Promise<T>): Promise<T> {
  return out.json ? run() : reportingS3Retries(out, run);
}

/**
 * `floe: warning: retried 3 S3 requests at http://minio:9000 (4 retries: 2 InternalError,
 * 1 SlowDown, 1 ECONNRESET)`; undefined for none. A request counts once however often it
 * was retried (its first retry is the one with attempt 1).
 */
export function s3RetrySummary(retries: readonly S3RetryEvent[]): string | undefined {
  if (retries.length === 0) return undefined;
  const requests = retries.filter((r) => r.attempt === 1).length || 1;
  const endpoints = [...new Set(retries.map((r) => r.endpoint))];
  const codes = new Map<string, number>();
  for (const r of retries) {
    const code = r.status !== undefined && !r.code.includes(String(r.status)) ? `${r.code} (HTTP ${r.status})` : r.code;
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  const causes = [...codes].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${n} ${code}`);
  const what = `${requests} S3 request${requests === 1 ? '' : 's'}`;
  const times = `${retries.length} ${retries.length === 1 ? 'retry' : 'retries'}`;
  return `floe: warning: retried ${what} at ${endpoints.join(', ')} (${times}: ${causes.join(', ')})`;
}

/**
 * A `.catch()` handler: the NDJSON `end` event of a failed command, then the error again. A
 * command a signal stopped ends with `status: "cancelled"` and the signal (src/cancel.ts).
 */
export function endOnError(out: Output, started: number): (e: unknown) => never {
  return (e) => {
    const signal = cancelledBy();
    if (signal !== undefined) out.event('end', { status: 'cancelled', signal, kind: 'cancelled', duration_ms: Date.now() - started });
    else out.event('end', { status: 'error', kind: e instanceof FloeError ? e.kind : 'internal', duration_ms: Date.now() - started });
    throw e;
  };
}

export { formatTable, oneLine } from '../text-table.js';

export function formatBytes(n: number | bigint): string {
  const v = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = v;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${x.toFixed(1)} ${units[i]}`;
}
