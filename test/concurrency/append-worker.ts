/**
 * One writer process for writers.test.ts and compact-during-appends.test.ts: opens the
 * catalog (SQLite file or Postgres URL), waits at a start barrier, then makes `appends`
 * appends to one table through writeTable — the path `floe load` takes
 * (src/cli/commands/load.ts) — each adding the ids appendIds(writer, a) (writers-plan.ts).
 * Prints one JSON line, a WriterReport.
 *
 *   node --import tsx test/concurrency/append-worker.ts '<WriterTask as JSON>'
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { appendIds, type WriterReport, type WriterTask } from './writers-plan.js';

const task = JSON.parse(process.argv[2] ?? 'null') as WriterTask | null;
if (!task) throw new Error("usage: append-worker.ts '<WriterTask JSON>'");
const { writer } = task;
const id = parseTableIdentifier(task.table);
const io = new RoutingFileIO();
const catalog = await openCatalog({ uri: task.uri, name: task.name }, task.warehouse);
const engine = await openEngine({ threads: 1 });

const waitFor = async (file: string) => {
  while (!existsSync(join(task.barrier, file))) await new Promise((r) => setTimeout(r, 5));
};
// Start barrier: process start-up (tsx, DuckDB) takes longer than one append, so without it
// the first writers would be half done before the last one starts.
writeFileSync(join(task.barrier, `ready-${writer}`), '');
await waitFor('go');

const started = Date.now();
const report: WriterReport = { writer, snapshots: [], retries: 0, ms: 0 };
try {
  for (let a = 0; a < task.appends; a++) {
    if (a === task.holdAfter) await waitFor('resume');
    const values = appendIds(writer, a).map((i) => `(${i})`).join(', ');
    const selectSql = `SELECT id::BIGINT AS id, ${writer}::INTEGER AS writer, ${a}::INTEGER AS append FROM (VALUES ${values}) v(id)`;
    const r = await writeTable({
      catalog, io, engine, id, selectSql, mode: 'append', warehouse: task.warehouse,
      events: { onRetry: () => void report.retries++ },
    });
    report.snapshots.push(String(r.snapshotId));
  }
} finally {
  engine.close();
  await catalog.close();
}
report.ms = Date.now() - started;
process.stdout.write(JSON.stringify(report) + '\n');
