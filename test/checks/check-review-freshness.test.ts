/**
 * `floe check --freshness DUR` (no column) measures when the data last changed. A compaction
 * commits a `replace` snapshot that brings no row (spec: "Snapshots", operation): measured
 * from it, a nightly `floe compact` kept a table whose pipeline had stopped passing.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { lastDataChange } from '../../src/checks/freshness.js';
import type { Snapshot, SnapshotOperation } from '../../src/iceberg/types.js';
import { assertBuilt, floeIn, floeOk, show, smallCsv, snapshotIds, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-check-review-fresh-');
beforeAll(assertBuilt);

describe('floe check --freshness DUR after a compaction', () => {
  it('measures the snapshot that last changed the data, not the compaction', async () => {
    const dir = await writeProject(await tmp());
    const csv = path.join(dir, 'a.csv');
    await writeFile(csv, smallCsv(3));
    await floeOk(dir, ['load', 'raw.t', csv]);
    await floeOk(dir, ['load', 'raw.t', csv]);
    const [, loaded] = await snapshotIds(dir, 'raw.t');
    // The data is now older than the check's 3s; the compaction below is not.
    await sleep(4500);
    await floeOk(dir, ['compact', 'raw.t', '--min-input-files', '2']);
    const compacted = (await snapshotIds(dir, 'raw.t')).at(-1)!;
    expect(compacted).not.toBe(loaded);

    const r = await floeIn(dir, ['check', 'raw.t', '--freshness', '3s', '--format', 'json', '--no-history']);
    expect(r.code, show(r)).toBe(3);
    const report = JSON.parse(r.stdout) as { results: { status: string; message: string; snapshot_id: string }[] };
    expect(report.results[0]).toMatchObject({ status: 'fail', snapshot_id: compacted });
    expect(report.results[0]!.message).toContain(`the data last changed in snapshot ${loaded!}, committed at`);
    expect(report.results[0]!.message).toContain(`(snapshot ${compacted} since only rewrote files)`);

    // A window that holds the load passes, and says which snapshot it measured.
    const ok = await floeIn(dir, ['check', 'raw.t', '--freshness', '1h', '--format', 'json', '--no-history']);
    expect(ok.code, show(ok)).toBe(0);
    expect((JSON.parse(ok.stdout) as typeof report).results[0]!.message).toContain(`the data last changed in snapshot ${loaded!}`);
  }, 60_000);
});

describe('lastDataChange', () => {
  const snap = (id: number, op: SnapshotOperation, parent?: number): Snapshot => ({
    'snapshot-id': BigInt(id),
    ...(parent === undefined ? {} : { 'parent-snapshot-id': BigInt(parent) }),
    'sequence-number': BigInt(id),
    'timestamp-ms': id * 1000,
    'manifest-list': `s3://b/m${id}.avro`,
    summary: { operation: op },
  });

  it('is nothing for a snapshot that changed the data', () => {
    const s = [snap(1, 'append'), snap(2, 'overwrite', 1)];
    expect(lastDataChange(s, s[1]!)).toBeUndefined();
  });

  it('walks back over every rewrite to the last append, overwrite or delete', () => {
    const s = [snap(1, 'append'), snap(2, 'delete', 1), snap(3, 'replace', 2), snap(4, 'replace', 3)];
    expect(lastDataChange(s, s[3]!)).toEqual({ id: 2n, timestampMs: 2000, rewrites: 2, parentExpired: false });
  });

  it('stops at the oldest rewrite still known when the snapshot before it expired', () => {
    const s = [snap(3, 'replace', 2), snap(4, 'replace', 3)];
    expect(lastDataChange(s, s[1]!)).toEqual({ id: 3n, timestampMs: 3000, rewrites: 2, parentExpired: true });
  });
});
