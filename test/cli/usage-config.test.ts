/**
 * Usage and config errors (DESIGN §3: exit 2), --debug, and --help.
 * floe.yaml missing or malformed, unknown commands and options, bad --mode, --format and
 * --partition-by values. None of these may print a stack trace without --debug, and none
 * may create or change a table.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  catalogPointer,
  catalogTables,
  expectFailure,
  expectStackWithDebug,
  floe,
  floeIn,
  show,
  smallCsv,
  STACK_LINE,
  useTmpDirs,
  writeProject,
} from './helpers.js';

const T = 'raw.t';
const tmp = useTmpDirs('floe-cli-usage-');
let project: string;
let input: string;
let pointer: string | null;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  input = path.join(project, 'a.csv');
  await writeFile(input, 'id,name,amount,ts\n1,a,1.5,2024-01-01 10:00:00\n2,b,2.5,2024-01-02 11:00:00\n');
  const r = await floeIn(project, ['load', T, input]);
  expect(r.code, show(r)).toBe(0);
  pointer = catalogPointer(project, T);
});

afterEach(() => {
  expect(catalogPointer(project, T)).toBe(pointer);
  // floe.audit_log records the commands themselves (docs/GOVERNANCE.md); no other table may appear.
  expect(catalogTables(project).filter((t) => t !== 'floe.audit_log')).toEqual([T]);
});

describe('floe.yaml', () => {
  it('missing (--project folder): exit 2, says to run floe init', async () => {
    const empty = await tmp();
    const r = await floe(['--project', empty, 'tables']);
    expectFailure(r, 2, ['floe.yaml', 'floe init']);
    await expectStackWithDebug(empty, ['tables'], 2);
  });

  it('missing (searched from the current folder up): exit 2, says to run floe init or pass --project', async () => {
    const empty = await tmp();
    for (let d = empty; d !== path.dirname(d); d = path.dirname(d)) {
      expect(existsSync(path.join(d, 'floe.yaml')), `precondition: no floe.yaml above ${empty}`).toBe(false);
    }
    const r = await floe(['tables'], { cwd: empty });
    expectFailure(r, 2, ['floe.yaml', 'floe init', '--project']);
  });

  it('--project naming a path that does not exist: exit 2, names it', async () => {
    const nowhere = path.join(await tmp(), 'no', 'such', 'place');
    expectFailure(await floe(['--project', nowhere, 'tables']), 2, [nowhere]);
  });

  it('malformed YAML: exit 2 with file:line:col', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n   name: floe\n');
    const r = await floe(['--project', dir, 'tables']);
    // At the misindented line itself (4), once; not at the value on line 3 it is read into.
    expectFailure(r, 2, [`${path.join(dir, 'floe.yaml')}:4:4: YAML: this line is indented deeper`]);
    expect(r.stderr.match(/floe\.yaml:\d+:\d+/g)).toHaveLength(1);
    await expectStackWithDebug(dir, ['tables'], 2);
  });

  it('an unclosed flow sequence: exit 2 with file:line:col', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: [\n');
    expectFailure(await floe(['--project', dir, 'tables']), 2, [/floe\.yaml:\d+:\d+/]);
  });

  it('a value of the wrong type: exit 2 with file:line:col and the key', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: 5\ncatalog:\n  uri: sqlite:./c.db\n  name: floe\n');
    expectFailure(await floe(['--project', dir, 'tables']), 2, [/floe\.yaml:1:\d+/, 'warehouse']);
  });

  it('a hint that names a command names one that exists', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: [\n');
    const r = await floe(['--project', dir, 'tables']);
    expect(r.code, show(r)).toBe(2);
    const hinted = [...r.stderr.matchAll(/`floe ([a-z-]+)/g)].map((m) => m[1]!);
    // (`floe <unknown> --help` prints the program's help and exits 0, so ask the list instead.)
    const help = await floe(['--help']);
    const known = [...help.stdout.matchAll(/^  ([a-z-]+)\b/gm)].map((m) => m[1]!);
    for (const cmd of hinted) expect(known, `the hint says \`floe ${cmd}\`:\n${show(r)}`).toContain(cmd);
  });
});

describe('usage errors: exit 2, a message, no stack trace', () => {
  const cases: [string, string[], (string | RegExp)[]][] = [
    ['unknown command', ['bogus'], ["unknown command 'bogus'"]],
    ['unknown global option', ['--bogus', 'tables'], ["unknown option '--bogus'"]],
    ['unknown command option', ['tables', '--bogus'], ["unknown option '--bogus'"]],
    ['unknown subcommand of table', ['table', 'bogus', 'raw.t'], ['bogus']],
    ['missing argument', ['load', T], ['files']],
    ['missing table and files', ['load'], ['table']],
    ['missing sql', ['query'], ['sql']],
    ['bad --mode', ['load', T, 'IN', '--mode', 'upsert'], ['--mode', 'upsert', 'append', 'overwrite']],
    ['bad --format', ['load', T, 'IN', '--format', 'xml'], ['--format', 'xml']],
    ['bad query --format', ['query', 'SELECT 1', '--format', 'yaml'], ['--format', 'yaml']],
    ['--partition-by: not an expression', ['load', 'raw.z', 'IN', '--partition-by', 'foo('], ['--partition-by', 'foo(']],
    ['--partition-by: unknown transform', ['load', 'raw.z', 'IN', '--partition-by', 'hour_of(ts)'], ['--partition-by', 'hour_of']],
    ['--partition-by: bucket count not a number', ['load', 'raw.z', 'IN', '--partition-by', 'bucket(x, id)'], ['bucket', "'x'"]],
    ['--partition-by: bucket count zero', ['load', 'raw.z', 'IN', '--partition-by', 'bucket(0, id)'], ['bucket', "'0'"]],
    ['--partition-by: truncate without width', ['load', 'raw.z', 'IN', '--partition-by', 'truncate(id)'], ['truncate']],
    ['--snapshot empty', ['query', 'SELECT 1', '--snapshot', ' '], ['--snapshot', 'tag or a branch']],
    ['--as-of not a time', ['query', 'SELECT 1', '--as-of', 'yesterdayish'], ['--as-of', 'yesterdayish']],
    ['--snapshot and --as-of together', ['query', 'SELECT 1', '--snapshot', '1', '--as-of', '2024-01-01'], ['--snapshot', '--as-of']],
    ['--format parquet without --out', ['query', 'SELECT 1', '--format', 'parquet'], ['--out']],
    ['--map-location without =', ['table', 'register', 'raw.r', 'IN', '--map-location', 'nothing'], ['--map-location', 'FROM=TO']],
    ['query: SQL syntax error', ['query', 'SELEC 1'], [/syntax error/i, 'SELEC']],
  ];
  it.each(cases)('%s', async (_name, args, mentions) => {
    const r = await floeIn(project, args.map((a) => (a === 'IN' ? input : a)));
    expectFailure(r, 2, mentions);
  });

  it('--partition-by naming a column the input does not have: exit 2, names it', async () => {
    expectFailure(await floeIn(project, ['load', 'raw.z', input, '--partition-by', 'nosuchcol']), 2, ['nosuchcol']);
  });

  it('--partition-by with a transform the column type does not take: exit 2, names both', async () => {
    expectFailure(await floeIn(project, ['load', 'raw.z', input, '--partition-by', 'day(name)']), 2, ['day', 'name', 'string']);
  });
});

describe('--debug', () => {
  it('prints the stack trace of an internal or input error, keeping the exit code', async () => {
    await expectStackWithDebug(project, ['describe', 'raw.nope'], 1);
    await expectStackWithDebug(project, ['load', 'raw.z', input, '--partition-by', 'foo('], 2);
  });

  it('does not turn a commander usage error into a stack trace', async () => {
    const r = await floeIn(project, ['--debug', 'bogus']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain("unknown command 'bogus'");
  });
});

describe('--help', () => {
  const commands = ['init', 'load', 'tables', 'describe', 'snapshots', 'query', 'table'];

  it('floe --help exits 0 and lists every command and the global options', async () => {
    const r = await floe(['--help']);
    expect(r.code, show(r)).toBe(0);
    for (const c of commands) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    for (const o of ['--project', '--debug', '--help', '--version']) expect(r.stdout).toContain(o);
    expect(r.stderr).toBe('');
  });

  const options: Record<string, string[]> = {
    init: ['[dir]'],
    load: ['<table>', '<files...>', '--mode', 'append', 'overwrite', '--partition-by', '--format', '--json'],
    tables: ['[namespace]', '--json'],
    describe: ['<table>', '--json'],
    snapshots: ['<table>', '--json'],
    query: ['<sql>', '--snapshot', '--as-of', '--format', '--out'],
    table: ['register', 'drop'],
    'table register': ['<table>', '<metadata-file>', '--map-location'],
    'table drop': ['<table>', '--purge'],
  };
  it.each(Object.entries(options))('floe %s --help exits 0 and lists its arguments and options', async (cmd, expected) => {
    const r = await floe([...cmd.split(' '), '--help']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`Usage: floe ${cmd}`);
    for (const e of expected) expect(r.stdout).toContain(e);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(STACK_LINE);
  });

  it('every command that floe --help lists (table subcommands too) has a --help that exits 0', async () => {
    const list = async (args: string[]) => {
      const r = await floe([...args, '--help']);
      expect(r.code, show(r)).toBe(0);
      const section = r.stdout.slice(r.stdout.indexOf('\nCommands:'));
      return [...section.matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    };
    const top = await list([]);
    expect(top).toEqual(expect.arrayContaining(commands));
    const all = [...top.map((c) => [c]), ...(await list(['table'])).map((c) => ['table', c])];
    for (const cmd of all) {
      const r = await floe([...cmd, '--help']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toContain(`Usage: floe ${cmd.join(' ')}`);
      expect(r.stdout).toContain('--help');
      expect(r.stderr).toBe('');
    }
  });

  it('floe help <command> is the same as floe <command> --help', async () => {
    const a = await floe(['help', 'load']);
    const b = await floe(['load', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('--version exits 0', async () => {
    const r = await floe(['--version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('help needs no project and no build of heavy modules: works from an empty folder', async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, 'sub'));
    const r = await floe(['load', '--help'], { cwd: path.join(dir, 'sub') });
    expect(r.code, show(r)).toBe(0);
  });
});

describe('floe schema', () => {
  it('prints the pipeline schema by default, the floe.yaml schema for "floe", and refuses anything else (exit 2)', async () => {
    const [dflt, pipeline, project, bogus] = await Promise.all([floe(['schema']), floe(['schema', 'pipeline']), floe(['schema', 'floe']), floe(['schema', 'bogus'])]);
    expect(dflt.code, show(dflt)).toBe(0);
    expect(dflt.stdout).toBe(pipeline.stdout);
    expect(JSON.parse(pipeline.stdout).anyOf[0].properties).toHaveProperty('source');
    expect(JSON.parse(project.stdout).properties).toHaveProperty('warehouse');
    expectFailure(bogus, 2, ["'bogus'", 'pipeline, floe']);
    expect(bogus.stdout).toBe('');
  });
});
