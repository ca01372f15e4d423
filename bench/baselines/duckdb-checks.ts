/**
 * Baseline of the checks scenario: the same 8 checks as the candidate's pipeline, written by
 * hand as one DuckDB query each over the table's Parquet data files, in its own process.
 * This is the floor for `floe check`: the same engine, with no Iceberg planning, no views,
 * no result bookkeeping.
 *
 * Usage: node duckdb-checks.mjs <parquet glob>. Prints {"passed": N, "failed": [names]}.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [glob] = process.argv.slice(2);
if (!glob) {
  process.stderr.write('usage: duckdb-checks <parquet glob>\n');
  process.exit(2);
}
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const COUNTRIES = 'US CA GB DE FR NL ES IT SE PL BR MX JP IN AU ZA'.split(' ');

const instance = await DuckDBInstance.create(':memory:', {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
});
const conn = await instance.connect();
await conn.run(`CREATE VIEW t AS SELECT * FROM read_parquet(${lit(glob)})`);
const one = async (sql: string): Promise<unknown> => (await conn.runAndReadAll(sql)).getRows()[0]?.[0];

// Each query returns a value that is 0 (or true) when the check holds.
const checks: [string, string, (v: unknown) => boolean][] = [
  ['row_count', 'SELECT count(*) FROM t', (v) => Number(v) >= 1],
  ['not_null', 'SELECT count(*) FILTER (WHERE id IS NULL OR customer_id IS NULL) FROM t', (v) => Number(v) === 0],
  ['unique', 'SELECT count(*) FROM (SELECT id FROM t WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1)', (v) => Number(v) === 0],
  ['accepted_values', `SELECT count(*) FROM t WHERE country IS NOT NULL AND country NOT IN (${COUNTRIES.map(lit).join(', ')})`, (v) => Number(v) === 0],
  ['range', 'SELECT count(*) FROM t WHERE quantity < -1000 OR quantity > 100000', (v) => Number(v) === 0],
  ['missing_percent', 'SELECT 100.0 * count(*) FILTER (WHERE amount IS NULL) / count(*) FROM t', (v) => Number(v) <= 5],
  ['format', "SELECT count(*) FROM t WHERE country IS NOT NULL AND NOT regexp_full_match(country, '[A-Z]{2}')", (v) => Number(v) === 0],
  ['freshness', "SELECT now()::TIMESTAMP - max(created_at) <= INTERVAL 36500 DAY FROM t", (v) => v === true],
];
const failed: string[] = [];
for (const [name, sql, ok] of checks) if (!ok(await one(sql))) failed.push(name);
conn.closeSync();
instance.closeSync();
process.stdout.write(JSON.stringify({ passed: checks.length - failed.length, failed }) + '\n');
