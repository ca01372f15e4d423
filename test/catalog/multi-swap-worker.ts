/**
 * A child process for multi-swap-race.test.ts: moves two tables' pointers together
 * (`/a/<k>-<worker>`, `/b/<k>-<worker>`) `count` times through Catalog.commitTables, reading
 * both pointers and retrying when either is stale, and prints the values it installed as JSON.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { openCatalog } from '../../src/catalog/open.js';

const [dbPath, worker, countText] = process.argv.slice(2);
if (!dbPath || !worker || !countText) throw new Error('usage: multi-swap-worker.ts DB WORKER COUNT');
const count = Number(countText);
const catalog = await openCatalog({ uri: `sqlite:${dbPath}`, name: 'floe' }, process.cwd());
// Start barrier, as in cas-worker.ts: start-up takes longer than the work.
writeFileSync(`${dbPath}.ready-${worker}`, '');
while (!existsSync(`${dbPath}.go`)) await new Promise((r) => setTimeout(r, 2));
const a = { namespace: ['race'], name: 'a' };
const b = { namespace: ['race'], name: 'b' };
const won: number[] = [];
let conflicts = 0;
while (won.length < count) {
  const ca = (await catalog.getTable(a)).metadataLocation;
  const cb = (await catalog.getTable(b)).metadataLocation;
  const k = Number(/^\/a\/(\d+)-/.exec(ca)?.[1]);
  // A real commit writes its metadata files here; the pause widens the race window.
  await new Promise((r) => setTimeout(r, Math.random() * 3));
  const r = await catalog.commitTables([
    { id: a, expected: ca, newLocation: `/a/${k + 1}-${worker}` },
    { id: b, expected: cb, newLocation: `/b/${k + 1}-${worker}` },
  ]);
  if (r.committed) won.push(k + 1);
  else conflicts++;
}
await catalog.close();
process.stdout.write(JSON.stringify({ worker, won, conflicts }) + '\n');
