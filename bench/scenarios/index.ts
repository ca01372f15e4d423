/**
 * Every scenario of the benchmark issue, in its order. A scenario with `implemented: false`
 * appears in latest.md as such, with no figures, until it is.
 */
import type { Scenario } from '../lib/types.js';
import { checks } from './checks.js';
import { coldStart } from './cold-start.js';
import { commitLatency } from './commit-latency.js';
import { compaction } from './compaction.js';
import { csvLoad } from './csv-load.js';
import { identity } from './identity.js';
import { mergeUpsert } from './merge-upsert.js';
import { postgresLoad } from './postgres-load.js';
import { prunedQuery } from './pruned-query.js';
import { selftest } from './selftest.js';

export const SCENARIOS: Scenario[] = [
  csvLoad,
  postgresLoad,
  commitLatency,
  prunedQuery,
  compaction,
  mergeUpsert,
  coldStart,
  checks,
  identity,
  selftest,
];

/** Finds a scenario by id ("1") or key ("csv-load"). */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === name || s.key === name);
}
