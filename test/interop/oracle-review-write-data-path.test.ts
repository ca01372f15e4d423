/**
 * The table property `write.data.path` (Iceberg Java's and PyIceberg's location providers):
 * new data and delete files go under it, in their partition's folder, instead of
 * `<location>/data`. PyIceberg only, no JVM:
 *
 *   PyIceberg creates ns.wdp (by region; write.data.path = <project>/lake-data) and appends
 *     → floe load (append) → floe run (merge-on-read merge: position deletes + new rows)
 *     → floe compact → every file of the table is under lake-data, and PyIceberg reads the
 *       rows floe reads.
 *
 * Before, floe wrote its data and delete files under `<location>/data` whatever the property.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { LocalFileIO } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';
import { planScan } from '../../src/table/scan.js';
import { type CanonicalRow, type PyIcebergReadResult, assertProvisioned, pyicebergRead, pyicebergWrite } from './oracle.js';
import { FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.wdp';

let project: FloeProject;
let lake: string;
let tableData: string;
let pyFiles: string[];
let afterMerge: { lake: string[]; tableData: string[] };
let live: { data: string[]; deletes: string[] };
let rows: CanonicalRow[];
let py: PyIcebergReadResult;

/** Every Parquet file under a folder (none when it does not exist). */
function parquetFiles(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet')).map((f) => join(dir, f)).sort();
  } catch {
    return [];
  }
}

/** The data and delete files the current snapshot reads, as local paths. */
async function liveFiles(): Promise<{ data: string[]; deletes: string[] }> {
  const catalog = await openCatalog({ uri: `sqlite:${project.catalogDb}`, name: project.catalogName }, project.dir);
  try {
    const t = await loadTable(catalog, new LocalFileIO(), parseTableIdentifier(TABLE));
    const plan = await planScan({ io: t.io, metadata: t.metadata, table: TABLE });
    const local = (l: string) => (l.startsWith('file:') ? fileURLToPath(l) : l);
    return {
      data: plan.dataFiles.map((d) => local(d.file.file_path)).sort(),
      deletes: [...new Set(plan.dataFiles.flatMap((d) => d.deletes.map((x) => local(x.file.file_path))))].sort(),
    };
  } finally {
    await catalog.close();
  }
}

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(false);
  project = new FloeProject('write-data-path');
  lake = join(project.dir, 'lake-data');
  await pyicebergWrite({
    ...project.catalog,
    table: TABLE,
    schema: {
      type: 'struct',
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'region', required: false, type: 'string' },
        { id: 3, name: 'note', required: false, type: 'string' },
      ],
    },
    partitionBy: ['region'],
    properties: { 'write.data.path': lake, 'write.merge.mode': 'merge-on-read' },
    appends: [[{ id: 1, region: 'eu', note: 'py1' }, { id: 2, region: 'us', note: 'py2' }]],
  });
  pyFiles = parquetFiles(lake);
  // The table's own folder: its metadata file is in <location>/metadata.
  const metadataLocation = (await project.describe(TABLE))['metadata-location'];
  const metadataFile = metadataLocation.startsWith('file:') ? fileURLToPath(metadataLocation) : metadataLocation;
  tableData = join(metadataFile.slice(0, metadataFile.lastIndexOf('/metadata/')), 'data');

  const load = join(project.inputs, 'load.parquet');
  await writeParquet(load, `SELECT * FROM (VALUES (3::BIGINT, 'eu', 'floe3'), (4::BIGINT, 'us', 'floe4')) t(id, region, note)`);
  await project.load(TABLE, [load]);

  const changes = join(project.inputs, 'changes.parquet');
  await writeParquet(changes, `SELECT * FROM (VALUES (1::BIGINT, 'eu', 'upd1'), (3::BIGINT, 'eu', 'upd3'), (5::BIGINT, 'us', 'new5')) t(id, region, note)`);
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  writeFileSync(
    join(project.dir, 'pipelines', 'wdp.yaml'),
    ['source:', '  kind: parquet', `  path: ${JSON.stringify(changes)}`, 'target:', `  table: ${TABLE}`, '  mode: merge', '  key: [id]', ''].join('\n'),
  );
  await project.ok(['run', '--all']);
  afterMerge = { lake: parquetFiles(lake), tableData: parquetFiles(tableData) };

  await project.ok(['compact', TABLE, '--min-input-files', '2']);
  live = await liveFiles();
  rows = await floeRows(project, TABLE, currentFields(await project.describe(TABLE)));
  py = await pyicebergRead({ ...project.catalog, table: TABLE });
}, 600_000);

afterAll(() => project?.remove());

describe('write.data.path on a PyIceberg table that floe writes to', () => {
  it("PyIceberg put its files under write.data.path, in their partition's folder", () => {
    expect(pyFiles.map((f) => f.slice(lake.length + 1).split('/')[0]).sort()).toEqual(['region_identity=eu', 'region_identity=us']);
  });

  it("floe's load and merge-on-read merge wrote their data and delete files there too, none under the table's data folder", () => {
    expect(afterMerge.tableData).toEqual([]);
    const written = afterMerge.lake.filter((f) => !pyFiles.includes(f));
    // load: one file per region; merge: the new rows per region, and a delete file for each data file holding an updated key.
    expect(written.filter((f) => f.includes('-deletes-')).map((f) => f.slice(lake.length + 1).split('/')[0]).sort()).toEqual(['region_identity=eu', 'region_identity=eu']);
    expect(written.filter((f) => !f.includes('-deletes-')).length).toBe(4);
  });

  it('compaction wrote its files under write.data.path as well', () => {
    expect(live.deletes).toEqual([]);
    expect(live.data.length).toBeGreaterThan(0);
    for (const f of live.data) expect(f.startsWith(`${lake}/region_identity=`), f).toBe(true);
    expect(parquetFiles(tableData)).toEqual([]);
  });

  it('PyIceberg reads the rows floe reads', () => {
    expect(rows.map((r) => r.id).sort()).toEqual(['1', '2', '3', '4', '5']);
    expectSameRows(TABLE, rows, py.rows, 'PyIceberg');
  });
});
