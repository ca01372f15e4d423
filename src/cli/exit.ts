/**
 * The only place where error kinds become exit codes (DESIGN §3, a contract):
 * 0 ok · 1 failure (source, IO, conflict after retries, internal) · 2 usage or config error ·
 * 3 a check at severity error failed.
 */
import type { ErrorKind } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CHECK_FAILED = 3;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'config':
    case 'usage':
      return EXIT_USAGE;
    case 'check':
      return EXIT_CHECK_FAILED;
    default:
      return EXIT_FAILURE;
  }
}
