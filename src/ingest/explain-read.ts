/**
 * Turning a failed read of input files into a message that names the file and the line.
 *
 * DuckDB does not always say where: its CSV sniffer fails without a line when a malformed row
 * (an unterminated quote, a ragged row) falls inside its sample, and its JSON reader refuses a
 * JSON Lines file holding a line that is not an object without naming the line. On such a
 * failure the files are read again in a way that does name it: the CSV files without
 * sniffing, the JSON Lines files line by line (src/sources/jsonl-lines.ts).
 */
import { stat } from 'node:fs/promises';
import { FloeError, sourceError } from '../errors.js';
import type { Engine } from '../engine/duckdb.js';
import { openEngine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import { csvLineViews } from '../sources/csv-lines.js';
import { firstRejectedLine, rejectedLineError } from '../sources/jsonl-lines.js';
import { nonObjectRecordError } from '../sources/json-null-records.js';
import { delimiterFor } from './file-source.js';
import { namingFiles } from './input-errors.js';
import { readTextHead } from './csv-malformed-sample.js';

/** The CSV dialect a file was read with; defaults as RFC 4180. */
export interface CsvDialect {
  delimiter: string;
  quote: string;
  escape: string;
  skip: number;
  encoding: string;
}

export const rfc4180 = (path: string): CsvDialect => ({ delimiter: /\.tsv/i.test(path) ? '\t' : ',', quote: '"', escape: '"', skip: 0, encoding: 'utf-8' });

/**
 * The dialect `floe load` reads a file with (file-source.ts): RFC 4180 with the extension's
 * delimiter for `.csv` and `.tsv`, else what DuckDB's sniffer finds (a `;`-separated `.txt`).
 */
export async function loadCsvDialect(engine: Engine, file: string): Promise<CsvDialect> {
  const d = rfc4180(file);
  if (delimiterFor(file) !== undefined) return d;
  const r = (await engine.all(`SELECT Delimiter AS d, Quote AS q, Escape AS e FROM sniff_csv(${quoteLiteral(file)})`, `sniff the CSV dialect of ${file}`))[0];
  const given = (v: unknown) => (typeof v === 'string' && v.length > 0 && v !== '(empty)' ? v : undefined);
  const quote = given(r?.q) ?? d.quote;
  return { ...d, delimiter: given(r?.d) ?? d.delimiter, quote, escape: given(r?.e) ?? quote };
}

/** The physical line `pick` selects from a file's line map (csv-lines.ts), by one pass over the file; `header`: the file's first record is a header. */
export async function csvLineOf(
  engine: Engine,
  file: string,
  d: CsvDialect,
  pick: (views: ReturnType<typeof csvLineViews>) => string,
  what: string,
  header = true,
): Promise<number | undefined> {
  const views = csvLineViews([file], d, header, (prefix) => engine.uniqueName(prefix));
  for (const [name, sql] of views.views) await engine.run(`CREATE TEMP VIEW ${quoteIdent(name)} AS ${sql}`, `map the lines of ${file}`);
  const line = Number((await engine.all(`SELECT ${pick(views)} AS line`, what))[0]?.line);
  return Number.isSafeInteger(line) ? line : undefined;
}

/** Globs expanded by DuckDB (an unmatched pattern gives nothing). */
export async function expandGlobs(engine: Engine, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const rows = await engine.all(`SELECT DISTINCT file FROM glob([${paths.map(quoteLiteral).join(', ')}]) ORDER BY file`, 'list the input files', { kind: 'source' });
  return rows.map((r) => String(r.file));
}

/**
 * A zero-byte CSV file has no header, so DuckDB would invent a `column0` and a new table would
 * be created with it: refused, naming the file.
 */
export async function refuseEmptyCsv(files: readonly string[]): Promise<void> {
  for (const f of files) {
    const info = await stat(f).catch(() => undefined);
    if (info?.isFile() && info.size === 0) {
      throw sourceError(`${f} is empty (0 bytes): a CSV file starts with its header line`, {
        context: { file: f },
        files: [f],
        hint: 'Check the export that wrote it, or leave the file out.',
      });
    }
  }
}

/**
 * A file read as UTF-8 whose first line holds NUL bytes is UTF-16 (or UTF-32) text: read so,
 * DuckDB's store_rejects reader names its columns with NULs, and the run failed on a parser
 * error naming no file. Refused before the read, naming the file and the encoding to give.
 */
export async function refuseUtf16Csv(files: readonly string[], encoding: string): Promise<void> {
  if (!/^utf-?8$/i.test(encoding)) return;
  for (const f of files) {
    if ((await firstLine(f).catch(() => '')).includes('\0')) throw utf16Error(f);
  }
}

function utf16Error(f: string, cause?: unknown): FloeError {
  return sourceError(`${f} is not UTF-8 text: it holds NUL bytes, as UTF-16 does`, {
    cause,
    context: { file: f },
    files: [f],
    hint: 'Convert it (iconv -f UTF-16 -t UTF-8), or read it with a pipeline: source: { kind: csv, encoding: utf-16 }.',
  });
}

/** The first line of a file, read from its first 64 KiB only. */
async function firstLine(path: string): Promise<string> {
  // A compressed file's text, as DuckDB reads it: its compressed bytes hold NULs that are no UTF-16.
  const { bytes } = await readTextHead(path, 65536);
  return (bytes.toString('utf8').split(/\r?\n/)[0] ?? '').replace(/^\uFEFF/, '');
}

/**
 * A better error for `err`, when the files can be read in a way that says where they are
 * wrong; else `err` itself. `dialect` gives the CSV options the failed read used.
 */
export async function explainReadFailure(err: unknown, paths: readonly string[], format: 'csv' | 'jsonl' | 'json' | 'parquet', dialect?: (file: string) => CsvDialect): Promise<unknown> {
  const explained = await explainOnce(err, paths, format, dialect);
  return format === 'csv' ? withPhysicalLine(explained, paths, dialect) : explained;
}

/**
 * DuckDB's "CSV Error on Line: N" counts records (a quoted field holding newlines counts
 * once, src/sources/csv-lines.ts): the message gets the physical line instead, found by one
 * more pass over the file, when the failure is in one known file.
 */
async function withPhysicalLine(e: unknown, paths: readonly string[], dialect?: (file: string) => CsvDialect): Promise<unknown> {
  if (!(e instanceof FloeError)) return e;
  const m = /CSV Error on Line: (\d+)/.exec(e.message);
  if (!m) return e;
  const engine = await openEngine({ threads: 1 });
  try {
    const named = /\n\s*file = (.+)/.exec(e.message)?.[1]?.trim();
    // The file DuckDB names, else the one the error is about (the re-read of one of several
    // files, explainOnce), else the only input.
    const files = named ? [named] : e.files.length === 1 ? [...e.files] : await expandGlobs(engine, paths);
    if (files.length !== 1) return e;
    const file = files[0]!;
    const d = dialect?.(file) ?? (await loadCsvDialect(engine, file));
    const line = await csvLineOf(engine, file, d, (views) => views.lineOfUnit('0', m[1]!), `find line ${m[1]} of ${file}`);
    if (line === undefined || line === Number(m[1])) return e;
    return new FloeError(e.kind, e.message.replace(m[0], `CSV Error on Line: ${line}`), {
      cause: e,
      context: { ...e.context, file, line },
      hint: e.hint,
      retryable: e.retryable,
      files: e.files.length ? e.files : [file],
    });
  } catch {
    return e;
  } finally {
    engine.close();
  }
}

async function explainOnce(err: unknown, paths: readonly string[], format: 'csv' | 'jsonl' | 'json' | 'parquet', dialect?: (file: string) => CsvDialect): Promise<unknown> {
  if (!(err instanceof FloeError)) return err;
  if (format === 'json' && /expected records, but got non-record JSON/.test(err.message)) {
    // The record, found by one more read of the files (sources/json-null-records.ts).
    const engine = await openEngine({ threads: 1 });
    try {
      const named = await nonObjectRecordError(engine, await expandGlobs(engine, paths), { format: 'auto' }, err).catch(() => undefined);
      if (named) return named;
    } finally {
      engine.close();
    }
    return sourceError(`${paths.join(', ')}: a JSON document must be an object or an array of objects`, { cause: err, context: { files: paths.join(', ') }, files: paths });
  }
  const csv = format === 'csv' && /Error when sniffing file/.test(err.message);
  const jsonl = format === 'jsonl' && /expected records|non-record JSON|Malformed JSON|JSON transform error/.test(err.message);
  if (!csv && !jsonl) return err;
  const engine = await openEngine({ threads: 1 });
  // The file being read again: its failure (DuckDB names its line) is about it.
  let reading: string | undefined;
  try {
    const files = await expandGlobs(engine, paths);
    let records = 0;
    for (const f of files) {
      reading = f;
      if (jsonl) {
        const scan = await firstRejectedLine(engine, f);
        records += scan.records;
        if (scan.bad) return rejectedLineError(f, scan.bad, err);
        continue;
      }
      const d = dialect?.(f) ?? rfc4180(f);
      // No sniffing at all: the header's names as text columns, so only the structure is checked.
      const line = await firstLine(f);
      if (line.includes('\0')) {
        // UTF-16 (or UTF-32) text: NUL bytes between the characters. Read as UTF-8 it is
        // nothing DuckDB or this re-read can name a line of.
        if (d.encoding !== 'utf-8') return err;
        return utf16Error(f, err);
      }
      const header = line.split(d.delimiter);
      const columns = header.map((h, i) => `${quoteLiteral(h.replace(/^"|"$/g, '') || `column${i}`)}: 'VARCHAR'`).join(', ');
      await engine.run(
        `SELECT count(*) FROM read_csv(${quoteLiteral(f)}, delim = ${quoteLiteral(d.delimiter)}, quote = ${quoteLiteral(d.quote)}, escape = ${quoteLiteral(d.escape)}, skip = ${d.skip}, encoding = ${quoteLiteral(d.encoding)}, header = true, auto_detect = false, columns = {${columns}})`,
        `read ${f}`,
        { kind: 'source', context: { file: f } },
      );
    }
    if (jsonl && records === 0) {
      return sourceError(`no JSON object in ${files.join(', ')}: ${files.length === 1 ? 'the file is' : 'the files are'} empty`, {
        cause: err,
        context: { files: files.join(', ') },
        files,
        hint: 'Without a record floe cannot tell the columns; check the export that wrote the files.',
      });
    }
  } catch (e) {
    return reading ? namingFiles(e, [reading]) : e;
  } finally {
    engine.close();
  }
  return err;
}
