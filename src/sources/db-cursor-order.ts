/**
 * Incremental cursors whose values a database source stages as their text although the
 * database orders them otherwise: Postgres `pg_lsn`, `money`, `inet`/`cidr`, `interval`,
 * `timetz`, `bit`, `xml`, `json`, ranges, … (every type docs/SOURCE-TYPES.md maps to VARCHAR
 * that is not a string or an enum).
 *
 * The run keeps the rows above the watermark, and takes the next watermark, in the staged
 * text's byte order, while the database compares the bound in the type's own order. The two
 * disagree (`0/10` is above `0/A` as an LSN and below it as text; `$100.00` is above `$9.00` as
 * money and below it as text), so the rows the database sent above the watermark were dropped
 * as below it, and no later run read them: a silent loss. Such a cursor is refused, on the
 * first run too; a `columns:` rule cannot help (the text of money, an LSN or an address reads
 * as no Iceberg type that keeps their order), a cast in the query can.
 */
import { configError } from '../errors.js';

/** pg_type.typcategory of types compared as their text: strings (text, varchar, citext) and enums. */
const TEXT_LIKE = new Set(['S', 'E']);

/** Throws a config error for a Postgres cursor column of such a type. */
export function checkPgCursorOrder(pipeline: string, column: { name: string; duckType: string; category: string; display: string }): void {
  if (column.duckType !== 'VARCHAR' || TEXT_LIKE.has(column.category)) return;
  throw configError(
    `pipeline ${pipeline}: incremental cursor ${column.name} is a column of type ${column.display}, which floe stages as its text: the text does not sort as the values do ('0/10' is below '0/A', '$100.00' below '$9.00'), so rows above the watermark would be left out for good`,
    {
      context: { pipeline, cursor: column.name, type: column.display },
      hint: `give the cursor a type that keeps the order in the query, e.g. (${column.name} - '0/0')::numeric for a pg_lsn, ${column.name}::numeric for money, extract(epoch from ${column.name}) for an interval, or use another column (an update time or a sequence)`,
    },
  );
}

/**
 * The watermark of a Postgres cursor as the server reads it. A `bytea` cursor's watermark is
 * the text DuckDB gives its BLOB (`A\xFF`: printable ASCII as itself, other bytes, `\`, `"`
 * and `'` as `\xHH`), which Postgres's bytea input refuses (`invalid input syntax for type
 * bytea`), so every incremental run after the first failed; it is sent in Postgres's hex form
 * (`\x41ff`). Other types' watermarks are sent as they are.
 */
export function pgWatermark(base: string, after: string): string {
  if (base !== 'bytea') return after;
  const bytes = duckBlobBytes(after);
  return bytes ? `\\x${bytes.toString('hex')}` : after;
}

/**
 * The bytes of DuckDB's text of a BLOB (`A\xFF`), or undefined for text that is not one (a
 * character above U+007F). MySQL compared a varbinary cursor with that text's own bytes, where
 * `\` (0x5C) stands for a byte below it (0x00, `"`, `'`), so a row between the true watermark
 * and that text (0x4110 after 0x4100, written `A\x00`) was never read.
 */
export function duckBlobBytes(text: string): Buffer | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === '\\' && text[i + 1] === 'x' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return undefined;
      bytes.push(code);
      i += 1;
    }
  }
  return Buffer.from(bytes);
}
