/**
 * The SQL catalog: Iceberg Java's JdbcCatalog / PyIceberg's SqlCatalog tables, so those
 * engines open floe's catalog directly and floe opens theirs.
 *
 * DDL decision (checked against JdbcUtil.java in iceberg 1.9/1.10 and pyiceberg/catalog/sql.py):
 * - `iceberg_tables` is the five columns both write (VARCHAR(255) names, VARCHAR(1000)
 *   locations, PK (catalog_name, table_namespace, table_name)) **plus Java's V1
 *   `iceberg_type VARCHAR(5)`** (what `jdbc.schema-version=V1` adds with ALTER TABLE).
 *   - Java 1.9/1.10 looks for that column first and, when present, runs in V1 (views
 *     supported) whatever `jdbc.schema-version` says, without altering anything. Without it,
 *     a default (V0) Java client still works, but Trino's JDBC catalog (V1 by default, and
 *     it never creates or alters tables) would not, and Java would refuse views.
 *   - PyIceberg maps only the five columns: it ignores the sixth and inserts NULL, which
 *     Java's V1 queries read as a table (`iceberg_type = 'TABLE' OR iceberg_type IS NULL`).
 * - `iceberg_namespace_properties` is PyIceberg's form (key and value NOT NULL; Java's has
 *   them nullable but never writes NULL), the same shape as the fixtures' catalogs.
 * - Catalogs created by others are never altered: when `iceberg_type` is missing we run
 *   the V0 statements, when it is there we write 'TABLE' and skip Java's views.
 * - floe's own `floe_location_mappings` side table is ignored by the other engines.
 * Checked by hand against PyIceberg 0.12 (SqlCatalog: list, create, append, load after a floe
 * commit, drop) and JdbcCatalog from iceberg-spark-runtime 1.10.1 with sqlite-jdbc (list,
 * create, commit, create a view in floe's catalog; floe opening a catalog Java created).
 *
 * Namespaces are stored as levels joined with '.'; a namespace exists when it has a row
 * in `iceberg_namespace_properties` (the `exists`='true' row both engines write) or a table,
 * itself or below it (JdbcCatalog.namespaceExists).
 */
import type { Catalog, CatalogTableEntry, CommitTablesResult, LocationMapping, TableSwap } from './catalog.js';
import { killInCommitIfAsked } from './fault.js';
import { alreadyExists, configError, corruptError, FloeError, ioError, notFound } from '../errors.js';
import type { TableIdentifier } from '../iceberg/types.js';
import { formatNamespace, formatTableIdentifier, validateNamespace, validateTableIdentifier } from './identifier.js';
import { escapeLike, insertIgnoreSql, upsertSql, type SqlConnection, type SqlExecutor } from './sql-dialect.js';
import { rootsOverlap, tableRoot } from './table-root.js';

const TABLES = 'iceberg_tables';
const NS_PROPS = 'iceberg_namespace_properties';
const MAPPINGS = 'floe_location_mappings';

export const CREATE_TABLES_SQL = `CREATE TABLE ${TABLES} (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name)
)`;

export const CREATE_NAMESPACE_PROPERTIES_SQL = `CREATE TABLE ${NS_PROPS} (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255) NOT NULL,
  property_value VARCHAR(1000) NOT NULL,
  PRIMARY KEY (catalog_name, namespace, property_key)
)`;

// VARCHAR(1000) like the locations they rewrite; one row per (table, from_prefix).
export const CREATE_LOCATION_MAPPINGS_SQL = `CREATE TABLE ${MAPPINGS} (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  from_prefix VARCHAR(1000) NOT NULL,
  to_prefix VARCHAR(1000) NOT NULL,
  PRIMARY KEY (catalog_name, table_namespace, table_name, from_prefix)
)`;

/** The reserved property both engines write when a namespace is created. */
const NAMESPACE_EXISTS = 'exists';

export class SqlCatalog implements Catalog {
  /** Java V1 schema present: filter out views, mark our rows as tables. */
  private constructor(
    private readonly conn: SqlConnection,
    readonly name: string,
    private readonly hasIcebergType: boolean,
  ) {}

  /** Creates the catalog tables that are missing, then detects the schema version. */
  static async open(conn: SqlConnection, name: string): Promise<SqlCatalog> {
    const d = conn.dialect;
    const exists = async (x: SqlExecutor, t: string) => (await x.query(d.placeholders(d.tableExistsSql), [t])).length > 0;
    const wanted: [string, string][] = [
      [TABLES, CREATE_TABLES_SQL],
      [NS_PROPS, CREATE_NAMESPACE_PROPERTIES_SQL],
      [MAPPINGS, CREATE_LOCATION_MAPPINGS_SQL],
    ];
    const missing: [string, string][] = [];
    for (const w of wanted) if (!(await exists(conn, w[0]))) missing.push(w);
    if (missing.length > 0) {
      try {
        await conn.transaction(async (tx) => {
          // Re-checked under the write lock: another process may have just created them.
          for (const [t, ddl] of missing) if (!(await exists(tx, t))) await tx.execute(ddl);
        });
      } catch (e) {
        // A read-only catalog someone else created: reading it works without our side table.
        const readable = missing.every(([t]) => t === MAPPINGS);
        if (!(readable && d.isReadOnly(e))) throw conn.setupError?.(e) ?? wrap(conn, e, 'create the catalog tables');
      }
    }
    return SqlCatalog.detect(conn, name);
  }

  /**
   * Opens the catalog without creating anything (read-only commands): undefined when the
   * database has no `iceberg_tables` yet. floe's side table may be missing (reads then map
   * nothing, as for a read-only catalog someone else created).
   */
  static async openExisting(conn: SqlConnection, name: string): Promise<SqlCatalog | undefined> {
    const d = conn.dialect;
    if ((await conn.query(d.placeholders(d.tableExistsSql), [TABLES])).length === 0) return undefined;
    return SqlCatalog.detect(conn, name);
  }

  private static async detect(conn: SqlConnection, name: string): Promise<SqlCatalog> {
    const d = conn.dialect;
    const columns = await conn.query<{ name: string }>(d.placeholders(d.columnsSql), [TABLES]);
    return new SqlCatalog(conn, name, columns.some((c) => c.name.toLowerCase() === 'iceberg_type'));
  }

  async createNamespace(namespace: string[], properties: Record<string, string> = {}): Promise<void> {
    const ns = formatNamespace(validateNamespace(namespace));
    // Idempotent: callers such as `floe load` create the namespace of a new table on the fly.
    const sql = upsertSql(NS_PROPS, ['catalog_name', 'namespace', 'property_key', 'property_value'], [
      'catalog_name',
      'namespace',
      'property_key',
    ]);
    await this.write('create namespace ' + ns, async (tx) => {
      for (const [k, v] of Object.entries({ ...properties, [NAMESPACE_EXISTS]: 'true' })) {
        await tx.execute(this.sql(sql), [this.name, ns, k, v]);
      }
    });
  }

  async listNamespaces(): Promise<string[][]> {
    const rows = await this.read<{ ns: string }>(
      `SELECT table_namespace AS ns FROM ${TABLES} WHERE catalog_name = ? ` +
        `UNION SELECT namespace AS ns FROM ${NS_PROPS} WHERE catalog_name = ?`,
      [this.name, this.name],
    );
    return rows.map((r) => r.ns).sort().map((ns) => ns.split('.'));
  }

  async namespaceExists(namespace: string[]): Promise<boolean> {
    const ns = formatNamespace(namespace);
    const below = escapeLike(ns) + '.%';
    const rows = await this.read(
      `SELECT 1 AS x FROM ${TABLES} WHERE catalog_name = ? AND (table_namespace = ? OR table_namespace LIKE ? ESCAPE '!') ` +
        `UNION SELECT 1 AS x FROM ${NS_PROPS} WHERE catalog_name = ? AND (namespace = ? OR namespace LIKE ? ESCAPE '!')`,
      [this.name, ns, below, this.name, ns, below],
    );
    return rows.length > 0;
  }

  async listTables(namespace?: string[]): Promise<TableIdentifier[]> {
    const byNs = namespace ? ' AND table_namespace = ?' : '';
    const params = namespace ? [this.name, formatNamespace(namespace)] : [this.name];
    const rows = await this.read<{ table_namespace: string; table_name: string }>(
      `SELECT table_namespace, table_name FROM ${TABLES} WHERE catalog_name = ?${byNs}${this.onlyTables()} ` +
        `ORDER BY table_namespace, table_name`,
      params,
    );
    return rows.map((r) => ({ namespace: r.table_namespace.split('.'), name: r.table_name }));
  }

  async isTableFolder(folder: string): Promise<boolean> {
    const rows = await this.read<{ metadata_location: string }>(`SELECT metadata_location FROM ${TABLES} WHERE metadata_location IS NOT NULL${this.onlyTables()}`, []);
    const root = tableRoot(`${folder.replace(/\/+$/, '')}/metadata/x`);
    return root !== undefined && rows.some((r) => tableRoot(r.metadata_location) === root);
  }

  async getTable(id: TableIdentifier): Promise<CatalogTableEntry> {
    const rows = await this.read<{ metadata_location: string | null; previous_metadata_location: string | null }>(
      `SELECT metadata_location, previous_metadata_location FROM ${TABLES} ` +
        `WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.onlyTables()}`,
      this.key(id),
    );
    const row = rows[0];
    const table = formatTableIdentifier(id);
    if (!row) throw await this.missingTable(id);
    if (!row.metadata_location) {
      throw corruptError(`table ${table} has no metadata location in the catalog (${this.conn.description})`, {
        context: { table, catalog: this.name },
      });
    }
    return { id, metadataLocation: row.metadata_location, previousMetadataLocation: row.previous_metadata_location };
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    const rows = await this.read(
      `SELECT 1 AS x FROM ${TABLES} WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.onlyTables()}`,
      this.key(id),
    );
    return rows.length > 0;
  }

  async createTable(id: TableIdentifier, metadataLocation: string): Promise<void> {
    validateTableIdentifier(id);
    const table = formatTableIdentifier(id);
    const row = this.tableRow(id, metadataLocation);
    try {
      await this.write('create table ' + table, async (tx) => {
        // Checked under the write lock, so two catalogs creating at once cannot both pass.
        await this.refuseSharedFolder(tx, table, metadataLocation);
        await tx.execute(this.sql(`INSERT INTO ${TABLES} (${row.columns.join(', ')}) VALUES (${row.columns.map(() => '?').join(', ')})`), row.values);
        await this.markNamespaceCreated(tx, id);
      });
    } catch (e) {
      if (e instanceof FloeError && this.conn.dialect.isUniqueViolation(e.cause)) {
        // Read after the transaction: a failed INSERT aborts a Postgres one.
        if (await this.isView(this.conn, id)) throw this.viewInTheWay(id);
        throw alreadyExists(`table ${table} already exists in catalog "${this.name}"`, {
          context: { table, catalog: this.name },
          hint: `Use another name, or drop it first with \`floe table drop ${table}\`.`,
        });
      }
      throw e;
    }
  }

  /**
   * Refuses a table whose folder is, holds or lies in the folder of a table of another catalog
   * name in this database (table-root.ts: the orphan sweep and `table drop --purge` of one
   * catalog would delete the other's files). Entries of this catalog may share a folder:
   * the commands that delete files know them.
   */
  private async refuseSharedFolder(tx: SqlExecutor, table: string, metadataLocation: string): Promise<void> {
    const root = tableRoot(metadataLocation);
    if (root === undefined) return;
    const rows = await tx.query<{ catalog_name: string; table_namespace: string; table_name: string; metadata_location: string }>(
      this.sql(`SELECT catalog_name, table_namespace, table_name, metadata_location FROM ${TABLES} WHERE catalog_name <> ? AND metadata_location IS NOT NULL${this.onlyTables()}`),
      [this.name],
    );
    for (const r of rows) {
      const other = tableRoot(r.metadata_location);
      if (other === undefined || !rootsOverlap(root, other)) continue;
      const otherTable = `${r.table_namespace}.${r.table_name}`;
      throw configError(
        `cannot create ${table} in catalog "${this.name}" at ${root}: that folder ${other === root ? 'is' : root.startsWith(other) ? 'lies in' : 'holds'} the folder ${other} of table ${otherTable} of catalog "${r.catalog_name}" in the same ${this.conn.description}`,
        {
          context: { table, catalog: this.name, location: root, otherTable, otherCatalog: r.catalog_name },
          hint: `Give each catalog name its own warehouse (floe.yaml \`warehouse:\`), or use catalog.name "${r.catalog_name}": the orphan sweep and \`table drop --purge\` of one catalog would delete the other's files.`,
        },
      );
    }
  }

  async dropTable(id: TableIdentifier): Promise<void> {
    const dropped = await this.write('drop table ' + formatTableIdentifier(id), async (tx) => {
      const where = 'WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?';
      const n = await tx.execute(this.sql(`DELETE FROM ${TABLES} ${where}${this.onlyTables()}`), this.key(id));
      if (n > 0) await tx.execute(this.sql(`DELETE FROM ${MAPPINGS} ${where}`), this.key(id));
      return n;
    });
    if (dropped === 0) throw await this.missingTable(id);
  }

  async swapMetadataLocation(id: TableIdentifier, expected: string, newLocation: string): Promise<boolean> {
    const swap = this.guardedSwap(id, expected, newLocation);
    const changed = await this.run('commit ' + formatTableIdentifier(id), swap.text, swap.params);
    return changed === 1;
  }

  /**
   * The JdbcCatalog commit: one UPDATE guarded by the expected pointer is the whole
   * compare-and-swap (the database serialises concurrent writers); it changes one row, or none
   * when another writer moved the pointer first. Alone (swapMetadataLocation) or inside
   * commitTables' transaction.
   */
  private guardedSwap(id: TableIdentifier, expected: string, newLocation: string): { text: string; params: string[] } {
    return {
      text:
        `UPDATE ${TABLES} SET metadata_location = ?, previous_metadata_location = ? ` +
        `WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?${this.onlyTables()}`,
      params: [newLocation, expected, ...this.key(id), expected],
    };
  }

  /** A new table's entry in iceberg_tables: no previous pointer; `iceberg_type` TABLE where the column exists. */
  private tableRow(id: TableIdentifier, metadataLocation: string): { columns: string[]; values: (string | null)[] } {
    const columns = ['catalog_name', 'table_namespace', 'table_name', 'metadata_location', 'previous_metadata_location'];
    const values: (string | null)[] = [...this.key(id), metadataLocation, null];
    if (this.hasIcebergType) (columns.push('iceberg_type'), values.push('TABLE'));
    return { columns, values };
  }

  /**
   * Records the table's namespace as created (its `exists` property), if it is not yet: PyIceberg
   * refuses to create a table in a namespace it cannot see as created, and a namespace known
   * only through its tables disappears with its last table.
   */
  private async markNamespaceCreated(tx: SqlExecutor, id: TableIdentifier): Promise<void> {
    const nsRow = insertIgnoreSql(NS_PROPS, ['catalog_name', 'namespace', 'property_key', 'property_value'], ['catalog_name', 'namespace', 'property_key']);
    await tx.execute(this.sql(nsRow), [this.name, formatNamespace(id.namespace), NAMESPACE_EXISTS, 'true']);
  }

  async commitTables(swaps: readonly TableSwap[]): Promise<CommitTablesResult> {
    if (swaps.length === 0) return { committed: true };
    const names = swaps.map((s) => formatTableIdentifier(s.id));
    if (new Set(names).size !== names.length) throw new FloeError('internal', `cannot commit ${names.join(', ')} at once: a table is named twice`);
    for (const s of swaps) if (s.expected === null) validateTableIdentifier(s.id);
    // One order for every transaction, so that two of them updating the same rows lock them
    // in the same order (on Postgres, a row lock is held to COMMIT: no deadlock between them).
    const ordered = swaps.map((s, i) => ({ s, name: names[i]! })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    try {
      await this.write('commit ' + ordered.map((o) => o.name).join(', '), async (tx) => {
        const stale: TableIdentifier[] = [];
        let statements = 0;
        for (const { s, name } of ordered) {
          if (s.expected === null) {
            // A create: the entry must not exist yet (ON CONFLICT DO NOTHING changes no row
            // when it does; a failing INSERT would abort a Postgres transaction instead).
            await this.refuseSharedFolder(tx, name, s.newLocation);
            const row = this.tableRow(s.id, s.newLocation);
            const insert = insertIgnoreSql(TABLES, row.columns, ['catalog_name', 'table_namespace', 'table_name']);
            if ((await tx.execute(this.sql(insert), row.values)) === 1) await this.markNamespaceCreated(tx, s.id);
            else if (await this.isView(tx, s.id)) throw this.viewInTheWay(s.id);
            else stale.push(s.id);
          } else {
            const swap = this.guardedSwap(s.id, s.expected, s.newLocation);
            if ((await tx.execute(this.sql(swap.text), swap.params)) !== 1) stale.push(s.id);
          }
          killInCommitIfAsked(++statements);
        }
        // Rolls the transaction back: a stale pointer anywhere commits nothing anywhere.
        if (stale.length > 0) throw new StaleSwaps(stale);
      });
    } catch (e) {
      if (e instanceof StaleSwaps) return { committed: false, stale: e.stale };
      throw e;
    }
    return { committed: true };
  }

  async getLocationMappings(id: TableIdentifier): Promise<LocationMapping[]> {
    const rows = await this.read<{ from_prefix: string; to_prefix: string }>(
      `SELECT from_prefix, to_prefix FROM ${MAPPINGS} WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? ` +
        `ORDER BY from_prefix`,
      this.key(id),
    ).catch((e: unknown) => {
      // A read-only foreign catalog may lack floe's side table: then nothing is mapped.
      if (e instanceof FloeError && this.conn.dialect.isMissingTable(e.cause)) return [];
      throw e;
    });
    return rows.map((r) => ({ from: r.from_prefix, to: r.to_prefix }));
  }

  async setLocationMappings(id: TableIdentifier, mappings: LocationMapping[]): Promise<void> {
    const table = formatTableIdentifier(id);
    const missing = await this.write('set location mappings of ' + table, async (tx) => {
      const key = this.key(id);
      const found = await tx.query(
        this.sql(`SELECT 1 AS x FROM ${TABLES} WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.onlyTables()}`),
        key,
      );
      if (found.length === 0) return true;
      await tx.execute(this.sql(`DELETE FROM ${MAPPINGS} WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?`), key);
      const insert = upsertSql(MAPPINGS, ['catalog_name', 'table_namespace', 'table_name', 'from_prefix', 'to_prefix'], [
        'catalog_name',
        'table_namespace',
        'table_name',
        'from_prefix',
      ]);
      for (const m of mappings) await tx.execute(this.sql(insert), [...key, m.from, m.to]);
      return false;
    });
    if (missing) throw this.tableNotFound(id);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  private key(id: TableIdentifier): [string, string, string] {
    return [this.name, formatNamespace(id.namespace), id.name];
  }

  private onlyTables(): string {
    return this.hasIcebergType ? ` AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)` : '';
  }

  private sql(text: string): string {
    return this.conn.dialect.placeholders(text);
  }

  /**
   * Whether the name is a view of another engine (Java's V1 `iceberg_type` VIEW, which
   * onlyTables() hides): floe reads and writes tables only, and its entry takes the name.
   */
  private async isView(x: SqlExecutor, id: TableIdentifier): Promise<boolean> {
    if (!this.hasIcebergType) return false;
    try {
      const rows = await x.query(
        this.sql(`SELECT 1 AS x FROM ${TABLES} WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND iceberg_type = 'VIEW'`),
        this.key(id),
      );
      return rows.length > 0;
    } catch (e) {
      throw wrap(this.conn, e, 'read the catalog');
    }
  }

  /** A table that is not there: not-found, saying so when a view has the name. */
  private async missingTable(id: TableIdentifier): Promise<FloeError> {
    if (!(await this.isView(this.conn, id))) return this.tableNotFound(id);
    const table = formatTableIdentifier(id);
    return notFound(`table ${table} does not exist in catalog "${this.name}": ${table} is a view (iceberg_type VIEW, made by another engine), which floe cannot read`, {
      context: { table, catalog: this.name },
      hint: 'Query the view with the engine that made it (Spark, Trino), or read the tables it selects from.',
    });
  }

  /** Creating a table where a view has the name: a config error, not a race another run wins. */
  private viewInTheWay(id: TableIdentifier): FloeError {
    const table = formatTableIdentifier(id);
    return configError(`cannot create table ${table} in catalog "${this.name}": ${table} is a view (iceberg_type VIEW, made by another engine)`, {
      context: { table, catalog: this.name },
      hint: 'Give the table another name, or drop the view with the engine that made it.',
    });
  }

  private tableNotFound(id: TableIdentifier): FloeError {
    const table = formatTableIdentifier(id);
    return notFound(`table ${table} does not exist in catalog "${this.name}"`, {
      context: { table, catalog: this.name },
      hint: 'Run `floe tables` to list the tables in the catalog.',
    });
  }

  private async read<T extends Record<string, unknown>>(text: string, params: (string | null)[]): Promise<T[]> {
    try {
      return await this.conn.query<T>(this.sql(text), params);
    } catch (e) {
      throw wrap(this.conn, e, 'read the catalog');
    }
  }

  private async run(what: string, text: string, params: (string | null)[]): Promise<number> {
    try {
      return await this.conn.execute(this.sql(text), params);
    } catch (e) {
      throw wrap(this.conn, e, what);
    }
  }

  private async write<T>(what: string, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.conn.transaction(fn);
    } catch (e) {
      throw wrap(this.conn, e, what);
    }
  }
}

/** Thrown inside commitTables' transaction to roll it back when a pointer was stale. */
class StaleSwaps extends FloeError {
  constructor(readonly stale: TableIdentifier[]) {
    super('conflict', `${stale.map(formatTableIdentifier).join(', ')} changed by another writer`);
  }
}

/** Database errors become io errors naming the catalog; lock timeouts are retryable. */
function wrap(conn: SqlConnection, e: unknown, what: string): FloeError {
  if (e instanceof FloeError) return e;
  const d = conn.dialect;
  const code = String((e as { code?: unknown })?.code ?? 'unknown');
  const detail = e instanceof Error ? e.message : String(e);
  if (d.isBusy(e)) {
    return ioError(`cannot ${what}: the ${conn.description} stayed locked by another writer (${code})`, {
      cause: e,
      retryable: true,
      context: { catalog: conn.description, code },
      hint: 'Another floe, Spark or PyIceberg process holds the catalog; retry when it has finished.',
    });
  }
  return ioError(`cannot ${what} in the ${conn.description}: ${detail} (${code})`, {
    cause: e,
    context: { catalog: conn.description, code },
  });
}
