/**
 * Tables of many tiny files, made cheaply through the library: one DuckDB COPY writes all the
 * files of a commit (a hidden extra partition column splits them, one file per value), and a
 * commit appends many files at once. Delete files are written as Parquet with the spec's
 * reserved field ids.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Catalog } from '../../../src/catalog/catalog.js';
import { formatTableId } from '../../../src/catalog/catalog.js';
import { type Engine, openEngine } from '../../../src/engine/duckdb.js';
import { schemaFromColumns } from '../../../src/engine/infer-schema.js';
import { createTableView } from '../../../src/engine/read.js';
import { quoteIdent, quoteLiteral } from '../../../src/engine/sql.js';
import { transformSql } from '../../../src/engine/transform-sql.js';
import { type PartitionColumn, writeDataFiles } from '../../../src/engine/write-parquet.js';
import { createTableChange, type UnboundPartitionField, type UnboundSortField } from '../../../src/iceberg/metadata-builder.js';
import { partitionPath } from '../../../src/iceberg/partition.js';
import { fieldById } from '../../../src/iceberg/schema.js';
import { resultType } from '../../../src/iceberg/transforms/index.js';
import { type DataFile, DataFileContent, type TableIdentifier } from '../../../src/iceberg/types.js';
import type { FileIO } from '../../../src/io/fileio.js';
import { joinLocation } from '../../../src/io/fileio.js';
import { LocalFileIO } from '../../../src/io/local.js';
import { openCatalog } from '../../../src/catalog/open.js';
import { commitTable, createTable } from '../../../src/table/commit.js';
import { loadTable, type LoadedTable } from '../../../src/table/load.js';
import { planScan } from '../../../src/table/scan.js';
import { buildSnapshotChange, currentSchema, newSnapshotId, specById, writeAddedManifest } from '../../../src/table/snapshot-producer.js';

export interface Env {
  catalog: Catalog;
  io: FileIO;
  engine: Engine;
  warehouse: string;
}

/** A SQLite catalog, local FileIO and a DuckDB engine in a fresh folder, for the file's tests; filled in beforeAll, closed and removed afterAll. */
export function useCompactEnv(prefix: string): Env {
  const env = {} as Env;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    const catalog = await openCatalog({ uri: `sqlite:${join(dir, 'catalog.db')}`, name: 'floe' }, dir);
    Object.assign(env, { catalog, io: new LocalFileIO(), engine: await openEngine({ threads: 2 }), warehouse: join(dir, 'wh') });
  });
  afterAll(async () => {
    env.engine.close();
    await env.catalog.close();
    await rm(dir, { recursive: true, force: true });
  });
  return env;
}

/** Rows k in [from, from + n): k, v = 'v'||k, ts spread over days, region of 4, score. */
export const rowsSql = (from: number, n: number) =>
  `SELECT i::BIGINT AS k, 'v' || lpad(i::VARCHAR, 7, '0') AS v, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours((i * 7 % 2000)::BIGINT) AS ts, ` +
  `['eu', 'us', 'ap', 'sa'][(i % 4) + 1] AS region, ((i * 7919) % 10007)::INTEGER AS score FROM range(${from}, ${from + n}) t(i)`;

export async function createEmpty(
  env: Env, id: TableIdentifier, o: { partitionBy?: UnboundPartitionField[]; sortBy?: UnboundSortField[]; properties?: Record<string, string> } = {},
): Promise<LoadedTable> {
  const schema = schemaFromColumns(await env.engine.columns(rowsSql(0, 1), 'describe'));
  const location = joinLocation(env.warehouse, ...id.namespace, id.name);
  return createTable(env.catalog, env.io, id, createTableChange({ location, schema, partitionBy: o.partitionBy, sortBy: o.sortBy, properties: o.properties }));
}

/**
 * Appends `files` files of `rowsPerFile` rows each (rows from `from`), in one commit, each file
 * within one partition of the current spec. Returns the data files.
 */
export async function appendTinyFiles(env: Env, id: TableIdentifier, from: number, files: number, rowsPerFile: number): Promise<DataFile[]> {
  const t = await loadTable(env.catalog, env.io, id);
  const m = t.metadata;
  const schema = currentSchema(m);
  const spec = specById(m, m['default-spec-id']);
  const parts: PartitionColumn[] = spec.fields.map((f) => {
    const src = fieldById(schema, f['source-id'])!;
    const type = src.type as string;
    return { name: f.name, sql: transformSql(f.transform, type, src.path.map(quoteIdent).join('.')), type: resultType(f.transform, type) };
  });
  // Rows of one file share (k - from) / rowsPerFile; the table's own partition fields come first, so a
  // group of rows spanning several partitions becomes one file per partition.
  parts.push({ name: '__file', sql: `(k - ${from}) // ${rowsPerFile}`, type: 'long' });
  const dir = join(env.warehouse, '.tiny', randomUUID());
  const written = await writeDataFiles({
    engine: env.engine, selectSql: rowsSql(from, files * rowsPerFile), schema, partition: parts,
    targetFileSizeBytes: 1n << 40n, outputDir: dir, fileNamePrefix: 'tiny', table: formatTableId(id),
  });
  const out: DataFile[] = [];
  for (const w of written) {
    const partition = w.dataFile.partition.slice(0, -1);
    const folder = spec.fields.length ? joinLocation(m.location, 'data', partitionPath(spec, schema, partition)) : joinLocation(m.location, 'data');
    const location = joinLocation(folder, `${randomUUID()}-${basename(w.localPath)}`);
    await t.io.putLocalFile(w.localPath, location);
    out.push({ ...w.dataFile, partition, file_path: location });
  }
  await commitFiles(env, id, out, 'data', 'append');
  return out;
}

/** Commits data or delete files (already written at their locations) as one snapshot. */
export async function commitFiles(env: Env, id: TableIdentifier, files: DataFile[], content: 'data' | 'deletes', operation: 'append' | 'delete' | 'overwrite'): Promise<bigint> {
  const t = await loadTable(env.catalog, env.io, id);
  const bySpec = new Map<number, DataFile[]>();
  const specOf = (f: DataFile) => (f as DataFile & { specId?: number }).specId ?? t.metadata['default-spec-id'];
  for (const f of files) bySpec.set(specOf(f), [...(bySpec.get(specOf(f)) ?? []), f]);
  const manifests: Awaited<ReturnType<typeof writeAddedManifest>>[] = [];
  for (const [specId, fs] of bySpec) {
    manifests.push(await writeAddedManifest(t.io, t.metadata, fs.map((f) => ({ ...f, specId: undefined }) as DataFile), content, specId));
  }
  const snapshotId = newSnapshotId(t.metadata);
  await commitTable(env.catalog, env.io, id, (base) => buildSnapshotChange(base, { operation, snapshotId, added: manifests, addedFiles: files }));
  return snapshotId;
}

/** A position delete file removing `positions` of `dataFile` (same partition and spec). */
export async function positionDeletes(env: Env, id: TableIdentifier, dataFile: DataFile, positions: number[], specId?: number): Promise<DataFile> {
  const t = await loadTable(env.catalog, env.io, id);
  const location = joinLocation(t.metadata.location, 'data', `pos-${randomUUID()}.parquet`);
  const local = await t.io.localPath(location).catch(() => location);
  const rows = positions.map((p) => `(${quoteLiteral(dataFile.file_path)}, ${p}::BIGINT)`).join(', ');
  await env.engine.run(
    `COPY (SELECT * FROM (VALUES ${rows}) v(file_path, pos) ORDER BY pos) TO ${quoteLiteral(local)} (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`,
    'write a position delete file',
  );
  return deleteFile(local, location, dataFile, DataFileContent.POSITION_DELETES, positions.length, specId);
}

/** An equality delete file on column k (field id 1) removing the keys. */
export async function equalityDeletes(env: Env, id: TableIdentifier, partitionOf: DataFile, keys: number[], specId?: number): Promise<DataFile> {
  const t = await loadTable(env.catalog, env.io, id);
  const location = joinLocation(t.metadata.location, 'data', `eq-${randomUUID()}.parquet`);
  const local = await t.io.localPath(location).catch(() => location);
  await env.engine.run(
    `COPY (SELECT unnest([${keys.join(', ')}])::BIGINT AS k) TO ${quoteLiteral(local)} (FORMAT parquet, FIELD_IDS {k: 1})`,
    'write an equality delete file',
  );
  return { ...(await deleteFile(local, location, partitionOf, DataFileContent.EQUALITY_DELETES, keys.length, specId)), equality_ids: [1] };
}

async function deleteFile(local: string, location: string, of: DataFile, content: DataFileContent, n: number, specId?: number): Promise<DataFile> {
  const f: DataFile & { specId?: number } = {
    content, file_path: location, file_format: 'PARQUET', partition: of.partition, record_count: BigInt(n),
    file_size_in_bytes: BigInt((await stat(local)).size),
  };
  if (specId !== undefined) f.specId = specId;
  return f;
}

/** Row count and a checksum of the rows sorted by k. */
export async function checksum(env: Env, id: TableIdentifier): Promise<{ n: number; h: string }> {
  const t = await loadTable(env.catalog, env.io, id);
  const view = `chk_${id.name}`;
  await createTableView(env.engine, view, { io: t.io, metadata: t.metadata, table: formatTableId(id) });
  const [r] = await env.engine.all(
    `SELECT count(*)::INTEGER AS n, coalesce(md5(string_agg(k::VARCHAR || '|' || v || '|' || ts::VARCHAR || '|' || region || '|' || score::VARCHAR, ',' ORDER BY k)), '') AS h FROM ${view}`,
    'checksum',
  );
  return { n: Number(r!.n), h: String(r!.h) };
}

/** Live data files of the current snapshot. */
export async function liveFiles(env: Env, id: TableIdentifier) {
  const t = await loadTable(env.catalog, env.io, id);
  const plan = await planScan({ io: t.io, metadata: t.metadata, table: formatTableId(id) });
  return { table: t, plan, data: plan.dataFiles, deletes: plan.deleteFiles };
}
