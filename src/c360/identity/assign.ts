/**
 * Stage 3: a customer id per component (stable-ids.ts), given the previous identity map as a
 * relation (source_table, source_id, customer_id), and the merges and splits against it.
 *
 *   __id_cust (comp, customer_id)
 */
import { internalError } from '../../errors.js';
import type { Engine } from '../../engine/duckdb.js';
import { quoteIdent } from '../../engine/sql.js';
import { LABEL } from './components.js';
import { REC } from './records.js';
import { CLAIM_ORDER, freshCustomerIdSql, KeptIds, ORIGIN_ATTEMPTS } from './stable-ids.js';
import { forEachRow, writeIntPairs } from './stream.js';

export const CUST = '__id_cust';
export const RECORD_CUSTOMER = '__id_record_customer';

export interface AssignResult {
  kept: number;
  fresh: number;
}

/** `salts`: freshCustomerIdSql's, per source table whose source id column is PII-tagged. */
export async function assignCustomerIds(engine: Engine, previousMap: string | undefined, salts: ReadonlyMap<string, string> = new Map()): Promise<AssignResult> {
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE __id_comp AS SELECT comp, CAST(row_number() OVER (ORDER BY comp) - 1 AS INTEGER) AS cidx FROM (SELECT DISTINCT comp FROM ${LABEL})`,
    'number the components',
  );
  const components = Number((await engine.all('SELECT count(*)::BIGINT AS n FROM __id_comp', 'count the components'))[0]?.n ?? 0);
  const prev = previousMap
    ? `SELECT CAST(source_table AS VARCHAR) AS source_table, CAST(source_id AS VARCHAR) AS source_id, CAST(customer_id AS VARCHAR) AS customer_id FROM ${quoteIdent(previousMap)}`
    : 'SELECT NULL::VARCHAR AS source_table, NULL::VARCHAR AS source_id, NULL::VARCHAR AS customer_id WHERE false';
  await engine.run(`CREATE OR REPLACE TEMP TABLE __id_prev_map AS ${prev}`, 'read the previous identity map');
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE __id_prev AS SELECT customer_id, CAST(row_number() OVER (ORDER BY customer_id) - 1 AS INTEGER) AS pidx, size FROM ` +
      `(SELECT customer_id, count(*) AS size FROM __id_prev_map WHERE customer_id IS NOT NULL GROUP BY customer_id)`,
    'number the previous customers',
  );
  const previous = Number((await engine.all('SELECT count(*)::BIGINT AS n FROM __id_prev', 'count the previous customers'))[0]?.n ?? 0);
  // Record → previous customer, for the claims and for the change log; origin: the previous
  // id is this record's fresh id (the record it was derived from), which settles a tie between
  // equal parts of a split in favour of the part that holds it.
  const freshOf = (attempt: number) => freshCustomerIdSql('r.source_table', 'r.source_id', String(attempt), salts);
  const origin = `p.customer_id IN (${Array.from({ length: ORIGIN_ATTEMPTS }, (_, a) => freshOf(a)).join(', ')})`;
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE __id_rec_prev AS SELECT r.rec, l.comp, p.customer_id AS previous_id, ${origin} AS origin FROM ${REC} r JOIN ${LABEL} l USING (rec) ` +
      `JOIN __id_prev_map m ON m.source_table = r.source_table AND m.source_id = r.source_id JOIN __id_prev p ON p.customer_id = m.customer_id`,
    'match the records to their previous customers',
  );
  // Claims arrive sorted; KeptIds settles them one at a time.
  const claims = new KeptIds(components, previous);
  await forEachRow(
    engine,
    `SELECT c.cidx, p.pidx, count(*) AS overlap, any_value(p.size) AS previous_size, p.customer_id AS previous_id, bool_or(x.origin) AS holds_origin ` +
      `FROM __id_rec_prev x JOIN __id_comp c USING (comp) JOIN __id_prev p ON p.customer_id = x.previous_id GROUP BY c.cidx, p.pidx, p.customer_id ORDER BY ${CLAIM_ORDER.replace('component', 'cidx')}`,
    'rank the previous customers of each component',
    (row) => claims.offer(Number(row[0]), Number(row[1])),
  );
  const kept = claims.kept;
  await writeIntPairs(engine, '__id_kept', ['cidx', 'pidx'], components, (i) => (kept[i]! >= 0 ? [i, kept[i]!] : undefined));
  // Fresh ids from the smallest member; bump the attempt of any that collide with a kept or
  // previous id or with each other, until none does.
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${CUST} AS SELECT c.comp, p.customer_id AS kept_id, r.source_table, r.source_id, 0 AS attempt, p.customer_id AS customer_id ` +
      `FROM __id_comp c JOIN ${REC} r ON r.rec = c.comp LEFT JOIN __id_kept k USING (cidx) LEFT JOIN __id_prev p ON p.pidx = k.pidx`,
    'assign the kept customer ids',
  );
  const freshSql = freshCustomerIdSql('source_table', 'source_id', 'attempt', salts);
  await engine.run(`UPDATE ${CUST} SET customer_id = ${freshSql} WHERE kept_id IS NULL`, 'derive fresh customer ids');
  // Uncorrelated: a hash semi-join, linear in the components.
  const clashing =
    `kept_id IS NULL AND (customer_id IN (SELECT customer_id FROM __id_prev) OR comp IN ` +
    `(SELECT comp FROM (SELECT comp, row_number() OVER (PARTITION BY customer_id ORDER BY kept_id IS NULL, comp) AS k FROM ${CUST}) WHERE k > 1))`;
  for (let i = 0; ; i++) {
    const clash = await engine.all(`SELECT count(*)::BIGINT AS n FROM ${CUST} WHERE ${clashing}`, 'check the fresh customer ids');
    const n = Number(clash[0]?.n ?? 0);
    if (n === 0) break;
    // Two customers under one id would merge them silently: never carry on with a clash.
    if (i === 100) throw internalError(`${n} fresh customer ids still clash after 100 attempts`);
    await engine.run(`UPDATE ${CUST} SET attempt = attempt + 1 WHERE ${clashing}`, 'retry clashing customer ids');
    await engine.run(`UPDATE ${CUST} SET customer_id = ${freshSql} WHERE kept_id IS NULL`, 'derive fresh customer ids');
  }
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${RECORD_CUSTOMER} AS SELECT r.rec, r.source_table, r.source_id, c.customer_id FROM ${REC} r JOIN ${LABEL} l USING (rec) JOIN ${CUST} c ON c.comp = l.comp`,
    'map the records to customers',
  );
  const k = Number((await engine.all(`SELECT count(kept_id)::BIGINT AS n FROM ${CUST}`, 'count kept ids'))[0]?.n ?? 0);
  return { kept: k, fresh: components - k };
}

/** Merges and splits against the previous map: (change, customer_id, previous_customer_id, records). */
export function changesSql(): string {
  return (
    // merge: the component holds records of a previous customer whose id it did not keep,
    // and that previous customer's id went elsewhere or nowhere. Split: a previous customer's
    // records are in several components; one row per component that did not keep its id.
    `WITH per AS (SELECT x.comp, x.previous_id, count(*) AS records FROM __id_rec_prev x GROUP BY ALL), ` +
    `named AS (SELECT per.*, c.customer_id, count(*) OVER (PARTITION BY per.comp) AS prev_in_comp, count(*) OVER (PARTITION BY per.previous_id) AS comps_of_prev FROM per JOIN ${CUST} c USING (comp)) ` +
    `SELECT 'merge' AS change, customer_id, previous_id AS previous_customer_id, records FROM named WHERE prev_in_comp > 1 AND previous_id <> customer_id ` +
    `UNION ALL SELECT 'split', customer_id, previous_id, records FROM named WHERE comps_of_prev > 1 AND previous_id <> customer_id`
  );
}
