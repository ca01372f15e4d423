import type { Command } from 'commander';
import { parseNamespace } from '../../catalog/identifier.js';
import { formatTableId } from '../../catalog/catalog.js';
import { stringifyJson } from '../../iceberg/json.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput } from '../output.js';

export default async function tables(namespace: string | undefined, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  const names = await withProject(globalsOf(cmd), async ({ catalog }) => {
    const ids = await catalog.listTables(namespace ? parseNamespace(namespace) : undefined);
    return ids.map(formatTableId).sort();
  });
  if (opts.json) out.out(stringifyJson(names));
  else if (names.length === 0) out.err(namespace ? `no tables in namespace ${namespace}` : 'no tables yet (create one with `floe load` or `floe run`)');
  else out.out(names.join('\n'));
  return 0;
}
