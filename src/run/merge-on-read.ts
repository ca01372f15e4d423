/**
 * `mode: merge` by merge-on-read (table property `write.merge.mode = merge-on-read`):
 * instead of rewriting the candidate data files, the rows whose key is incoming are deleted
 * by position and the incoming rows are appended. One snapshot (Iceberg's RowDelta) adds
 * the position delete files in delete manifests and the new data files:
 * `overwrite` when it has both, `delete` when it only deletes, `append` when it only adds.
 *
 * Finding the rows reads only the key columns of the candidates, by field id, with their row
 * positions; rows an existing position delete already removes are skipped, so no row is
 * deleted twice (merge-positions.ts). Candidates that floe cannot handle this way — a data file without field
 * ids for the key, or with equality deletes applying to it — make the whole merge fall
 * back to copy-on-write (the caller's path); `prepareMergeOnRead` returns undefined then.
 *
 * Conflicts, besides the caller's checks for concurrent appends: a concurrent commit that
 * removed a data file this merge deletes rows from fails the merge (dataFilesExist).
 */
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Engine } from '../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { DataFile, IcebergValue, NestedField, Schema } from '../iceberg/types.js';
import { writeAndCommit, type WriteTableOptions, type WriteTableResult, type SnapshotWrite } from '../ingest/write-table.js';
import { joinLocation } from '../io/fileio.js';
import { discardUncommitted } from '../table/commit.js';
import { newFileLocation, partitionFolder } from '../table/data-location.js';
import type { ScanTask } from '../table/delete-index.js';
import type { LoadedTable } from '../table/load.js';
import { deleteGranularity, groupByPartition, positionDeleteSummary } from '../table/position-deletes.js';
import { specById, stagingDir, writeAddedManifest, type StagedManifest } from '../table/snapshot-producer.js';
import { dataFilesExist, type EntryCheck, validateNewEntries } from './merge-conflicts.js';
import { deleteWrites, stagePositions, writePositionDeletes } from './merge-positions.js';

/** Iceberg's default for `write.delete.target-file-size-bytes` (Java TableProperties): 64 MiB, not the data files' 512 MiB. */
const DEFAULT_DELETE_TARGET_FILE_SIZE = 64 * 1024 * 1024;

export interface MergeOnReadInput {
  o: Pick<WriteTableOptions, 'catalog' | 'io' | 'engine' | 'id' | 'summary' | 'events' | 'audit' | 'layout'>;
  table: LoadedTable;
  name: string;
  /** The table schema after reconciling the input (maybe evolved). */
  schema: Schema;
  evolved: boolean;
  /** Top-level key fields of `schema`. */
  keys: readonly NestedField[];
  /** The staged incoming rows: `schema`'s columns plus the delete marker column. */
  incoming: string;
  /** SQL of the incoming rows to add (not marked deleted), in `schema`'s columns. */
  insertSql: string;
  /** Whether `insertSql` has any row (the caller counted them with the key range). */
  adds: boolean;
  candidates: readonly ScanTask[];
  /** The incoming first key's [min, max], when known. */
  range?: { min: IcebergValue; max: IcebergValue };
  /** The caller's checks of concurrent commits (appends), run on every commit attempt. */
  conflicts: readonly (EntryCheck | undefined)[];
}

/** Why the candidates cannot be merged on read, or undefined when they can. */
export async function mergeOnReadObstacle(engine: Engine, table: LoadedTable, keys: readonly NestedField[], candidates: readonly ScanTask[]): Promise<string | undefined> {
  if (keys.some((k) => typeof k.type !== 'string')) return 'a merge key is not a primitive column';
  const eq = candidates.find((t) => t.deletes.some((d) => d.kind === 'equality'));
  if (eq) return `equality deletes apply to ${eq.file.file_path}`;
  if (candidates.length === 0) return undefined;
  const paths = await Promise.all(candidates.map((t) => table.io.localPath(t.file.file_path)));
  const ids = keys.map((k) => k.id);
  const rows = await engine.all(
    `SELECT file_name, count(DISTINCT field_id) AS n FROM parquet_schema([${paths.map(quoteLiteral).join(', ')}]) WHERE field_id IN (${ids.join(', ')}) GROUP BY file_name`,
    'read the key columns of the merge candidates',
  );
  const complete = new Set(rows.filter((r) => Number(r.n) === new Set(ids).size).map((r) => String(r.file_name)));
  const missing = paths.find((p) => !complete.has(p));
  return missing === undefined ? undefined : `data file ${missing} has no field ids for the merge key`;
}

export async function mergeOnRead(x: MergeOnReadInput): Promise<Omit<WriteTableResult, 'created' | 'schemaChanges'> & { layoutChanges: string[] }> {
  const { o, table, name } = x;
  const m = table.metadata;
  const stored = new Set(x.candidates.flatMap((t) => [t.file.file_path, ...t.deletes.map((d) => d.file.file_path)]));
  const local = new Map(await Promise.all([...stored].map(async (l) => [l, await table.io.localPath(l)] as const)));
  const positions = await stagePositions({ engine: o.engine, tasks: x.candidates, local, keys: x.keys, incoming: x.incoming, range: x.range, table: name });
  const staging = stagingDir(m.location);
  const placed: string[] = [];
  try {
    const targets = new Set([...positions.counts.keys()].map((i) => x.candidates[i]!.file.file_path));
    const index = new Map(x.candidates.map((t, i) => [t.file.file_path, i] as const));
    const deleteFiles: { file: DataFile; specId: number }[] = [];
    const granularity = deleteGranularity(m.properties, name);
    for (const g of groupByPartition(x.candidates, targets)) {
      const locationOf = deleteFileLocation(table, g.specId, x.schema, g.dataFiles[0]!);
      for (const batch of deleteWrites(g.dataFiles.map((f) => index.get(f.file_path)!), granularity)) {
        const written = await writePositionDeletes({
          engine: o.engine,
          positions,
          tasks: x.candidates,
          ...batch,
          outputDir: staging,
          targetFileSizeBytes: Number(m.properties['write.delete.target-file-size-bytes'] ?? DEFAULT_DELETE_TARGET_FILE_SIZE),
          table: name,
        });
        for (const w of written) {
          const location = locationOf(basename(w.localPath));
          await table.io.putLocalFile(w.localPath, location);
          placed.push(location);
          deleteFiles.push({ file: { ...w.deleteFile, file_path: location }, specId: g.specId });
        }
      }
    }
    // One delete manifest per partition spec: a manifest's entries share its spec.
    const manifests: StagedManifest[] = [];
    for (const specId of new Set(deleteFiles.map((d) => d.specId))) {
      const files = deleteFiles.filter((d) => d.specId === specId).map((d) => d.file);
      const staged = await writeAddedManifest(table.io, m, files, 'deletes', specId, x.schema);
      placed.push(staged.location);
      manifests.push(staged);
    }
    const files = deleteFiles.map((d) => d.file);
    const startId = m['current-snapshot-id'];
    const adds = x.adds;
    const write: SnapshotWrite = {
      selectSql: x.insertSql,
      schema: x.schema,
      evolved: x.evolved,
      // RowDelta's operation names.
      operation: files.length === 0 ? 'append' : adds ? 'overwrite' : 'delete',
      deletes: { manifests, files },
      validate: (base) => validateNewEntries(base, startId, [dataFilesExist(targets, name), ...x.conflicts]),
      skipIfEmpty: true,
      audit: o.audit,
      ...(o.layout ? { layout: o.layout } : {}),
    };
    return await writeAndCommit({ ...o, summary: { ...(o.summary ?? {}), ...positionDeleteSummary(files) } }, table, write);
  } catch (e) {
    // Nothing references these files unless the commit's outcome is unknown (table/commit.ts).
    await discardUncommitted(table.io, placed, e);
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    await o.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(positions.relation)}`, 'drop the merge positions').catch(() => undefined);
  }
}

/** Delete files go where the data of their partition goes (only a convention; paths carry no meaning): the location of one, by its name. */
function deleteFileLocation(table: LoadedTable, specId: number, schema: Schema, file: DataFile): (name: string) => string {
  const m = table.metadata;
  const spec = specById(m, specId);
  let folder = '';
  try {
    folder = partitionFolder(spec, schema, file.partition);
  } catch {
    // A spec whose source column was dropped: no partition folder.
  }
  return (name) => newFileLocation(m, folder, name);
}
