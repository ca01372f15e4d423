/**
 * The expiry table properties history.expire.max-ref-age-ms, max-snapshot-age-ms and
 * min-snapshots-to-keep are longs. Iceberg Java's default for max-ref-age-ms is
 * Long.MAX_VALUE ("never"), and a table whose properties spell it out (9223372036854775807)
 * is a table whose refs never age out. floe refused every expiry of such a table (exit 2,
 * "is not a non-negative integer"), and a large value it did read (9000000000000000 ms of
 * max-snapshot-age-ms) made `floe maintain expire` fail with "internal error: Invalid time
 * value" (the time counted back from now was beyond a Date). Both now mean "longer than any
 * age": nothing ages out, and the retention line prints. Beyond a long is still refused.
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { planExpire } from '../../src/table/expire.js';
import { planRef } from '../../src/table/refs.js';
import { assertBuilt, floeIn, floeOk, show, snapshotIds, useTmpDirs, writeProject } from '../cli/helpers.js';
import { append, commitChange, DAY, load, memTable } from './reachable-helpers.js';

const NOW = Date.UTC(2026, 0, 31);
const LONG_MAX = '9223372036854775807';

async function tagged(properties: Record<string, string>) {
  const t = await memTable();
  for (let i = 0; i < 3; i++) await append(t, [`f${i}`], { at: NOW - (30 - i) * DAY });
  const { metadata: m0 } = await load(t);
  await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 'first', snapshotId: m0.snapshots[0]!['snapshot-id'] }, 'ns.t').change);
  const { metadata } = await load(t);
  return { ...metadata, properties: { ...metadata.properties, ...properties } };
}

describe('planExpire with long retention properties', () => {
  it(`reads max-ref-age-ms=${LONG_MAX} (Java's "never") as never: the tag stays`, async () => {
    const m = await tagged({ 'history.expire.max-ref-age-ms': LONG_MAX });
    const p = planExpire(m, { now: NOW, olderThanMs: 0, retainLast: 1 }, 'ns.t');
    expect(p.removeRefs).toEqual([]);
    expect(p.retain).toContain(m.refs.first!['snapshot-id']);
    // A day-long setting still removes it (the property is read, not ignored).
    expect(planExpire({ ...m, properties: { 'history.expire.max-ref-age-ms': String(DAY) } }, { now: NOW, olderThanMs: 0, retainLast: 1 }, 'ns.t').removeRefs).toEqual(['first']);
  });

  it('reads a max-snapshot-age-ms beyond any age as keeping everything, with a printable cut-off', async () => {
    for (const age of [LONG_MAX, '9000000000000000']) {
      const m = await tagged({ 'history.expire.max-snapshot-age-ms': age });
      const p = planExpire(m, { now: NOW, retainLast: 1 }, 'ns.t');
      expect(p.expire, age).toEqual([]);
      expect(() => new Date(p.expireOlderThanMs).toISOString(), age).not.toThrow();
    }
    const m = await tagged({ 'history.expire.min-snapshots-to-keep': LONG_MAX });
    expect(planExpire(m, { now: NOW, olderThanMs: 0 }, 'ns.t').expire).toEqual([]);
  });

  it('refuses what is not a long, naming the table and property', async () => {
    for (const v of ['9223372036854775808', '-1', '1e3', '']) {
      const m = await tagged({ 'history.expire.max-ref-age-ms': v });
      let err: unknown;
      try {
        planExpire(m, { now: NOW, olderThanMs: 0, retainLast: 1 }, 'ns.t');
      } catch (e) {
        err = e;
      }
      expect(err, v).toBeInstanceOf(FloeError);
      expect((err as FloeError).kind, v).toBe('usage');
      expect((err as FloeError).message, v).toContain("table ns.t: property history.expire.max-ref-age-ms='");
    }
  });
});

const tmp = useTmpDirs('floe-timetravel-review-expire-long-');

describe('floe maintain expire on a table whose properties spell out the longs', () => {
  let project: string;
  beforeAll(async () => {
    assertBuilt();
    project = await writeProject(await tmp());
    for (const [i, name] of ['a', 'b'].entries()) {
      await writeFile(path.join(project, `${name}.csv`), `id,v\n${i},${name}\n`);
      await floeOk(project, ['load', 'raw.t', path.join(project, `${name}.csv`)]);
    }
    await floeOk(project, ['snapshot', 'tag', 'raw.t', 'first', '--snapshot', (await snapshotIds(project, 'raw.t'))[0]!]);
  }, 120_000);

  it(`max-ref-age-ms=${LONG_MAX}: expires (exit 0) and keeps the tag`, async () => {
    await floeOk(project, ['table', 'evolve', 'raw.t', '--set-property', `history.expire.max-ref-age-ms=${LONG_MAX}`]);
    const r = await floeIn(project, ['maintain', 'expire', 'raw.t', '--older-than', '0s', '--dry-run']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout, show(r)).toContain('raw.t: retention:');
    expect(r.stdout, show(r)).not.toContain('expired ref');
  }, 60_000);

  it('max-snapshot-age-ms=9000000000000000: exit 0, nothing to expire, the retention line printed', async () => {
    await floeOk(project, ['table', 'evolve', 'raw.t', '--set-property', 'history.expire.max-snapshot-age-ms=9000000000000000']);
    const r = await floeIn(project, ['maintain', 'expire', 'raw.t', '--dry-run']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout, show(r)).toContain('raw.t: nothing to expire');
    expect(r.stdout, show(r)).toContain('raw.t: retention:');
  }, 60_000);
});
