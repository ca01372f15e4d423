/**
 * The table property `write.object-storage.enabled` (Iceberg Java's and PyIceberg's
 * ObjectStoreLocationProvider): new data and delete files go under 20 bits of a hash of their
 * name, as folders, before their partition path. PyIceberg only, no JVM:
 *
 *   PyIceberg creates ns.osl (by region; write.object-storage.enabled) and appends
 *     → floe load → floe run (merge-on-read merge: position deletes + new rows) → floe compact
 *     → every data and delete file floe wrote is at <location>/data/<4>/<4>/<4>/<8>/region=…/,
 *       as PyIceberg's are, and PyIceberg reads the rows floe reads.
 *
 * Before, floe wrote them at <location>/data/region=…/ whatever the property.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, assertProvisioned, pyicebergRead, pyicebergWrite } from './oracle.js';
import { FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.osl';
/** <data>/<4 bits>/<4>/<4>/<8 bits>/region_identity=…/<name>.parquet, as the provider lays a file out. */
const HASHED = /^[01]{4}\/[01]{4}\/[01]{4}\/[01]{8}\/region_identity=(eu|us)\/[^/]+\.parquet$/;

let project: FloeProject;
let data: string;
let pyFiles: string[];
let all: string[];
let rows: CanonicalRow[];
let py: PyIcebergReadResult;

function parquetFiles(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet')).sort();
  } catch {
    return [];
  }
}

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(false);
  project = new FloeProject('object-storage');
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
    properties: { 'write.object-storage.enabled': 'true', 'write.merge.mode': 'merge-on-read' },
    appends: [[{ id: 1, region: 'eu', note: 'py1' }, { id: 2, region: 'us', note: 'py2' }]],
  });
  const metadataLocation = (await project.describe(TABLE))['metadata-location'];
  const metadataFile = metadataLocation.startsWith('file:') ? fileURLToPath(metadataLocation) : metadataLocation;
  data = join(metadataFile.slice(0, metadataFile.lastIndexOf('/metadata/')), 'data');
  pyFiles = parquetFiles(data);

  const load = join(project.inputs, 'load.parquet');
  await writeParquet(load, `SELECT * FROM (VALUES (3::BIGINT, 'eu', 'floe3'), (4::BIGINT, 'us', 'floe4')) t(id, region, note)`);
  await project.load(TABLE, [load]);
  const changes = join(project.inputs, 'changes.parquet');
  await writeParquet(changes, `SELECT * FROM (VALUES (1::BIGINT, 'eu', 'upd1'), (5::BIGINT, 'us', 'new5')) t(id, region, note)`);
  mkdirSync(join(project.dir, 'pipelines'), { recursive: true });
  writeFileSync(
    join(project.dir, 'pipelines', 'osl.yaml'),
    ['source:', '  kind: parquet', `  path: ${JSON.stringify(changes)}`, 'target:', `  table: ${TABLE}`, '  mode: merge', '  key: [id]', ''].join('\n'),
  );
  await project.ok(['run', '--all']);
  await project.ok(['compact', TABLE, '--min-input-files', '2']);
  all = parquetFiles(data);
  rows = await floeRows(project, TABLE, currentFields(await project.describe(TABLE)));
  py = await pyicebergRead({ ...project.catalog, table: TABLE });
}, 600_000);

afterAll(() => project?.remove());

describe('write.object-storage.enabled on a PyIceberg table that floe writes to', () => {
  it("PyIceberg laid its files out under hash folders", () => {
    expect(pyFiles.length).toBe(2);
    for (const f of pyFiles) expect(f).toMatch(HASHED);
  });

  it('floe laid out every data and delete file it wrote (load, merge, compaction) the same way', () => {
    const floe = all.filter((f) => !pyFiles.includes(f));
    // load: 2; merge: new rows and a delete file; compaction: at least one more.
    expect(floe.length).toBeGreaterThanOrEqual(4);
    expect(floe.some((f) => f.includes('-deletes-'))).toBe(true);
    for (const f of floe) expect(f).toMatch(HASHED);
  });

  it('PyIceberg reads the rows floe reads', () => {
    expect(rows.map((r) => r.id).sort()).toEqual(['1', '2', '3', '4', '5']);
    expectSameRows(TABLE, rows, py.rows, 'PyIceberg');
  });
});
