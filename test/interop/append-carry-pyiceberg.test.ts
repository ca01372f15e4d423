/**
 * Interop of appends that copy the parent manifest list's blocks (undecoded, with summary
 * totals built on the parent's) — PyIceberg only, no JVM:
 *
 *   PyIceberg create + 2 appends → floe load ×20 (the first counts PyIceberg's list; later
 *   ones copy their parent's blocks until 16 small blocks, then encode the list afresh)
 *     → PyIceberg reads the final snapshot and, by time travel, the one with the most copied
 *       blocks; floe's totals agree with the rows every reader sees.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readAvroBlocks } from '../../src/iceberg/avro/container.js';
import { decodeMetadataFile } from '../../src/iceberg/metadata-json.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { type CanonicalRow, type PyIcebergReadResult, assertProvisioned, pyicebergRead, pyicebergWrite } from './oracle.js';
import { FloeProject, type SnapshotInfo, assertBuilt, currentFields } from './helpers/floe-cli.js';
import { writeParquet } from './helpers/inputs.js';
import { expectSameRows, floeRows } from './helpers/matrix.js';
import { setupOnce } from './helpers/setup.js';

const TABLE = 'ns.carry';
const FLOE_APPENDS = 20;

let project: FloeProject;
let metadata: TableMetadata;
let snapshots: SnapshotInfo[];
let rows: CanonicalRow[];
let py: { final: PyIcebergReadResult; mostBlocks: PyIcebergReadResult; mostBlocksAt: string; blocks: number[] };

setupOnce(async () => {
  assertBuilt();
  assertProvisioned(false);
  project = new FloeProject('append-carry');
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
    appends: [[{ id: 1, note: 'py' }, { id: 2, note: 'py' }], [{ id: 3, note: null }]],
  });
  for (let b = 0; b < FLOE_APPENDS; b++) {
    const file = join(project.inputs, `part-${b}.parquet`);
    // Append b holds b + 1 rows, ids from 1000·(b+1).
    await writeParquet(file, `SELECT (${(b + 1) * 1000} + i)::BIGINT AS id, 'floe ' || i AS note FROM range(0, ${b + 1}) t(i)`);
    await project.load(TABLE, [file]);
  }
  const described = await project.describe(TABLE);
  const location = described['metadata-location'];
  metadata = decodeMetadataFile(readFileSync(fileURLToPath(location)), location);
  snapshots = await project.snapshots(TABLE);
  rows = await floeRows(project, TABLE, currentFields(described));
  const blocks = metadata.snapshots.map((s) => readAvroBlocks(readFileSync(fileURLToPath(s['manifest-list'])), s['manifest-list']).blocks.length);
  const most = blocks.indexOf(Math.max(...blocks));
  const mostBlocksAt = String(metadata.snapshots[most]!['snapshot-id']);
  py = {
    final: await pyicebergRead({ ...project.catalog, table: TABLE }),
    mostBlocks: await pyicebergRead({ ...project.catalog, table: TABLE, snapshotId: mostBlocksAt }),
    mostBlocksAt,
    blocks,
  };
}, 600_000);

afterAll(() => project?.remove());

/** Rows in the table after `floeAppends` of floe's appends. */
const rowsAfter = (floeAppends: number) => 3 + (floeAppends * (floeAppends + 1)) / 2;

describe("floe's appends on a PyIceberg table, copying their parent's list", () => {
  it('state running totals that count every row and file, from PyIceberg’s parent on', () => {
    expect(snapshots).toHaveLength(2 + FLOE_APPENDS);
    const floe = snapshots.slice(2);
    expect(floe.every((s) => s.summary['engine-name'] === 'floe')).toBe(true);
    expect(floe.map((s) => s.summary['total-records'])).toEqual(floe.map((_, i) => String(rowsAfter(i + 1))));
    expect(floe.map((s) => s.summary['total-data-files'])).toEqual(floe.map((_, i) => String(2 + i + 1)));
    expect(floe.every((s) => s.summary['total-delete-files'] === '0')).toBe(true);
  });

  it('copied blocks up to the limit, then encoded a list afresh', () => {
    const floeBlocks = py.blocks.slice(2);
    expect(Math.max(...floeBlocks)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...floeBlocks)).toBeLessThanOrEqual(17);
    // Somewhere the count drops back: a list encoded afresh after many copies.
    expect(floeBlocks.some((n, i) => i > 0 && n < floeBlocks[i - 1]!)).toBe(true);
  });

  it('PyIceberg reads the final snapshot and the one with the most copied blocks as floe does', async () => {
    expect(rows).toHaveLength(rowsAfter(FLOE_APPENDS));
    expect(py.final.snapshot_id).toBe(snapshots.at(-1)!['snapshot-id']);
    expect(py.final.files_scanned).toBe(2 + FLOE_APPENDS);
    expectSameRows(TABLE, rows, py.final.rows, 'PyIceberg');
    const at = snapshots.findIndex((s) => s['snapshot-id'] === py.mostBlocksAt);
    expect(at).toBeGreaterThan(2);
    expect(py.mostBlocks.row_count).toBe(rowsAfter(at - 1));
    const described = await project.describe(TABLE);
    const atRows = await floeRows(project, TABLE, currentFields(described), py.mostBlocksAt);
    expectSameRows(`${TABLE}@${py.mostBlocksAt}`, atRows, py.mostBlocks.rows, 'PyIceberg');
  });
});
