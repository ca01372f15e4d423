/**
 * A catalog entry whose metadata_location floe cannot read for reasons other than a missing
 * or undecodable file: a scheme floe has no FileIO for (an `hdfs://` table another engine
 * registered), a relative path, a folder. Each command used to fail with a message about the
 * location alone ("storage scheme "hdfs://" is not supported: …", "cannot read …: EISDIR"),
 * not saying which table it was about; now every read and write names the table and the
 * file, exits 1, and changes nothing.
 */
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, smallCsv, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-bad-pointer-');
let project: string;
let csv: string;

function setPointer(table: string, location: string): void {
  const db = new Database(path.join(project, 'warehouse', 'catalog.db'));
  try {
    const [ns, name] = table.split('.');
    db.prepare('UPDATE iceberg_tables SET metadata_location = ? WHERE table_namespace = ? AND table_name = ?').run(location, ns, name);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  csv = path.join(project, 'a.csv');
  await writeFile(csv, smallCsv(3));
});

describe('a catalog pointer floe cannot read', () => {
  const cases: [string, (table: string) => string, string][] = [
    ['an hdfs:// location', (t) => `hdfs://nn:8020/wh/${t}/metadata/v3.metadata.json`, 'storage scheme "hdfs://" is not supported'],
    ['a relative location', () => 'wh/raw/metadata/v3.metadata.json', 'floe needs an absolute path or a URI'],
    ['a folder', () => path.join(project, 'warehouse', 'raw'), 'EISDIR (it is a folder, not a file)'],
  ];
  for (const [what, pointer, reason] of cases) {
    it(`${what}: describe, snapshots, query and load name the table and the file; exit 1; nothing changes`, async () => {
      const table = `raw.p${cases.findIndex((c) => c[0] === what)}`;
      const first = await floeIn(project, ['load', table, csv]);
      expect(first.code, show(first)).toBe(0);
      const location = pointer(table.replace('.', '/'));
      setPointer(table, location);
      const folder = path.join(project, 'warehouse', ...table.split('.'));
      const files = () => readdirSync(folder, { recursive: true }).sort();
      const before = files();
      for (const args of [['describe', table], ['snapshots', table], ['query', `SELECT count(*) FROM ${table}`], ['load', table, csv]]) {
        const r = await floeIn(project, args);
        expectFailure(r, 1, [`table ${table}: cannot read its current metadata file: `, location, reason]);
      }
      expect(catalogPointer(project, table)).toBe(location);
      expect(files()).toEqual(before);
    }, 60_000);
  }
});
