/** `floe identity explain <customer_id>`: why records were linked into one customer. */
import type { Command } from 'commander';
import { openCatalog } from '../../catalog/open.js';
import { explainCustomer, type Explanation } from '../../c360/identity/explain.js';
import { openEngine } from '../../engine/duckdb.js';
import { notFound, usageError } from '../../errors.js';
import { RoutingFileIO } from '../../io/resolve.js';
import { SUMMARY } from '../../run/state.js';
import { formatDiagnostic, hasErrors } from '../../pipeline/diagnostics.js';
import { validateProject } from '../../pipeline/load.js';
import type { IdentityPipeline } from '../../pipeline/schema-pipeline.js';
import { changesTable, openIdentityInputs, openOutputView } from '../../run/identity-inputs.js';
import { globalsOf } from '../context.js';
import { EXIT_USAGE } from '../exit.js';
import { consoleOutput, formatTable, reportingS3Retries } from '../output.js';

export default async function identityExplain(given: string, opts: { pipeline?: string; json?: boolean; mask?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Ids are pasted from query output: surrounding blanks are not part of one.
  const customerId = given.trim();
  if (customerId === '') throw usageError('give a customer id, e.g. floe identity explain c_1a2b3c4d5e6f7a8b');
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const load = await validateProject(globalsOf(cmd).project);
    if (hasErrors(load.diagnostics) || !load.project) {
      for (const d of load.diagnostics) out.err(formatDiagnostic(d));
      return EXIT_USAGE;
    }
    const identity = load.pipelines.filter((lp) => lp.pipeline.kind === 'identity');
    const chosen = opts.pipeline ? identity.filter((lp) => lp.name === opts.pipeline) : identity;
    if (chosen.length !== 1) {
      const names = identity.map((lp) => lp.name).join(', ') || 'none';
      throw usageError(opts.pipeline ? `no identity pipeline named '${opts.pipeline}' (identity pipelines: ${names})` : chosen.length === 0 ? 'the project has no identity pipeline' : `the project has several identity pipelines (${names}): choose one with --pipeline`);
    }
    const lp = chosen[0]!;
    const p = lp.pipeline as IdentityPipeline;
    const catalog = await openCatalog(load.project.catalog, load.project.dir, { create: false });
    const io = RoutingFileIO.forStorage(load.project.storage);
    const engine = await openEngine({ threads: 1 });
    try {
      const mapView = await openOutputView(engine, catalog, io, p.outputs.identity_map, '__id_map');
      if (!mapView) throw notFound(`pipeline ${lp.name} has not run yet: ${p.outputs.identity_map} does not exist`, { hint: `floe run ${lp.name}` });
      const changes = (await openOutputView(engine, catalog, io, changesTable(p), '__id_changes'))?.relation;
      // The cuts that shaped the map are those of the run that wrote it; identity_changes
      // holds every run's.
      const mapTable = mapView.table;
      const head = mapTable.metadata['current-snapshot-id'];
      const runId = mapTable.metadata.snapshots.find((x) => x['snapshot-id'] === head)?.summary[SUMMARY.runId];
      // identity_changes another identity pipeline appends to too: trace ids through this one's runs.
      const shared = identity.some((o) => o !== lp && changesTable(o.pipeline as IdentityPipeline) === changesTable(p));
      const ownRuns = shared ? mapTable.metadata.snapshots.filter((x) => x.summary[SUMMARY.pipeline] === lp.name).flatMap((x) => (x.summary[SUMMARY.runId] ? [String(x.summary[SUMMARY.runId])] : [])) : undefined;
      const inputs = await openIdentityInputs(engine, catalog, io, lp.name, p);
      const e = await explainCustomer(engine, {
        customerId,
        map: mapView.relation,
        mapTable: p.outputs.identity_map,
        inputs,
        blockValues: p.match.block_values,
        ...(changes ? { changes } : {}),
        ...(runId ? { runId } : {}),
        ...(ownRuns ? { ownRuns } : {}),
      });
      // --mask: identifiers of PII-tagged input columns through their policies, as floe query --mask shows them.
      const shown = opts.mask
        ? await (await import('../../c360/identity/explain-mask.js')).maskExplanation(engine, e, inputs.map((i) => ({ table: i.table, sourceId: i.sourceId, identifiers: i.identifiers, attributes: i.attributes, tags: i.tags ?? [] })))
        : e;
      out.out(opts.json ? JSON.stringify(shown, null, 2) : explanationText(shown));
      return 0;
    } finally {
      engine.close();
      await catalog.close();
    }
  });
}

export function explanationText(e: Explanation): string {
  const lines = [`customer ${e.customer_id}: ${e.records.length} source record${e.records.length === 1 ? '' : 's'}`, ''];
  lines.push(
    formatTable(
      ['table', 'id', 'identifiers'],
      e.records.map((r) => [
        r.source_table,
        r.source_id,
        r.present ? r.identifiers.map((i) => `${i.kind}=${i.value}${i.blocked ? ` (blocked: ${i.blocked})` : ''}${i.cut ? ' (cut by max_per_profile)' : ''}`).join(', ') || '(none)' : '(no longer in the input table)',
      ]),
    ),
  );
  lines.push('', e.links.length ? 'links:' : 'links: none (a single record, or records joined through others no longer present)');
  for (const l of e.links) lines.push(`  ${l.kind} ${l.key}${l.ignored ? ` — not used: ${l.ignored}` : ''}: ${l.records.join(', ')}`);
  return lines.join('\n');
}
