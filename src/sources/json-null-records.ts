/**
 * A JSON `null` where a record should be: a line of a JSON Lines file, an element of a
 * document's top-level array, an element of the array `records_path` selects, or a whole
 * document read with `records_path`.
 *
 * DuckDB's JSON reader (`records = 'true'`) fails on a record that is `42` or `[1]`, but reads
 * `null` as a row whose every column is NULL, without a word; `unnest` of a `records_path`
 * array does the same with a `null` element, and a `null` document simply has no records.
 * Such a record is refused like any other that is not an object, naming its file and line
 * (JSON Lines) or its record number (a document). `kind: jsonl` pipelines without
 * `records_path` need none of this: their line check (jsonl-lines.ts) makes such a line a
 * reject.
 *
 * The files are already read once as text, for numbers beyond a double's range
 * (json-overflow.ts); NullRecordSearch looks at the same text for a `null` that stands where a
 * record may (a line of its own, or between `[`, `,`, `}` or `]` and `,`, `]`, `{` or `[`).
 * Almost no file has one, and only a file that does is read again, by DuckDB, to tell a
 * record from a `null` inside one (`[1, null]` as a value, or in a string) and to name it.
 */
import type { Engine } from '../engine/duckdb.js';
import { quoteLiteral } from '../engine/sql.js';
import { sourceError } from '../errors.js';
import { decompressedStream } from '../io/decompressed.js';
import { firstRejectedLine, rejectedLineError } from './jsonl-lines.js';
import { NO_HIVE } from './no-hive.js';

/** How records sit in the text: one per line (JSON Lines), or as values of documents. */
export type RecordLayout = 'lines' | 'documents';

/** The text before the first character, or after the last one. */
const EDGE = -1;
const NEWLINE = 0x0a;
const [OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT, COMMA, COLON, L] = [0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a, 0x6c];
/** What a `null` record may follow in documents: a document's end (`}`, `]`) or a null record's (`l`), or nothing. */
const AFTER_VALUE = new Set([EDGE, CLOSE_OBJECT, CLOSE_ARRAY, L]);
/** Characters a `null` record may precede in a document: its end, `,`, `]`, `{`, `[`. */
const BEFORE_RECORD = new Set([EDGE, COMMA, CLOSE_ARRAY, OPEN_OBJECT, OPEN_ARRAY]);

/**
 * Whether a text, fed in pieces as it is read, may hold a `null` record (see the header).
 * For JSON Lines it is exact: a line holding only `null`. In documents, a `null` record is the
 * first element of a document's top-level array (`[` with nothing before it but a document),
 * follows an object or null record in it (`},` or `l,`), or stands between documents; and is
 * followed by `,`, `]`, `{`, `[` or the end. So `[1, null]` and `"a": null` inside a record are
 * passed over, and a `null` after an object inside a record (`[{"b": 1}, null]`) is left to
 * DuckDB (firstNonObject). Each `null` is looked at once, with the nearest characters around
 * it that are not white space (a newline counts for JSON Lines), so the work is linear in the
 * text whatever its white space; a `null` or its white space cut by a piece's end is decided in
 * the next piece.
 */
export class NullRecordSearch {
  /** A `null` record may be there. */
  found = false;
  /** The last two characters before the current piece that are not white space, the last one second (EDGE before the start). */
  private before: [number, number] = [EDGE, EDGE];
  /** The start of a `null` that ended the previous piece (`n`, `nu`, `nul`), and the two characters before it. */
  private partial: { text: string; before: [number, number] } | undefined;
  /** A `null` that may be a record ended the previous piece, followed by white space only. */
  private pending = false;

  constructor(private readonly layout: RecordLayout) {}

  /**
   * Looks at the next piece of the text. Pieces are searched as they come, not joined to the
   * end of the previous one: indexOf over a joined string was three times slower.
   */
  feed(piece: string): void {
    if (this.found || piece === '') return;
    if (this.pending) this.decideNext(piece, 0);
    if (this.partial) {
      const rest = 'null'.slice(this.partial.text.length);
      if (piece.length < rest.length && rest.startsWith(piece)) {
        this.partial.text += piece;
        this.before = [this.before[1], piece.charCodeAt(piece.length - 1)];
        return;
      }
      if (piece.startsWith(rest)) this.decide(this.partial.before, piece, rest.length);
      this.partial = undefined;
    }
    for (let at = piece.indexOf('null'); at >= 0 && !this.found && !this.pending; at = piece.indexOf('null', at + 4)) {
      // Most nulls are values of a key (`"a":null`), passed over without looking further.
      if (at > 0 && piece.charCodeAt(at - 1) === COLON) continue;
      this.decide(this.twoBefore(piece, at), piece, at + 4);
    }
    const cut = /n(?:u(?:l)?)?$/.exec(piece.slice(-3))?.[0];
    if (cut && !this.pending) this.partial = { text: cut, before: this.twoBefore(piece, piece.length - cut.length) };
    this.before = this.twoBefore(piece, piece.length);
  }

  /** A `null` after `prev` (the two characters before it), whose text goes on at `after` in `piece`: found, not a record, or pending on the next piece. */
  private decide(prev: [number, number], piece: string, after: number): void {
    if (this.starts(prev)) this.decideNext(piece, after);
  }

  /** A `null` that may start a record, whose text goes on at `after` in `piece`: found when what follows may end one. */
  private decideNext(piece: string, after: number): void {
    const next = this.significantAfter(piece, after);
    this.pending = next === undefined;
    if (next !== undefined && this.ends(next)) this.found = true;
  }

  /** The text has ended. */
  end(): void {
    if (this.pending) this.found = true;
  }

  private space(c: number): boolean {
    return c === 0x20 || c === 0x09 || c === 0x0d || (c === NEWLINE && this.layout === 'documents');
  }

  /** Whether a `null` after these two characters (the last one second) may be a record. */
  private starts([before, last]: [number, number]): boolean {
    if (this.layout === 'lines') return last === EDGE || last === NEWLINE;
    if (last === OPEN_ARRAY) return before === EDGE || before === CLOSE_OBJECT || before === CLOSE_ARRAY;
    if (last === COMMA) return before === CLOSE_OBJECT || before === L;
    return AFTER_VALUE.has(last);
  }

  private ends(c: number): boolean {
    return this.layout === 'lines' ? c === EDGE || c === NEWLINE : BEFORE_RECORD.has(c);
  }

  /** The last two characters before `at` that are not white space, the last one second; from before the piece when it has fewer. */
  private twoBefore(piece: string, at: number): [number, number] {
    let last: number | undefined;
    for (let i = at - 1; i >= 0; i--) {
      const c = piece.charCodeAt(i);
      if (this.space(c)) continue;
      if (last !== undefined) return [c, last];
      last = c;
    }
    return last === undefined ? this.before : [this.before[1], last];
  }

  /** The first character from `at` that is not white space; undefined when the piece ends first. */
  private significantAfter(piece: string, at: number): number | undefined {
    for (let i = at; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (!this.space(c)) return c;
    }
    return undefined;
  }
}

/** DuckDB's json_type names as messages say them (jsonl-lines.ts kindOf). */
function kindName(jsonType: string): string {
  switch (jsonType) {
    case 'NULL':
      return 'null';
    case 'ARRAY':
      return 'an array';
    case 'VARCHAR':
      return 'a string';
    case 'BOOLEAN':
      return 'a boolean';
    default:
      return 'a number';
  }
}

/** The rows, or none when the look itself fails (the read then fails, or not, as it would without it). */
const quietly = <T>(p: Promise<T[]>): Promise<T[]> => p.catch(() => []);

/**
 * The first top-level value of a file that is not an object (a record, or with `records_path`
 * a document), by its 1-based number, as DuckDB's reader splits the file.
 */
async function firstNonObject(engine: Engine, file: string, format: 'newline_delimited' | 'auto', maxObject: number): Promise<{ record: number; kind: string } | undefined> {
  const rows = await quietly(
    engine.all(
      `SELECT ordinality AS n, json_type(json) AS t FROM read_json_objects(${quoteLiteral(file)}, format = '${format}', ${NO_HIVE}, maximum_object_size = ${maxObject}) WITH ORDINALITY WHERE json_type(json) <> 'OBJECT' ORDER BY n LIMIT 1`,
      `look for records of ${file} that are not objects`,
      { kind: 'source' },
    ),
  );
  const r = rows[0];
  return r ? { record: Number(r.n), kind: kindName(String(r.t)) } : undefined;
}

/**
 * The first `null` element of the array `path` (SQL, as the read selects it) selects in a
 * file's documents: the document's number and the element's. The documents are read as the
 * source reads them, so the path means what it means there.
 */
async function firstNullElement(engine: Engine, file: string, format: 'newline_delimited' | 'auto', path: string, maxObject: number): Promise<{ document: number; record: number } | undefined> {
  const docs = `read_json(${quoteLiteral(file)}, format = '${format}', records = true, sample_size = -1, ${NO_HIVE}, maximum_object_size = ${maxObject}) WITH ORDINALITY`;
  const rows = await quietly(
    engine.all(
      `SELECT n, i FROM (SELECT ordinality AS n, generate_subscripts(${path}, 1) AS i, unnest(${path}, recursive := false) AS __r FROM ${docs}) WHERE __r IS NULL ORDER BY n, i LIMIT 1`,
      `look for null records in ${file}`,
      { kind: 'source' },
    ),
  );
  const r = rows[0];
  return r ? { document: Number(r.n), record: Number(r.i) } : undefined;
}

/** The 1-based line of a JSON Lines file's n-th value (DuckDB's reader skips blank lines). */
async function lineOfValue(file: string, n: number): Promise<number | undefined> {
  let line = 0;
  let values = 0;
  let carry = '';
  for await (const chunk of decompressedStream(file, { chunkSize: 1 << 20 }).setEncoding('utf8')) {
    const lines = (carry + (chunk as string)).split('\n');
    carry = lines.pop()!;
    for (const l of lines) {
      line++;
      if (l.trim() !== '' && ++values === n) return line;
    }
  }
  return carry.trim() !== '' && values + 1 === n ? line + 1 : undefined;
}

export interface NullRecordRead {
  /** How DuckDB reads the files. */
  format: 'newline_delimited' | 'auto';
  /** How the files are named in messages (a staged copy by its source location). */
  nameOf?: (file: string) => string;
  /** A `records_path`: its text, and its SQL as the read selects it. */
  recordsPath?: { text: string; sql: string };
  /** DuckDB's maximum_object_size for the read (a whole document is one object with records_path). */
  maxObject?: number;
}

/**
 * Refuses the first of `files` (those NullRecordSearch found may hold one) that holds a record
 * that is not an object: a JSON Lines file read as records (`floe load`) by its line check's
 * first rejected line, as any other bad line; documents by DuckDB's reading of the file.
 */
export async function refuseNullRecords(engine: Engine, files: readonly string[], o: NullRecordRead): Promise<void> {
  const nameOf = o.nameOf ?? ((f: string) => f);
  const maxObject = o.maxObject ?? 16 * 1024 * 1024;
  for (const file of files) {
    const name = nameOf(file);
    if (o.format === 'newline_delimited' && !o.recordsPath) {
      const { bad } = await firstRejectedLine(engine, file);
      if (bad) throw rejectedLineError(name, bad);
      continue;
    }
    const where = async (n: number, what: string) => {
      const line = o.format === 'newline_delimited' ? await lineOfValue(file, n) : undefined;
      return line !== undefined ? { text: `${name}:${line}`, line } : { text: `${name} (${what} ${n})`, [what]: n };
    };
    const top = await firstNonObject(engine, file, o.format, maxObject);
    if (top) {
      const at = await where(top.record, o.recordsPath ? 'document' : 'record');
      const must = o.recordsPath ? `records_path "${o.recordsPath.text}" reads an array inside each document, which must be an object` : 'a JSON document must be an object or an array of objects';
      throw notAnObject(`${at.text}: not a JSON object (${top.kind}); ${must}`, name, at);
    }
    if (!o.recordsPath) continue;
    const inner = await firstNullElement(engine, file, o.format, o.recordsPath.sql, maxObject);
    if (!inner) continue;
    const at = await where(inner.document, 'document');
    const doc = at.line === undefined && inner.document === 1 ? name : at.text;
    throw notAnObject(`${doc}: record ${inner.record} of records_path "${o.recordsPath.text}" is not a JSON object (null)`, name, { ...at, record: inner.record });
  }
}

/**
 * For DuckDB's failure on a record that is not an object ("expected records, but got
 * non-record JSON", which names neither the file nor the record): the error naming the first
 * such record of `files` (by its line in JSON Lines, else its number), with `cause`; undefined
 * when none is found, or the look fails.
 */
export async function nonObjectRecordError(engine: Engine, files: readonly string[], o: NullRecordRead, cause: unknown): Promise<Error | undefined> {
  const found = await refuseNullRecords(engine, files, o).then(
    () => undefined,
    (e: unknown) => e,
  );
  return found instanceof Error ? Object.assign(found, { cause }) : undefined;
}

function notAnObject(message: string, file: string, at: Record<string, unknown>) {
  const { text: _, ...where } = at;
  return sourceError(message, {
    context: { file, ...where },
    files: [file],
    hint: /\(null\)/.test(message)
      ? 'A JSON null is no record: floe does not load it as a row of NULLs. Fix the export that wrote the file, or leave the null out.'
      : 'Each record is one JSON object ({"key": value, ...}). Fix the export that wrote the file, or leave the value out.',
  });
}
