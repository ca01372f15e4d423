/** `floe plan [pipeline...]`: what a run would change; nothing is written. */
import type { Command } from 'commander';
import { openCatalog } from '../../catalog/open.js';
import { RoutingFileIO } from '../../io/resolve.js';
import { formatDiagnostic, hasErrors } from '../../pipeline/diagnostics.js';
import { validateProject } from '../../pipeline/load.js';
import { writesTables } from '../../pipeline/order.js';
import { planPipeline } from '../../run/plan.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit.js';
import { globalsOf } from '../context.js';
import { consoleOutput, reportingS3Retries } from '../output.js';

export default async function plan(names: string[], opts: { json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const load = await validateProject(globalsOf(cmd).project, { select: names });
    if (hasErrors(load.diagnostics) || !load.project) {
      for (const d of load.diagnostics) out.err(formatDiagnostic(d));
      return EXIT_USAGE;
    }
    // Read-only: a project without a catalog yet plans every table as new, and gets none.
    const catalog = await openCatalog(load.project.catalog, load.project.dir, { create: false });
    const io = RoutingFileIO.forStorage(load.project.storage);
    try {
      const plans = [];
      // The tables the planned pipelines write: a sql pipeline reading one of them runs after its writer.
      const writtenBy = new Map(load.pipelines.flatMap((lp) => writesTables(lp.pipeline).map((t) => [t, lp.name] as const)));
      for (const lp of load.pipelines) plans.push(await planPipeline(lp, catalog, io, load.project.dir, load.redact, writtenBy));
      if (opts.json) out.out(JSON.stringify(plans, null, 2));
      else {
        for (const p of plans) {
          out.out(`${p.pipeline}: ${p.source} → ${p.target} (${p.mode}${p.tableExists ? '' : ', new table'})`);
          for (const line of [...(p.incremental ? [p.incremental.text] : []), ...p.schema, ...p.partitioning, ...p.sortOrder]) out.out(`  ${line}`);
          for (const problem of p.problems) out.out(`  problem: ${problem}`);
        }
      }
      return plans.some((p) => p.problems.length) ? EXIT_FAILURE : 0;
    } finally {
      await catalog.close();
    }
  });
}
