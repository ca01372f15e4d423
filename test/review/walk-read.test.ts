/**
 * The reading commands tried the way a data engineer new to floe would, following README.md
 * and docs/QUERY.md literally: output formats, time travel, and damaged tables.
 */
import { readdir, readFile, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

const newProject = useProjects();
let p: Project;

const CSV = 'id,name\n1,alice\n2,bob\n';

beforeAll(async () => {
  assertBuilt();
  p = await newProject();
  await p.write('a.csv', CSV);
  for (let i = 0; i < 2; i++) {
    const r = await p.floe(['load', 'raw.t', p.path('a.csv')]);
    expect(r.code, show(r)).toBe(0);
  }
});

describe('floe query: columns named alike', () => {
  it('the table format shows each column its own value', async () => {
    const r = await p.floe(['query', 'SELECT 1 AS a, 2 AS a']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.split('\n')[2]!.trim().split(/\s+/)).toEqual(['1', '2']);
  });

  it('json keeps every column, the repeated name as a_1 like the csv header', async () => {
    const r = await p.floe(['query', 'SELECT 1 AS a, 2 AS a, 3 AS a_1', '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ a: 1, a_2: 2, a_1: 3 }]);
    const csv = await p.floe(['query', 'SELECT x.id, y.id FROM raw.t x JOIN raw.t y ON x.id + 1 = y.id LIMIT 1', '--format', 'json']);
    expect(csv.code, show(csv)).toBe(0);
    expect(JSON.parse(csv.stdout)).toEqual([{ id: 1, id_1: 2 }]);
  });
});

describe('floe query: an empty time-travel value', () => {
  it('--as-of "" is a usage error, not the current snapshot', async () => {
    const r = await p.floe(['query', 'SELECT count(*) AS n FROM raw.t', '--as-of', '', '--format', 'json']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain("--as-of '' is not a time");
    expect(r.stdout).toBe('');
  });

  it('--snapshot "" is a usage error, not the current snapshot', async () => {
    const r = await p.floe(['query', 'SELECT count(*) AS n FROM raw.t', '--snapshot', '', '--format', 'json']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('--snapshot needs a snapshot id, a tag or a branch name');
  });

  it('--snapshot "" with --as-of is "not both"', async () => {
    const r = await p.floe(['query', 'SELECT 1', '--snapshot', '', '--as-of', '2026-01-01']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('give --snapshot or --as-of, not both');
  });
});

describe('a missing data file', () => {
  it('names the table, the snapshot and the file; an older snapshot without it still reads', async () => {
    const q = await newProject();
    await q.write('a.csv', CSV);
    const load = async () => {
      const r = await q.floe(['load', 'raw.k', q.path('a.csv')]);
      expect(r.code, show(r)).toBe(0);
    };
    await load();
    const olderFiles = new Set(await q.dataFiles('raw.k'));
    await load();
    const added = (await q.dataFiles('raw.k')).find((f) => !olderFiles.has(f))!;
    const [older, current] = (await q.snapshots('raw.k')).map((s) => s['snapshot-id']);
    await rm(added);
    for (const args of [
      ['query', 'SELECT count(*) FROM raw.k'],
      ['query', 'SELECT * FROM raw.k', '--format', 'csv'],
      ['check', 'raw.k', '--row-count-min', '1', '--no-history'],
    ]) {
      const r = await q.floe(args);
      expect(r.code, show(r)).toBe(1);
      expect(r.stdout + r.stderr, show(r)).toContain(`table raw.k, snapshot ${current}: file ${added} is missing`);
    }
    const r = await q.floe(['query', 'SELECT count(*) AS n FROM raw.k', '--snapshot', older!, '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ n: 2 }]);
  });
});

describe('damaged files', () => {
  /** raw.d with two loads: its snapshot ids, and the data file the second load added. */
  async function twoLoads() {
    const q = await newProject();
    await q.write('a.csv', CSV);
    const load = async () => {
      const r = await q.floe(['load', 'raw.d', q.path('a.csv')]);
      expect(r.code, show(r)).toBe(0);
    };
    await load();
    const olderFiles = new Set(await q.dataFiles('raw.d'));
    await load();
    const added = (await q.dataFiles('raw.d')).find((f) => !olderFiles.has(f))!;
    const [, current] = (await q.snapshots('raw.d')).map((s) => s['snapshot-id']);
    return { q, added, current: current! };
  }

  it('a data file cut short is named with the table and the snapshot', async () => {
    const { q, added, current } = await twoLoads();
    await truncate(added, 100);
    const r = await q.floe(['query', 'SELECT count(*) FROM raw.d']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`table raw.d, snapshot ${current}: `);
    expect(r.stderr).toContain(added);
  });

  it('a manifest cut short is named once, after the table and the snapshot', async () => {
    const { q, current } = await twoLoads();
    const folder = q.path('warehouse/raw/d/metadata');
    const manifests = (await readdir(folder)).filter((f) => f.endsWith('-m0.avro'));
    for (const m of manifests) await truncate(path.join(folder, m), 200);
    const r = await q.floe(['query', 'SELECT count(*) FROM raw.d']);
    expect(r.code, show(r)).toBe(1);
    const line = r.stderr.split('\n')[0]!;
    expect(line).toMatch(new RegExp(`^floe: table raw\\.d, snapshot ${current}: cannot decode manifest \\S+-m0\\.avro: not a readable Avro file: truncated`));
    expect(line.split('-m0.avro').length, line).toBe(2);
  });
});

describe('floe check: a sql check naming a table that is not in the catalog', () => {
  it('is an error naming the table, not DuckDB guessing at its own system tables', async () => {
    await p.pipeline(
      'tcheck',
      `name: tcheck\nsource:\n  kind: csv\n  path: a.csv\ntarget:\n  table: raw.t\n  mode: append\nchecks:\n  - sql: "SELECT count(*) FROM {{ this }} JOIN raw.nope USING (id)"\n`,
    );
    const r = await p.floe(['check', 'raw.t', '--no-history']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toContain('the query reads table raw.nope, which is not in the catalog');
    expect(r.stdout).toContain('(check declared at pipelines/tcheck.yaml:9:5)');
    expect(r.stdout + r.stderr).not.toContain('pg_enum');
  });
});

describe('floe query --explain', () => {
  it('--out FILE gets the plan (it was printed to stdout and FILE never written)', async () => {
    const target = p.path('plan.json');
    const r = await p.floe(['query', 'SELECT count(*) FROM raw.t', '--explain', '--out', target]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe('');
    const plan = JSON.parse(await readFile(target, 'utf8')) as { table: string; data_files_total: number }[];
    expect(plan.map((t) => [t.table, t.data_files_total])).toEqual([['raw.t', 2]]);
  });

  it('--format csv is a usage error, not a plan printed as text', async () => {
    const r = await p.floe(['query', 'SELECT count(*) FROM raw.t', '--explain', '--format', 'csv']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('--explain prints the scan plan as text (--format table) or JSON (--format json), not csv');
    expect(r.stdout).toBe('');
  });
});

describe('floe compact --dry-run on a partitioned table', () => {
  it('shows each group\'s partition as partition paths do (ts_day=2024-05-01), not as stored (19844)', async () => {
    const q = await newProject();
    await q.write('d.csv', 'id,ts\n1,2024-05-01 10:00:00\n2,2024-05-02 11:00:00\n');
    for (let i = 0; i < 5; i++) {
      const r = await q.floe(['load', 'raw.p', q.path('d.csv'), '--partition-by', 'day(ts)']);
      expect(r.code, show(r)).toBe(0);
    }
    const r = await q.floe(['compact', 'raw.p', '--dry-run']);
    expect(r.code, show(r)).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\d+\s/.test(l));
    expect(rows.map((l) => l.split(/\s{2,}/)[2]).sort(), r.stdout).toEqual(['ts_day=2024-05-01', 'ts_day=2024-05-02']);
    const j = await q.floe(['compact', 'raw.p', '--dry-run', '--json']);
    expect(j.code, show(j)).toBe(0);
    const plan = j.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; groups?: { partition: unknown[]; partition_path: string }[] }).find((e) => e.event === 'plan')!;
    expect(plan.groups!.map((g) => [g.partition, g.partition_path]).sort()).toEqual([[[19844], 'ts_day=2024-05-01'], [[19845], 'ts_day=2024-05-02']]);
  });
});

describe('floe query: control characters in the table format', () => {
  it('a line break stays in its row and an ESC is shown, not sent to the terminal; json keeps them', async () => {
    const sql = "SELECT chr(27) || '[31mred' AS v, 'a' || chr(10) || 'b' AS nl, 'x' || chr(9) || 'y' AS t";
    const r = await p.floe(['query', sql]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines, r.stdout).toHaveLength(4);
    expect(lines[2]!.trim().split(/\s{2,}/)).toEqual(['\\u001b[31mred', 'a\\nb', 'x\\ty']);
    const j = await p.floe(['query', sql, '--format', 'json']);
    expect(JSON.parse(j.stdout)).toEqual([{ v: '\u001b[31mred', nl: 'a\nb', t: 'x\ty' }]);
  });
});

describe('ref names with control characters', () => {
  it('a new tag or branch named with a line break or an ESC is refused (exit 2), changing nothing', async () => {
    const before = await p.pointer('raw.t');
    for (const [kind, name] of [['tag', 'a\u001b[31mX'], ['branch', 'l1\nl2']] as const) {
      const r = await p.floe(['snapshot', kind, 'raw.t', name]);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain(`${JSON.stringify(name)} is not a valid name for a new branch or tag of table raw.t: it contains a control character`);
      expect(r.stderr).not.toContain('\u001b');
    }
    expect(await p.pointer('raw.t')).toBe(before);
  });

  it('one another engine made is listed by floe snapshots on one line, escaped', async () => {
    const q = await newProject();
    await q.write('a.csv', CSV);
    const r0 = await q.floe(['load', 'raw.r', q.path('a.csv')]);
    expect(r0.code, show(r0)).toBe(0);
    const pointer = await q.pointer('raw.r');
    const meta = JSON.parse(await readFile(pointer, 'utf8')) as { refs: Record<string, { 'snapshot-id': unknown; type: string }> };
    const id = (await q.snapshots('raw.r'))[0]!['snapshot-id'];
    const text = (await readFile(pointer, 'utf8')).replace(
      /"refs"\s*:\s*\{/,
      `"refs":{"x\\u001b[2Jy":{"snapshot-id":${id},"type":"tag"},`,
    );
    expect(Object.keys(meta.refs)).toEqual(['main']);
    const edited = q.path('warehouse/raw/r/metadata/99999-edited.metadata.json');
    await q.write('warehouse/raw/r/metadata/99999-edited.metadata.json', text);
    for (const args of [['table', 'drop', 'raw.r'], ['table', 'register', 'raw.r', edited]]) {
      const r = await q.floe(args);
      expect(r.code, show(r)).toBe(0);
    }
    const r = await q.floe(['snapshots', 'raw.r']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('x\\u001b[2Jy (tag), main');
  });
});

describe('a count too large for --retain-last', () => {
  it('says it is too large, not that it must be at least a negative number (expire) or 1 (branch)', async () => {
    const big = '99999999999999999999';
    for (const args of [
      ['maintain', 'expire', 'raw.t', '--retain-last', big, '--dry-run'],
      ['snapshot', 'branch', 'raw.t', 'kept', '--retain-last', big],
    ]) {
      const r = await p.floe(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain(`--retain-last ${big} is too large: at most 9007199254740991`);
      expect(r.stderr).not.toContain('or more');
    }
  });
});

describe('maintain expire on a table that lost an old manifest list', () => {
  it('expires the snapshot with a warning, deleting nothing it cannot place, and the orphan sweep can run again', async () => {
    const q = await newProject();
    await q.write('a.csv', CSV);
    for (let i = 0; i < 3; i++) {
      const r = await q.floe(['load', 'raw.l', q.path('a.csv')]);
      expect(r.code, show(r)).toBe(0);
    }
    const m = await q.metadata('raw.l');
    const oldest = [...m.snapshots].sort((a, b) => a['timestamp-ms'] - b['timestamp-ms'])[0]!;
    const list = oldest['manifest-list'];
    await rm(list);
    const files = await q.dataFiles('raw.l');
    const sweep = ['maintain', 'orphans', 'raw.l', '--older-than', '0s', '--allow-recent', '--dry-run'];
    const blocked = await q.floe(sweep);
    expect(blocked.code, show(blocked)).toBe(1);
    const r = await q.floe(['maintain', 'expire', 'raw.l', '--older-than', '0s', '--retain-last', '2']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`raw.l: expired 1 snapshot: ${oldest['snapshot-id']}\nraw.l: retained 2 snapshots\n`);
    expect(r.stderr).toContain(`warning: table raw.l, snapshot ${oldest['snapshot-id']}: cannot read manifest list ${list}: file not found; the files only it reached are left for floe maintain orphans`);
    expect((await q.snapshots('raw.l')).map((s) => s['snapshot-id'])).not.toContain(String(oldest['snapshot-id']));
    // Every row is still read, from the same files.
    expect(await q.dataFiles('raw.l')).toEqual(files);
    expect(await q.query('SELECT count(*) AS n FROM raw.l')).toEqual([{ n: 6 }]);
    const swept = await q.floe(sweep);
    expect(swept.code, show(swept)).toBe(0);
  });
});

describe('floe query: a large result in the table format', () => {
  it('prints 300,000 rows (the column widths overflowed the stack: internal error)', async () => {
    const r = await p.floe(['query', 'SELECT range AS n FROM range(300000)']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('(300000 rows)');
  });
});

describe('floe query into a pipe the reader closes early (| head)', () => {
  it.each(['table', 'csv', 'json'])('--format %s ends quietly with exit 0, no internal error or stack', async (format) => {
    // 50,000 rows: several pipe buffers of output, and few enough for the old table widths.
    const child = p.start(['query', 'SELECT range AS n FROM range(50000)', '--format', format]);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.once('data', () => child.stdout!.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('SQL that ends in a -- comment', () => {
  it('floe query --format csv and parquet run it (the comment swallowed the COPY parenthesis)', async () => {
    const csv = await p.floe(['query', 'SELECT 1 AS a -- one row', '--format', 'csv']);
    expect(csv.code, show(csv)).toBe(0);
    expect(csv.stdout).toBe('a\n1\n');
    const r = await p.floe(['query', 'SELECT 1 AS a -- one row', '--out', p.path('c.parquet')]);
    expect(r.code, show(r)).toBe(0);
  });

  it('a sql check evaluates it, as floe validate accepted it', async () => {
    const q = await newProject();
    await q.write('a.csv', CSV);
    const r0 = await q.floe(['load', 'raw.t', q.path('a.csv')]);
    expect(r0.code, show(r0)).toBe(0);
    await q.pipeline(
      'c',
      `name: c\nsource:\n  kind: csv\n  path: a.csv\ntarget:\n  table: raw.t\n  mode: append\nchecks:\n  - sql: "SELECT count(*) FROM {{ this }} WHERE id > 100 -- none expected"\n`,
    );
    const v = await q.floe(['validate']);
    expect(v.code, show(v)).toBe(0);
    const r = await q.floe(['check', 'raw.t', '--no-history', '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    expect((JSON.parse(r.stdout) as { results: { status: string; message: string }[] }).results).toMatchObject([{ status: 'pass', message: 'the query returned 0' }]);
  });

  it('floe compact --where takes it', async () => {
    const r = await p.floe(['compact', 'raw.t', '--where', 'id = 1 -- the first', '--dry-run']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('raw.t: nothing to compact: 2 data files');
  });
});

describe('floe describe: a property value with control characters', () => {
  it('is shown escaped on its own line, not sent to the terminal', async () => {
    const q = await newProject();
    await q.write('a.csv', CSV);
    const r0 = await q.floe(['load', 'raw.t', q.path('a.csv')]);
    expect(r0.code, show(r0)).toBe(0);
    const e = await q.floe(['table', 'evolve', 'raw.t', '--set-property', 'note=a\u001b[2Jb\nnext']);
    expect(e.code, show(e)).toBe(0);
    const r = await q.floe(['describe', 'raw.t']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout.split('\n')).toContain('  note = a\\u001b[2Jb\\nnext');
  });
});

describe('floe snapshot tag|branch|rollback --json on failure', () => {
  it('ends stdout with an end event (status error, kind), as maintain and compact do; stdout was empty', async () => {
    for (const [args, code, kind] of [
      [['snapshot', 'tag', 'raw.t', 'v1', '--snapshot', '42', '--json'], 1, 'not-found'],
      // Not digits: read as a tag or branch name, which raw.t lacks.
      [['snapshot', 'tag', 'raw.t', 'v1', '--snapshot', 'abc', '--json'], 1, 'not-found'],
      [['snapshot', 'tag', 'raw.t', 'v1', '--snapshot', 'main', '--as-of', 'soon', '--json'], 2, 'usage'],
      [['snapshot', 'branch', 'raw.t', 'main', '--drop', '--json'], 2, 'usage'],
      [['snapshot', 'rollback', 'raw.t', '--to-snapshot', '42', '--json'], 1, 'not-found'],
      [['snapshot', 'rollback', 'raw.nope', '--to-time', '2026-01-01', '--json'], 1, 'not-found'],
    ] as const) {
      const r = await p.floe(args);
      expect(r.code, show(r)).toBe(code);
      const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.at(-1), show(r)).toMatchObject({ event: 'end', status: 'error', kind });
      expect(r.stderr).toMatch(/^floe: /);
    }
  });
});

describe('hints name the table', () => {
  it('an unknown snapshot and a rollback to one: the hint is `floe snapshots raw.t`, not a placeholder', async () => {
    const q = await p.floe(['query', 'SELECT count(*) FROM raw.t', '--snapshot', '123']);
    expect(q.code, show(q)).toBe(1);
    expect(q.stderr).toContain('`floe snapshots raw.t`');
    expect(q.stderr).not.toContain('<table>');
    const r = await p.floe(['snapshot', 'rollback', 'raw.t', '--to-snapshot', '123']);
    expect(r.code, show(r)).not.toBe(0);
    expect(r.stderr).toContain('`floe snapshots raw.t`');
    expect(r.stderr).not.toContain('<table>');
  });
});
