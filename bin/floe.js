#!/usr/bin/env node
// A shim: the CLI is bundled into dist/bundle/ by `npm run build` (tsc, then scripts/bundle.mjs).
// Heavy modules load lazily per command. With --debug, stack traces are mapped back to src/
// through the bundle's source maps (off otherwise: mapping costs start-up).
// FLOE_UNBUNDLED=1 runs tsc's per-module output (dist/cli/main.js) instead, e.g. to profile.
const unbundled = process.env.FLOE_UNBUNDLED === '1';
const entry = unbundled ? '../dist/cli/main.js' : '../dist/bundle/main.js';
// DuckDB's JavaScript API, bundled into one file (engine/duckdb.ts requires it in place of @duckdb/node-api).
if (!unbundled) globalThis.__floeDuckDBApi = new URL('../dist/bundle/duckdb-api.cjs', import.meta.url).pathname;
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
import(entry).then((m) => m.main(process.argv)).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(entry.slice(3))) {
    process.stderr.write('floe: not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
});
