/** Shared set-up for check tests: one DuckDB session per file, checks built by the real pipeline schema. */
import { afterAll, beforeAll } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import { evaluateChecks } from '../../src/checks/evaluate.js';
import type { CheckResult, EvaluateOptions } from '../../src/checks/types.js';
import { type Check, checkList } from '../../src/pipeline/schema-checks.js';

export function useEngine(): () => Engine {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await openEngine({ threads: 2 });
  });
  afterAll(() => engine?.close());
  return () => engine!;
}

/** Check items as a pipeline file writes them (`{ not_null: [email], severity: warn }`), validated and named. */
export function checks(...items: unknown[]): Check[] {
  return checkList.parse(items);
}

export const NOW = Date.parse('2024-05-01T12:00:00Z');

/** Evaluates one check item against `relation`; returns its single result. */
export async function one(engine: Engine, relation: string, item: unknown, extra: Partial<EvaluateOptions> = {}): Promise<CheckResult> {
  const [r] = await evaluateChecks({ engine, checks: checks(item), relation, table: 'test.t', snapshot: null, now: NOW, ...extra });
  return r!;
}
