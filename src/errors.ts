/**
 * The one error type of floe. Every failure that reaches the user is a FloeError with a
 * closed `kind`; only the CLI layer maps kinds to exit codes (see src/cli/exit.ts).
 *
 * Messages speak to the person who has to act: what was wrong and where
 * (file:line:col, table, column, snapshot). `context` carries the same facts as data
 * for `--json` output. Secrets must never be put into a message or the context.
 */
export type ErrorKind =
  | 'config' // floe.yaml / pipeline files / CLI usage (exit 2)
  | 'usage' // bad command-line arguments (exit 2)
  | 'not-found' // unknown table, namespace, snapshot, file (exit 1)
  | 'already-exists' // create of something that exists (exit 1)
  | 'source' // a source could not be read: unreachable database, bad file (exit 1)
  | 'schema' // type mismatch, forbidden evolution (exit 1)
  | 'conflict' // a concurrent commit won and retries ran out (exit 1)
  | 'corrupt' // metadata / Avro / Parquet that cannot be decoded (exit 1)
  | 'unsupported' // a valid table that uses a feature floe cannot read (exit 1)
  | 'check' // a check at severity error failed (exit 3)
  | 'io' // file system / object store failure (exit 1)
  | 'cancelled' // stopped by SIGINT, SIGTERM or SIGHUP (exit 128 + the signal's number: src/cancel.ts)
  | 'internal'; // a bug in floe (exit 1)

export interface FloeErrorOptions {
  cause?: unknown;
  /** Safe-to-print facts: file, line, column, table, snapshot id, ... */
  context?: Record<string, unknown>;
  /** True when repeating the same operation may succeed (network blips, CAS conflicts). */
  retryable?: boolean;
  /** A hint printed after the message: what the user can do about it. */
  hint?: string;
  /**
   * The files or locations (input files, s3:// objects) the failure is about, when the code
   * that threw knows them; the message names them. Lets a caller add the files it was
   * reading to an error that does not say which, without reading the message.
   */
  files?: readonly string[];
}

export class FloeError extends Error {
  readonly kind: ErrorKind;
  readonly context: Record<string, unknown>;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  /** See FloeErrorOptions.files; empty when the error names no file. */
  readonly files: readonly string[];

  constructor(kind: ErrorKind, message: string, options: FloeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FloeError';
    this.kind = kind;
    this.context = options.context ?? {};
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
    this.files = options.files ?? [];
  }
}

const NOTES = new WeakMap<object, string[]>();

/**
 * A line to print after an error's own message and hint: something else that went wrong while
 * the command was failing (its audit record could not be written). Printed after the error so
 * that the cause reads first.
 */
export function attachNote(error: unknown, note: string): void {
  if (typeof error !== 'object' || error === null) return;
  NOTES.set(error, [...(NOTES.get(error) ?? []), note]);
}

export function notesOf(error: unknown): readonly string[] {
  return (typeof error === 'object' && error !== null && NOTES.get(error)) || [];
}

export function isFloeError(e: unknown, kind?: ErrorKind): e is FloeError {
  return e instanceof FloeError && (kind === undefined || e.kind === kind);
}

/** Shorthand constructors keep call sites short and the kinds greppable. */
export const configError = (msg: string, o?: FloeErrorOptions) => new FloeError('config', msg, o);
export const usageError = (msg: string, o?: FloeErrorOptions) => new FloeError('usage', msg, o);
export const notFound = (msg: string, o?: FloeErrorOptions) => new FloeError('not-found', msg, o);
export const alreadyExists = (msg: string, o?: FloeErrorOptions) => new FloeError('already-exists', msg, o);
export const sourceError = (msg: string, o?: FloeErrorOptions) => new FloeError('source', msg, o);
export const schemaError = (msg: string, o?: FloeErrorOptions) => new FloeError('schema', msg, o);
export const conflictError = (msg: string, o?: FloeErrorOptions) =>
  new FloeError('conflict', msg, { retryable: true, ...o });
export const corruptError = (msg: string, o?: FloeErrorOptions) => new FloeError('corrupt', msg, o);
export const unsupportedError = (msg: string, o?: FloeErrorOptions) => new FloeError('unsupported', msg, o);
export const ioError = (msg: string, o?: FloeErrorOptions) => new FloeError('io', msg, o);
export const internalError = (msg: string, o?: FloeErrorOptions) => new FloeError('internal', msg, o);

/** Wraps an unknown thrown value, keeping FloeErrors as they are. */
export function asFloeError(e: unknown, kind: ErrorKind, message: string, context?: Record<string, unknown>): FloeError {
  if (e instanceof FloeError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new FloeError(kind, `${message}: ${detail}`, { cause: e, context });
}
