import type { Command } from 'commander';
import { escapeControls, parseNamespace } from '../../catalog/identifier.js';
import { formatTableId } from '../../catalog/catalog.js';
import { MissingCatalog } from '../../catalog/missing.js';
import { notFound } from '../../errors.js';
import { stringifyJson } from '../../iceberg/json.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput } from '../output.js';

export default async function tables(namespace: string | undefined, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  const names = await withProject(globalsOf(cmd), async ({ catalog }) => {
    const ns = namespace ? parseNamespace(namespace) : undefined;
    const ids = await catalog.listTables(ns);
    // An empty namespace lists nothing; one the catalog has never heard of is a mistyped name.
    if (ns && ids.length === 0 && !(await catalog.namespaceExists(ns))) {
      const known = (await catalog.listNamespaces()).map((n) => n.join('.')).sort();
      throw notFound(`namespace ${namespace} does not exist in catalog "${catalog.name}"`, {
        context: { namespace, catalog: catalog.name },
        hint: known.length ? `its namespaces are: ${known.join(', ')}` : catalog instanceof MissingCatalog ? `${catalog.why}; the first table creates it` : 'the catalog has no namespaces yet',
      });
    }
    return ids.map(formatTableId).sort();
    // Read-only: a project without a catalog yet has no tables, and gets no catalog.
  }, { create: false });
  if (opts.json) out.out(stringifyJson(names));
  else if (names.length === 0) out.err(namespace ? `no tables in namespace ${namespace}` : 'no tables yet (create one with `floe load` or `floe run`)');
  // One table a line: a name another engine gave a line break or a terminal escape must not
  // print as two tables (a script reading the list would act on a table that is not there).
  else out.out(names.map(escapeControls).join('\n'));
  return 0;
}
