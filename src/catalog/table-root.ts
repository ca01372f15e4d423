/**
 * A table's root folder, as the catalog sees it: the part of its metadata location before
 * `/metadata/` (spec "Table Metadata": metadata files live under `<location>/metadata/`).
 *
 * The SQL catalog uses it to keep two catalog names of one database from sharing a table
 * folder. Both default to `<warehouse>/<namespace>/<table>`, so `raw.orders` of catalog
 * `floe` and `raw.orders` of catalog `other` on the same warehouse would live in one folder,
 * and the orphan sweep or `table drop --purge` of either — which only know their own
 * catalog's tables — would delete the other's files.
 */

/**
 * `location` spelled one way: `file:/p`, `file:///p` and `/p` are one local path, and the
 * Hadoop schemes `s3a://` and `s3n://` name the same objects as `s3://`.
 */
export function normalizeLocation(location: string): string {
  const local = /^file:(?:\/\/(?:localhost)?)?(\/.*)$/.exec(location);
  const s = local ? local[1]! : location.replace(/^s3[an]:\/\//i, 's3://');
  return s.replace(/(?<!:)\/{2,}/g, '/');
}

/** The root of the table whose metadata file is `metadataLocation`, ending in '/'; undefined when it is not under a `metadata/` folder. */
export function tableRoot(metadataLocation: string): string | undefined {
  const key = normalizeLocation(metadataLocation);
  const i = key.lastIndexOf('/metadata/');
  return i > 0 ? key.slice(0, i + 1) : undefined;
}

/** Whether one root lies at or under the other: their files would mix. */
export function rootsOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}
