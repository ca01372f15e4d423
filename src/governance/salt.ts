/**
 * The hash salt comes from an environment variable (FLOE_PII_SALT unless a column names
 * another with `salt_env`). A missing or empty salt is a configuration error, never an
 * unsalted hash: an unsalted SHA-256 of an email is reversible by lookup.
 */
import { createHash } from 'node:crypto';
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

/**
 * `floe.pii-salt-check.<ENV>`: a table's record of the salt its hashes applied at ingest were
 * made with: a digest of the salt (never the salt), so a run with another salt in the variable
 * is refused instead of writing hashes that match none of the table's. A merge keyed on such
 * a column wrote every row again under its new hash, exit 0.
 */
export const SALT_CHECK_PREFIX = 'floe.pii-salt-check.';

const saltCheck = (salt: string): string => createHash('sha256').update(`floe pii salt check\u0000${salt}`).digest('hex').slice(0, 16);

/**
 * The salt-check properties of the hashes `columns` apply at ingest (policy hash, apply
 * ingest), to commit with the write. Throws (exit 2) when `properties` (the table's, undefined
 * for a new table) record another salt for one of their variables, unless the write replaces
 * every row (`replacesAll`: an overwrite, --full-refresh), which leaves no old hash behind.
 */
export function ingestSaltChecks(columns: readonly PiiColumn[], table: string, properties: Readonly<Record<string, string>> | undefined, env: Env, replacesAll: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of columns) {
    if (c.policy !== 'hash' || c.apply !== 'ingest') continue;
    const key = `${SALT_CHECK_PREFIX}${c.saltEnv}`;
    const check = saltCheck(saltFor(c, table, env));
    const recorded = properties?.[key];
    if (recorded !== undefined && recorded !== check && !replacesAll) {
      throw configError(`table ${table}: column ${c.column} is hashed at ingest with the salt in ${c.saltEnv}, but that salt is not the one the table's hashes were written with (property ${key}): the new hashes would match none of the old ones`, {
        context: { table, column: c.column },
        hint: `Set ${c.saltEnv} to the salt the table was written with. To change the salt, rewrite every row (target mode: overwrite, or floe run --full-refresh of an append pipeline), or accept unmatched hashes and remove the record first: floe table evolve ${table} --remove-property ${key}`,
      });
    }
    out[key] = check;
  }
  return out;
}
