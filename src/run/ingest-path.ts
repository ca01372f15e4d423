/**
 * How an ingest run turns the extracted relation into the rows it writes. Pure.
 *
 * - `stream`: the write's single scan reads the source relation through the normalisation
 *   (for a CSV, the file is parsed once, straight into the Parquet writer). Possible when no
 *   row can be rejected after parsing and no second look at the rows is needed: the only
 *   rejects are the reader's parse rejects, counted once the write's scan has filled them and
 *   checked against the limits before the commit (the `beforeCommit` hook of writeTable), and
 *   rows read = rows written + parse rejects.
 * - `materialise`: the normalised rows are staged once in a temp table, because something
 *   needs them before or beside the write: conversion rejects (declared types), the NULL
 *   merge-key rejects and the merge itself, the incremental cursor (its filter changes the
 *   rows written, and its new high-watermark goes into the snapshot summary), or dedupe on a
 *   key (a window over all rows).
 */
export type IngestPath = { kind: 'stream' } | { kind: 'materialise'; why: string[] };

export interface IngestPathInput {
  /** The `columns:` rules can reject a row (a declared type that may fail to convert). */
  rowRejects: boolean;
  /** The `columns:` rules normalise: what a normaliser nulls or adjusts is recorded per row. */
  valueIssues?: boolean;
  mode: 'append' | 'overwrite' | 'merge';
  /** `target.key`: dedupe (and the merge key). */
  key: readonly string[];
  /** The source is incremental (has a cursor column). */
  incremental: boolean;
}

export function chooseIngestPath(i: IngestPathInput): IngestPath {
  const why: string[] = [];
  if (i.rowRejects) why.push('columns declare types, so rows can be rejected after parsing');
  if (i.valueIssues) why.push('columns normalise values, and what a normaliser nulls or adjusts is recorded with its row');
  if (i.mode === 'merge') why.push('mode merge');
  if (i.key.length > 0) why.push('rows are deduplicated on target.key');
  if (i.incremental) why.push('the source is incremental');
  return why.length === 0 ? { kind: 'stream' } : { kind: 'materialise', why };
}
