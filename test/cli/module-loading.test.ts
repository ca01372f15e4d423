/**
 * What a command loads (DESIGN: heavy modules load only when a command needs them): the
 * built CLI runs with a preload that records every ES module the loader loads and every
 * CommonJS module in require's cache at exit.
 *
 * bin/floe.js runs the bundle (dist/bundle/, scripts/bundle.mjs): a loaded chunk counts as
 * every module esbuild put in it (dist/bundle/meta.json), floe's as dist/<module>.js and
 * bundled packages' as node_modules/<package>/…, so the rules below read as they did for
 * tsc's one-file-per-module output, and a chunk that merely holds a module fails them too.
 *
 * - `floe --help`: commander and the CLI's registration modules only;
 * - `floe run` of a CSV append pipeline without checks, PII rules, layout or expiry: DuckDB,
 *   but no driver, SDK, normaliser library, and none of the merge, layout-evolution,
 *   governance, expiry or checks modules;
 * - an audited command that needs no DuckDB (`floe table drop`) records its row without
 *   loading DuckDB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, collect, FLOE_BIN, ROOT, type RunResult } from '../helpers/floe-process.js';
import { type Project, show, useProjects } from '../run/helpers.js';

let traceDir: string;
let preload: string;
const newProject = useProjects();

beforeAll(() => {
  assertBuilt('test/cli/module-loading.test.ts');
  traceDir = mkdtempSync(path.join(tmpdir(), 'floe-modules-'));
  const hooks = path.join(traceDir, 'hooks.mjs');
  writeFileSync(
    hooks,
    "import { appendFileSync } from 'node:fs';\n" +
      'export async function load(url, context, next) {\n' +
      '  const r = await next(url, context);\n' +
      "  appendFileSync(process.env.FLOE_TEST_MODULE_LOG, url + '\\n');\n" +
      '  return r;\n' +
      '}\n',
  );
  preload = path.join(traceDir, 'preload.mjs');
  writeFileSync(
    preload,
    "import { appendFileSync } from 'node:fs';\n" +
      "import { createRequire, register } from 'node:module';\n" +
      `register(${JSON.stringify(pathToFileURL(hooks).href)});\n` +
      'const cache = createRequire(import.meta.url).cache;\n' +
      "process.on('exit', () => appendFileSync(process.env.FLOE_TEST_MODULE_LOG, Object.keys(cache).map((f) => 'file://' + f).join('\\n') + '\\n'));\n",
  );
});
afterAll(() => rmSync(traceDir, { recursive: true, force: true }));

let runs = 0;

/** Runs the CLI with the preload; the loaded modules as paths relative to the repository. */
async function traced(args: readonly string[], cwd: string): Promise<RunResult & { files: string[]; modules: string[] }> {
  const log = path.join(traceDir, `run-${++runs}.log`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, ['--import', preload, FLOE_BIN, ...args], { cwd, env: childEnv({ FLOE_TEST_MODULE_LOG: log }), stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(child);
  const root = pathToFileURL(ROOT).href + '/';
  const files = [...new Set(readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith(root)).map((u) => u.slice(root.length)))];
  return { ...r, files, modules: [...new Set(files.flatMap(bundledModules))] };
}

const BUNDLE = 'dist/bundle/';
let chunks: Map<string, string[]> | undefined;

/** A loaded file as the modules in it: a bundle chunk's inputs (meta.json), or the file itself. */
function bundledModules(file: string): string[] {
  if (!file.startsWith(BUNDLE)) return [file];
  chunks ??= new Map(
    Object.entries((JSON.parse(readFileSync(path.join(ROOT, BUNDLE, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> }).outputs).map(
      ([out, o]) => [out, Object.keys(o.inputs).map((i) => i.replace(/^src\/(.*)\.ts$/, 'dist/$1.js'))],
    ),
  );
  const inputs = chunks.get(file);
  if (inputs === undefined) throw new Error(`${file} is not in ${BUNDLE}meta.json: the bundle and its metafile differ`);
  return inputs;
}

const packages = (modules: readonly string[]) =>
  [...new Set(modules.flatMap((m) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1] ?? []))].sort();
const floeModules = (modules: readonly string[]) => modules.filter((m) => m.startsWith('dist/')).map((m) => m.slice('dist/'.length));

describe('module loading', () => {
  it('floe --help loads commander and the CLI registrations only', async () => {
    const r = await traced(['--help'], ROOT);
    expect(r.code, show(r)).toBe(0);
    expect(packages(r.modules)).toEqual(['commander']);
    // cancel.js: the signal handlers, installed before anything else (it imports errors.js alone).
    for (const m of floeModules(r.modules)) expect(m, m).toMatch(/^(cli\/(main|lazy|exit)\.js|cli\/register\/[a-z-]+\.js|errors\.js|cancel\.js)$/);
    // Sanity for the mapping above: the registrations were found in the bundle's chunks.
    expect(floeModules(r.modules)).toContain('cli/register/maintain.js');
  });

  it('bin/floe.js runs the bundle, never tsc\'s per-module output', async () => {
    const r = await traced(['--version'], ROOT);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
    expect(r.files).toContain('dist/bundle/main.js');
    expect(r.files.filter((f) => f.startsWith('dist/') && !f.startsWith(BUNDLE))).toEqual([]);
    expect(r.files.filter((f) => f.startsWith('src/'))).toEqual([]);
  });

  describe('floe run of a CSV append pipeline', () => {
    let p: Project;
    let run: Awaited<ReturnType<typeof traced>>;

    beforeAll(async () => {
      p = await newProject();
      await p.write('data/a.csv', 'id,name\n1,ann\n2,bob\n');
      await p.pipeline('a', 'name: a\nsource: { kind: csv, path: data/a.csv }\ntarget: { table: raw.a, mode: append }\n');
      run = await traced(['--project', p.dir, 'run', 'a'], p.dir);
    }, 120_000);

    it('writes the rows', () => {
      expect(run.code, show(run)).toBe(0);
      expect(run.stdout).toMatch(/raw\.a\s+ok\s+2\s+2/);
    });

    it('loads DuckDB but no driver, SDK or normaliser library', () => {
      const loaded = packages(run.modules);
      expect(loaded).toContain('@duckdb/node-api');
      // From the CLI's one-file bundle of it, not the package's own modules.
      expect(run.files).toContain('dist/bundle/duckdb-api.cjs');
      expect(run.files.filter((f) => f.startsWith('node_modules/@duckdb/node-api/'))).toEqual([]);
      for (const heavy of ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'pg', 'pg-cursor', 'pg-copy-streams', 'mysql2', 'libphonenumber-js', 'luxon', 'validator', 'i18n-iso-countries', 'ora']) {
        expect(loaded, heavy).not.toContain(heavy);
      }
    });

    it('loads none of the merge, layout, governance, expiry or checks modules', () => {
      const mods = floeModules(run.modules);
      expect(mods).toContain('run/run-pipeline.js');
      const unneeded = mods.filter((m) => /^(run\/merge|table\/evolve\/(layout|evolve)|governance\/(ingest|apply)|table\/expire|checks\/|sources\/(postgres|mysql|http|sqlite|sql)\.js|c360\/identity\/)/.test(m));
      expect(unneeded).toEqual([]);
    });
  });

  it('an audited command without data work records its row without loading DuckDB', async () => {
    const p = await newProject();
    await p.write('data/a.csv', 'id\n1\n');
    const load = await p.floe(['load', 'raw.a', p.path('data/a.csv')]);
    expect(load.code, show(load)).toBe(0);
    const drop = await traced(['--project', p.dir, 'table', 'drop', 'raw.a'], p.dir);
    expect(drop.code, show(drop)).toBe(0);
    expect(drop.stderr).not.toMatch(/not recorded/);
    expect(packages(drop.modules)).not.toContain('@duckdb/node-api');
    const rows = await p.query('SELECT command, outcome FROM floe.audit_log ORDER BY started_at');
    expect(rows).toEqual([{ command: 'load', outcome: 'ok' }, { command: 'table drop', outcome: 'ok' }]);
  });
});
