/**
 * A child process for race.test.ts: increments a counter kept in a table's metadata
 * pointer (`/v/<k>-<worker>`) `count` times through compare-and-swap, retrying on conflict,
 * and prints the values it installed as JSON.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { openCatalog } from '../../src/catalog/open.js';

const [dbPath, worker, countText] = process.argv.slice(2);
if (!dbPath || !worker || !countText) throw new Error('usage: cas-worker.ts DB WORKER COUNT');
const count = Number(countText);
const catalog = await openCatalog({ uri: `sqlite:${dbPath}`, name: 'floe' }, process.cwd());
// Start barrier: process start-up takes longer than the work, so without it the workers
// would mostly run one after another and never race.
writeFileSync(`${dbPath}.ready-${worker}`, '');
while (!existsSync(`${dbPath}.go`)) await new Promise((r) => setTimeout(r, 2));
const id = { namespace: ['race'], name: 'counter' };
const won: number[] = [];
let conflicts = 0;
while (won.length < count) {
  const current = (await catalog.getTable(id)).metadataLocation;
  const k = Number(/^\/v\/(\d+)-/.exec(current)?.[1]);
  // A real commit writes its metadata file here; the pause widens the race window.
  await new Promise((r) => setTimeout(r, Math.random() * 3));
  if (await catalog.swapMetadataLocation(id, current, `/v/${k + 1}-${worker}`)) won.push(k + 1);
  else conflicts++;
}
await catalog.close();
process.stdout.write(JSON.stringify({ worker, won, conflicts }) + '\n');
