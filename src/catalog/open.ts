/**
 * Opens the catalog named by floe.yaml's `catalog:` section (DESIGN §4).
 *
 * Accepted `uri` forms:
 * - `sqlite:./warehouse/catalog.db`, `sqlite:warehouse/catalog.db`: relative to the folder
 *   of floe.yaml (`baseDir`), not the working directory, so a project behaves the same
 *   from any folder;
 * - `sqlite:/abs/path.db`;
 * - SQLAlchemy URLs as PyIceberg users write them: `sqlite:///rel.db` (relative) and
 *   `sqlite:////abs/path.db` (absolute), so a PyIceberg config can be pasted as is;
 * - Java's `jdbc:sqlite:/abs/path.db` (also `jdbc:sqlite:file:/abs/path.db`);
 * - `sqlite::memory:`, a private catalog that lives as long as the process (tests);
 * - `postgresql://user:password@host:port/database` (also `postgres://`, SQLAlchemy's
 *   `postgresql+psycopg2://` and JDBC's `jdbc:postgresql://…?user=…&password=…`): the shared
 *   catalog many floe processes, Spark, Trino and PyIceberg commit to (postgres.ts,
 *   docs/CATALOG.md). The password may also come from PGPASSWORD.
 *
 * The URI itself is never echoed in an error: a Postgres URL may carry a password.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Catalog } from './catalog.js';
import { configError } from '../errors.js';
import { SqlCatalog } from './sql.js';
import type { SqlConnection } from './sql-dialect.js';
import { MissingCatalog } from './missing.js';
import { withObservers } from './observe.js';
import { openSqlite } from './sqlite.js';

export interface CatalogConfig {
  uri: string;
  /** The `catalog_name` column value; engines sharing the database must agree on it. */
  name: string;
}

export type CatalogTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; uri: string };

/** Where a catalog URI points, with relative SQLite paths resolved against `baseDir`. */
export function parseCatalogUri(uri: string, baseDir: string): CatalogTarget {
  const u = uri.trim().replace(/^jdbc:/i, '');
  if (/^postgres(ql)?(\+[a-z0-9]+)?:/i.test(u)) return { kind: 'postgres', uri: u };
  const m = /^sqlite:(.*)$/is.exec(u);
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u)?.[1];
    throw configError(
      scheme ? `catalog.uri: unsupported scheme "${scheme}:"` : 'catalog.uri: expected sqlite:PATH or postgresql://…',
      { context: { field: 'catalog.uri' }, hint: 'For example `uri: sqlite:./warehouse/catalog.db`.' },
    );
  }
  let rest = m[1]!;
  // `?…` is the driver's connection parameters (sqlite-jdbc's `?busy_timeout=5000`,
  // SQLAlchemy's `?check_same_thread=false`, SQLite URI filenames' `?mode=…`), not part of the
  // file name: read as part of it, a pasted Spark or PyIceberg URI made floe create and use a
  // new, empty catalog beside the real one. floe takes none of them.
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  // `sqlite://` is SQLAlchemy's spelling of an in-memory database.
  if (rest === ':memory:' || rest === '//') return { kind: 'sqlite', path: ':memory:' };
  if (rest.startsWith('//')) {
    if (!rest.startsWith('///')) {
      throw configError('catalog.uri: a sqlite:// URI takes no host; write sqlite:PATH or sqlite:////abs/path', {
        context: { field: 'catalog.uri' },
      });
    }
    // SQLAlchemy: sqlite:///rel.db is relative, sqlite:////abs.db absolute (one slash is the separator).
    rest = rest.slice(3);
  } else if (rest.startsWith('file:')) {
    // A SQLite URI filename: percent-encoded (`file:/my%20dir/c.db`).
    rest = rest.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    try {
      rest = decodeURIComponent(rest);
    } catch {
      throw configError('catalog.uri: bad percent-encoding in the sqlite file: URI', { context: { field: 'catalog.uri' } });
    }
  }
  if (rest === '') throw configError('catalog.uri: the sqlite: URI has no file path', { context: { field: 'catalog.uri' } });
  // `sqlite:///:memory:` (SQLAlchemy), `jdbc:sqlite:file::memory:` (SQLite URI): not a file called ':memory:'.
  if (rest === ':memory:') return { kind: 'sqlite', path: ':memory:' };
  const path = isAbsolute(rest) ? rest : resolve(baseDir, rest);
  return { kind: 'sqlite', path };
}

export interface OpenCatalogOptions {
  /**
   * false for read-only commands (`plan`, `tables`, `describe`, `query`, …): nothing is
   * created — no SQLite file or folder, no catalog tables in Postgres — and a catalog that
   * does not exist yet opens as an empty MissingCatalog (missing.ts). Default true.
   */
  create?: boolean;
}

/**
 * Opens the catalog, creating the database file, its folder and the catalog tables when
 * they are missing (unless `create: false`). The driver is loaded here, lazily, so commands
 * that never touch the catalog (`floe --help`, `floe validate`) do not load it.
 */
export async function openCatalog(config: CatalogConfig, baseDir: string, options: OpenCatalogOptions = {}): Promise<Catalog> {
  const name = config.name?.trim() ?? '';
  if (name === '' || name.length > 255) {
    throw configError('catalog.name must be a non-empty string of at most 255 characters', {
      context: { field: 'catalog.name' },
    });
  }
  const target = parseCatalogUri(config.uri, baseDir);
  const create = options.create ?? true;
  if (!create && target.kind === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
    return new MissingCatalog(name, `SQLite catalog ${target.path}`);
  }
  const conn: SqlConnection =
    target.kind === 'postgres'
      ? await (await import('./postgres.js')).openPostgres(target.uri)
      : await openSqlite(target.path, { mustExist: !create && target.path !== ':memory:', readOnly: !create });
  try {
    if (!create) {
      const existing = await SqlCatalog.openExisting(conn, name);
      if (existing === undefined) {
        await conn.requireSchema?.();
        await conn.close();
        return new MissingCatalog(name, conn.description);
      }
      return withObservers(existing);
    }
    // Changes are reported to process-wide observers (the audit log, observe.ts).
    return withObservers(await SqlCatalog.open(conn, name));
  } catch (e) {
    await conn.close();
    throw e;
  }
}
