/**
 * The CLI bundle that bin/floe.js runs (scripts/bundle.mjs, built by `npm run build` after tsc):
 * what it leaves to node_modules, what it drops, and that it behaves as the per-module build
 * did where bundling could change behaviour — stack traces under --debug (source maps), zod's
 * messages (its locales are cut from the bundle), driver sources (loaded by import()).
 * test/cli/module-loading.test.ts checks what each command loads from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/floe-process.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, { bytesInOutput: number }> }>;
}

const BUNDLE = path.join(ROOT, 'dist', 'bundle');
/** DuckDB's JavaScript API, bundled on its own (scripts/bundle.mjs). */
const API = 'dist/bundle/duckdb-api.cjs';
let meta: Metafile;
const newProject = useProjects();

beforeAll(() => {
  assertBuilt();
  if (!existsSync(path.join(BUNDLE, 'main.js'))) throw new Error('dist/bundle/main.js is missing: run `npm run build` (tsc, then scripts/bundle.mjs)');
  meta = JSON.parse(readFileSync(path.join(BUNDLE, 'meta.json'), 'utf8')) as Metafile;
});

/** `@scope/name` or `name` of a bare specifier; undefined for Node's built-ins and relative paths. */
function packageOf(specifier: string): string | undefined {
  if (isBuiltin(specifier) || specifier.startsWith('.')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('the CLI bundle', () => {
  it('imports at run time only node built-ins and packages that are dependencies of floe', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const external = new Set<string>();
    for (const [out, o] of Object.entries(meta.outputs)) if (out !== API) for (const i of o.imports) if (i.external) external.add(i.path);
    const packages = [...new Set([...external].flatMap((s) => packageOf(s) ?? []))].sort();
    // DuckDB loads through createRequire (engine/duckdb.ts), so it is in no import list.
    expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/client-s3', 'better-sqlite3', 'mysql2', 'pg']));
    for (const p of packages) expect(Object.keys(pkg.dependencies), `${p} is imported by the bundle`).toContain(p);
    for (const s of external) expect(s, 'a relative import left to run time').not.toMatch(/^\./);
  });

  it('bundles the pure-JS packages and keeps none of zod\'s locales but English', () => {
    const bundled = new Map<string, number>();
    for (const [out, o] of Object.entries(meta.outputs)) {
      if (out === API) continue;
      for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) bundled.set(input, (bundled.get(input) ?? 0) + bytesInOutput);
    }
    const pkgs = new Set([...bundled.keys()].flatMap((i) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1] ?? []));
    for (const p of ['commander', 'zod', 'yaml', 'luxon', 'validator']) expect(pkgs, p).toContain(p);
    for (const p of ['@duckdb/node-api', 'better-sqlite3', 'pg', 'mysql2', '@aws-sdk/client-s3']) expect(pkgs, p).not.toContain(p);
    // The plugin's stand-in for locales/index.js (namespace zod-locales) re-exports English.
    const locales = [...bundled].filter(([i, bytes]) => /node_modules\/zod\/.*\/locales\//.test(i) && bytes > 0).map(([i]) => i);
    expect(locales.filter((i) => !i.startsWith('zod-locales:')).map((i) => path.basename(i))).toEqual(['en.js']);
    expect(locales.filter((i) => i.startsWith('zod-locales:')).map((i) => path.basename(i))).toEqual(['index.js']);
  });

  it("bundles DuckDB's JavaScript API into one file that needs only the native binding", () => {
    const api = meta.outputs[API];
    expect(api, `${API} in meta.json`).toBeDefined();
    const inputs = Object.keys(api!.inputs);
    expect(inputs).toContain('node_modules/@duckdb/node-api/lib/index.js');
    expect(inputs).toContain('node_modules/@duckdb/node-bindings/duckdb.js');
    expect(inputs.filter((i) => !i.startsWith('node_modules/'))).toEqual([]);
    // Left to run time: Node's built-ins and the platform packages' duckdb.node.
    const external = api!.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path);
    expect(external.length).toBeGreaterThan(0);
    for (const e of external) expect(e).toMatch(/^@duckdb\/node-bindings-[a-z0-9-]+\/duckdb\.node$/);
    // None of floe's own chunks holds a copy of it.
    for (const [out, o] of Object.entries(meta.outputs)) {
      if (out !== API) expect(Object.keys(o.inputs).filter((i) => i.includes('@duckdb/')), out).toEqual([]);
    }
  });

  it('prints help and version', async () => {
    const p = await newProject();
    const version = await p.floe(['--version']);
    expect(version.code, show(version)).toBe(0);
    expect(version.stdout).toBe('0.1.0\n');
    const help = await p.floe(['--help']);
    expect(help.code, show(help)).toBe(0);
    for (const c of ['run', 'validate', 'maintain', 'table']) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('--debug maps stack traces to the TypeScript sources; without it no stack is printed', async () => {
    const p = await newProject();
    const plain = await p.floe(['table', 'drop', 'raw.missing']);
    expect(plain.code, show(plain)).toBe(1);
    expect(plain.stderr).toMatch(/table raw\.missing does not exist/);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await p.floe(['--debug', 'table', 'drop', 'raw.missing']);
    expect(debug.code, show(debug)).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at .*[\\/]src[\\/]table[\\/]drop\.ts:\d+:\d+\)?\n/);
    expect(debug.stderr).not.toMatch(/dist[\\/]bundle/);
  });

  it('reports zod\'s checks in English, with file positions', async () => {
    const p = await newProject();
    await p.pipeline('bad', 'name: bad\nsource: { kind: csv, path: data/a.csv }\ntarget: { table: raw.a, mode: append }\nrejects: { max_ratio: "a" }\n');
    const r = await p.floe(['validate', 'bad']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/bad\.yaml:4:\d+: rejects\.max_ratio: expected number, got string/);
  });

  it('loads a driver source through its chunk (sources/index.ts import())', async () => {
    const p = await newProject();
    const db = p.path('src.db');
    const Database = (await import('better-sqlite3')).default;
    const conn = new Database(db);
    conn.exec("CREATE TABLE people (id INTEGER, name TEXT); INSERT INTO people VALUES (1, 'ann'), (2, 'bob');");
    conn.close();
    await p.pipeline('s', 'name: s\nsource: { kind: sqlite, connection: src.db, table: people }\ntarget: { table: raw.s, mode: append }\n');
    const r = await p.run(['s']);
    expect(r.stdout).toMatch(/raw\.s\s+ok\s+2\s+2/);
    expect(await p.query('SELECT id, name FROM raw.s ORDER BY id')).toEqual([
      { id: 1, name: 'ann' },
      { id: 2, name: 'bob' },
    ]);
  });
});
