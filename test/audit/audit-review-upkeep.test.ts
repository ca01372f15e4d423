/**
 * Commands that end at the same moment all find floe.audit_log due for its upkeep; one
 * compacts it and the others' compactions conflict with that. Six `floe snapshot tag` at
 * once on a log of 198 rows printed four "warning: the upkeep of floe.audit_log ... did not
 * finish ... removed by a concurrent commit" lines, though the upkeep was done. The warning
 * stays for an upkeep that is still owed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_LOG_NAME, AUDIT_LOG_TABLE } from '../../src/audit/command.js';
import { ioError } from '../../src/errors.js';
import { appendAuditRecord } from '../../src/audit/log.js';
import { runUpkeep, upkeepAfterAppend } from '../../src/audit/upkeep.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openCatalog } from '../../src/catalog/open.js';
import { LocalFileIO } from '../../src/io/local.js';
import { loadTable } from '../../src/table/load.js';
import { okRecord } from './records.js';

const io = new LocalFileIO();
const root = mkdtempSync(join(tmpdir(), 'floe-audit-review-upkeep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LIMITS = { compactAt: 6, expireAt: 1000, retain: 100 };
let catalog: Catalog;
let warehouse: string;
let warnings: string[];

beforeEach(async () => {
  warehouse = mkdtempSync(join(root, 'w'));
  catalog = await openCatalog({ uri: `sqlite:${join(warehouse, 'catalog.db')}`, name: 'floe' }, warehouse);
  for (let i = 0; i < 6; i++) {
    const at = 1_732_800_000_000 + i * 1000;
    const record = okRecord({ auditId: `a-${i}`, startedMs: at, finishedMs: at + 5, actor: { actor: 'x', kind: 'user', ciSystem: null, ciJob: null, osUser: 'x' }, host: 'h', command: 'run', arguments: ['run'], project: '/p', floeVersion: '0' });
    await appendAuditRecord({ catalog, io, warehouse, record });
  }
  warnings = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    warnings.push(String(chunk));
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await catalog.close();
});

/** The catalog as this command sees it: before its first commit, `before` runs (another process). */
function racing(before: () => Promise<void>): Catalog {
  let first = true;
  return new Proxy(catalog, {
    get(target, prop) {
      if (prop === 'swapMetadataLocation') {
        return async (...args: Parameters<Catalog['swapMetadataLocation']>) => {
          if (first) {
            first = false;
            await before();
          }
          return target.swapMetadataLocation(...args);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const dataFiles = async () => {
  const m = (await loadTable(catalog, io, AUDIT_LOG_TABLE)).metadata;
  return Number(m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id'])!.summary['total-data-files']);
};

describe('the upkeep of floe.audit_log and another process doing it meanwhile', () => {
  it('is silent when another command compacted the log first', async () => {
    const due = (await loadTable(catalog, io, AUDIT_LOG_TABLE)).metadata;
    expect(await dataFiles()).toBe(6);
    const other = racing(async () => {
      await runUpkeep(catalog, io, AUDIT_LOG_TABLE, { compact: true, expire: false });
    });
    await upkeepAfterAppend(other, io, AUDIT_LOG_TABLE, AUDIT_LOG_NAME, due, 'the next command tries again', LIMITS);
    expect(warnings).toEqual([]);
    expect(await dataFiles()).toBe(1);
  }, 60_000);

  it('still warns when the upkeep failed and is still owed', async () => {
    const due = (await loadTable(catalog, io, AUDIT_LOG_TABLE)).metadata;
    const failing = racing(async () => {
      throw new Error('the catalog is unreachable');
    });
    await upkeepAfterAppend(failing, io, AUDIT_LOG_TABLE, AUDIT_LOG_NAME, due, 'the next command tries again', LIMITS);
    expect(warnings.join('')).toContain('floe: warning: the upkeep of floe.audit_log (compaction, expiry) did not finish; the next command tries again: the catalog is unreachable');
    expect(await dataFiles()).toBe(6);
  }, 60_000);

  it('warns when a step after the compaction failed, though the log is no longer due', async () => {
    const due = (await loadTable(catalog, io, AUDIT_LOG_TABLE)).metadata;
    // The compaction commits; the manifest rewrite after it cannot (an io error, not a race).
    let commits = 0;
    const late = new Proxy(catalog, {
      get(target, prop) {
        if (prop === 'swapMetadataLocation') {
          return async (...args: Parameters<Catalog['swapMetadataLocation']>) => {
            if (++commits > 1) throw ioError('cannot write the catalog: permission denied');
            return target.swapMetadataLocation(...args);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await upkeepAfterAppend(late, io, AUDIT_LOG_TABLE, AUDIT_LOG_NAME, due, 'the next command tries again', LIMITS);
    expect(commits).toBeGreaterThan(1);
    expect(await dataFiles()).toBe(1);
    expect(warnings.join('')).toContain('floe: warning: the upkeep of floe.audit_log (compaction, expiry) did not finish; the next command tries again: cannot write the catalog: permission denied');
  }, 60_000);
});
