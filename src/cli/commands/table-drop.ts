import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { dropTable } from '../../table/drop.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, reportingS3Retries } from '../output.js';

export default async function drop(tableName: string, opts: { purge?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const id = parseTableIdentifier(tableName);
    const r = await withProject(globalsOf(cmd), ({ catalog, io }) => dropTable(catalog, io, id, { purge: opts.purge }));
    if (r.unreadable) {
      out.out(`dropped ${tableName} from the catalog; its files remain (its metadata could not be read: ${r.unreadable.message})`);
    } else if (!r.purged) {
      out.out(`dropped ${tableName} from the catalog; its files remain under ${r.location}`);
    } else {
      out.out(`dropped ${tableName} and deleted ${r.deleted.length} files under ${r.location}`);
      for (const root of r.keptForOtherTables) out.err(`floe: kept ${root}: another catalog table lives there`);
      for (const f of r.failedDeletes) out.err(`floe: could not delete ${f.location}: ${f.message}`);
      // On a local disk the emptied folders go too; a table folder that stays holds other files.
      const keptFolder =
        r.removedFolders.length > 0 && r.location !== null && !r.removedFolders.includes(r.location);
      if (keptFolder && r.keptForOtherTables.length === 0 && r.failedDeletes.length === 0) {
        out.err(`floe: kept the folder ${r.location}: it is not empty (it holds folders or files that are not the table's)`);
      }
    }
    return r.failedDeletes.length > 0 ? 1 : 0;
  });
}
