/**
 * A merge run copies its batch into a temp table once — the run's typed staging, which the
 * merge then reads in place — and still merges exactly: the later of two rows with the same
 * key wins, the audit's checks pass over the batch, both merge modes give the same rows, and
 * a value the table cannot take fails the run before anything is committed.
 *
 * The copies are observed with bench/profile/trace.mjs, the preload that records every DuckDB
 * statement a floe process runs: a copy of the batch is a `CREATE TEMP TABLE` statement that
 * selects the batch's `note` column as itself (the key-only tables of the merge — rows that
 * repeat a key, row positions, the key range — never carry it).
 *
 * Through the library: a merge of rows the caller staged (`staged`), with the table the caller
 * read (`table`), re-applies over a concurrent commit or fails cleanly, and leaves the batch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableView } from '../../src/engine/read.js';
import { FloeError } from '../../src/errors.js';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { mergeTable } from '../../src/run/merge.js';
import type { CommitEvents } from '../../src/table/commit.js';
import { loadTable, type LoadedTable } from '../../src/table/load.js';
import { raceOnce } from '../helpers/race.js';
import { openWriteLab, type WriteLab } from '../helpers/write-lab.js';
import { assertBuilt, duck, type Project, ROOT, show, sqlString, useProjects } from './helpers.js';

const io = new LocalFileIO();

const newProject = useProjects();
const TRACE = pathToFileURL(join(ROOT, 'bench', 'profile', 'trace.mjs')).href;

/** Runs the pipeline under the statement trace; returns the run and the batch copies it made. */
async function tracedRun(p: Project, pipeline: string): Promise<{ code: number | null; stderr: string; copies: string[] }> {
  const out = p.path(`trace-${Date.now()}.txt`);
  const r = await p.floe(['run', pipeline], { NODE_OPTIONS: `--import=${TRACE}`, TRACE_OUT: out, TRACE_SQL_LEN: '100000' });
  const trace = await readFile(out, 'utf8');
  const copies = trace.split('\n').filter((l) => /CREATE TEMP TABLE .* AS SELECT /.test(l) && l.includes('"note" AS "note"'));
  return { code: r.code, stderr: r.stderr + r.stdout, copies };
}

const pipelineYaml = (mode: 'copy-on-write' | 'merge-on-read') =>
  [
    'source: { kind: csv, path: data/people.csv }',
    'target:',
    '  table: crm.people',
    '  mode: merge',
    '  key: [id]',
    '  properties:',
    `    write.merge.mode: ${mode}`,
    'checks:',
    '  - not_null: [note]',
    '  - row_count: { min: 1 }',
    '',
  ].join('\n');

describe.each(['copy-on-write', 'merge-on-read'] as const)('a merge run (%s) stages its batch once', (mode) => {
  let p: Project;
  let second: Awaited<ReturnType<typeof tracedRun>>;

  beforeAll(async () => {
    assertBuilt();
    p = await newProject();
    await p.pipeline('people', pipelineYaml(mode));
    await p.write('data/people.csv', 'id,note\n1,one\n2,two\n3,three\n4,four\n');
    await p.run(['people']);
    // 3 is updated, 5 is new and repeated: the later row wins.
    await p.write('data/people.csv', 'id,note\n3,three-b\n5,five-a\n5,five-b\n');
    second = await tracedRun(p, 'people');
  }, 600_000);

  it('merges exactly: the update, the new key once, with its later row', async () => {
    expect(second.code, second.stderr).toBe(0);
    const rows = await p.query('SELECT id, note FROM crm.people ORDER BY id');
    expect(rows.map((r) => [Number(r.id), r.note])).toEqual([[1, 'one'], [2, 'two'], [3, 'three-b'], [4, 'four'], [5, 'five-b']]);
  });

  it('copies the batch into a temp table once (the typed staging), not again for the merge', () => {
    expect(second.copies, second.copies.join('\n')).toHaveLength(1);
    expect(second.copies[0]).toMatch(/__floe_typed/);
  });

  it('writes the merge as this mode writes it, with the checks passed', async () => {
    const s = (await p.snapshots('crm.people')).at(-1)!.summary;
    expect(s.operation).toBe('overwrite');
    expect(s['floe.checks.passed']).toBe('2');
    if (mode === 'merge-on-read') {
      expect(s['added-position-deletes']).toBe('1');
      expect(s['added-records']).toBe('2');
    } else {
      expect(s['deleted-data-files']).toBe('1');
      expect(s['added-records']).toBe('5');
    }
  });
});

/** A project whose pipeline `events` merges data/events.parquet (`file`) into web.events on `id`. */
async function eventsProject() {
  assertBuilt();
  const p = await newProject();
  await p.write('data/.keep', '');
  await p.pipeline('events', 'source: { kind: parquet, path: data/events.parquet }\ntarget: { table: web.events, mode: merge, key: [id] }\n');
  return { p, file: p.path('data/events.parquet') };
}

describe('a merge of a value the table cannot take', () => {
  it('fails before anything is committed, naming the column', async () => {
    const { p, file } = await eventsProject();
    await duck(`COPY (SELECT 1::BIGINT AS id, TIMESTAMP '2024-01-01' AS seen, 'a' AS note) TO ${sqlString(file)} (FORMAT parquet)`);
    await p.run(['events']);
    const pointer = await p.pointer('web.events');
    const files = await p.dataFiles('web.events');
    await duck(`COPY (SELECT * FROM (VALUES (1::BIGINT, TIMESTAMP '2024-02-01', 'b'), (2::BIGINT, 'infinity'::TIMESTAMP, 'c')) AS t(id, seen, note)) TO ${sqlString(file)} (FORMAT parquet)`);
    const r = await p.floe(['run', 'events']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/column "seen" holds an infinite timestamp/);
    expect(r.stderr).toMatch(/stage the rows to merge into web\.events/);
    expect(await p.pointer('web.events')).toBe(pointer);
    expect(await p.dataFiles('web.events')).toEqual(files);
  }, 600_000);
});

describe('a merge run with --json', () => {
  it('reports progress: the rows staged, then the write, before the commit', async () => {
    const { p, file } = await eventsProject();
    await duck(`COPY (SELECT * FROM (VALUES (1::BIGINT, 'a'), (2::BIGINT, 'b'), (2::BIGINT, 'c')) AS t(id, note)) TO ${sqlString(file)} (FORMAT parquet)`);
    const r = await p.floe(['run', 'events', '--json']);
    expect(r.code, show(r)).toBe(0);
    const evs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const kinds = evs.map((e) => (e.event === 'progress' ? `progress:${String(e.phase)}` : String(e.event)));
    expect(kinds.filter((k) => k !== 'check' && k !== 'retry')).toEqual(['start', 'extract', 'progress:staged', 'progress:write', 'commit', 'end']);
    expect(evs.find((e) => e.phase === 'staged')).toMatchObject({ pipeline: 'events', table: 'web.events', rows_read: 3, rejects: 0 });
    expect(evs.find((e) => e.phase === 'write')).toMatchObject({ pipeline: 'events', table: 'web.events', mode: 'merge' });
  }, 600_000);
});

describe.each(['copy-on-write', 'merge-on-read'] as const)('mergeTable over rows the caller staged (%s)', (mode) => {
  let lab: WriteLab;
  let n = 0;
  beforeAll(async () => {
    lab = await openWriteLab('floe-merge-staged-');
  });
  afterAll(() => lab.close());

  const values = (rows: [number, string][]) => `SELECT * FROM (VALUES ${rows.map(([k, v]) => `(${k}::BIGINT, ${sqlString(v)})`).join(', ')}) AS t(id, v)`;
  const base = (id: TableIdentifier) => ({ catalog: lab.catalog, io, engine: lab.engine, id, warehouse: join(lab.dir, 'wh') });
  const append = (id: TableIdentifier, rows: [number, string][], events?: CommitEvents) => writeTable({ ...base(id), selectSql: values(rows), mode: 'append', events });
  const fresh = async (rows: [number, string][]) => {
    const id = { namespace: ['staged'], name: `t${++n}` };
    await writeTable({ ...base(id), selectSql: values(rows), mode: 'append', properties: { 'write.merge.mode': mode } });
    return id;
  };
  /** The batch in a temp table, as a pipeline run stages it; the merge reads it in place. */
  const stage = async (rows: [number, string][]) => {
    const batch = lab.engine.uniqueName('batch');
    await lab.engine.run(`CREATE TEMP TABLE ${batch} AS ${values(rows)}`, 'stage a batch');
    return batch;
  };
  const merge = (id: TableIdentifier, batch: string, o: { table?: LoadedTable; events?: CommitEvents } = {}) =>
    mergeTable({ ...base(id), selectSql: `SELECT * FROM ${batch}`, key: ['id'], staged: true, ...o });
  const rows = async (id: TableIdentifier) => {
    const t = await loadTable(lab.catalog, io, id);
    await createTableView(lab.engine, ['v', id.name], { io: t.io, metadata: t.metadata, table: id.name });
    return (await lab.engine.all(`SELECT id, v FROM v.${id.name} ORDER BY id, v`, 'read')).map((r) => [Number(r.id), r.v]);
  };
  const leftovers = async () =>
    Number((await lab.engine.all(`SELECT count(*) AS n FROM duckdb_views() WHERE view_name LIKE '%merge_in%'`, 'list views'))[0]!.n) +
    Number((await lab.engine.all(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE '%merge_in%'`, 'list tables'))[0]!.n);

  it('re-applies over a concurrent append of other keys, reading the batch where it is', async () => {
    const id = await fresh([[1, 'a'], [2, 'b']]);
    const batch = await stage([[2, 'B'], [3, 'c']]);
    const ev = raceOnce(() => append(id, [[50, 'far away']]));
    const r = await merge(id, batch, { events: ev });
    expect(ev.raced).toBe(1);
    expect(r.attempts).toBe(2);
    expect(await rows(id)).toEqual([[1, 'a'], [2, 'B'], [3, 'c'], [50, 'far away']]);
    // The batch is the caller's: still there, unchanged; the merge's view is gone.
    expect(Number((await lab.engine.all(`SELECT count(*) AS n FROM ${batch}`, 'count'))[0]!.n)).toBe(2);
    expect(await leftovers()).toBe(0);
  });

  it('with the table read before a concurrent append of an overlapping key: fails cleanly, nothing committed', async () => {
    const id = await fresh([[1, 'a'], [2, 'b']]);
    const read = await loadTable(lab.catalog, io, id);
    await append(id, [[2, 'theirs']]);
    const e = await merge(id, await stage([[2, 'ours'], [3, 'c']]), { table: read }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('conflict');
    expect(await rows(id)).toEqual([[1, 'a'], [2, 'b'], [2, 'theirs']]);
    expect(await leftovers()).toBe(0);
  });

  it('with the table read before a concurrent append of other keys: merges on top of it', async () => {
    const id = await fresh([[1, 'a'], [2, 'b']]);
    const read = await loadTable(lab.catalog, io, id);
    await append(id, [[50, 'far away']]);
    await merge(id, await stage([[1, 'A']]), { table: read });
    expect(await rows(id)).toEqual([[1, 'A'], [2, 'b'], [50, 'far away']]);
  });
});
