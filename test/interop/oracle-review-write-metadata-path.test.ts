/**
 * The table property `write.metadata.path` (Iceberg Java's TableOperations, PyIceberg's
 * location provider): new metadata files, manifest lists and manifests go under it instead of
 * `<location>/metadata`. PyIceberg only, no JVM:
 *
 *   PyIceberg creates ns.wmp (write.metadata.path = <project>/lake-meta) and appends
 *     → floe load → floe compact → floe maintain orphans → every metadata file, manifest
 *       list and manifest floe wrote is under lake-meta, none under <location>/metadata, the
 *       orphan sweep deleted none of them, and PyIceberg reads the rows floe reads.
 *
 * Before, floe wrote them under `<location>/metadata` whatever the property.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type PyIcebergReadResult, assertProvisioned, pyicebergRead, pyicebergWrite } from './oracle.js';
import { FloeProject, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.wmp';

let project: FloeProject;
let meta: string;
let tableMeta: string;
let pyMeta: string[];
let afterWrites: { meta: string[]; tableMeta: string[]; pointer: string };
let afterOrphans: string[];
let rows: CanonicalRow[];
let py: PyIcebergReadResult;

const local = (l: string) => (l.startsWith('file:') ? fileURLToPath(l) : l);
/** Every file under a folder (none when it does not exist). */
function filesUnder(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
      .sort();
  } catch {
    return [];
  }
}

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(false);
  project = new FloeProject('write-metadata-path');
  meta = join(project.dir, 'lake-meta');
  await pyicebergWrite({
    ...project.catalog,
    table: TABLE,
    schema: {
      type: 'struct',
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'note', required: false, type: 'string' },
      ],
    },
    properties: { 'write.metadata.path': meta },
    appends: [[{ id: 1, note: 'py1' }, { id: 2, note: 'py2' }]],
  });
  pyMeta = filesUnder(meta);
  const described = await project.describe(TABLE);
  tableMeta = join(local((described.metadata as unknown as { location: string }).location), 'metadata');

  for (const [i, n] of [[3, 'floe3'], [4, 'floe4']] as const) {
    const load = join(project.inputs, `load-${i}.parquet`);
    await writeParquet(load, `SELECT * FROM (VALUES (${i}::BIGINT, '${n}')) t(id, note)`);
    await project.load(TABLE, [load]);
  }
  await project.ok(['compact', TABLE, '--min-input-files', '2']);
  afterWrites = { meta: filesUnder(meta), tableMeta: filesUnder(tableMeta).filter((f) => !pyMeta.includes(f)), pointer: local((await project.describe(TABLE))['metadata-location']) };
  await project.ok(['maintain', 'orphans', TABLE, '--older-than', '0s', '--allow-recent']);
  afterOrphans = filesUnder(meta);
  rows = await floeRows(project, TABLE, currentFields(await project.describe(TABLE)));
  py = await pyicebergRead({ ...project.catalog, table: TABLE });
}, 600_000);

afterAll(() => project?.remove());

describe('write.metadata.path on a PyIceberg table that floe writes to', () => {
  it("floe's metadata files, manifest lists and manifests are under write.metadata.path, none under <location>/metadata", () => {
    expect(afterWrites.tableMeta).toEqual([]);
    const written = afterWrites.meta.filter((f) => !pyMeta.includes(f));
    // Two loads and a compaction: a metadata file, a manifest list and a manifest each (at least).
    expect(written.filter((f) => f.endsWith('.metadata.json')).length).toBeGreaterThanOrEqual(3);
    expect(written.filter((f) => /\/snap-\d+-/.test(f)).length).toBeGreaterThanOrEqual(3);
    expect(written.filter((f) => /-m\d\.avro$/.test(f)).length).toBeGreaterThanOrEqual(3);
    expect(afterWrites.pointer.startsWith(`${meta}/`)).toBe(true);
  });

  it('the orphan sweep keeps every file the table still references there', () => {
    expect(afterOrphans).toContain(afterWrites.pointer);
    expect(rows.map((r) => r.id).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('PyIceberg reads the rows floe reads', () => {
    expectSameRows(TABLE, rows, py.rows, 'PyIceberg');
  });
});
