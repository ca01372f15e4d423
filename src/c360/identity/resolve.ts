/**
 * Identity resolution over relations already in a DuckDB session (DESIGN §4, `kind:
 * identity`): stage the records and their identifier keys, link them into components,
 * guard against over-linked customers, assign stable customer ids, and pick the golden
 * record. The results are temp tables the caller writes out:
 *
 *   __id_record_customer (rec, source_table, source_id, customer_id)   the identity map
 *   __id_profiles (customer_id, <kinds...>, <attributes...>, source_records)
 *   changesSql()                                                       merges and splits
 *
 * Nothing here touches the catalog; src/run/identity-run.ts does.
 */
import type { Engine } from '../../engine/duckdb.js';
import type { BlockLists } from '../normalize/blocked.js';
import { assignCustomerIds, type AssignResult } from './assign.js';
import { saltFor, type Env } from '../../governance/salt.js';
import { sourceIdTag } from './pii.js';
import { type ComponentsResult, computeComponents } from './components.js';
import { type InputRowCounts, type ResolveInput, stageRecords } from './records.js';
import { buildProfiles, type SurvivorshipConfig } from './survive.js';
import { registerIdentityFunctions } from './udf.js';

export interface ResolveOptions {
  inputs: readonly ResolveInput[];
  blockValues: BlockLists;
  maxPerProfile: Readonly<Record<string, number>>;
  survivorship: SurvivorshipConfig;
  /** A relation (source_table, source_id, customer_id) with the previous run's map. */
  previousMap?: string;
  /** Where the hash salt of a PII-tagged source id column is read (default process.env). */
  env?: Env;
}

export interface ResolveResult extends ComponentsResult, AssignResult {
  identifiers: number;
  blocked: Record<string, number>;
  /** Per input: rows, rows without a source id (skipped), rows repeating a source id. */
  inputRows: InputRowCounts[];
}

export async function resolveIdentities(engine: Engine, o: ResolveOptions): Promise<ResolveResult> {
  registerIdentityFunctions(engine.connection, o.blockValues);
  // One scan of each input stages its records and counts its rows (records.ts).
  const { inputRows, ...columns } = await stageRecords(engine, o.inputs);
  const counts = await engine.all(`SELECT coalesce(blocked, '') AS reason, count(*)::BIGINT AS n FROM __id_ids GROUP BY 1 ORDER BY 1`, 'count the identifier values');
  const blocked: Record<string, number> = {};
  let identifiers = 0;
  for (const r of counts) {
    identifiers += Number(r.n);
    if (r.reason !== '') blocked[String(r.reason)] = Number(r.n);
  }
  const comps = await computeComponents(engine, o.maxPerProfile);
  // Fresh ids of records keyed by a PII-tagged column are salted (stable-ids.ts); the salt is required as for hash.
  const salts = new Map<string, string>();
  for (const i of o.inputs) {
    const tag = sourceIdTag({ tags: i.tags ?? [], sourceId: i.sourceId });
    if (!tag) continue;
    const why = {
      what: `source_id column ${i.sourceId} is PII-tagged (${tag.tag}:${tag.policy}), so new customer ids are salted hashes of it`,
      hint: `keep it the same for every run. Unsalted, a customer id would be md5 of the raw ${i.sourceId}, which anyone can test guesses against.`,
    };
    salts.set(i.table, saltFor({ column: i.sourceId, saltEnv: tag.saltEnv }, i.table, o.env ?? process.env, why));
  }
  const assigned = await assignCustomerIds(engine, o.previousMap, salts);
  await buildProfiles(engine, columns, o.survivorship);
  return { ...comps, ...assigned, identifiers, blocked, inputRows };
}
