#!/usr/bin/env node
// A shim: the CLI lives in dist/ (built by `npm run build`). Heavy modules load lazily per command.
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('floe: not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
});
