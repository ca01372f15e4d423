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

/**
 * stdout's write errors, and the exit 1 they make (kept here: `floe --help` loads this module
 * anyway, test/cli/module-loading). A reader that stops early (`floe query ... | head`) closes
 * the pipe: the rest of the output has nowhere to go, which is not a failure of the command
 * (without a listener Node died with an unhandled 'error' event and a stack trace). Any other failure to
 * write (`>> /var/log/floe.ndjson` on a full disk: ENOSPC, EIO) loses the output, not the
 * command's work: thrown, it killed the process at whatever point the command was (a stack
 * trace, no audit row, a run's staged files left; or exit 1 after a commit). The command runs
 * to its end instead, and exits 1 saying that its output was lost (cli/main.ts).
 */
let failure: NodeJS.ErrnoException | undefined;

export function watchStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') failure ??= e;
  });
}

/** The first write error of stdout other than a closed pipe. */
export function stdoutFailure(): NodeJS.ErrnoException | undefined {
  return failure;
}

/** Whether `e` is a write error of stdout that main reports (a closed pipe, or the failure above). */
export function isStdoutWriteError(e: NodeJS.ErrnoException): boolean {
  return e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || (failure !== undefined && e === failure);
}
