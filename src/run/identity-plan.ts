/** `floe plan` for an identity pipeline: its inputs (with their row counts) and its outputs. */
import type { Catalog } from '../catalog/catalog.js';
import { parseTableIdentifier } from '../catalog/identifier.js';
import type { FileIO } from '../io/fileio.js';
import type { LoadedPipeline } from '../pipeline/load.js';
import type { IdentityPipeline } from '../pipeline/schema-pipeline.js';
import { loadTable } from '../table/load.js';
import { changesTable } from './identity-inputs.js';
import { plural } from '../text-table.js';
import { currentSnapshot } from '../table/snapshot-select.js';

export interface IdentityPlanLines {
  source: string;
  lines: string[];
  /** Always empty; kept for the shape plan.ts fills PipelinePlan from. */
  problems: string[];
  tableExists: boolean;
}

export async function planIdentity(lp: LoadedPipeline, catalog: Catalog, io: FileIO): Promise<IdentityPlanLines> {
  const p = lp.pipeline as IdentityPipeline;
  const lines: string[] = [];
  const rows = async (table: string): Promise<string | undefined> => {
    const id = parseTableIdentifier(table);
    if (!(await catalog.tableExists(id))) return undefined;
    const m = (await loadTable(catalog, io, id)).metadata;
    const s = currentSnapshot(m);
    return s?.summary['total-records'] ?? '0';
  };
  for (const i of p.inputs) {
    const n = await rows(i.table);
    const what = `identifiers ${Object.entries(i.identifiers).map(([k, c]) => `${k}=${c}`).join(', ')}`;
    lines.push(`input ${i.table} (${n === undefined ? 'not created yet: an upstream pipeline must run first' : `${plural(BigInt(n), 'row')}`}): id ${i.source_id}, ${what}`);
  }
  const outs: [string, string, string][] = [
    ['identity_map', p.outputs.identity_map, 'overwrite'],
    ['profiles', p.outputs.profiles, 'overwrite'],
    ['identity_changes', changesTable(p), 'append'],
  ];
  let exists = false;
  for (const [what, table, mode] of outs) {
    const n = await rows(table);
    if (what === 'profiles') exists = n !== undefined;
    lines.push(`output ${what} ${table} (${mode}; ${n === undefined ? 'new table' : `${plural(BigInt(n), 'row')} now`})`);
  }
  const limits = Object.entries(p.match.max_per_profile).map(([k, n]) => `${k} ≤ ${n}`);
  if (limits.length) lines.push(`max_per_profile ${limits.join(', ')}`);
  return { source: `identity over ${p.inputs.length} input${p.inputs.length === 1 ? '' : 's'}`, lines, problems: [], tableExists: exists };
}
