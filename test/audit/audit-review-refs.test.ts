/**
 * floe.audit_log rows of commands that add no snapshot: a rollback, a tag, a dropped branch
 * and an expiry say which snapshots they acted on (snapshot_ids, changes.refs,
 * changes.expired_snapshots), and a command that rolls back floe.audit_log itself names it.
 */
import { utimesSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('floe.audit_log and ref changes', () => {
  let p: Project;
  const ids: string[] = [];
  let expiredBefore: string[] = [];
  let expiredAfter: string[] = [];
  let rows: Record<string, any>[];
  let afterRollback: Record<string, any>[];

  const floe = async (args: string[]) => {
    const r = await p.floe(args);
    expect(r.code, `${args.join(' ')}: ${show(r)}`).toBe(0);
  };

  beforeAll(async () => {
    p = await newProject();
    await p.write('data/a.csv', 'id\n1\n');
    for (let i = 0; i < 3; i++) {
      await floe(['load', 'raw.t', p.path('data/a.csv')]);
      ids.push((await p.snapshots('raw.t')).at(-1)!['snapshot-id']);
    }
    await floe(['snapshot', 'rollback', 'raw.t', '--to-snapshot', ids[1]!]);
    await floe(['snapshot', 'tag', 'raw.t', 'v1', '--snapshot', ids[0]!]);
    await floe(['snapshot', 'branch', 'raw.t', 'dev', '--snapshot', ids[2]!]);
    await floe(['snapshot', 'branch', 'raw.t', 'dev', '--drop']);
    expiredBefore = (await p.snapshots('raw.t')).map((s) => s['snapshot-id']);
    await floe(['maintain', 'expire', 'raw.t', '--older-than', '0s', '--retain-last', '1']);
    expiredAfter = (await p.snapshots('raw.t')).map((s) => s['snapshot-id']);
    rows = await p.query('SELECT command, tables, snapshot_ids, changes FROM floe.audit_log ORDER BY started_at');
    // The log's third version: its first three rows (the loads).
    const log = (await p.snapshots('floe.audit_log')).map((s) => s['snapshot-id']);
    await floe(['snapshot', 'rollback', 'floe.audit_log', '--to-snapshot', log[2]!]);
    afterRollback = await p.query('SELECT command, tables, snapshot_ids, changes FROM floe.audit_log ORDER BY started_at');
  }, 120_000);

  it('records the snapshot a rollback moved main to, and from where', () => {
    const r = rows.find((x) => x.command === 'snapshot rollback' && x.tables === 'raw.t')!;
    expect(r).toMatchObject({ snapshot_ids: ids[1] });
    expect(JSON.parse(r.changes)).toEqual([{ table: 'raw.t', action: 'changed', snapshots: [], refs: [{ ref: 'main', type: 'branch', from: ids[2], to: ids[1] }] }]);
  });

  it('records the snapshot a tag or branch was set to, and the one a dropped branch pointed at', () => {
    const tag = rows.find((x) => x.command === 'snapshot tag')!;
    expect(tag.snapshot_ids).toBe(ids[0]);
    expect(JSON.parse(tag.changes)[0].refs).toEqual([{ ref: 'v1', type: 'tag', from: null, to: ids[0] }]);
    const [made, dropped] = rows.filter((x) => x.command === 'snapshot branch');
    expect(made!.snapshot_ids).toBe(ids[2]);
    expect(dropped!.snapshot_ids).toBe('');
    expect(JSON.parse(dropped!.changes)[0].refs).toEqual([{ ref: 'dev', type: 'branch', from: ids[2], to: null }]);
  });

  it('records the snapshots an expiry removed', () => {
    const r = rows.find((x) => x.command === 'maintain expire')!;
    const removed = expiredBefore.filter((id) => !expiredAfter.includes(id));
    expect(removed.length).toBeGreaterThan(0);
    expect([...JSON.parse(r.changes)[0].expired_snapshots].sort()).toEqual([...removed].sort());
  });

  it('leaves refs out of a load, whose new snapshot says what it did', () => {
    for (const r of rows.filter((x) => x.command === 'load')) expect(JSON.parse(r.changes)[0]).not.toHaveProperty('refs');
  });

  it('names floe.audit_log when a command rolls the log itself back', () => {
    // The rollback hid the rows after the log's third version; its own row follows them.
    expect(afterRollback.map((r) => r.command)).toEqual(['load', 'load', 'load', 'snapshot rollback']);
    const last = afterRollback.at(-1)!;
    expect(last.tables).toBe('floe.audit_log');
    expect(JSON.parse(last.changes)[0]).toMatchObject({ table: 'floe.audit_log', refs: [{ ref: 'main', type: 'branch' }] });
  });
});

describe('floe.audit_log and layout changes', () => {
  it('records the schema, spec and sort order a table evolve moved to, and the snapshot a register adopted', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id,name\n1,a\n');
    const ok = async (args: string[]) => {
      const r = await p.floe(args);
      expect(r.code, `${args.join(' ')}: ${show(r)}`).toBe(0);
    };
    await ok(['load', 'raw.t', p.path('data/a.csv')]);
    await ok(['table', 'evolve', 'raw.t', '--add-column', 'note string', '--partition-by', 'bucket(4, id)', '--sort-by', 'id']);
    const [snapshot] = await p.snapshots('raw.t');
    await ok(['table', 'drop', 'raw.t']);
    await ok(['table', 'register', 'raw.u', p.path('warehouse/raw/t')]);
    const rows = await p.query("SELECT command, snapshot_ids, changes FROM floe.audit_log WHERE command IN ('table evolve', 'table register') ORDER BY started_at");
    expect(JSON.parse(rows[0]!.changes as string)).toEqual([
      { table: 'raw.t', action: 'changed', snapshots: [], layout: { schema: { from: 0, to: 1 }, partition_spec: { from: 0, to: 1 }, sort_order: { from: 0, to: 1 } } },
    ]);
    expect(rows[1]!.snapshot_ids).toBe(snapshot!['snapshot-id']);
    expect(JSON.parse(rows[1]!.changes as string)).toEqual([{ table: 'raw.u', action: 'created', snapshots: [], refs: [{ ref: 'main', type: 'branch', from: null, to: snapshot!['snapshot-id'] }] }]);
  }, 60_000);
});

describe('floe.audit_log and floe maintain orphans', () => {
  it('names the table whose orphan files were deleted, and how many; a dry run names none', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n');
    const load = await p.floe(['load', 'raw.t', p.path('data/a.csv')]);
    expect(load.code, show(load)).toBe(0);
    const old = new Date(Date.now() - 5 * 86_400_000);
    for (const name of ['stray-1.parquet', 'stray-2.parquet']) utimesSync(await p.write(`warehouse/raw/t/data/${name}`, 'x'), old, old);
    for (const args of [['--dry-run'], []]) {
      const r = await p.floe(['maintain', 'orphans', 'raw.t', '--older-than', '1d', ...args]);
      expect(r.code, show(r)).toBe(0);
    }
    const rows = await p.query("SELECT tables, changes FROM floe.audit_log WHERE command = 'maintain orphans' ORDER BY started_at");
    expect(rows[0]).toMatchObject({ tables: '', changes: '[]' });
    expect(rows[1]!.tables).toBe('raw.t');
    expect(JSON.parse(rows[1]!.changes as string)).toEqual([{ table: 'raw.t', action: 'deleted orphan files', snapshot_id: null, rows: null, files: 2 }]);
  }, 60_000);
});
