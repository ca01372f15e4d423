/**
 * Crash injection inside a multi-table commit (Catalog.commitTables), for the crash tests
 * (test/crash/identity-atomic.test.ts, docs/CONCURRENCY.md "The crash harness"): with
 * `FLOE_FAULT_KILL_IN_COMMIT=N` the process SIGKILLs itself right after the Nth statement of
 * a multi-table commit's transaction, before its COMMIT. A test switch, off unless set; the
 * FileIO kills (src/io/fault.ts) cannot reach this point, which does no FileIO.
 */
const ENV = 'FLOE_FAULT_KILL_IN_COMMIT';

export function killInCommitIfAsked(statements: number): void {
  const at = process.env[ENV];
  if (at === undefined || at === '') return;
  const n = Number(at);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${ENV} must be a positive integer, got "${at}"`);
  if (statements === n) process.kill(process.pid, 'SIGKILL');
}
