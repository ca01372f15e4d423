import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { dropTable } from '../../table/drop.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, reportingS3Retries } from '../output.js';
import { plural } from './maintain-common.js';

export default async function drop(tableName: string, opts: { purge?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const id = parseTableIdentifier(tableName);
    const r = await withProject(globalsOf(cmd), ({ catalog, io }) => dropTable(catalog, io, id, { purge: opts.purge }));
    // A table registered with --map-location: its stored location (s3a://old-bucket/…) is not
    // where its files are; say where they are, and how to register it again.
    const where = r.reachedAt.location ?? r.location;
    const again = r.reachedAt.mappings.length
      ? `; register it again with: floe table register ${tableName} ${shellWord(r.reachedAt.metadataFile)} ${r.reachedAt.mappings.map((m) => `--map-location ${shellWord(`${m.from}=${m.to}`)}`).join(' ')}`
      : '';
    if (r.unreadable) {
      out.out(`dropped ${tableName} from the catalog; its files remain (its metadata could not be read: ${r.unreadable.message})`);
    } else if (!r.purged) {
      out.out(`dropped ${tableName} from the catalog; its files remain under ${where}${again}`);
    } else {
      out.out(`dropped ${tableName} and deleted ${plural(r.deleted.length, 'file')} under ${where}`);
      for (const root of r.keptForOtherTables) out.err(`floe: kept ${root}: another catalog table lives there`);
      if (r.keptNotTheTables.length > 0) {
        const shown = r.keptNotTheTables.slice(0, 5).join(', ');
        out.err(`floe: kept ${plural(r.keptNotTheTables.length, 'file')} under ${where} that the table's metadata does not name and that are outside its data/ and metadata/ folders: ${shown}${r.keptNotTheTables.length > 5 ? ', …' : ''}`);
      }
      for (const f of r.failedDeletes) out.err(`floe: could not delete ${f.location}: ${f.message}`);
      // On a local disk the emptied folders go too; a table folder that stays holds other files.
      const keptFolder =
        r.removedFolders.length > 0 && r.location !== null && !r.removedFolders.includes(r.location);
      if (keptFolder && r.keptForOtherTables.length === 0 && r.keptNotTheTables.length === 0 && r.failedDeletes.length === 0) {
        out.err(`floe: kept the folder ${where}: it is not empty (it holds folders or files that are not the table's)`);
      }
    }
    return r.failedDeletes.length > 0 ? 1 : 0;
  });
}

/** A word of a command to copy: quoted for a POSIX shell when it holds anything but plain path characters. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
