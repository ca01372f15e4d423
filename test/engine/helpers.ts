/** Shared set-up for engine tests: a session per file and a scratch folder per test. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import type { Row } from '../../src/engine/duckdb.js';

/** One engine for the whole file (2 threads: the CI machine has 2 cores). */
export function useEngine(): () => Engine {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await openEngine({ threads: 2 });
  });
  afterAll(() => engine?.close());
  return () => engine!;
}

/** A fresh temp folder per call, removed after the test. */
export function useTmp(): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'floe-engine-'));
    dirs.push(d);
    return d;
  };
}

/** The single row of a query. */
export async function one(engine: Engine, sql: string): Promise<Row> {
  const rows = await engine.all(sql, 'run a test query');
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows[0]!;
}
