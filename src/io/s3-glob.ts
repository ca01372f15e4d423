/**
 * File sources on object stores: `s3://bucket/in/*.csv` expanded by listing, each match
 * staged into the local stage cache so DuckDB's own readers can read it.
 *
 * Glob syntax (the same as DuckDB's for local files): `*` and `?` within one path segment,
 * `[abc]` character classes, `**` across segments.
 */
import { notFound } from '../errors.js';
import type { FileIO } from './fileio.js';
import { isS3Location } from './s3-location.js';

const GLOB_CHAR = /[*?[]/;

/** `paths` split into object-store locations (files or globs, expanded by objectLocations) and local ones. */
export function splitObjectStorePaths(paths: readonly string[]): { remote: string[]; local: string[] } {
  return { remote: paths.filter(isS3Location), local: paths.filter((p) => !isS3Location(p)) };
}

/** The part of a glob before its first wildcard segment: the listing prefix. */
export function globListPrefix(glob: string): string {
  const i = glob.search(GLOB_CHAR);
  if (i < 0) return glob;
  return glob.slice(0, glob.lastIndexOf('/', i) + 1);
}

/** A RegExp matching whole locations against `glob`. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole segments; a trailing `**` anything.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        // A negated class never matches the separator: like * and ?, it stays within one
        // segment, as it does for local files (a[!x]b.csv matched in/a/b.csv).
        const body = glob.slice(i + 1, end).replace(/^[!^]/, '^/').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * The object-store locations named by `paths` (files or globs, globs expanded by listing),
 * unique, each glob's matches sorted. A glob matching nothing is a not-found error naming it.
 */
export async function objectLocations(io: FileIO, paths: readonly string[]): Promise<string[]> {
  const locations: string[] = [];
  for (const p of paths) {
    if (!GLOB_CHAR.test(p)) {
      locations.push(p);
      continue;
    }
    const re = globToRegExp(p);
    const found: string[] = [];
    for await (const f of io.list(globListPrefix(p))) if (re.test(f.location)) found.push(f.location);
    if (found.length === 0) throw notFound(`no file matches ${p}`, { context: { location: p } });
    locations.push(...found.sort());
  }
  return [...new Set(locations)];
}
