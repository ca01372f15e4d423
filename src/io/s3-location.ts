/**
 * `s3://bucket/key` locations (also `s3a://` and `s3n://`, the Hadoop spellings Spark
 * writes into metadata). Pure string handling: no SDK, no network.
 */
import { unsupportedError } from '../errors.js';

export interface S3Location {
  /** As written: `s3`, `s3a` or `s3n`. Kept so listed locations compare equal to stored ones. */
  scheme: string;
  bucket: string;
  /** The object key, without a leading slash; '' for the bucket root. */
  key: string;
}

const S3_URI = /^(s3|s3a|s3n):\/\/([^/?#]*)\/?(.*)$/i;

export function isS3Location(location: string): boolean {
  return S3_URI.test(location);
}

export function parseS3Location(location: string): S3Location {
  const m = S3_URI.exec(location);
  if (!m || !m[2]) {
    throw unsupportedError(`not an S3 location: ${location}; expected s3://bucket/key`, { context: { location } });
  }
  return { scheme: m[1]!.toLowerCase(), bucket: m[2], key: m[3] ?? '' };
}

export function formatS3Location(l: S3Location): string {
  return `${l.scheme}://${l.bucket}/${l.key}`;
}

/** `bytes=first-last` for a ranged GET (both ends inclusive, as HTTP has it). */
export function rangeHeader(offset: number, length: number): string {
  return `bytes=${offset}-${offset + length - 1}`;
}

/**
 * What a listing of `prefix` covers. A prefix ending in '/' is a folder. Otherwise the folder
 * `prefix/` is listed first; only when it holds nothing does the prefix match object names
 * in its own folder (`…/data/part-` lists `part-*`), never descending into sibling folders,
 * so a listing of `…/t` can never reach into `…/t2/`.
 */
export function listingPlan(key: string): { folder: string; partial: string | undefined } {
  if (key === '' || key.endsWith('/')) return { folder: key, partial: undefined };
  return { folder: key + '/', partial: key };
}

/** Whether `key` found under the partial prefix `partial` stays in partial's own folder. */
export function inSameFolder(partial: string, key: string): boolean {
  return key.startsWith(partial) && !key.slice(partial.length).includes('/');
}

/**
 * Why `location`, a warehouse from floe.yaml, would make tables other engines cannot read, or
 * is an S3 URL with a typo; undefined when it is fine (or not meant for S3). Table locations
 * are `<warehouse>/<namespace>/<table>` as written: an empty path segment (`s3://b//wh`,
 * `s3://b/a//c`) becomes part of every object key, which PyIceberg's pyarrow S3 filesystem
 * refuses ("Empty path component"). Trailing slashes are fine (they are dropped when joining).
 */
export function s3WarehouseProblem(location: string): string | undefined {
  if (/^s3[an]?:(?!\/\/)/i.test(location)) {
    return `${location} is not an s3:// URL (a slash is missing): write s3://bucket/prefix, or ./${location} for a local folder`;
  }
  const m = S3_URI.exec(location);
  if (!m) return undefined;
  if (!m[2]) return `${location} names no bucket: write s3://bucket/prefix`;
  const key = (m[3] ?? '').replace(/\/+$/, '');
  if (key.startsWith('/') || key.includes('//')) {
    const fixed = `${m[1]}://${m[2]}/${key.split('/').filter((s) => s !== '').join('/')}`;
    return `${location} has an empty path segment ('//'), which would be part of every object key and which PyIceberg cannot read: write ${fixed}`;
  }
  return undefined;
}
