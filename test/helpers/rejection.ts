import { expect } from 'vitest';
import { FloeError } from '../../src/errors.js';

/** The FloeError `p` rejects with; the test fails when it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<FloeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FloeError);
  return e as FloeError;
}
