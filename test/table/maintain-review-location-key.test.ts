/**
 * The orphan sweep compares locations by locationKey: a bare local path with a doubled slash
 * (`/wh//ns/t/data/a.parquet`, as a writer joining `/wh/` and `/ns/t` spells it) and the same
 * file as a file: URI (`file:/wh//ns/t/data/a.parquet`, the listing of a table whose location
 * is a file: URI) are one file. Before, only the file: spelling had its slashes collapsed, so
 * such a referenced data file was planned for deletion.
 */
import { describe, expect, it } from 'vitest';
import { planOrphans } from '../../src/table/orphans.js';
import { LocationSet, locationKey } from '../../src/table/reachable.js';

describe('locationKey of a bare local path', () => {
  it('collapses doubled slashes as it does for file: URIs', () => {
    expect(locationKey('/wh//ns/t/data/a.parquet')).toBe(locationKey('file:/wh//ns/t/data/a.parquet'));
    expect(locationKey('/wh//ns/t/data/a.parquet')).toBe(locationKey('file:///wh/ns/t/data/a.parquet'));
    // S3 keys keep theirs: a//b and a/b are two objects.
    expect(locationKey('s3://b/wh//t/x')).not.toBe(locationKey('s3://b/wh/t/x'));
  });

  it('keeps a referenced file the listing spells as a file: URI', () => {
    const referenced = new LocationSet();
    referenced.add('/wh//ns/t/data/a.parquet');
    const listing = [
      { location: 'file:/wh//ns/t/data/a.parquet', size: 10, lastModified: 0 },
      { location: 'file:/wh//ns/t/data/stray.parquet', size: 10, lastModified: 0 },
    ];
    const plan = planOrphans(listing, referenced, 1_000);
    expect(plan.delete.map((f) => f.location)).toEqual(['file:/wh//ns/t/data/stray.parquet']);
    expect(plan.referenced).toBe(1);
  });
});
