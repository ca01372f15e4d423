/**
 * Bad input: a Postgres catalog that is down. Every command that needs the catalog exits 1
 * with a message naming host:port/database, never the password (given through ${VAR}
 * interpolation, as a user would), with no stack trace, in text and in --json output; and
 * nothing is written to the warehouse.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectFailure, floeIn, show, smallCsv, useTmpDirs } from './helpers.js';

const tmp = useTmpDirs('floe-cli-catalog-down-');
const PASSWORD = 'pw_catalog_down_Zq9x';
// Port 1 on loopback: nothing listens there, so every connection is refused at once.
const WHERE = '127.0.0.1:1/lake';
const env = { CATALOG_PASSWORD: PASSWORD };
let project: string;
let csv: string;

beforeAll(async () => {
  assertBuilt();
  project = await tmp();
  await writeFile(
    path.join(project, 'floe.yaml'),
    ['warehouse: ./warehouse', 'catalog:', `  uri: postgresql://floe:\${CATALOG_PASSWORD}@${WHERE}`, '  name: floe', ''].join('\n'),
  );
  csv = path.join(project, 'in.csv');
  await writeFile(csv, smallCsv(5));
  await mkdir(path.join(project, 'pipelines'));
  await writeFile(
    path.join(project, 'pipelines', 'people.yaml'),
    ['name: people', 'source:', '  kind: csv', '  path: in.csv', 'target:', '  table: raw.people', '  mode: append', ''].join('\n'),
  );
});

function expectNoSecret(r: { stdout: string; stderr: string }): void {
  expect(r.stdout + r.stderr, 'the catalog password reached the output').not.toContain(PASSWORD);
}

describe('a Postgres catalog that is down', () => {
  it.each([
    ['load', ['load', 'raw.t', '<csv>']],
    ['tables', ['tables']],
    ['query', ['query', 'SELECT count(*) FROM raw.t']],
    ['snapshots', ['snapshots', 'raw.t']],
  ])('floe %s exits 1 naming the catalog, never its password', async (_name, args) => {
    const r = await floeIn(project, args.map((a) => (a === '<csv>' ? csv : a)), { env });
    expectFailure(r, 1, [WHERE]);
    expectNoSecret(r);
  });

  it('floe load --json ends with an end event of status error (the message on stderr names the catalog)', async () => {
    const r = await floeIn(project, ['load', 'raw.t', csv, '--json'], { env });
    expect(r.code, show(r)).toBe(1);
    expectNoSecret(r);
    expect(r.stderr, show(r)).toContain(WHERE);
    const events = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { event: string; status?: string; kind?: string });
    expect(events.map((e) => e.event), show(r)).toEqual(['start', 'end']);
    expect(events[1], show(r)).toMatchObject({ status: 'error', kind: 'io' });
  });

  it('floe run --json ends with an end event of status error (the message on stderr names the catalog)', async () => {
    const r = await floeIn(project, ['run', 'people', '--json'], { env });
    expect(r.code, show(r)).toBe(1);
    expectNoSecret(r);
    expect(r.stderr, show(r)).toContain(WHERE);
    const events = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { event: string; status?: string; kind?: string });
    expect(events.at(-1), show(r)).toMatchObject({ event: 'end', status: 'error', kind: 'io' });
  });

  it('wrote nothing to the warehouse', async () => {
    const entries = await readdir(path.join(project, 'warehouse')).catch(() => [] as string[]);
    expect(entries.filter((e) => !e.startsWith('.'))).toEqual([]);
  });
});
