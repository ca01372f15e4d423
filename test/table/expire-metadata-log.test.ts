import { describe, expect, it } from 'vitest';
import { commitChange, LOCATION, load, memTable } from './reachable-helpers.js';

const touch = (n: number) => () => ({ requirements: [], updates: [{ action: 'set-properties' as const, updates: { n: String(n) } }] });
const metadataFiles = (locations: string[]) => locations.filter((l) => l.startsWith(`${LOCATION}/metadata/`) && l.endsWith('.metadata.json'));

describe('metadata log bound', () => {
  it('keeps write.metadata.previous-versions-max entries and deletes the rest when delete-after-commit is enabled', async () => {
    const t = await memTable({ properties: { 'write.metadata.previous-versions-max': '2', 'write.metadata.delete-after-commit.enabled': 'true' } });
    for (let i = 0; i < 5; i++) await commitChange(t, touch(i));
    const { metadata, metadataLocation } = await load(t);
    expect(metadata['metadata-log']).toHaveLength(2);
    // Exactly the current file and the two in the log remain.
    expect(metadataFiles(t.io.locations()).sort()).toEqual([metadataLocation, ...metadata['metadata-log'].map((e) => e['metadata-file'])].sort());
  });

  it('keeps every metadata file by default, with at most 100 in the log', async () => {
    const t = await memTable({ properties: { 'write.metadata.previous-versions-max': '2' } });
    for (let i = 0; i < 4; i++) await commitChange(t, touch(i));
    const { metadata } = await load(t);
    expect(metadata['metadata-log']).toHaveLength(2);
    expect(metadataFiles(t.io.locations())).toHaveLength(5);
    const d = await memTable();
    for (let i = 0; i < 3; i++) await commitChange(d, touch(i));
    expect((await load(d)).metadata['metadata-log']).toHaveLength(3);
  });
});
