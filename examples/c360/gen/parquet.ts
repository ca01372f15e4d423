/**
 * Writes web events to Parquet through DuckDB, the engine floe itself uses. The bytes may
 * differ between DuckDB versions; the content (rows, types, order) does not.
 */
import { DuckDBInstance, DuckDBTimestampTZValue, type DuckDBAppender } from '@duckdb/node-api';
import type { WebEvent } from './web.js';

const COLUMNS = `
  event_id VARCHAR NOT NULL, event_time TIMESTAMPTZ NOT NULL, received_at TIMESTAMPTZ NOT NULL,
  session_id VARCHAR NOT NULL, device_id VARCHAR NOT NULL, device_type VARCHAR, event_type VARCHAR NOT NULL,
  page VARCHAR, referrer VARCHAR, utm_source VARCHAR, ip_country VARCHAR, email VARCHAR, loyalty_number VARCHAR`;

const ts = (ms: number) => new DuckDBTimestampTZValue(BigInt(ms) * 1000n);
const text = (a: DuckDBAppender, v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));

export async function writeEventsParquet(path: string, events: readonly WebEvent[]): Promise<void> {
  // No extension downloads: fail at once rather than hang offline (TECH-NOTES, DuckDB).
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '1' });
  const con = await db.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    await con.run(`CREATE TABLE events (${COLUMNS})`);
    const a = await con.createAppender('events');
    for (const e of events) {
      a.appendVarchar(e.event_id);
      a.appendTimestampTZ(ts(e.event_time));
      a.appendTimestampTZ(ts(e.received_at));
      a.appendVarchar(e.session_id);
      a.appendVarchar(e.device_id);
      text(a, e.device_type);
      a.appendVarchar(e.event_type);
      text(a, e.page);
      text(a, e.referrer);
      text(a, e.utm_source);
      text(a, e.ip_country);
      text(a, e.email);
      text(a, e.loyalty_number);
      a.endRow();
    }
    a.closeSync();
    await con.run(`COPY events TO '${path.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
