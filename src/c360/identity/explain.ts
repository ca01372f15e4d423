/**
 * `floe identity explain <customer_id>`: the source records of one customer, with their
 * identifier values, and the links that joined them — each unblocked match key shared by two
 * or more of the records. Keys are recomputed from the inputs' current rows with the same
 * functions the resolver uses, so a value changed since the last run shows as it is now.
 */
import type { Engine } from '../../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql.js';
import { notFound } from '../../errors.js';
import type { BlockLists } from '../normalize/blocked.js';
import { IDS, REC, type ResolveInput, stageRecords } from './records.js';
import { registerIdentityFunctions } from './udf.js';

export interface ExplainIdentifier {
  kind: string;
  value: string;
  key: string;
  /** Why the value links nothing (blocked.ts reason). */
  blocked?: string;
  /** The key was cut by max_per_profile in the run that wrote the map: it links nothing. */
  cut?: true;
}

export interface ExplainRecord {
  source_table: string;
  source_id: string;
  /** False when the record is in the identity map but no longer in its input table. */
  present: boolean;
  identifiers: ExplainIdentifier[];
}

export interface ExplainLink {
  kind: string;
  key: string;
  /** `table:id` of every record of the customer carrying the key. */
  records: string[];
  /** Set when the key is shared but did not link: blocked, or cut by max_per_profile. */
  ignored?: string;
}

export interface Explanation {
  customer_id: string;
  records: ExplainRecord[];
  links: ExplainLink[];
}

export interface ExplainOptions {
  customerId: string;
  /** Relation (source_table, source_id, customer_id): the identity map. */
  map: string;
  mapTable: string;
  inputs: readonly ResolveInput[];
  blockValues: BlockLists;
  /** Relation with the identity_changes rows, for the cut links; optional. */
  changes?: string;
  /** The run that wrote the identity map: only its cuts are shown (changes holds every run's). */
  runId?: string;
  /**
   * When identity_changes is shared with another identity pipeline: this pipeline's run ids
   * (from its map's snapshots), so an id merged away is traced through its own runs only.
   */
  ownRuns?: readonly string[];
}

export async function explainCustomer(engine: Engine, o: ExplainOptions): Promise<Explanation> {
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE __id_explain AS SELECT CAST(source_table AS VARCHAR) AS source_table, CAST(source_id AS VARCHAR) AS source_id FROM ${quoteIdent(o.map)} WHERE customer_id = ${quoteLiteral(o.customerId)}`,
    `read customer ${o.customerId} from ${o.mapTable}`,
  );
  const members = await engine.all('SELECT source_table, source_id FROM __id_explain ORDER BY source_table, source_id', 'list the customer records');
  if (members.length === 0) {
    // An id merged away (or split apart) by a later run: say where its records went.
    const gone = o.changes ? await whereNow(engine, o.changes, o.map, o.customerId, o.ownRuns) : undefined;
    if (gone) {
      const into = gone.into.map((x) => `${x.id} (${x.records} record${x.records === 1 ? '' : 's'})`).join(', ');
      const now = gone.now.join(', ');
      const moved = gone.into.map((x) => x.id).join(', ') !== now;
      throw notFound(`customer ${o.customerId} is not in ${o.mapTable}; the last change to it in identity_changes: run ${gone.runId} (${gone.at}) ${gone.change === 'merge' ? 'merged' : 'split'} its records into ${into}${moved ? `, now in ${now || 'no customer of the map'}` : ''}`, {
        context: { customer_id: o.customerId, table: o.mapTable, now: gone.now },
        hint: gone.now.length ? `floe identity explain ${gone.now[0]}` : `its records are no longer in ${o.mapTable}`,
      });
    }
    throw notFound(`customer ${o.customerId} is not in ${o.mapTable}`, {
      context: { customer_id: o.customerId, table: o.mapTable },
      hint: `List customer ids with: floe query "SELECT customer_id FROM ${o.mapTable} LIMIT 10"`,
    });
  }
  registerIdentityFunctions(engine.connection, o.blockValues);
  await stageRecords(engine, o.inputs, {
    where: (i, col) => `CAST(${col(i.sourceId)} AS VARCHAR) IN (SELECT source_id FROM __id_explain WHERE source_table = ${quoteLiteral(i.table)})`,
  });
  const ids = await engine.all(
    `SELECT r.source_table, r.source_id, i.kind, i.value, i.key, i.blocked FROM ${REC} r JOIN ${IDS} i USING (rec) ORDER BY r.source_table, r.source_id, i.kind`,
    'read the identifiers of the customer',
  );
  // Keys cut by max_per_profile in the run that wrote the map (identity_changes holds every run's).
  const cut = new Set<string>();
  if (o.changes) {
    const run = o.runId !== undefined ? ` AND run_id = ${quoteLiteral(o.runId)}` : '';
    const rows = await engine.all(`SELECT DISTINCT identifier_kind AS kind, identifier_value AS key FROM ${quoteIdent(o.changes)} WHERE change = 'cut'${run}`, 'read the cut links');
    for (const r of rows) cut.add(`${r.kind}\u0000${r.key}`);
  }
  const byRecord = new Map<string, ExplainRecord>();
  for (const m of members) byRecord.set(`${m.source_table}:${m.source_id}`, { source_table: String(m.source_table), source_id: String(m.source_id), present: false, identifiers: [] });
  const present = await engine.all(`SELECT source_table, source_id FROM ${REC}`, 'list the records found');
  for (const p of present) {
    const r = byRecord.get(`${p.source_table}:${p.source_id}`);
    if (r) r.present = true;
  }
  const links = new Map<string, ExplainLink>();
  for (const row of ids) {
    const ref = `${row.source_table}:${row.source_id}`;
    const isCut = row.blocked === null && cut.has(`${String(row.kind)}\u0000${String(row.key)}`);
    // A cut key is marked on the record too: it may link the record to other customers' records
    // only (no second record of this customer), and would otherwise read as an unexplained non-match.
    const id: ExplainIdentifier = { kind: String(row.kind), value: String(row.value), key: String(row.key), ...(row.blocked !== null ? { blocked: String(row.blocked) } : {}), ...(isCut ? { cut: true as const } : {}) };
    byRecord.get(ref)?.identifiers.push(id);
    const lk = `${id.kind}\u0000${id.key}`;
    const link = links.get(lk) ?? { kind: id.kind, key: id.key, records: [], ...(id.blocked ? { ignored: `blocked (${id.blocked})` } : {}) };
    link.records.push(ref);
    links.set(lk, link);
  }
  const shared = [...links.entries()]
    .filter(([, l]) => l.records.length > 1)
    .map(([k, l]) => (cut.has(k) && !l.ignored ? { ...l, ignored: 'cut by max_per_profile' } : l))
    .sort((a, b) => (a.ignored ? 1 : 0) - (b.ignored ? 1 : 0) || b.records.length - a.records.length || a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key));
  return { customer_id: o.customerId, records: [...byRecord.values()], links: shared };
}

/**
 * Where the records of a customer id that is no longer in the map went: the customers the
 * last run naming it as previous_customer_id (a merge or split in identity_changes) put them
 * in, followed through later merges to the ids in the map now.
 */
async function whereNow(engine: Engine, changes: string, map: string, id: string, ownRuns?: readonly string[]): Promise<{ runId: string; at: string; change: string; into: { id: string; records: number }[]; now: string[] } | undefined> {
  if (ownRuns !== undefined && ownRuns.length === 0) return undefined;
  const runs = ownRuns ? ` AND run_id IN (${ownRuns.map(quoteLiteral).join(', ')})` : '';
  const lastOf = (prev: string) =>
    engine.all(
      `SELECT CAST(run_id AS VARCHAR) AS run_id, CAST(changed_at AS VARCHAR) AS at, CAST(change AS VARCHAR) AS change, CAST(customer_id AS VARCHAR) AS customer_id, records FROM ${quoteIdent(changes)} ` +
        `WHERE change IN ('merge', 'split') AND previous_customer_id = ${quoteLiteral(prev)} AND customer_id IS NOT NULL${runs} QUALIFY changed_at = max(changed_at) OVER () ORDER BY records DESC, customer_id`,
      'read where a customer id went',
    );
  const first = await lastOf(id);
  if (first.length === 0) return undefined;
  const into = first.map((r) => ({ id: String(r.customer_id), records: Number(r.records) }));
  const inMap = async (c: string) => (await engine.all(`SELECT 1 FROM ${quoteIdent(map)} WHERE customer_id = ${quoteLiteral(c)} LIMIT 1`, 'look a customer id up')).length > 0;
  const now: string[] = [];
  const seen = new Set([id]);
  let frontier = [...new Set(into.map((x) => x.id))];
  // A chain of later merges, bounded: each step is one run's rows.
  for (let depth = 0; frontier.length && depth < 50; depth++) {
    const next: string[] = [];
    for (const c of frontier) {
      if (seen.has(c)) continue;
      seen.add(c);
      if (await inMap(c)) now.push(c);
      else next.push(...(await lastOf(c)).map((r) => String(r.customer_id)));
    }
    frontier = next;
  }
  const r = first[0]!;
  return { runId: String(r.run_id), at: String(r.at), change: first.some((x) => x.change === 'merge') ? 'merge' : 'split', into, now: [...new Set(now)] };
}
