/**
 * Table properties floe acts on, read as Iceberg Java reads them, so that a value Java would
 * refuse or read otherwise is not given a meaning of floe's own.
 *
 * - A size (`write.target-file-size-bytes`, `commit.manifest.target-size-bytes`) is a long:
 *   Java's `Long.parseLong` refuses `128MB` or `abc`, and floe refuses them too (exit 2, naming
 *   the table, property and value), where it wrote files of the default size without a word.
 * - `gc.enabled` is true only when it reads `true` in any case (`Boolean.parseBoolean`):
 *   `no`, `0` or `off` disable deletes, as in Java, where floe took them as enabled.
 */
import { usageError } from '../errors.js';

const LONG_MAX = 2n ** 63n - 1n;

/** The table property `key` as a positive long, or undefined when it is not set. */
export function positiveLongProperty(props: Readonly<Record<string, string>>, key: string, table: string): bigint | undefined {
  const v = props[key];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || BigInt(v) < 1n || BigInt(v) > LONG_MAX) {
    throw usageError(`table ${table}: property ${key}='${v}' is not a positive integer of at most ${LONG_MAX} (a long, in bytes)`, {
      context: { table, property: key },
      hint: `set it in bytes, e.g. floe table evolve ${table} --set-property ${key}=134217728 (128 MiB), or remove it (--remove-property ${key}) for the default`,
    });
  }
  return BigInt(v);
}

/** Iceberg's `gc.enabled` (default true): false means files may be shared with other tables, so none is deleted. */
export const GC_ENABLED = 'gc.enabled';

/** Whether the table's files may be deleted: `gc.enabled` unset, or `true` in any case. */
export const gcEnabled = (props: Readonly<Record<string, string>>): boolean => (props[GC_ENABLED] ?? 'true').toLowerCase() === 'true';
