/**
 * Errors met while reading input files say which files, from what the code was doing when it
 * failed rather than from what the message says: a failure while reading the input (its
 * columns, its rows) is about the input, one while reading or committing table metadata and
 * manifests is not, whatever file names its message happens to hold.
 */
import { FloeError } from '../errors.js';

/** The kinds a failed read of input files has (a schema or value mismatch names its column instead). */
const READ_KINDS: ReadonlySet<FloeError['kind']> = new Set(['source', 'io', 'corrupt']);

/** `e` with `files` recorded as the files it is about (its message already names them). */
export function namingFiles(e: unknown, files: readonly string[]): unknown {
  if (!(e instanceof FloeError) || e.files.length > 0) return e;
  return new FloeError(e.kind, e.message, { cause: e, context: e.context, hint: e.hint, retryable: e.retryable, files });
}

/**
 * `e`, thrown while reading `inputs`, naming them: a read failure that does not record which
 * files it is about gets ` (input: a.csv, b.csv)` and records them. Other errors, and one
 * that already names its file (file:line of a malformed row), are left as they are.
 */
export function aboutInputs(e: unknown, inputs: readonly string[]): unknown {
  if (!(e instanceof FloeError) || !READ_KINDS.has(e.kind) || e.files.length > 0 || inputs.length === 0) return e;
  return new FloeError(e.kind, `${e.message} (input: ${inputs.join(', ')})`, { cause: e, context: e.context, hint: e.hint, retryable: e.retryable, files: inputs });
}

/** Runs `read`, naming `inputs` in what it throws (aboutInputs). */
export async function readingInputs<T>(inputs: readonly string[] | undefined, read: () => Promise<T>): Promise<T> {
  if (!inputs) return read();
  try {
    return await read();
  } catch (e) {
    throw aboutInputs(e, inputs);
  }
}

/**
 * `e`, a write refused for the input's columns (a type the table cannot take, a column it
 * lacks), naming `inputs`, as `floe run` names its pipeline's (runner.ts): the person who
 * ran the command learns which of the files changed shape. One that already names its file
 * (file:line of a value, load-lines.ts) is left as it is.
 */
export function aboutInputColumns(e: unknown, inputs: readonly string[]): unknown {
  if (!(e instanceof FloeError) || e.kind !== 'schema' || e.files.length > 0 || inputs.length === 0) return e;
  if (!/^cannot write to \S+: (column "|the input has column)/.test(e.message)) return e;
  return new FloeError(e.kind, `${e.message} (input: ${inputs.join(', ')})`, { cause: e, context: e.context, hint: e.hint, retryable: e.retryable, files: inputs });
}
