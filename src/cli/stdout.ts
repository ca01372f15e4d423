/**
 * stdout's write errors. A reader that stops early (`floe query ... | head`) closes the pipe:
 * the rest of the output has nowhere to go, which is not a failure of the command (without a
 * listener Node died with an unhandled 'error' event and a stack trace). Any other failure to
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
