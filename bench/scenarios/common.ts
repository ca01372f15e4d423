/** Pieces shared by scenarios: the floe CLI as a contender, floe projects, row-count checks. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import type { Contender, ScenarioContext } from '../lib/types.js';

/** Why floe cannot run yet, or undefined when dist/ is built. */
export function floeUnavailable(ctx: ScenarioContext): string | undefined {
  return existsSync(join(ctx.repoRoot, 'dist', 'cli', 'main.js')) ? undefined : 'floe is not built: run `npm run build` first';
}

/** argv for `node bin/floe.js ...args`: the installed entry point, run from compiled dist/. */
export function floeArgv(ctx: ScenarioContext, ...args: string[]): string[] {
  return [process.execPath, join(ctx.repoRoot, 'bin', 'floe.js'), ...args];
}

/** A fresh floe project in `dir` (the floe.yaml contract of DESIGN §4), with a local warehouse. */
export function writeProject(dir: string): string {
  writeFileSync(
    join(dir, 'floe.yaml'),
    ['warehouse: ./warehouse', 'catalog:', '  uri: sqlite:./warehouse/catalog.db', '  name: floe', 'pipelines: pipelines/', ''].join('\n'),
  );
  mkdirSync(join(dir, 'warehouse'), { recursive: true });
  mkdirSync(join(dir, 'pipelines'), { recursive: true });
  return dir;
}

/**
 * A floe project cached in `project` whose tables are loaded once, by `floe run <runArgs>` over
 * `pipelines` (file name in pipelines/ → YAML), then marked `.loaded`. Nothing is done when
 * the mark exists, or when floe is not built (the scenario's contenders say why).
 */
export function loadedProject(ctx: ScenarioContext, project: string, o: { pipelines: Record<string, string>; runArgs: string[]; what: string }): void {
  const marker = join(project, '.loaded');
  if (floeUnavailable(ctx) || existsSync(marker)) return;
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  writeProject(project);
  for (const [name, yaml] of Object.entries(o.pipelines)) writeFileSync(join(project, 'pipelines', name), yaml);
  ctx.log(`${o.what} (once; cached in ${project})`);
  const [node, ...argv] = floeArgv(ctx, '--project', project, 'run', ...o.runArgs);
  execFileSync(node!, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(marker, new Date().toISOString());
}

/**
 * Checks that a run reports `expected` rows: a JSON object with "rows" (the baselines), an
 * NDJSON `commit` event with "rows" (floe --json), or else "<N> rows" in plain text. A fast
 * run that loaded nothing must not pass as a result.
 */
export function expectRows(expected: number): NonNullable<Contender['verify']> {
  return (stdout) => {
    let rows: number | undefined;
    const info: Record<string, string | number> = {};
    for (const line of stdout.split('\n')) {
      const t = line.trim();
      if (!t.startsWith('{')) continue;
      try {
        const o = JSON.parse(t) as Record<string, unknown>;
        if (o.rows !== undefined && (o.event === undefined || o.event === 'commit' || o.type === 'commit')) rows = Number(o.rows);
        for (const [k, v] of Object.entries(o)) if (k !== 'rows' && (typeof v === 'string' || typeof v === 'number') && /^(duckdb|pyiceberg|pyarrow)$/.test(k)) info[k] = v;
      } catch {
        // not JSON
      }
    }
    if (rows === undefined) {
      const m = /(\d[\d,]*) rows/.exec(stdout);
      if (m) rows = Number(m[1]!.replaceAll(',', ''));
      // floe's one-line summary (files, bytes, snapshot) goes into the notes of the report.
      if (m) info.summary = stdout.trim().split('\n')[0]!.slice(0, 240);
    }
    if (rows === undefined) return { problem: `no row count in its output: ${JSON.stringify(stdout.slice(0, 300))}` };
    if (rows !== expected) return { problem: `reported ${rows} rows, expected ${expected}` };
    return { info };
  };
}

/** Spreads `unavailable` into a contender only when there is a reason (exact optional props). */
export function optional(unavailable: string | undefined): { unavailable?: string } {
  return unavailable ? { unavailable } : {};
}

/**
 * Baselines are TypeScript (bench/baselines/<name>.ts); they run as plain JS (as floe runs
 * from dist/) so that a TypeScript loader's start-up and memory are in neither measurement.
 * They land in .cache/bench/baselines, under the repo, so `@duckdb/node-api` resolves from
 * node_modules. Returns the path of the .mjs file.
 */
export async function transpileBaseline(ctx: ScenarioContext, name: string): Promise<string> {
  const src = await readFile(join(ctx.repoRoot, 'bench', 'baselines', `${name}.ts`), 'utf8');
  const out = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return writeCachedScript(ctx, `${name}.mjs`, out);
}

/**
 * Writes a generated plain-JS script (a baseline or a driver) to .cache/bench/baselines, under
 * the repo so that `@duckdb/node-api` resolves from node_modules. Returns its path.
 */
export function writeCachedScript(ctx: ScenarioContext, fileName: string, text: string): string {
  const dir = join(ctx.cacheDir, 'baselines');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  writeFileSync(path, text);
  return path;
}

/** Checks that `floe run --json` committed `expected` rows in one pipeline (its `commit` event). */
export function expectRunRows(expected: number): NonNullable<Contender['verify']> {
  return (stdout) => {
    const commits = stdout
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.event === 'commit');
    if (commits.length !== 1) return { problem: `expected one commit event, got ${commits.length}: ${JSON.stringify(stdout.slice(0, 300))}` };
    const rows = Number(commits[0]!.rows_written);
    return rows === expected ? { info: { snapshot_id: String(commits[0]!.snapshot_id) } } : { problem: `committed ${rows} rows, expected ${expected}` };
  };
}
