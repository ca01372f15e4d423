/**
 * The Source interface (DESIGN §2 "src/sources/"). A source extracts rows into the run's
 * DuckDB session and hands back a relation (a temp table or view) that the runner
 * normalises, types, dedupes and writes. Rows never accumulate in JS: drivers and HTTP
 * pages stream in batches through DuckDB's appender (appender.ts); files are read by
 * DuckDB's own readers.
 *
 * One file per kind: csv, jsonl, json, parquet, postgres, mysql, sqlite, http, sql.
 */
import type { Engine } from '../engine/duckdb.js';
import type { PiiColumn } from '../governance/policy.js';
import type { FileIO } from '../io/fileio.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import type { Redactor } from '../pipeline/secrets.js';

/** A scalar cursor value as stored in the snapshot summary (text) and compared in SQL. */
export interface CursorState {
  /** The cursor column, as named in the source (before renames). */
  column: string;
  /**
   * Where the read starts, as text: the high-watermark of the last committed run (less
   * `incremental.lookback`, if any); null on a first run or --full-refresh.
   */
  after: string | null;
  /** Rows with cursor = after are read too (`incremental.lookback`, lookback.ts); else only cursor > after. */
  inclusive?: boolean;
  /** `columns.<cursor>.zone`: the source's wall-clock text is read in this zone (incremental.ts cursorStart). */
  zone?: string;
  /** `columns.<cursor>` reads its text as an instant (`type: timestamptz`, `normalize: timestamp`): a text column is read from below the watermark (incremental.ts cursorStart). */
  instant?: boolean;
  /**
   * The cursor column reaches the table as the source returns it: no `type:`, `normalize:`,
   * `format:` or PII rule changes its values, so the source may compare the watermark with its
   * own values (sql.ts).
   */
  asRead?: boolean;
  /**
   * False when `columns.<cursor>` turns a text column's values into values that do not sort as
   * the text does (`type: long` on `'000124'`; column-rules.ts sortsAsText): a database source
   * then sends no bound for such a text column and reads it whole (incremental.ts cursorStart).
   */
  textOrder?: boolean;
  /** `columns.<cursor>` reads the column as text (`type: string`): a database source reads a non-text column whole (incremental.ts cursorStart). */
  asText?: boolean;
  /** The Iceberg type of the cursor's column in the target table, when the table exists (incremental.ts checkCursorType). */
  tableType?: string;
}

export interface SourceContext {
  engine: Engine;
  /** The folder of floe.yaml: relative paths in the pipeline resolve against it. */
  projectDir: string;
  /** The pipeline's name, for messages. */
  pipeline: string;
  /** The pipeline file's path, for messages about its settings (absolute, or relative to the project). */
  pipelineFile?: string;
  /** Set when the pipeline is incremental. The source filters rows with cursor > after (>= when inclusive). */
  cursor?: CursorState;
  /** Strips secrets from any text before it reaches a message or event. */
  redact: Redactor;
  /**
   * Events of the read for the run to give (`--json` events; the CLI tells some on stderr):
   * `retry` with `scope: 'http'` for a page request retried. Fields already redacted.
   */
  onEvent?: (type: 'retry', fields: Record<string, unknown>) => void;
  /** Progress: rows extracted so far (for the spinner and --json progress events). */
  onProgress?: (rowsRead: number) => void;
  /** Aborts a long extraction (Ctrl-C, a lock timeout). */
  signal?: AbortSignal;
  /** Reads s3:// file sources (listed, then staged locally for DuckDB). */
  io?: FileIO;
  /**
   * Source columns whose text a pipeline rule parses itself (`columns.<c>.format`): a reader
   * that types columns by sniffing (CSV) reads them as text, so the rule sees what the file
   * holds, not the text of a date DuckDB parsed with a pattern of its own choosing.
   */
  textColumns?: readonly string[];
  /**
   * The pipeline has `rejects:` limits, so malformed rows are quarantined rather than fatal:
   * a CSV file whose sniffing sample holds one is then read past it (csv.ts); without, the
   * run fails at once naming the file and line.
   */
  quarantine?: boolean;
}

/** A column file sources add to each row: the file it came from, for quarantined rows. */
export const SOURCE_FILE_COLUMN = '__floe_file';

export interface Extracted {
  /** Name of a DuckDB relation (temp table or view) holding the extracted rows. */
  relation: string;
  /** Rows read from the source (before rejects), when known without scanning. */
  rowsRead?: number;
  /**
   * Name of a DuckDB relation of rows that could not be parsed, with columns
   * source (file or URL), line (BIGINT, the line or record position), raw (VARCHAR), reason (VARCHAR).
   */
  rejects?: string;
  /**
   * The source line of a row, as an SQL expression of its 0-based position `ordinal` in
   * `relation` (a BIGINT expression, such as the qualified `"t".rowid` of a table the runner
   * filled from `relation` in one statement: DuckDB keeps the scan's order,
   * `preserve_insertion_order`). Qualify it: the expression may sit inside a subquery.
   * For rows the runner rejects after reading (a value that does not convert to a declared
   * type). Absent when the source cannot tell.
   */
  lineOf?: (ordinal: string) => string;
  /** Called once the runner has scanned `relation` (e.g. to expose reject tables the scan filled). */
  afterScan?: () => Promise<void>;
  /**
   * Called with the error of a run that failed after the extraction: the source's own account
   * of a read error that surfaced only later, when the rows were written (DuckDB reads lazily),
   * naming the source's file and line; otherwise the error itself.
   */
  explainFailure?: (e: unknown) => Promise<unknown>;
  /** Warnings about the read for the run to give (`warning` events), already redacted. */
  warnings?: readonly string[];
  /** Safe-to-print description: file list, host:port/db, URL without credentials. */
  describe: string;
  /**
   * PII tags the source's columns carry from the tables it read (by source column name; a sql
   * source's output derived from tagged columns, governance/sql-tags.ts). Recorded on the
   * target with the pipeline's own `pii:` rules; already applied to the values.
   */
  inheritedPii?: PiiColumn[];
  /**
   * The source returned no records and cannot say what columns it has (an API's empty
   * response): `relation` is a placeholder. The runner writes nothing, except an
   * empty overwrite of an existing table under `allow_empty` (see run-pipeline.ts).
   */
  noRecords?: boolean;
}

export interface Source {
  readonly kind: SourceConfig['kind'];
  extract(ctx: SourceContext): Promise<Extracted>;
}

export type SourceFactory<C extends SourceConfig = SourceConfig> = (config: C) => Source;
