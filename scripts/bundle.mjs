/**
 * Bundles the CLI (src/cli/main.ts) into dist/bundle/ for bin/floe.js: `npm run build` runs
 * tsc (type check, and dist/ for everything that imports floe's modules by path: the tests,
 * bench drivers) and then this.
 *
 * Why: a `floe run` spent about 0.4 s of CPU loading some 260 ES modules, zod's `import` alone
 * 150–240 ms (zod's classic entry re-exports all of its locales). One bundle with code
 * splitting loads a handful of files, and tree-shaking drops what floe never uses.
 *
 * - Code splitting keeps the lazy commands lazy: every `import()` of src/ is a chunk of its
 *   own, so `floe --help` still loads commander and the command registrations only
 *   (test/cli/module-loading.test.ts).
 * - Native and heavy packages stay external and load from node_modules when a command
 *   needs them: DuckDB, SQLite, the database drivers, the AWS SDK. So do packages that floe
 *   loads through createRequire with a computed path (i18n-iso-countries' locale files).
 * - Bundled CommonJS packages (commander, validator, …) call require for Node's built-ins:
 *   each chunk gets a `require` made by createRequire.
 * - DuckDB's JavaScript API (@duckdb/node-api, 120-odd CommonJS modules, and the loader of its
 *   native binding) is bundled on its own into dist/bundle/duckdb-api.cjs, which
 *   engine/duckdb.ts requires in place of the package when bin/floe.js says so
 *   (globalThis.__floeDuckDBApi): loading it took ~85 ms of a command's start, the one file
 *   ~40 ms. The native binding itself (duckdb.node) still loads from node_modules.
 * - dist/bundle/meta.json (esbuild's metafile) lists the source modules in each chunk: the
 *   module-loading test maps the chunks a command loads back to floe's modules with it.
 * - Source maps are written next to the chunks; `floe --debug` turns them on (bin/floe.js)
 *   so that stack traces name src/ files and lines.
 *
 *   node scripts/bundle.mjs [outdir]     (default dist/bundle; scripts/build.mjs runs tsc, then this)
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Loaded from node_modules at run time, never bundled. */
export const EXTERNAL = [
  '@duckdb/*',
  'better-sqlite3',
  'pg',
  'pg-*',
  'mysql2',
  'mysql2/*',
  '@aws-sdk/*',
  '@smithy/*',
  'i18n-iso-countries',
  'i18n-iso-countries/*',
];

/** DuckDB's JavaScript API, bundled on its own (CommonJS), in the bundle's folder. */
export const DUCKDB_API = 'duckdb-api.cjs';

/**
 * zod's namespace (`z`) re-exports its locales (`z.locales`, `z.core.locales`: 64 modules,
 * about 360 kB); as floe uses `z` as an object, esbuild keeps all of them. floe sets no
 * locale: its messages are zod's default English, which zod imports itself (locales/en.js).
 * The locales index is replaced by one that has English only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: path.join(path.dirname(args.importer), '../locales/index.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Writes the bundle to `outdir` (relative to the repository). It is built next to it and
 * then swapped in, so that a floe process started meanwhile never sees half a bundle.
 * Returns false when esbuild failed (the bundle in place is kept) or warned (a warning is a
 * defect: e.g. an import() it cannot follow).
 */
export async function bundle(outdir = 'dist/bundle') {
  const target = path.resolve(root, outdir);
  // Per process: two builds at once (several people share a working tree) must not mix.
  const next = `${target}.next-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  let result;
  try {
    result = await build({
      absWorkingDir: root,
      entryPoints: { main: 'src/cli/main.ts' },
      outdir: next,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: EXTERNAL,
      sourcemap: 'linked',
      sourcesContent: false,
      chunkNames: 'chunks/[name]-[hash]',
      metafile: true,
      legalComments: 'none',
      logLevel: 'warning',
      plugins: [zodEnglishOnly],
      banner: { js: "import { createRequire as __floeCreateRequire } from 'node:module';\nconst require = __floeCreateRequire(import.meta.url);" },
    });
  } catch {
    // esbuild has printed its errors (logLevel): the build fails without a stack, and the
    // bundle in place stays as it was.
    rmSync(next, { recursive: true, force: true });
    return false;
  }
  let api;
  try {
    api = await build({
      absWorkingDir: root,
      entryPoints: ['node_modules/@duckdb/node-api/lib/index.js'],
      outfile: path.join(next, DUCKDB_API),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // The platform packages hold the native duckdb.node.
      external: ['@duckdb/node-bindings-*'],
      metafile: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
  } catch {
    rmSync(next, { recursive: true, force: true });
    return false;
  }
  Object.assign(result.metafile.inputs, api.metafile.inputs);
  Object.assign(result.metafile.outputs, api.metafile.outputs);
  // The metafile names outputs by where they were built; the test reads them where they run.
  const rel = (p) => p.replace(path.relative(root, next).split(path.sep).join('/'), path.relative(root, target).split(path.sep).join('/'));
  const meta = { inputs: result.metafile.inputs, outputs: Object.fromEntries(Object.entries(result.metafile.outputs).map(([k, v]) => [rel(k), v])) };
  writeFileSync(path.join(next, 'meta.json'), JSON.stringify(meta));
  for (let attempt = 1; ; attempt++) {
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(target, old);
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    try {
      renameSync(next, target);
      break;
    } catch (e) {
      // Another build put its bundle in place between the two renames: move that aside too.
      if ((e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') || attempt === 5) throw e;
    }
  }
  rmSync(old, { recursive: true, force: true });
  return result.warnings.length === 0 && api.warnings.length === 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!(await bundle(process.argv[2]))) process.exitCode = 1;
}
