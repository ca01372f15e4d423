/**
 * The committed Customer 360 example sources (examples/c360/data) are exactly what the
 * seeded generator makes: text files byte for byte; SQLite and Parquet by content, since
 * their bytes may legitimately differ between library versions.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, generate } from '../../examples/c360/gen/index.js';

const committed = join(import.meta.dirname, '../../examples/c360/data');
let fresh: string;

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => relative(dir, join(dir, f)))
    .sort();
}

function sqliteContent(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    const schema = db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all();
    // typeof() too: the same text in an INTEGER-typed slot would be different data.
    const rows = db.prepare('SELECT *, typeof(marketing_opt_in) AS opt_in_type FROM contacts ORDER BY contact_id').all();
    return { schema, rows };
  } finally {
    db.close();
  }
}

async function parquetContent(path: string): Promise<unknown> {
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const con = await db.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    const file = path.replace(/'/g, "''");
    const schema = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
    // file_row_number keeps the stored order, which is part of the content (arrival order).
    const rows = (await con.runAndReadAll(`SELECT * FROM read_parquet('${file}', file_row_number = true) ORDER BY file_row_number`)).getRowObjectsJson();
    return { schema, rows };
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe('examples/c360 sources', () => {
  beforeAll(async () => {
    fresh = mkdtempSync(join(tmpdir(), 'floe-c360-'));
    await generate({ ...DEFAULTS, out: fresh });
  });
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('regenerates the same set of files', () => {
    expect(files(fresh)).toEqual(files(committed));
  });

  it('regenerates every CSV, JSONL and the ground truth byte for byte', () => {
    const text = files(committed).filter((f) => /\.(csv|jsonl)$/.test(f));
    expect(text.length).toBeGreaterThan(20);
    for (const f of text) expect(readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f))), f).toBe(true);
  });

  it('regenerates the same CRM database content', () => {
    expect(sqliteContent(join(fresh, 'crm.db'))).toEqual(sqliteContent(join(committed, 'crm.db')));
  });

  it('regenerates the same web events content', async () => {
    expect(await parquetContent(join(fresh, 'web/events.parquet'))).toEqual(await parquetContent(join(committed, 'web/events.parquet')));
  });

  it('stays small enough to commit', () => {
    const bytes = files(committed).reduce((s, f) => s + statSync(join(committed, f)).size, 0);
    expect(bytes).toBeLessThan(5_000_000);
  });
});
