/**
 * The ingest path choice and the reject limits (pure), and writeTable's beforeCommit hook:
 * it sees the written files' row counts, and a throw from it commits nothing and leaves no
 * file under the table's location.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Engine } from '../../src/engine/duckdb.js';
import { FloeError } from '../../src/errors.js';
import { writeTable } from '../../src/ingest/write-table.js';
import { LocalFileIO } from '../../src/io/local.js';
import { chooseIngestPath } from '../../src/run/ingest-path.js';
import { planNormalize } from '../../src/run/normalize.js';
import { checkRejects } from '../../src/run/reject-limits.js';
import { loadTable } from '../../src/table/load.js';
import { openWriteLab, type WriteLab } from '../helpers/write-lab.js';

describe('chooseIngestPath', () => {
  const plain = { rowRejects: false, mode: 'append' as const, key: [], incremental: false };
  it('streams an append or overwrite whose rows only the reader can reject', () => {
    expect(chooseIngestPath(plain)).toEqual({ kind: 'stream' });
    expect(chooseIngestPath({ ...plain, mode: 'overwrite' })).toEqual({ kind: 'stream' });
  });
  it('materialises for conversion rejects, merge, dedupe and incremental cursors, saying why', () => {
    expect(chooseIngestPath({ ...plain, rowRejects: true })).toEqual({ kind: 'materialise', why: ['columns declare types, so rows can be rejected after parsing'] });
    expect(chooseIngestPath({ ...plain, mode: 'merge', key: ['id'] })).toEqual({ kind: 'materialise', why: ['mode merge', 'rows are deduplicated on target.key'] });
    expect(chooseIngestPath({ ...plain, key: ['id'] })).toEqual({ kind: 'materialise', why: ['rows are deduplicated on target.key'] });
    expect(chooseIngestPath({ ...plain, incremental: true })).toEqual({ kind: 'materialise', why: ['the source is incremental'] });
  });
  it('planNormalize says whether its rules can reject a row', () => {
    expect(planNormalize(['a', 'b'], {}, 'p').rowRejects).toBe(false);
    expect(planNormalize(['a', 'b'], { a: { rename: 'x', normalize: 'email' } }, 'p').rowRejects).toBe(false);
    expect(planNormalize(['a', 'b'], { b: { type: 'long' } }, 'p').rowRejects).toBe(true);
  });
});

describe('checkRejects', () => {
  const thrown = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return e as FloeError;
    }
    return undefined;
  };
  it('without limits, any reject fails and nothing else does', () => {
    expect(thrown(() => checkRejects({ name: 'p' }, 0, 10))).toBeUndefined();
    const e = thrown(() => checkRejects({ name: 'p' }, 1, 10));
    expect(e).toBeInstanceOf(FloeError);
    expect(e?.kind).toBe('source');
    expect(e?.message).toBe('pipeline p: 1 of 10 rows are malformed (10.00%), above the limit of 0.00%; nothing was committed');
    // No rejects: section, so no limit to raise: the hint says how to add one.
    expect(e?.hint).toContain('add a rejects: section to the pipeline file (e.g. rejects: { max_ratio: 0.01 })');
    expect(e?.hint).not.toContain('raise');
  });
  it('max_ratio and max_count are upper bounds, inclusive', () => {
    expect(thrown(() => checkRejects({ name: 'p', rejects: { max_ratio: 0.1 } }, 1, 10))).toBeUndefined();
    expect(thrown(() => checkRejects({ name: 'p', rejects: { max_ratio: 0.1 } }, 2, 10))?.message).toContain('above the limit of 10.00%');
    expect(thrown(() => checkRejects({ name: 'p', rejects: { max_count: 2 } }, 2, 3))).toBeUndefined();
    expect(thrown(() => checkRejects({ name: 'p', rejects: { max_count: 2 } }, 3, 100))?.message).toContain('above the limit of 2 rows');
    expect(thrown(() => checkRejects({ name: 'p', rejects: { max_count: 2 } }, 3, 100))?.hint).toBe('Fix the source, or raise rejects.max_ratio / rejects.max_count in the pipeline file.');
  });
});

describe('writeTable beforeCommit', () => {
  const id = { namespace: ['raw'], name: 'hooked' };
  const io = new LocalFileIO();
  let lab: WriteLab;
  let dir: string, catalog: Catalog, engine: Engine; // lab's, set in beforeAll
  beforeAll(async () => {
    lab = await openWriteLab('floe-hook-');
    ({ dir, catalog, engine } = lab);
  });
  afterAll(() => lab.close());
  const base = () => ({ catalog, io, engine, id, warehouse: join(dir, 'wh') });
  const rows = (n: number) => `SELECT i::BIGINT AS k FROM range(${n}) t(i)`;
  const files = async () => (await readdir(join(dir, 'wh'), { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.parquet')).sort();

  it('sees the row counts of the files about to be committed', async () => {
    const seen: bigint[] = [];
    const r = await writeTable({ ...base(), selectSql: rows(25), mode: 'append', beforeCommit: async (fs) => void seen.push(...fs.map((f) => f.record_count)) });
    expect(seen).toEqual([25n]);
    expect(r.rows).toBe(25n);
  });

  it('is called with no files for an empty write, before anything is created or committed', async () => {
    const other = { namespace: ['raw'], name: 'empty' };
    const seen: number[] = [];
    await expect(
      writeTable({ ...base(), id: other, selectSql: `${rows(0)}`, mode: 'append', beforeCommit: async (fs) => {
        seen.push(fs.length);
        throw new Error('refused');
      } }),
    ).rejects.toThrow('refused');
    expect(seen).toEqual([0]);
    expect(await catalog.tableExists(other)).toBe(false);
  });

  it('a throw commits nothing and leaves no new data file', async () => {
    const before = await loadTable(catalog, io, id);
    const existing = await files();
    expect(existing).toHaveLength(1);
    await expect(
      writeTable({ ...base(), selectSql: rows(40), mode: 'overwrite', beforeCommit: async () => {
        throw new FloeError('source', 'too many rejects');
      } }),
    ).rejects.toThrow('too many rejects');
    const after = await loadTable(catalog, io, id);
    expect(after.metadataLocation).toBe(before.metadataLocation);
    expect(await files()).toEqual(existing);
  });
});
