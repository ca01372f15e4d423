/**
 * Deleting files that a plan found unreachable. Deletion is best effort, as in Iceberg Java:
 * the commit that made the files unreachable has already succeeded, so a file that cannot be
 * deleted is reported and left for `floe maintain orphans`; a file already gone is fine.
 */
import pLimit from 'p-limit';
import { isFloeError } from '../errors.js';
import type { FileIO } from '../io/fileio.js';

export interface DeleteFailure {
  location: string;
  message: string;
}

export interface DeleteOutcome {
  deleted: string[];
  failed: DeleteFailure[];
}

export async function deleteFiles(io: FileIO, locations: readonly string[], concurrency = 8): Promise<DeleteOutcome> {
  const limit = pLimit(concurrency);
  const deleted: string[] = [];
  const failed: DeleteFailure[] = [];
  await Promise.all(
    locations.map((location) =>
      limit(async () => {
        try {
          await io.delete(location);
          deleted.push(location);
        } catch (e) {
          if (isFloeError(e, 'not-found')) return;
          failed.push({ location, message: e instanceof Error ? e.message : String(e) });
        }
      }),
    ),
  );
  return { deleted: deleted.sort(), failed: failed.sort((a, b) => a.location.localeCompare(b.location)) };
}
