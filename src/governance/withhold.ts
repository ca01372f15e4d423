/**
 * Values of PII-tagged columns kept out of error messages, which reach the terminal and
 * floe.audit_log's error_message, where no mask applies. Pure: text in, text out.
 */

/**
 * A write's value error (`cannot write to T: column "c": the input has type string, the table
 * T has long, and the value V is not NULL (...)`, ingest/reconcile.ts) without V when `c` (or
 * the top-level column of a field path `c.f`) is one of `columns` (lower-case names).
 */
export function withholdWriteValues(message: string, columns: ReadonlySet<string>): string {
  if (columns.size === 0) return message;
  return message.replace(
    /(column "((?:[^"]|"")*)"[^\n]*?, and the value )([\s\S]*?)( (?:is not NULL|does not fit it exactly))/g,
    (all, head: string, path: string, _value: string, rule: string) => {
      const top = path.replace(/""/g, '"').toLowerCase();
      const tagged = [...columns].some((c) => top === c || top.startsWith(`${c}.`));
      return tagged ? `${head}(withheld: PII column)${rule}` : all;
    },
  );
}
