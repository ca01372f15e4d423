/**
 * The only place where error kinds become exit codes (DESIGN §3, a contract):
 * 0 ok · 1 failure (source, IO, conflict after retries, internal) · 2 usage or config error ·
 * 3 a check at severity error failed · 128 + the signal's number when SIGHUP (129), SIGINT
 * (130) or SIGTERM (143) cancelled the command, as a shell reports a process that signal
 * killed (src/cancel.ts, cli/signals.ts).
 */
import { cancelledBy, type CancelSignal } from '../cancel.js';
import type { ErrorKind } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CHECK_FAILED = 3;

const EXIT_SIGNAL: Readonly<Record<CancelSignal, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** The exit status of a command that `signal` cancelled. */
export function exitCodeForSignal(signal: CancelSignal): number {
  return EXIT_SIGNAL[signal];
}

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'config':
    case 'usage':
      return EXIT_USAGE;
    case 'check':
      return EXIT_CHECK_FAILED;
    case 'cancelled':
      return exitCodeForSignal(cancelledBy() ?? 'SIGTERM');
    default:
      return EXIT_FAILURE;
  }
}
