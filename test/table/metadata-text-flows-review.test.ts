import { describe, expect, it } from 'vitest';
import { decodeMetadataFile } from '../../src/iceberg/metadata-json.js';
import { stringifyJson } from '../../src/iceberg/json.js';
import { tableMetadataToJson } from '../../src/iceberg/metadata-json-write.js';
import type { TableMetadata } from '../../src/iceberg/types.js';
import { expireSnapshots } from '../../src/table/expire-run.js';
import { rememberMetadata } from '../../src/table/metadata-cache.js';
import { planRef, planRollback } from '../../src/table/refs.js';
import { rewriteManifests } from '../../src/table/rewrite-manifests-run.js';
import { DAY, append, commitChange, load, memTable, type MemTable } from './reachable-helpers.js';

// Review tests for the reuse of snapshots array text across commits (snapshot-text.ts): through
// a v1 table's appends, its upgrade to v2, tags, branches, a staged snapshot, an expiry, a
// rollback and a manifest rewrite, every metadata file written must parse (in a fresh parse,
// as another process reads it) to exactly the metadata the commit computed. Half of the
// commits start from a fresh parse of the file (its text reused), half from the metadata
// the previous commit remembered.

async function fileMetadata(t: MemTable): Promise<{ location: string; bytes: Uint8Array; parsed: TableMetadata }> {
  const { metadataLocation: location } = await t.catalog.getTable(t.id);
  const bytes = await t.io.read(location);
  return { location, bytes, parsed: decodeMetadataFile(bytes, location) };
}

describe('metadata files written through every kind of commit', () => {
  it('hold exactly the metadata each commit computed, whether its base was parsed or remembered', async () => {
    const t = await memTable({ properties: { 'format-version': '1' } });
    let step = 0;
    const check = async (what: string) => {
      const committed = (await load(t)).metadata;
      const file = await fileMetadata(t);
      expect(file.parsed, `${what}: the file parses to the committed metadata`).toEqual(committed);
      expect(JSON.parse(new TextDecoder().decode(file.bytes)), what).toEqual(JSON.parse(stringifyJson(tableMetadataToJson(committed))));
      // Every other step: the next commit starts from the file's own parse (its text remembered).
      if (++step % 2 === 0) rememberMetadata(file.location, file.bytes, decodeMetadataFile(file.bytes, file.location));
    };
    const old = Date.now() - 30 * DAY;
    for (let i = 0; i < 4; i++) {
      await append(t, [`v1-${i}`], { at: old + i });
      await check(`v1 append ${i}`);
    }
    expect((await load(t)).metadata['format-version']).toBe(1);
    await commitChange(t, (b) => ({ requirements: [{ type: 'assert-table-uuid', uuid: b.metadata['table-uuid'] }], updates: [{ action: 'upgrade-format-version', 'format-version': 2 }] }));
    await check('upgrade to v2');
    const afterUpgrade = (await fileMetadata(t)).parsed;
    expect(afterUpgrade['format-version']).toBe(2);
    for (let i = 0; i < 3; i++) {
      await append(t, [`v2-${i}`], { at: old + 10 + i });
      await check(`v2 append ${i}`);
    }
    const m0 = (await load(t)).metadata;
    const tagAt = m0.snapshots[2]!['snapshot-id'];
    await commitChange(t, (b) => planRef(b.metadata, 'tag', { name: 't1', snapshotId: tagAt }, t.name).change);
    await check('tag');
    await commitChange(t, (b) => planRef(b.metadata, 'branch', { name: 'b' }, t.name).change);
    await check('branch');
    await append(t, ['on-b'], { branch: 'b' });
    await check('append on the branch');
    await append(t, ['staged'], { stageOnly: true });
    await check('staged snapshot');
    await append(t, ['main-1']);
    await check('append on main');
    const expired = await expireSnapshots(t.catalog, t.io, t.id, { olderThanMs: DAY, retainLast: 2 });
    expect(expired.plan.expire.length).toBeGreaterThan(0);
    await check('expire');
    const main = (await load(t)).metadata;
    const parent = main.snapshots.find((s) => s['snapshot-id'] === main['current-snapshot-id'])!['parent-snapshot-id']!;
    await commitChange(t, (b) => planRollback(b.metadata, { snapshotId: parent }, t.name).change);
    await check('rollback');
    await append(t, ['after-rollback']);
    await check('append after the rollback');
    const rewritten = await rewriteManifests(t.catalog, t.io, t.id);
    expect(rewritten.rewritten).toBe(true);
    await check('manifest rewrite');
    for (let i = 0; i < 3; i++) {
      await append(t, [`last-${i}`]);
      await check(`last append ${i}`);
    }
    const final = (await fileMetadata(t)).parsed;
    expect(final.refs.t1?.['snapshot-id']).toBe(tagAt);
    expect(final.snapshots.length).toBeGreaterThan(5);
  });
});
