/**
 * Stage 4: the golden record. For every profile column (identifier kinds first, then
 * attributes) one value per customer survives, by the column's rule:
 *
 * - most_recent: from the record with the latest updated_at (records without one last);
 * - most_frequent: the value most records carry; ties go to the value seen most recently;
 * - source_priority: from the first input table in the list that has a value (tables not
 *   listed come last), then as most_recent.
 *
 * Nulls (and identifier values that are not valid for their kind) never survive. Remaining
 * ties go to the input declared first, then the smaller source_id, then the smaller value,
 * so the result is deterministic. Values are compared and written as text.
 */
import type { Engine } from '../../engine/duckdb.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql.js';
import type { AttributeRule, SurvivorshipStrategy } from '../../pipeline/schema-identity.js';
import { CUST } from './assign.js';
import { LABEL } from './components.js';
import { IDS, REC } from './records.js';

export const PROFILES = '__id_profiles';

export interface SurvivorshipConfig {
  default: SurvivorshipStrategy;
  attributes: Record<string, AttributeRule>;
}

/** The rule of one column: its own, else the default. */
function ruleFor(config: SurvivorshipConfig, column: string): AttributeRule {
  return config.attributes[column] ?? { strategy: config.default };
}

/**
 * The ORDER BY that ranks candidate rows (value, input, source_table, source_id, updated_at,
 * freq, freq_updated_at) best first under `rule`.
 */
function survivorOrder(rule: AttributeRule): string {
  const tail = 'updated_at DESC NULLS LAST, input ASC, source_id ASC, value ASC';
  if (rule.strategy === 'most_frequent') return `freq DESC, freq_updated_at DESC NULLS LAST, ${tail}`;
  if (rule.strategy === 'source_priority') {
    const list = rule.source_priority ?? [];
    const rank = list.length ? `CASE source_table ${list.map((t, i) => `WHEN ${quoteLiteral(t)} THEN ${i}`).join(' ')} ELSE ${list.length} END` : '0';
    return `${rank} ASC, ${tail}`;
  }
  return tail;
}

export async function buildProfiles(engine: Engine, columns: { kinds: string[]; attributes: string[] }, config: SurvivorshipConfig): Promise<void> {
  const cand = (select: string) =>
    `SELECT l.comp, r.input, r.source_table, r.source_id, r.updated_at, ${select} FROM ${REC} r JOIN ${LABEL} l USING (rec)`;
  const parts: string[] = [];
  columns.kinds.forEach((k) => {
    parts.push(`SELECT l.comp, r.input, r.source_table, r.source_id, r.updated_at, i.value FROM ${IDS} i JOIN ${REC} r USING (rec) JOIN ${LABEL} l USING (rec) WHERE i.kind = ${quoteLiteral(k)} AND i.value IS NOT NULL`);
  });
  columns.attributes.forEach((_a, i) => parts.push(`${cand(`a${i} AS value`)} WHERE a${i} IS NOT NULL`));
  const all = [...columns.kinds, ...columns.attributes];
  const winners = all.map((name, i) => {
    const order = survivorOrder(ruleFor(config, name));
    return (
      `w${i} AS (SELECT comp, value FROM (SELECT *, count(*) OVER (PARTITION BY comp, value) AS freq, max(updated_at) OVER (PARTITION BY comp, value) AS freq_updated_at FROM (${parts[i]})) ` +
      `QUALIFY row_number() OVER (PARTITION BY comp ORDER BY ${order}) = 1)`
    );
  });
  const select = [
    'c.customer_id',
    ...all.map((name, i) => `w${i}.value AS ${quoteIdent(name)}`),
    'n.source_records',
  ];
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${PROFILES} AS WITH n AS (SELECT comp, count(*)::BIGINT AS source_records FROM ${LABEL} GROUP BY comp)${winners.length ? ', ' : ''}${winners.join(', ')} ` +
      `SELECT ${select.join(', ')} FROM ${CUST} c JOIN n USING (comp) ${all.map((_n, i) => `LEFT JOIN w${i} USING (comp)`).join(' ')} ORDER BY c.customer_id`,
    'pick the surviving attribute values',
  );
}
