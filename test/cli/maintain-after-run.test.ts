/**
 * `floe.maintain.expire.after-run: true` in a pipeline's target properties: every `floe run`
 * that commits is followed by an expiry with the table's own retention properties.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { assertBuilt, floeIn, show, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-cli-maintain-run-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  await mkdir(path.join(project, 'pipelines'), { recursive: true });
  await mkdir(path.join(project, 'data'), { recursive: true });
  await writeFile(
    path.join(project, 'pipelines', 'auto.yaml'),
    [
      'name: auto',
      'source: { kind: csv, path: data/in.csv }',
      'target:',
      '  table: raw.auto',
      '  mode: append',
      '  properties:',
      "    floe.maintain.expire.after-run: 'true'",
      "    history.expire.max-snapshot-age-ms: '0'",
      "    history.expire.min-snapshots-to-keep: '2'",
      '',
    ].join('\n'),
  );
});

it('keeps the last two snapshots after each run and reports the expiry as an event', async () => {
  const events: Record<string, unknown>[][] = [];
  for (let i = 0; i < 3; i++) {
    await writeFile(path.join(project, 'data', 'in.csv'), `id\n${i}\n`);
    const r = await floeIn(project, ['run', 'auto', '--json']);
    expect(r.code, show(r)).toBe(0);
    events.push(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  const maintain = events.map((e) => e.filter((x) => x.event === 'maintain'));
  expect(maintain[0]).toEqual([]);
  expect(maintain[1]).toEqual([]);
  expect(maintain[2]).toEqual([expect.objectContaining({ table: 'raw.auto', action: 'expire', expired_snapshots: 1 })]);
  const snaps = await floeIn(project, ['snapshots', 'raw.auto', '--json']);
  expect((JSON.parse(snaps.stdout) as unknown[]).length).toBe(2);
  const q = await floeIn(project, ['query', 'SELECT id FROM raw.auto ORDER BY id', '--format', 'json']);
  expect(JSON.parse(q.stdout)).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
}, 300_000);
