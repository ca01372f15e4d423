/**
 * `floe table evolve <table> ...`: one schema / partition spec / sort order / properties
 * change, planned purely (src/table/evolve) and committed through the CAS loop, re-planned
 * on the latest metadata if another writer commits first. --dry-run plans against the current
 * metadata and shows the result without writing anything.
 */
import type { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { FloeError, usageError } from '../../errors.js';
import { stringifyJson } from '../../iceberg/json.js';
import type { TableMetadata } from '../../iceberg/types.js';
import { applyChange } from '../../table/apply.js';
import { commitTable } from '../../table/commit.js';
import { planEvolution, type EvolutionPlan, type EvolveRequest } from '../../table/evolve/evolve.js';
import { parseAddColumn, parsePair, parsePartitionField, parseSortField } from '../../table/evolve/parse.js';
import { describeSpec } from '../../table/evolve/partition-update.js';
import { describeSortOrder } from '../../table/evolve/sort-update.js';
import { loadTable } from '../../table/load.js';
import { currentSchema, specById } from '../../table/snapshot-producer.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, reportingS3Retries } from '../output.js';

export interface EvolveOptions {
  addColumn: string[];
  renameColumn: string[];
  dropColumn: string[];
  widenColumn: string[];
  makeOptional: string[];
  partitionBy?: string[];
  addPartitionField: string[];
  dropPartitionField: string[];
  sortBy?: string[];
  setProperty: string[];
  removeProperty: string[];
  dryRun?: boolean;
  json?: boolean;
}

const isNone = (list: string[] | undefined) => list?.length === 1 && /^none$/i.test(list[0]!.trim());

/** The options as an EvolveRequest; usage errors for unreadable values or an empty request. */
function requestFromOptions(o: EvolveOptions): EvolveRequest {
  const req: EvolveRequest = {
    addColumns: o.addColumn.map((t) => parseAddColumn(t)),
    renameColumns: o.renameColumn.map((t) => parsePair('--rename-column', t, 'old=new')).map((p) => ({ from: p.key, to: p.value })),
    dropColumns: o.dropColumn.map((s) => s.trim()),
    widenColumns: o.widenColumn.map((t) => parsePair('--widen-column', t, 'name=type')).map((p) => ({ name: p.key, type: p.value })),
    makeOptional: o.makeOptional.map((s) => s.trim()),
    addPartitionFields: o.addPartitionField.map((t) => parsePartitionField('--add-partition-field', t)),
    dropPartitionFields: o.dropPartitionField.map((s) => s.trim()),
    setProperties: Object.fromEntries(o.setProperty.map((t) => parsePair('--set-property', t, 'key=value')).map((p) => [p.key, p.value])),
    removeProperties: (o.removeProperty ?? []).map((s) => s.trim()),
  };
  const blank = req.removeProperties!.find((k) => k === '');
  if (blank !== undefined) throw usageError('--remove-property needs a property key');
  if (o.partitionBy) req.partitionBy = isNone(o.partitionBy) ? [] : o.partitionBy.map((t) => parsePartitionField('--partition-by', t));
  if (o.sortBy) req.sortBy = isNone(o.sortBy) ? [] : o.sortBy.map((t) => parseSortField('--sort-by', t));
  const asked =
    o.addColumn.length + o.renameColumn.length + o.dropColumn.length + o.widenColumn.length + o.makeOptional.length +
    o.addPartitionField.length + o.dropPartitionField.length + o.setProperty.length + (o.removeProperty ?? []).length + (o.partitionBy ? 1 : 0) + (o.sortBy ? 1 : 0);
  if (asked === 0) throw usageError('floe table evolve: nothing to change; give at least one option such as --add-column or --partition-by (see --help)');
  return req;
}

/**
 * A change the spec forbids is a mistake in the command line (exit 2, DESIGN §3), whatever
 * layer noticed it; the message already names the table, the column and the rule.
 */
function planOrRefuse(m: TableMetadata, req: EvolveRequest, table: string): { plan: EvolutionPlan; after: TableMetadata } {
  try {
    const plan = planEvolution(m, req, table);
    // A trial application (pure) catches what only the whole metadata shows, such as a v3-only type on a v2 table.
    const after = plan.change.updates.length ? applyChange(m, plan.change, { metadataLocation: null, now: m['last-updated-ms'] }) : m;
    return { plan, after };
  } catch (e) {
    if (e instanceof FloeError && e.kind === 'schema') {
      const message = e.message.includes(table) ? e.message : `table ${table}: ${e.message}`;
      throw usageError(message, { cause: e, hint: e.hint, context: { table, ...e.context } });
    }
    throw e;
  }
}

function layout(m: TableMetadata) {
  const schema = currentSchema(m);
  const spec = specById(m, m['default-spec-id']);
  const order = m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id'])!;
  return {
    'schema-id': m['current-schema-id'],
    'last-column-id': m['last-column-id'],
    'spec-id': m['default-spec-id'],
    'last-partition-id': m['last-partition-id'],
    'sort-order-id': m['default-sort-order-id'],
    schema,
    spec,
    'sort-order': order,
    partitioning: describeSpec(spec, schema),
    sorting: describeSortOrder(order, schema),
  };
}

export default async function evolve(tableName: string, opts: EvolveOptions, cmd: Command): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const id = parseTableIdentifier(tableName);
    const req = requestFromOptions(opts);
    const result = await withProject(globalsOf(cmd), async ({ catalog, io }) => {
      const table = await loadTable(catalog, io, id);
      // The trial result is the layout shown: only its schema, spec and order ids are printed.
      const trial = planOrRefuse(table.metadata, req, tableName);
      let plan = trial.plan;
      if (opts.dryRun || plan.change.updates.length === 0) return { plan, after: trial.after, committed: false };
      const committed = await commitTable(catalog, io, id, async (base) => {
        plan = planOrRefuse(base.metadata, req, tableName).plan;
        return plan.change;
      }, { base: table });
      return { plan, after: committed.table.metadata, committed: true, metadataLocation: committed.table.metadataLocation };
    });
    const { plan, after, committed } = result;
    // Only files written before the widening are affected: a table without snapshots has none.
    const hasFiles = after.snapshots.length > 0;
    if (hasFiles && plan.changes.some((c) => /^widen (column )?.*: int → long$/.test(c)) && after.properties['read.parquet.vectorization.enabled'] !== 'false') {
      out.err(
        'note: Spark with Iceberg 1.10.1 or older fails to read an int column widened to long from files written before the widening (apache/iceberg#16341); ' +
          'if Spark reads this table, set --set-property read.parquet.vectorization.enabled=false (see docs/EVOLUTION.md)',
      );
    }
    if (opts.json) {
      out.out(
        stringifyJson(
          {
            table: tableName,
            dry_run: Boolean(opts.dryRun),
            committed,
            changes: plan.changes,
            requirements: plan.change.requirements,
            updates: plan.change.updates,
            result: layout(after),
            ...(result.metadataLocation ? { 'metadata-location': result.metadataLocation } : {}),
          },
          2,
        ),
      );
      return 0;
    }
    if (plan.changes.length === 0) {
      out.out(`${tableName}: nothing to change; the table already has this layout`);
      return 0;
    }
    const l = layout(after);
    out.out(
      [
        `${opts.dryRun ? 'would evolve' : 'evolved'} ${tableName}:`,
        ...plan.changes.map((c) => `  ${c}`),
        `now: schema ${l['schema-id']}, partition spec ${l['spec-id']} [${l.partitioning}], sort order ${l['sort-order-id']} [${l.sorting}]`,
        ...(opts.dryRun ? ['(dry run: nothing was committed)'] : []),
      ].join('\n'),
    );
    return 0;
  });
}
