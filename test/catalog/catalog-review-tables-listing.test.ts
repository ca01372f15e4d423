/**
 * `floe tables` prints one table a line, but a table name another engine wrote may hold a line
 * break or a terminal escape (PyIceberg's SqlCatalog accepts `("raw", "evil\nraw.t")`): the
 * listing showed `raw.evil` and a second `raw.t`, so a script reading it acted on a table that
 * is not there and on raw.t twice. Control characters are now printed escaped (`\x0a`);
 * `--json` gives the names as stored.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floeOk, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-catalog-tables-listing-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  writeFileSync(path.join(project, 'a.csv'), 'id\n1\n');
  await floeOk(project, ['load', 'raw.t', path.join(project, 'a.csv')]);
  const db = new Database(path.join(project, 'warehouse', 'catalog.db'));
  try {
    const insert = db.prepare(`INSERT INTO iceberg_tables VALUES ('floe', 'raw', ?, ?, NULL, NULL)`);
    insert.run('evil\nraw.t', path.join(project, 'other/evil/metadata/00000-a.metadata.json'));
    insert.run('red\u001b[31m', path.join(project, 'other/red/metadata/00000-a.metadata.json'));
  } finally {
    db.close();
  }
});

describe('floe tables with names holding control characters', () => {
  it('prints one line per table, the control characters escaped', async () => {
    const r = await floeOk(project, ['tables']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toEqual(['floe.audit_log', 'raw.evil\\x0araw.t', 'raw.red\\x1b[31m', 'raw.t']);
    expect(r.stdout).not.toContain('\u001b');
  });

  it('--json gives the names as stored', async () => {
    const r = await floeOk(project, ['tables', '--json']);
    expect(JSON.parse(r.stdout)).toEqual(['floe.audit_log', 'raw.evil\nraw.t', 'raw.red\u001b[31m', 'raw.t']);
  });
});
