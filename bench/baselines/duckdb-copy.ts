/**
 * Baseline A of scenario 1: DuckDB alone turns the CSV into one zstd Parquet file, in its
 * own process, with @duckdb/node-api and default settings. No Iceberg metadata is written,
 * so this is the floor for `floe load`: the same engine doing only the data-file part.
 *
 * Usage: node duckdb-copy.mjs <csv> <out.parquet>. Prints {"rows": "...", "duckdb": "..."}.
 * The runner transpiles this file to .cache/bench/baselines/duckdb-copy.mjs and runs it
 * with plain node, as floe runs from dist/: no TypeScript loader in either measurement.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, out] = process.argv.slice(2);
if (!csv || !out) {
  process.stderr.write('usage: duckdb-copy <csv> <out.parquet>\n');
  process.exit(2);
}
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

// As floe does: no extension downloads (see TECH-NOTES); nothing here needs one.
const instance = await DuckDBInstance.create(':memory:', {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
});
const conn = await instance.connect();
const copied = await conn.runAndReadAll(`COPY (FROM read_csv(${lit(csv)})) TO ${lit(out)} (FORMAT parquet, COMPRESSION zstd)`);
const rows = copied.getRows()[0]?.[0];
const version = (await conn.runAndReadAll('SELECT version()')).getRows()[0]?.[0];
conn.closeSync();
instance.closeSync();
process.stdout.write(JSON.stringify({ rows: String(rows), duckdb: String(version) }) + '\n');
