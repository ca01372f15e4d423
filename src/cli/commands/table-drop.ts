import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { loadTable } from '../../table/load.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, reportingS3Retries } from '../output.js';

export default async function drop(tableName: string, opts: { purge?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const id = parseTableIdentifier(tableName);
    await withProject(globalsOf(cmd), async ({ catalog, io }) => {
      const table = await loadTable(catalog, io, id);
      await catalog.dropTable(id);
      if (!opts.purge) {
        out.out(`dropped ${tableName} from the catalog; its files remain under ${table.metadata.location}`);
        return;
      }
      let n = 0;
      for await (const f of table.io.list(table.metadata.location)) {
        await table.io.delete(f.location);
        n++;
      }
      out.out(`dropped ${tableName} and deleted ${n} files under ${table.metadata.location}`);
    });
    return 0;
  });
}
