/**
 * A sqlite source's `connection:` given as a URI, as `catalog.uri` takes one (`sqlite:crm.db`,
 * SQLAlchemy's `sqlite:///crm.db`, JDBC's `jdbc:sqlite:/abs/crm.db`): it was read as a file
 * named `sqlite:crm.db` in the project folder, and the run failed "no such file". It names
 * the same file the catalog's URI would.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('sqlite source connection as a URI', () => {
  it('sqlite:, sqlite:/// and jdbc:sqlite: name the database file as in catalog.uri', async () => {
    const p = await newProject();
    const file = join(p.dir, 'crm.db');
    const db = new Database(file);
    db.exec("CREATE TABLE contacts (id INTEGER, name TEXT); INSERT INTO contacts VALUES (1, 'a'), (2, 'b')");
    db.close();
    const forms = { plain: 'sqlite:crm.db', alchemy: 'sqlite:///crm.db', jdbc: `jdbc:sqlite:${file}` };
    for (const [name, uri] of Object.entries(forms)) {
      await p.pipeline(name, `source: { kind: sqlite, connection: "${uri}", table: contacts }\ntarget: { table: raw.${name} }\n`);
    }
    await p.run(['--all']);
    for (const name of Object.keys(forms)) {
      const rows = await p.query(`SELECT id, name FROM raw.${name} ORDER BY id`);
      expect(rows.map((r) => [Number(r.id), r.name]), name).toEqual([
        [1, 'a'],
        [2, 'b'],
      ]);
    }
  }, 60_000);

  it('a missing file is named as the URI resolves it', async () => {
    const p = await newProject();
    await p.pipeline('gone', 'source: { kind: sqlite, connection: "sqlite:nope.db", table: contacts }\ntarget: { table: raw.gone }\n');
    const r = await p.run(['gone'], 1);
    expect(r.stderr, show(r)).toContain(join(p.dir, 'nope.db'));
    expect(r.stderr).not.toContain('sqlite:nope.db');
  }, 60_000);
});
