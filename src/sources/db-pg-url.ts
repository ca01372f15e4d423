/**
 * The connection string a `kind: postgres` source hands to node-postgres, with `sslmode` read
 * as libpq (psql, JDBC, PyIceberg, floe's own Postgres catalog) reads it:
 *
 * - `require`: encrypted, the certificate not checked (verified against `sslrootcert` if given);
 * - `verify-ca`: the certificate checked against `sslrootcert`, not the host name;
 * - `verify-full`: both checked; `disable`: no TLS;
 * - `prefer` and `allow`: TLS without checking the certificate, and a plain connection when the
 *   server has no TLS (postgres.ts retries so).
 *
 * node-postgres 8 treats `prefer`, `require` and `verify-ca` as `verify-full` unless the URL
 * also says `uselibpqcompat=true`, and prints a warning about it to stderr, so a URL that works
 * with psql against a server with a self-signed certificate (the usual managed database without
 * its CA bundle) failed with "self-signed certificate".
 */

export const PG_SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

/** The URL's sslmode, or undefined (none, or not a URL). */
export function pgSslMode(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('sslmode') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * `url` with `uselibpqcompat=true` added when it names an sslmode (unless it says
 * uselibpqcompat itself), `allow` read as `prefer`; `plain` drops TLS (`sslmode=disable`), for
 * the retry of `prefer`/`allow` on a server without TLS. Other URLs are returned unchanged.
 */
export function pgDriverUrl(url: string, plain = false): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const params = parsed.searchParams;
  const mode = params.get('sslmode');
  if (mode === null || params.has('uselibpqcompat')) return url;
  // Rebuilt by hand: URLSearchParams would re-encode the other parameters' values.
  const query = parsed.search
    .slice(1)
    .split('&')
    .filter((p) => p !== '' && !p.startsWith('sslmode='));
  const effective = plain ? 'disable' : mode === 'allow' ? 'prefer' : mode;
  query.push(`sslmode=${effective}`, 'uselibpqcompat=true');
  const at = url.indexOf('?');
  const hash = url.indexOf('#', at);
  return `${url.slice(0, at)}?${query.join('&')}${hash >= 0 ? url.slice(hash) : ''}`;
}

/** Whether a failed connect with this sslmode may be retried without TLS (prefer, allow on a server without TLS). */
export const pgSslFallsBackToPlain = (mode: string | undefined, error: unknown): boolean =>
  (mode === 'prefer' || mode === 'allow') && error instanceof Error && /does not support SSL/i.test(error.message);

/** Whether a failed connect with this URL's sslmode may be retried without TLS. */
export const pgMayFallBackToPlain = (url: string, error: unknown): boolean => pgSslFallsBackToPlain(pgSslMode(url), error);
