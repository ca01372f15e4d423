/**
 * `npm run build`: tsc (the type check, and dist/ for everything that imports floe's modules
 * by path: tests, bench drivers), then the CLI bundle that bin/floe.js runs (scripts/bundle.mjs).
 *
 * tsc still emits when a file has a type error; the bundle is then built all the same, so
 * that bin/floe.js never runs code older than dist/, and the build fails with tsc's status.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const typed = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
const bundled = await bundle();
if (typed.status !== 0) process.exitCode = typed.status ?? 1;
else if (!bundled) process.exitCode = 1;
