/**
 * `incremental.lookback` (mode: merge only) on SQLite and file sources: rows committed late
 * with a cursor at or below the watermark are read by the next run when they lie within the
 * lookback, and upserted once; rows below it are not; the watermark never moves back; rows read
 * again unchanged write nothing. Ties: without lookback a row tied with the watermark is not
 * read (the bound is exclusive); `lookback: 0` reads them. And the configuration errors.
 */
import { mkdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects } from './helpers.js';
import { eventOf, lateRowScenario } from './incremental-lookback-scenario.js';

const newProject = useProjects();

beforeAll(() => assertBuilt());

const merge = 'target: { table: app.items, mode: merge, key: [id] }';

describe('incremental.lookback on a sqlite source', () => {
  it('reads late rows inside the lookback once, not those below it, and keeps the watermark', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const file = p.path('data/app.db');
    const db = new Database(file);
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, updated_at DATETIME)');
    db.close();
    await p.pipeline('items', ['source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: updated_at, lookback: 2h } }', merge, ''].join('\n'));
    await lateRowScenario(p, {
      pipeline: 'items',
      table: 'app.items',
      watermark: (hm) => new RegExp(`^2024-01-05 ${hm}:00$`),
      pushedDown: true,
      source: {
        put: async (rows) => {
          const w = new Database(file);
          const up = w.prepare('INSERT OR REPLACE INTO items VALUES (?, ?, ?)');
          for (const r of rows) up.run(...r);
          w.close();
        },
      },
    });
  }, 120_000);

  it('a row tied with the watermark is read with lookback: 0, and not without a lookback', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, seq INTEGER)');
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(1, 'a', 100);
    const src = (extra: string) => `source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: seq${extra} } }`;
    await p.pipeline('ties', [src(', lookback: 0'), 'target: { table: app.ties, mode: merge, key: [id] }', ''].join('\n'));
    await p.pipeline('strict', [src(''), 'target: { table: app.strict, mode: merge, key: [id] }', ''].join('\n'));
    await p.run(['ties', 'strict']);
    // Committed late with the same cursor as the last row read.
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(2, 'tie', 100);
    db.close();
    const r = await p.run(['ties', 'strict', '--json']);
    const extract = events(r.stdout).filter((e) => e.event === 'extract');
    expect(extract.find((e) => e.pipeline === 'ties')!.cursor).toEqual({ column: 'seq', watermark: '100', lower_bound: '100', inclusive: true, lookback: '0' });
    expect(extract.find((e) => e.pipeline === 'strict')!.cursor).toEqual({ column: 'seq', watermark: '100', lower_bound: '100', inclusive: false });
    expect(await p.query('SELECT id, v FROM app.ties ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'tie' }]);
    expect(await p.query('SELECT id, v FROM app.strict ORDER BY id')).toEqual([{ id: 1, v: 'a' }]);
    expect((await p.snapshots('app.ties')).at(-1)!.summary['floe.cursor.value']).toBe('100');
  }, 60_000);

  it('a numeric cursor takes a number: 100 below the watermark', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, seq INTEGER)');
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(1, 'a', 1000);
    await p.pipeline('items', ['source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: seq, lookback: 100 } }', merge, ''].join('\n'));
    await p.run(['items']);
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(2, 'in', 900);
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(3, 'out', 899);
    db.close();
    const r = await p.run(['items', '--json']);
    expect(eventOf(r.stdout, 'extract').cursor).toEqual({ column: 'seq', watermark: '1000', lower_bound: '900', inclusive: true, lookback: '100' });
    expect(await p.query('SELECT id, v FROM app.items ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'in' }]);
    expect((await p.snapshots('app.items')).at(-1)!.summary['floe.cursor.value']).toBe('1000');
    const plan = await p.floe(['plan', 'items', '--json']);
    expect(plan.code, show(plan)).toBe(0);
    expect(JSON.parse(plan.stdout)[0].incremental).toEqual({
      text: 'incremental: seq >= 900 (last committed 1000 less lookback 100)',
      cursor: 'seq',
      watermark: '1000',
      lower_bound: '900',
      inclusive: true,
      lookback: '100',
    });
  }, 60_000);
});

describe('rows read again by a lookback', () => {
  it('are upserted when they differ from the table: same cursor, a marked delete, a new column', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, gone INTEGER NOT NULL DEFAULT 0, updated_at DATETIME)');
    const put = db.prepare('INSERT OR REPLACE INTO items (id, v, gone, updated_at) VALUES (?, ?, ?, ?)');
    put.run(1, 'a', 0, '2024-01-05 11:00:00');
    put.run(2, 'b', 0, '2024-01-05 11:30:00');
    put.run(3, 'c', 0, '2024-01-05 12:00:00');
    await p.pipeline(
      'items',
      [
        'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: updated_at, lookback: 1h } }',
        'columns: { gone: { type: boolean } }',
        'target: { table: app.items, mode: merge, key: [id], delete_column: gone }',
        '',
      ].join('\n'),
    );
    await p.run(['items']);
    const snapshots = async () => (await p.snapshots('app.items')).length;
    const rows = () => p.query('SELECT id, v FROM app.items ORDER BY id');
    const before = await snapshots();

    // A second write of row 1 that kept its cursor (a clock of coarse grain, a long transaction); row 2 deleted at the source.
    put.run(1, 'a2', 0, '2024-01-05 11:00:00');
    put.run(2, 'b', 1, '2024-01-05 11:30:00');
    await p.run(['items']);
    expect(await snapshots()).toBe(before + 1);
    expect(await rows()).toEqual([
      { id: 1, v: 'a2' },
      { id: 3, v: 'c' },
    ]);

    // Nothing changed: the marked row, read again, deletes nothing more and is not written.
    await p.run(['items']);
    expect(await rows()).toEqual([
      { id: 1, v: 'a2' },
      { id: 3, v: 'c' },
    ]);

    // A column the source added: the table gets it, and the rows read again are written with it.
    db.exec("ALTER TABLE items ADD COLUMN note TEXT DEFAULT 'n'");
    db.close();
    await p.run(['items']);
    expect(await p.columns('app.items')).toContain('note string');
    expect(await p.query('SELECT id, v, note FROM app.items ORDER BY id')).toEqual([
      { id: 1, v: 'a2', note: 'n' },
      { id: 3, v: 'c', note: 'n' },
    ]);
    expect((await p.snapshots('app.items')).at(-1)!.summary['floe.cursor.value']).toBe('2024-01-05 12:00:00');
  }, 60_000);
});

describe('incremental.lookback on a csv source', () => {
  it('reads late rows inside the lookback once, not those below it, and keeps the watermark', async () => {
    const p = await newProject();
    const rows = new Map<number, [number, string, string]>();
    await p.pipeline('items', ['source: { kind: csv, path: data/items.csv, incremental: { cursor: updated_at, lookback: 2h } }', merge, ''].join('\n'));
    await lateRowScenario(p, {
      pipeline: 'items',
      table: 'app.items',
      watermark: (hm) => new RegExp(`^2024-01-05 ${hm}:00$`),
      pushedDown: false,
      source: {
        // A cumulative export: the whole file is written again with every row.
        put: async (put) => {
          for (const r of put) rows.set(r[0], r);
          await p.write('data/items.csv', ['id,v,updated_at', ...[...rows.values()].map((r) => r.join(','))].join('\n') + '\n');
        },
      },
    });
  }, 120_000);

  it('a date cursor with a duration: 1d re-reads the day before the watermark', async () => {
    const p = await newProject();
    await p.pipeline('items', ['source: { kind: jsonl, path: data/items.jsonl, incremental: { cursor: day, lookback: 1d } }', 'columns: { day: { type: date } }', merge, ''].join('\n'));
    const write = (rows: [number, string, string][]) => p.write('data/items.jsonl', rows.map(([id, v, day]) => JSON.stringify({ id, v, day })).join('\n') + '\n');
    await write([[1, 'a', '2024-01-05']]);
    await p.run(['items']);
    await write([
      [1, 'a', '2024-01-05'],
      [2, 'b-late', '2024-01-04'],
      [3, 'c-old', '2024-01-03'],
    ]);
    const r = await p.run(['items', '--json']);
    expect(eventOf(r.stdout, 'extract').cursor).toMatchObject({ watermark: '2024-01-05', lower_bound: '2024-01-04', inclusive: true });
    expect(await p.query('SELECT id, v FROM app.items ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b-late' }]);
    expect((await p.snapshots('app.items')).at(-1)!.summary['floe.cursor.value']).toBe('2024-01-05');
  }, 60_000);
});

describe('incremental.lookback configuration', () => {
  const source = 'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: updated_at, lookback: 2h } }';
  for (const [target, mode] of [
    ['target: { table: app.items, mode: append }', 'append'],
    ['target: { table: app.items }', 'append'],
    ['target: { table: app.items, mode: overwrite }', 'overwrite'],
  ] as const) {
    it(`lookback with ${target} is a config error at the lookback (validate and run: exit 2)`, async () => {
      const p = await newProject();
      const file = await p.pipeline('items', ['# items', source, target, ''].join('\n'));
      const col = source.indexOf('lookback') + 1 + 'lookback: '.length;
      const expected = `${file}:2:${col}: source.incremental.lookback: lookback only applies with mode: merge (target.mode is ${mode})`;
      const v = await p.floe(['validate']);
      expect(v.code, show(v)).toBe(2);
      expect(v.stdout + v.stderr).toContain(expected);
      const r = await p.floe(['run', 'items']);
      expect(r.code, show(r)).toBe(2);
      expect(r.stdout + r.stderr).toContain(expected);
    });
  }

  it('a negative lookback or one without a unit is refused at its line', async () => {
    const p = await newProject();
    const file = await p.pipeline('items', ['source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: updated_at, lookback: -5 } }', merge, ''].join('\n'));
    const v = await p.floe(['validate']);
    expect(v.code, show(v)).toBe(2);
    expect(v.stdout + v.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+: source\\.incremental\\.lookback: must be at least 0`));
    await p.pipeline('items', ['source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: updated_at, lookback: 2 hours } }', merge, ''].join('\n'));
    const w = await p.floe(['validate']);
    expect(w.code, show(w)).toBe(2);
    expect(w.stdout + w.stderr).toContain('source.incremental.lookback: expected a duration such as 0s, 90m, 6h, 3d or 2w');
  });

  it('a duration with a numeric cursor fails the run with exit 2, naming the lookback in the pipeline file and the cursor type', async () => {
    const p = await newProject();
    await mkdir(p.path('data'));
    const db = new Database(p.path('data/app.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT, seq INTEGER)');
    db.prepare('INSERT INTO items VALUES (?, ?, ?)').run(1, 'a', 1000);
    db.close();
    const source = 'source: { kind: sqlite, connection: data/app.db, table: items, incremental: { cursor: seq, lookback: 2h } }';
    const file = await p.pipeline('items', [source, merge, ''].join('\n'));
    // The first run has no watermark to go back from.
    await p.run(['items']);
    const r = await p.floe(['run', 'items']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:1:${source.indexOf('lookback: ') + 11}: source.incremental.lookback: 2h is a duration, but seq is a number (long)`);
    expect(r.stderr).toContain('A numeric cursor takes a number: lookback: 1000.');
  });
});
