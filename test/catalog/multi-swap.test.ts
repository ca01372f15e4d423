/**
 * Catalog.commitTables: several tables' pointers (and new tables' entries) move in one
 * database transaction, each guarded by its expected location: all of them, or none when
 * one is stale. On the SQLite catalog and on the Postgres test server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { MissingCatalog } from '../../src/catalog/missing.js';
import { observeCatalogChanges, type CatalogChange } from '../../src/catalog/observe.js';
import { openCatalog } from '../../src/catalog/open.js';
import { rejection } from '../helpers/rejection.js';
import { createTestSchema, type TestSchema } from './postgres-db.js';

const c360 = (name: string) => ({ namespace: ['c360'], name });

interface Backend {
  open(): Promise<Catalog>;
  /** previous_metadata_location of a table, read straight from the database. */
  previous(name: string): Promise<string | null>;
}

let dir: string;
let db: TestSchema;
const opened: Catalog[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floe-multi-swap-'));
  db = await createTestSchema('multiswap');
});
afterAll(async () => {
  for (const c of opened.splice(0)) await c.close();
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

let n = 0;
const backends: Record<string, () => Backend> = {
  sqlite: () => {
    const file = join(dir, `catalog-${++n}.db`);
    let first: Catalog | undefined;
    return {
      open: async () => {
        const c = await openCatalog({ uri: `sqlite:${file}`, name: 'floe' }, dir);
        opened.push(c);
        first ??= c;
        return c;
      },
      previous: async (name) => {
        const Database = (await import('better-sqlite3')).default;
        const d = new Database(file, { readonly: true });
        try {
          return (d.prepare('SELECT previous_metadata_location AS p FROM iceberg_tables WHERE table_name = ?').get(name) as { p: string | null }).p;
        } finally {
          d.close();
        }
      },
    };
  },
  postgres: () => {
    const name = `floe${++n}`;
    return {
      open: async () => {
        const c = await openCatalog({ uri: db.url, name }, '/nowhere');
        opened.push(c);
        return c;
      },
      previous: async (table) =>
        (await db.query<{ p: string | null }>('SELECT previous_metadata_location AS p FROM iceberg_tables WHERE catalog_name = $1 AND table_name = $2', [name, table]))[0]!.p,
    };
  },
};

for (const [kind, backend] of Object.entries(backends)) {
  describe(`commitTables on the ${kind} catalog`, () => {
    async function threeTables(b: Backend) {
      const c = await b.open();
      await c.createNamespace(['c360']);
      await c.createTable(c360('profiles'), `/w/${kind}${n}/profiles/m/0.json`);
      await c.createTable(c360('identity_map'), `/w/${kind}${n}/identity_map/m/0.json`);
      return c;
    }
    const at = async (c: Catalog, name: string) => ((await c.tableExists(c360(name))) ? (await c.getTable(c360(name))).metadataLocation : 'absent');

    it('moves every pointer and creates the new table in one commit', async () => {
      const b = backend();
      const c = await threeTables(b);
      const p0 = await at(c, 'profiles');
      const m0 = await at(c, 'identity_map');
      const seen: CatalogChange[] = [];
      const stop = observeCatalogChanges((ch) => seen.push(ch));
      const r = await c.commitTables([
        { id: c360('profiles'), expected: p0, newLocation: p0.replace('0.json', '1.json') },
        { id: c360('identity_map'), expected: m0, newLocation: m0.replace('0.json', '1.json') },
        { id: c360('identity_changes'), expected: null, newLocation: `/w/${kind}${n}/identity_changes/m/0.json` },
      ]);
      stop();
      expect(r).toEqual({ committed: true });
      expect(await at(c, 'profiles')).toBe(p0.replace('0.json', '1.json'));
      expect(await at(c, 'identity_map')).toBe(m0.replace('0.json', '1.json'));
      expect(await at(c, 'identity_changes')).toBe(`/w/${kind}${n}/identity_changes/m/0.json`);
      expect(await b.previous('profiles')).toBe(p0);
      expect(await b.previous('identity_changes')).toBeNull();
      // Another process (a new catalog on the same database) sees all of it.
      const other = await b.open();
      expect(await at(other, 'identity_map')).toBe(m0.replace('0.json', '1.json'));
      expect(await other.listTables(['c360'])).toHaveLength(3);
      // The audit log's observers hear of each table once.
      expect(seen.map((s) => `${s.kind} ${s.id.name}`).sort()).toEqual(['commit identity_map', 'commit profiles', 'create identity_changes']);
    });

    it('changes nothing when one expected location is stale, and names that table', async () => {
      const b = backend();
      const c = await threeTables(b);
      const p0 = await at(c, 'profiles');
      const m0 = await at(c, 'identity_map');
      // Another writer moves the map after this one read it.
      const other = await b.open();
      expect(await other.swapMetadataLocation(c360('identity_map'), m0, m0.replace('0.json', 'theirs.json'))).toBe(true);
      const seen: CatalogChange[] = [];
      const stop = observeCatalogChanges((ch) => seen.push(ch));
      const r = await c.commitTables([
        { id: c360('profiles'), expected: p0, newLocation: p0.replace('0.json', '1.json') },
        { id: c360('identity_map'), expected: m0, newLocation: m0.replace('0.json', '1.json') },
        { id: c360('identity_changes'), expected: null, newLocation: `/w/${kind}${n}/identity_changes/m/0.json` },
      ]);
      stop();
      expect(r).toEqual({ committed: false, stale: [c360('identity_map')] });
      expect(seen).toEqual([]);
      // The profiles swap that would have succeeded on its own, and the create, were rolled back.
      expect(await at(c, 'profiles')).toBe(p0);
      expect(await at(c, 'identity_map')).toBe(m0.replace('0.json', 'theirs.json'));
      expect(await at(c, 'identity_changes')).toBe('absent');
      expect(await b.previous('profiles')).toBeNull();
      // Retried against the fresh pointer, it commits.
      const m1 = await at(c, 'identity_map');
      expect(
        await c.commitTables([
          { id: c360('profiles'), expected: p0, newLocation: p0.replace('0.json', '1.json') },
          { id: c360('identity_map'), expected: m1, newLocation: m0.replace('0.json', '2.json') },
        ]),
      ).toEqual({ committed: true });
      expect(await at(c, 'profiles')).toBe(p0.replace('0.json', '1.json'));
    });

    it('treats a create of a table that exists as stale: nothing is committed', async () => {
      const b = backend();
      const c = await threeTables(b);
      const p0 = await at(c, 'profiles');
      const m0 = await at(c, 'identity_map');
      const r = await c.commitTables([
        { id: c360('profiles'), expected: p0, newLocation: p0.replace('0.json', '1.json') },
        { id: c360('identity_map'), expected: null, newLocation: `/w/${kind}${n}/identity_map/m/other.json` },
      ]);
      expect(r).toEqual({ committed: false, stale: [c360('identity_map')] });
      expect(await at(c, 'profiles')).toBe(p0);
      expect(await at(c, 'identity_map')).toBe(m0);
    });

    // Two SQLite connections of one process cannot race: the second BEGIN IMMEDIATE blocks the
    // thread the first needs to finish (multi-swap-race.test.ts races processes instead).
    if (kind === 'postgres') it('of two commits racing over the same tables from two connections, exactly one wins', async () => {
      const b = backend();
      const c = await threeTables(b);
      const other = await b.open();
      const p0 = await at(c, 'profiles');
      const m0 = await at(c, 'identity_map');
      const commit = (cat: Catalog, tag: string) =>
        cat.commitTables([
          { id: c360('identity_map'), expected: m0, newLocation: m0.replace('0.json', `${tag}.json`) },
          { id: c360('profiles'), expected: p0, newLocation: p0.replace('0.json', `${tag}.json`) },
        ]);
      const rs = await Promise.all([commit(c, 'a'), commit(other, 'b')]);
      expect(rs.filter((r) => r.committed)).toHaveLength(1);
      const tag = rs[0]!.committed ? 'a' : 'b';
      expect(await at(c, 'profiles')).toBe(p0.replace('0.json', `${tag}.json`));
      expect(await at(c, 'identity_map')).toBe(m0.replace('0.json', `${tag}.json`));
    });

    it('refuses a table named twice', async () => {
      const c = await threeTables(backend());
      const p0 = await at(c, 'profiles');
      const e = await rejection(
        c.commitTables([
          { id: c360('profiles'), expected: p0, newLocation: '/x/1.json' },
          { id: c360('profiles'), expected: p0, newLocation: '/x/2.json' },
        ]),
      );
      expect(e.kind).toBe('internal');
      expect(await at(c, 'profiles')).toBe(p0);
    });
  });
}

describe('commitTables on a catalog opened read-only before it exists', () => {
  it('is refused, like every write', async () => {
    const c = new MissingCatalog('floe', 'SQLite catalog /nowhere/catalog.db');
    const e = await rejection(c.commitTables([{ id: c360('profiles'), expected: null, newLocation: '/x.json' }]));
    expect(e.kind).toBe('internal');
    expect(e.message).toContain('cannot commit');
  });
});
