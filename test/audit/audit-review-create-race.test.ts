/**
 * Two commands that record the first rows of floe.audit_log at once: the second to create the
 * table finds the first's metadata file in the default folder before its catalog entry
 * (table/new-table.ts), so the two tables have different folders. The loser's row was lost
 * ("warning: the command was not recorded in floe.audit_log: table floe.audit_log already
 * exists"; six loads at once on a Postgres catalog recorded five rows). It is appended to the
 * winner's table instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_LOG_TABLE } from '../../src/audit/command.js';
import { appendAuditRecord } from '../../src/audit/log.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openEngine } from '../../src/engine/duckdb.js';
import { createTableView } from '../../src/engine/read.js';
import { LocalFileIO } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';
import { okRecord } from './records.js';

const io = new LocalFileIO();
const root = mkdtempSync(join(tmpdir(), 'floe-audit-review-race-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let catalog: Catalog;
let warehouse: string;
beforeEach(async () => {
  warehouse = mkdtempSync(join(root, 'w'));
  catalog = await openCatalog({ uri: `sqlite:${join(warehouse, 'catalog.db')}`, name: 'floe' }, warehouse);
});
afterEach(async () => {
  await catalog.close();
});

const record = (id: string) =>
  okRecord({ auditId: id, startedMs: 1_732_800_000_000, finishedMs: 1_732_800_000_005, actor: { actor: 'x', kind: 'user', ciSystem: null, ciJob: null, osUser: 'x' }, host: 'h', command: 'load', arguments: ['load'], project: '/p', floeVersion: '0' });

/** The catalog as the later command sees it: the other command's create lands just before its own. */
function losingTheCreate(other: () => Promise<void>): Catalog {
  let first = true;
  return new Proxy(catalog, {
    get(target, prop) {
      if (prop === 'createTable') {
        return async (...args: Parameters<Catalog['createTable']>) => {
          if (first) {
            first = false;
            await other();
          }
          return target.createTable(...args);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function auditIds(): Promise<string[]> {
  const table = await loadTable(catalog, io, AUDIT_LOG_TABLE);
  const engine = await openEngine({ threads: 1 });
  try {
    await createTableView(engine, 'log', { io: table.io, metadata: table.metadata, table: 'floe.audit_log', snapshot: { kind: 'current' } });
    return (await engine.all('SELECT audit_id FROM log ORDER BY audit_id', 'read the log')).map((r) => String(r.audit_id));
  } finally {
    engine.close();
  }
}

describe('the first rows of floe.audit_log, recorded at once', () => {
  it('appends the row of the command that lost the create to the table the other created', async () => {
    const later = losingTheCreate(() => appendAuditRecord({ catalog, io, warehouse, record: record('first') }));
    await appendAuditRecord({ catalog: later, io, warehouse, record: record('second') });
    expect(await auditIds()).toEqual(['first', 'second']);
    const m = (await loadTable(catalog, io, AUDIT_LOG_TABLE)).metadata;
    expect(m.snapshots).toHaveLength(2);
  }, 60_000);
});
