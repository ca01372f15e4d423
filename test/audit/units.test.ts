import { describe, expect, it } from 'vitest';
import { auditActor } from '../../src/audit/actor.js';
import { tableChanges } from '../../src/audit/changes.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { isAudited, redactArguments } from '../../src/audit/command.js';
import { auditDisabled, commandPath } from '../../src/audit/command-audit.js';
import { auditRecordSql, summarize } from '../../src/audit/log.js';
import { okRecord } from './records.js';

describe('auditActor', () => {
  it('is the OS user outside CI', () => {
    expect(auditActor({}, 'alice')).toEqual({ actor: 'alice', kind: 'user', ciSystem: null, ciJob: null, osUser: 'alice' });
    expect(auditActor({ USER: 'bob' }, null).actor).toBe('bob');
  });

  it('names the GitHub Actions run, job and actor', () => {
    const a = auditActor({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/lake', GITHUB_RUN_ID: '42', GITHUB_JOB: 'load', GITHUB_ACTOR: 'carol' }, 'runner');
    expect(a).toEqual({ actor: 'github:acme/lake#42/load (carol)', kind: 'ci', ciSystem: 'github', ciJob: '42', osUser: 'runner' });
  });

  it('names the Airflow DAG and task, and a GitLab job', () => {
    expect(auditActor({ AIRFLOW_CTX_DAG_ID: 'daily', AIRFLOW_CTX_TASK_ID: 'load_crm', AIRFLOW_CTX_DAG_RUN_ID: 'r1' }, 'airflow')).toMatchObject({
      actor: 'airflow:daily.load_crm',
      ciSystem: 'airflow',
      ciJob: 'r1',
    });
    expect(auditActor({ CI_JOB_ID: '77', CI_PROJECT_PATH: 'g/p', GITLAB_USER_LOGIN: 'dan' }, 'x')).toMatchObject({ actor: 'gitlab:g/p#77 (dan)', ciJob: '77' });
    expect(auditActor({ CI: 'true' }, 'eve')).toMatchObject({ actor: 'ci:eve', kind: 'ci' });
  });
});

describe('which commands are recorded', () => {
  it('changing commands and check, not the read-only ones', () => {
    for (const p of [['run'], ['load'], ['check'], ['compact'], ['table', 'drop'], ['table', 'register'], ['table', 'evolve'], ['maintain', 'expire'], ['snapshot', 'rollback']]) {
      expect(isAudited(p), p.join(' ')).toBe(true);
    }
    for (const p of [['query'], ['tables'], ['describe'], ['snapshots'], ['validate'], ['plan'], ['schema'], ['init'], ['identity', 'explain'], []]) {
      expect(isAudited(p), p.join(' ')).toBe(false);
    }
  });

  it('FLOE_AUDIT_LOG=off switches the log off', () => {
    expect(auditDisabled({ FLOE_AUDIT_LOG: 'off' })).toBe(true);
    expect(auditDisabled({ FLOE_AUDIT_LOG: '0' })).toBe(true);
    expect(auditDisabled({})).toBe(false);
    expect(auditDisabled({ FLOE_AUDIT_LOG: 'on' })).toBe(false);
  });

  it('the command path leaves out the program', () => {
    const root = { name: () => 'floe', parent: null, optsWithGlobals: () => ({}) };
    const table = { name: () => 'table', parent: root, optsWithGlobals: () => ({}) };
    expect(commandPath({ name: () => 'drop', parent: table, optsWithGlobals: () => ({}) })).toEqual(['table', 'drop']);
  });
});

describe('redactArguments', () => {
  it('hides secret option values, URL passwords and secret environment values', () => {
    const env = { DB_PASSWORD: 'hunter2-long', HOME: '/home/x' };
    expect(
      redactArguments(['run', '--token', 'abc123456', '--api-key=zzzzzz', 'postgres://u:pw9@db/x', 'file-hunter2-long.csv', '--home', '/home/x'], env),
    ).toEqual(['run', '--token', '***', '--api-key=***', 'postgres://u:***@db/x', 'file-***.csv', '--home', '/home/x']);
  });
});

describe('the audit record', () => {
  it('sums the snapshots of every changed table and keeps reported ones', () => {
    const s = summarize({
      changes: [
        { table: 'a.b', action: 'changed', snapshots: [{ snapshotId: 5n, operation: 'overwrite', addedRecords: 10, deletedRecords: 4 }] },
        { table: 'a.c', action: 'created', snapshots: [{ snapshotId: 1234567890123456789n, operation: 'append', addedRecords: 2, deletedRecords: null }] },
        { table: 'a.d', action: 'dropped', snapshots: [] },
      ],
      reported: [{ table: 'a.e', snapshotId: 9n, rows: 3 }],
    });
    expect(s).toMatchObject({ tables: ['a.b', 'a.c', 'a.d', 'a.e'], snapshotIds: ['5', '1234567890123456789', '9'], rowsAdded: 12, rowsDeleted: 4 });
  });

  it('quotes text as SQL literals', () => {
    const sql = auditRecordSql(
      okRecord({
        auditId: 'id',
        startedMs: 0,
        finishedMs: 5,
        actor: { actor: "o'brien", kind: 'user', ciSystem: null, ciJob: null, osUser: "o'brien" },
        host: 'h',
        command: 'run',
        arguments: ['run'],
        project: '/p',
        floeVersion: '0',
      }),
    );
    expect(sql).toContain("'o''brien'");
    expect(sql).toMatch(/CAST\("exit_code" AS INTEGER\)/);
  });

  it('turns observed catalog changes into per-table changes with only the snapshots this command added', () => {
    const snap = (id: bigint, ts: number, added: string) => ({ 'snapshot-id': id, 'timestamp-ms': ts, summary: { operation: 'append', 'added-records': added } });
    const meta = (...snapshots: ReturnType<typeof snap>[]) => ({ snapshots }) as unknown as TableMetadata;
    const id = (name: string) => ({ namespace: ['a'], name });
    const metadata = new Map<string, TableMetadata>([
      ['b1', meta(snap(1n, 10, '5'))],
      ['b2', meta(snap(1n, 10, '5'), snap(2n, 1000, '7'))],
      ['c1', meta(snap(3n, 1000, '2'))],
      ['r1', meta(snap(4n, 10, '9'))],
    ]);
    const changes = tableChanges(
      [
        { kind: 'commit', id: id('b'), previousLocation: 'b1', metadataLocation: 'b2' },
        { kind: 'create', id: id('c'), metadataLocation: 'c1' },
        { kind: 'create', id: id('r'), metadataLocation: 'r1' }, // registered: its old snapshot is not this command's
        { kind: 'drop', id: id('d') },
        // a command's commit to the log itself (a rollback of it) is one of its changes
        { kind: 'commit', id: { namespace: ['floe'], name: 'audit_log' }, previousLocation: 'x', metadataLocation: 'y' },
      ],
      metadata,
      500,
    );
    expect(changes).toEqual([
      { table: 'a.b', action: 'changed', snapshots: [{ snapshotId: 2n, operation: 'append', addedRecords: 7, deletedRecords: null }] },
      { table: 'a.c', action: 'created', snapshots: [{ snapshotId: 3n, operation: 'append', addedRecords: 2, deletedRecords: null }] },
      { table: 'a.d', action: 'dropped', snapshots: [] },
      { table: 'a.r', action: 'created', snapshots: [] },
      { table: 'floe.audit_log', action: 'changed', snapshots: [] },
    ]);
  });
});
