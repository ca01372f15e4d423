import { expect } from 'vitest';
import { FloeError } from '../../../src/errors.js';

/** The FloeError `fn` throws; the test fails when it returns or throws anything else. */
export function refused(fn: () => unknown): FloeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FloeError);
    return e as FloeError;
  }
  throw new Error('expected a refusal');
}
