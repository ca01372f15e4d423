/**
 * Which commands the audit log records, and their arguments with secrets redacted.
 *
 * Recorded: every command that can change the warehouse (run, load, compact, maintain,
 * table register/drop/evolve, snapshot ..., identity ...) and `check` (its results are
 * evidence). Not recorded: commands that only read or print (validate, plan, tables,
 * describe, snapshots, query, schema) and `init` (there is no warehouse yet).
 */
import { formatTableId } from '../catalog/catalog.js';
import type { TableIdentifier } from '../iceberg/types.js';
import { createRedactor, looksSecretName, redactUrl, type Redactor, urlSecrets } from '../pipeline/secrets.js';

export const AUDIT_LOG_TABLE: TableIdentifier = { namespace: ['floe'], name: 'audit_log' };
export const AUDIT_LOG_NAME = formatTableId(AUDIT_LOG_TABLE);

const READ_ONLY = new Set(['init', 'validate', 'plan', 'schema', 'tables', 'describe', 'snapshots', 'query', 'help', 'identity explain']);

/** True when `floe <path...>` is recorded in floe.audit_log. */
export function isAudited(path: readonly string[]): boolean {
  if (path.length === 0) return false;
  const full = path.join(' ');
  return !READ_ONLY.has(full) && !READ_ONLY.has(path[0]!);
}

/**
 * The command line as recorded: values of secret-looking options (`--password x`,
 * `--token=x`) become `***`, URL passwords and secret query parameters too, and so does any
 * value of a secret-looking environment variable (DB_PASSWORD, AWS_SECRET_ACCESS_KEY) that
 * appears in an argument.
 */
export function redactArguments(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, redact: Redactor = commandRedactor(argv, env)): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = /^(--?[A-Za-z0-9][\w-]*)=(.*)$/s.exec(a);
    if (eq && looksSecretName(eq[1]!.replace(/^-+/, ''))) {
      out.push(`${eq[1]}=***`);
      continue;
    }
    out.push(redact(redactUrl(a)));
    if (/^--?[A-Za-z]/.test(a) && !a.includes('=') && looksSecretName(a.replace(/^-+/, '')) && i + 1 < argv.length) {
      out.push('***');
      i++;
    }
  }
  return out;
}

/**
 * A redactor for any text about the command (its error message): the values of
 * secret-looking environment variables, URL passwords found in the arguments (also once a
 * path normalisation has broken the URL apart) and the values of secret-looking options.
 */
export function commandRedactor(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Redactor {
  const secrets = Object.entries(env)
    .filter(([k, v]) => v !== undefined && looksSecretName(k))
    .map(([, v]) => v!);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    secrets.push(...urlSecrets(a));
    const eq = /^(--?[A-Za-z0-9][\w-]*)=(.*)$/s.exec(a);
    if (eq && looksSecretName(eq[1]!.replace(/^-+/, ''))) secrets.push(eq[2]!);
    else if (/^--?[A-Za-z]/.test(a) && looksSecretName(a.replace(/^-+/, '')) && i + 1 < argv.length) secrets.push(argv[i + 1]!);
  }
  const redact = createRedactor(secrets);
  return (text) => redact(redactUrl(text));
}
