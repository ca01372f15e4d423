/**
 * The hash salt comes from an environment variable (FLOE_PII_SALT unless a column names
 * another with `salt_env`). A missing or empty salt is a configuration error, never an
 * unsalted hash: an unsalted SHA-256 of an email is reversible by lookup.
 */
import { configError } from '../errors.js';
import type { PiiColumn } from './policy.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The salt of column `c`'s hashes. `why` says what the salt is for, when it is not the
 * column's `hash` policy (identity ids derived from a tagged source id, stable-ids.ts).
 */
export function saltFor(c: Pick<PiiColumn, 'column' | 'saltEnv'>, table: string, env: Env, why?: { what: string; hint: string }): string {
  const salt = env[c.saltEnv];
  // A blank salt is as good as none: anyone can compute sha256('   ' || email).
  if (salt === undefined || salt.trim() === '') {
    const what = why?.what ?? `column ${c.column} is hashed (pii policy hash)`;
    throw configError(`table ${table}: ${what}${why ? ',' : ''} but the salt variable ${c.saltEnv} is ${salt === undefined || salt === '' ? 'not set' : 'blank'}`, {
      context: { table, column: c.column },
      hint: `export ${c.saltEnv}=<a long random secret>; ${why?.hint ?? 'the same salt must be used for every run, or hashes stop matching'}`,
    });
  }
  return salt;
}
