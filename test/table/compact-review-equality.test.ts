/**
 * Compaction over equality deletes (spec: "Scan Planning": an equality delete applies to data
 * files of a strictly lower data sequence number, in its partition, or in every partition when
 * its spec is unpartitioned). The rows after a compaction are compared with rows computed
 * from the generator and the deleted keys, not with floe's own reader; the rewritten files
 * carry the compaction's sequence number, so every equality delete that applied to them
 * must have been applied, and the delete files that no longer apply leave the snapshot.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/engine/sql.js';
import { writeDataFiles } from '../../src/engine/write-parquet.js';
import { type DataFile, DataFileContent, type TableIdentifier } from '../../src/iceberg/types.js';
import { joinLocation } from '../../src/io/fileio.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { commitTable } from '../../src/table/commit.js';
import { planEvolution } from '../../src/table/evolve/evolve.js';
import { loadTable } from '../../src/table/load.js';
import { buildSnapshotChange, currentSchema, newSnapshotId, writeAddedManifest } from '../../src/table/snapshot-producer.js';
import { appendTinyFiles, checksum, commitFiles, createEmpty, liveFiles, rowsSql, useCompactEnv } from './compact/helpers.js';

const env = useCompactEnv('floe-compact-equality-');
const tid = (name: string): TableIdentifier => ({ namespace: ['db'], name });
const compact = (id: TableIdentifier, o: Record<string, unknown> = {}) =>
  compactTable({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}), minInputFiles: 2, ...o });

/** The checksum helpers.ts computes, over rows given as SQL instead of a table. */
async function expected(sql: string): Promise<{ n: number; h: string }> {
  const [r] = await env.engine.all(
    `SELECT count(*)::INTEGER AS n, coalesce(md5(string_agg(k::VARCHAR || '|' || v || '|' || ts::VARCHAR || '|' || region || '|' || score::VARCHAR, ',' ORDER BY k)), '') AS h FROM (${sql})`,
    'expected checksum',
  );
  return { n: Number(r!.n), h: String(r!.h) };
}

/** An equality delete file on one column, written but not committed. */
async function eqDeleteFile(id: TableIdentifier, column: string, fieldId: number, type: string, values: string[], partition: DataFile['partition'] = [], specId?: number): Promise<DataFile> {
  const t = await loadTable(env.catalog, env.io, id);
  const location = joinLocation(t.metadata.location, 'data', `eq-${randomUUID()}.parquet`);
  await env.engine.run(
    `COPY (SELECT unnest([${values.join(', ')}])::${type} AS ${column}) TO ${quoteLiteral(location)} (FORMAT parquet, FIELD_IDS {${column}: ${fieldId}})`,
    'write an equality delete file',
  );
  const f: DataFile & { specId?: number } = {
    content: DataFileContent.EQUALITY_DELETES, file_path: location, file_format: 'PARQUET', partition, record_count: BigInt(values.length),
    file_size_in_bytes: BigInt((await stat(location)).size), equality_ids: [fieldId],
  };
  if (specId !== undefined) f.specId = specId;
  return f;
}

const evolve = (id: TableIdentifier, request: object) =>
  commitTable(env.catalog, env.io, id, async (t) => planEvolution(t.metadata, request as Parameters<typeof planEvolution>[1], id.name).change);

describe('compaction over equality deletes', () => {
  it('keeps the row an upsert inserted in the same commit as its equality delete, and drops the delete file', async () => {
    const id = tid('upsert');
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 6, 10); // k 0..59, sequence number 1
    // An upsert of k = 7 and 21: one commit adds the equality delete and the new versions (same
    // sequence number 2, so the delete does not remove them).
    const t = await loadTable(env.catalog, env.io, id);
    const upsertSql = `SELECT k, 'new' || k AS v, ts, region, score FROM (${rowsSql(0, 60)}) WHERE k IN (7, 21)`;
    const written = await writeDataFiles({
      engine: env.engine, selectSql: upsertSql, schema: currentSchema(t.metadata), partition: [], targetFileSizeBytes: 1n << 40n,
      outputDir: join(env.warehouse, '.upsert', randomUUID()), fileNamePrefix: 'up', table: 'db.upsert',
    });
    const data: DataFile[] = [];
    for (const w of written) {
      const location = joinLocation(t.metadata.location, 'data', `${randomUUID()}-${basename(w.localPath)}`);
      await t.io.putLocalFile(w.localPath, location);
      data.push({ ...w.dataFile, file_path: location });
    }
    const eq = await eqDeleteFile(id, 'k', 1, 'BIGINT', ['7', '21']);
    const manifests = [await writeAddedManifest(t.io, t.metadata, data, 'data', 0), await writeAddedManifest(t.io, t.metadata, [eq], 'deletes', 0)];
    await commitTable(env.catalog, env.io, id, (base) => buildSnapshotChange(base, { operation: 'overwrite', snapshotId: newSnapshotId(base.metadata), added: manifests, addedFiles: [...data, eq] }));

    const want = await expected(`SELECT * FROM (${rowsSql(0, 60)}) WHERE k NOT IN (7, 21) UNION ALL ${upsertSql}`);
    expect(want.n).toBe(60);
    expect(await checksum(env, id)).toEqual(want);

    const r = await compact(id);
    expect(r.commits).toHaveLength(1);
    expect(r.commits[0]!.removedDeleteFiles).toBe(1);
    const after = await liveFiles(env, id);
    expect(after.deletes).toEqual([]);
    expect(await checksum(env, id)).toEqual(want);
    const snap = after.table.metadata.snapshots.at(-1)!;
    expect(snap.summary['total-equality-deletes']).toBe('0');
    // The rewritten files carry the compaction's own sequence number.
    expect(new Set(after.data.map((d) => d.dataSequenceNumber))).toEqual(new Set([snap['sequence-number']]));
  });

  it('applies a global equality delete (unpartitioned spec) to files of a later spec, and keeps it while a file it applies to is not rewritten', async () => {
    const id = tid('global');
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 6, 10); // spec 0, unpartitioned: k 0..59
    await evolve(id, { addPartitionFields: [{ sourceName: 'region', transform: 'identity' }] });
    await appendTinyFiles(env, id, 100, 6, 8); // spec 1 by region: k 100..147
    const eq = await eqDeleteFile(id, 'k', 1, 'BIGINT', ['3', '101', '102', '147'], [], 0);
    await commitFiles(env, id, [eq], 'deletes', 'delete');
    const want = await expected(`SELECT * FROM (${rowsSql(0, 60)} UNION ALL ${rowsSql(100, 48)}) WHERE k NOT IN (3, 101, 102, 147)`);
    expect(await checksum(env, id)).toEqual(want);

    // Only the files holding an 'eu' row: the delete still applies to the others, so it stays.
    const part = await compact(id, { where: "region = 'eu'" });
    expect(part.commits[0]!.removedDeleteFiles).toBe(0);
    expect((await liveFiles(env, id)).deletes.map((d) => d.file.file_path)).toEqual([eq.file_path]);
    expect(await checksum(env, id)).toEqual(want);

    const all = await compact(id, { rewriteAll: true });
    expect(all.commits.reduce((a, c) => a + c.removedDeleteFiles, 0)).toBe(1);
    expect((await liveFiles(env, id)).deletes).toEqual([]);
    expect(await checksum(env, id)).toEqual(want);
  });

  it('applies an equality delete of NULL on a column added later to every row of the files written before it', async () => {
    const id = tid('added_null');
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 3, 10); // k 0..29, before the column exists: its value is NULL
    await evolve(id, { addColumns: [{ name: 'extra', type: 'long', required: false }] });
    const fieldId = currentSchema((await loadTable(env.catalog, env.io, id)).metadata).fields.find((f) => f.name === 'extra')!.id;
    const eq = await eqDeleteFile(id, 'extra', fieldId, 'BIGINT', ['NULL']);
    await commitFiles(env, id, [eq], 'deletes', 'delete');
    expect((await checksum(env, id)).n).toBe(0);

    const r = await compact(id);
    expect(r.commits[0]!.removedDeleteFiles).toBe(1);
    expect(r.commits[0]!.addedRecords).toBe(0n);
    const after = await liveFiles(env, id);
    expect(after.data).toEqual([]);
    expect(after.deletes).toEqual([]);
    expect(after.table.metadata.snapshots.at(-1)!.summary['total-records']).toBe('0');
  });
});
