import { describe, expect, it } from 'vitest';
import { readManifestList } from '../../src/iceberg/manifest-list.js';
import { append, commitChange, load, memTable } from './reachable-helpers.js';

describe('appends to a v1 table (spec: Appendix E, Writing v1 metadata)', () => {
  it('write no snapshot sequence-number, and the first v2 snapshot after the upgrade has the highest one', async () => {
    const t = await memTable({ properties: { 'format-version': '1' } });
    await append(t, ['a']);
    await append(t, ['b']);
    const v1 = (await load(t)).metadata;
    const text = new TextDecoder().decode(await t.io.read((await t.catalog.getTable(t.id)).metadataLocation));
    // "Snapshot field sequence-number should not be written." Java gives v1 snapshots 0.
    expect(text).not.toContain('"sequence-number"');
    expect(v1.snapshots.map((s) => s['sequence-number'])).toEqual([0n, 0n]);
    const list = readManifestList(await t.io.read(v1.snapshots[1]!['manifest-list']), 'l');
    expect(list.map((e) => e.sequence_number)).toEqual([0n, 0n]);
    await commitChange(t, () => ({ requirements: [], updates: [{ action: 'upgrade-format-version', 'format-version': 2 }] }));
    await append(t, ['c']);
    const v2 = (await load(t)).metadata;
    expect(v2.snapshots.map((s) => s['sequence-number'])).toEqual([0n, 0n, 1n]);
  });
});
