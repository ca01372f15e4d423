/**
 * Compaction of a format v3 table: floe does not write v3 row lineage yet, so the rewrite is
 * refused as unsupported before any file is written (it failed at the commit with an internal
 * error, "snapshot ... has no first-row-id"), the table unchanged; the dry run still plans.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import type { TableIdentifier } from '../../src/iceberg/types.js';
import { compactTable } from '../../src/table/compact/execute.js';
import { parseStrategy } from '../../src/table/compact/strategy.js';
import { commitTable } from '../../src/table/commit.js';
import { loadTable } from '../../src/table/load.js';
import { appendTinyFiles, createEmpty, useCompactEnv } from '../table/compact/helpers.js';

const env = useCompactEnv('floe-maint-v3-');


describe('compact on a format v3 table', () => {
  it('is refused as unsupported, naming the table, with nothing written or committed', async () => {
    const id: TableIdentifier = { namespace: ['db'], name: 'v3' };
    await createEmpty(env, id);
    await appendTinyFiles(env, id, 0, 6, 4);
    await commitTable(env.catalog, env.io, id, async () => ({ requirements: [], updates: [{ action: 'upgrade-format-version', 'format-version': 3 }] }));
    const before = await loadTable(env.catalog, env.io, id);
    expect(before.metadata['format-version']).toBe(3);
    const dataDir = join(env.warehouse, 'db', 'v3', 'data');
    const filesBefore = (await readdir(dataDir)).sort();

    const dry = await compactTable({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}), dryRun: true });
    expect(dry.plan.groups).toHaveLength(1);
    const e = await compactTable({ catalog: env.catalog, io: env.io, engine: env.engine, id, strategy: parseStrategy({}) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('unsupported');
    expect((e as FloeError).message).toContain('table db.v3 is format v3');
    expect((await loadTable(env.catalog, env.io, id)).metadataLocation).toBe(before.metadataLocation);
    expect((await readdir(dataDir)).sort()).toEqual(filesBefore);
  });
});
