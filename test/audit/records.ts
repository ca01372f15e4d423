import type { AuditRecord } from '../../src/audit/log.js';

/** An audit record of a command that succeeded and changed nothing; the rest as given. */
export const okRecord = (r: Omit<AuditRecord, 'changes' | 'reported' | 'outcome' | 'exitCode' | 'errorKind' | 'errorMessage'>): AuditRecord => ({
  ...r,
  changes: [],
  reported: [],
  outcome: 'ok',
  exitCode: 0,
  errorKind: null,
  errorMessage: null,
});
