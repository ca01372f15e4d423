/**
 * What a snapshot's manifest list holds, counted from its decoded entries: the totals its
 * summary should state (live data files, their records, live delete files), the manifest
 * paths and the number of Avro blocks. For tests of the summaries appends build.
 */
import { readAvroBlocks } from '../../src/iceberg/avro/container.js';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { ManifestContent, type Snapshot } from '../../src/iceberg/types.js';
import type { FileIO } from '../../src/io/fileio.js';

export async function manifestListOf(io: FileIO, s: Snapshot) {
  const bytes = await io.read(s['manifest-list']);
  const entries = readManifestList(bytes, s['manifest-list']);
  let files = 0n;
  let records = 0n;
  let deletes = 0n;
  for (const e of entries) {
    const live = BigInt(e.added_files_count! + e.existing_files_count!);
    if (e.content === ManifestContent.DATA) {
      files += live;
      records += e.added_rows_count! + e.existing_rows_count!;
    } else deletes += live;
  }
  return {
    totals: { 'total-data-files': String(files), 'total-records': String(records), 'total-delete-files': String(deletes) },
    paths: entries.map((e) => e.manifest_path),
    blocks: readAvroBlocks(bytes, s['manifest-list']).blocks.length,
  };
}
