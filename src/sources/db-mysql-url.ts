/**
 * The TLS settings of a `kind: mysql` source's URL, read as MySQL's own client reads them.
 *
 * mysql2 takes every query parameter as a connection option, JSON-parsed: `?ssl=true` became
 * `ssl: true`, which it refuses ("SSL profile must be an object"), and MySQL's `ssl-mode`
 * (`?ssl-mode=REQUIRED`, as the mysql client and JDBC's `sslMode` spell it) was an unknown
 * option that it ignored with a warning on stderr: a URL that asked for TLS connected in plain
 * text. floe reads these parameters itself and hands mysql2 the URL without them:
 *
 * - `ssl-mode` (also `sslMode`, `sslmode`): `DISABLED`; `PREFERRED` (TLS without checking the
 *   certificate, plain when the server has no TLS); `REQUIRED` (TLS, certificate not checked);
 *   `VERIFY_CA` (certificate checked, not the host name); `VERIFY_IDENTITY` (both);
 * - `ssl=true`/`1`: TLS with the certificate and host name checked; `ssl=false`/`0`: none;
 *   any other `ssl` value (a JSON object, a profile name such as `Amazon RDS`) is mysql2's own.
 */
import { configError } from '../errors.js';

export type MysqlSslMode = 'DISABLED' | 'PREFERRED' | 'REQUIRED' | 'VERIFY_CA' | 'VERIFY_IDENTITY';

const MODES: readonly MysqlSslMode[] = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'];
const MODE_PARAMS = ['ssl-mode', 'sslMode', 'sslmode', 'ssl_mode'];

export interface MysqlTls {
  /** The URL for mysql2, without the parameters read here. */
  uri: string;
  /** The `ssl` option for mysql2; undefined: none given here (the URL may still name a profile). */
  ssl?: { rejectUnauthorized: boolean; checkServerIdentity?: () => undefined } | false;
  /** PREFERRED: a server without TLS is connected to in plain text. */
  fallBackToPlain: boolean;
}

/** What `url` asks for; a mode MySQL does not have is a config error naming the pipeline. */
export function mysqlTls(url: string, pipeline: string): MysqlTls {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { uri: url, fallBackToPlain: false };
  }
  const params = parsed.searchParams;
  const named = MODE_PARAMS.filter((p) => params.has(p));
  const ssl = params.get('ssl');
  const boolSsl = ssl === null ? undefined : /^(true|1)$/i.test(ssl) ? true : /^(false|0)$/i.test(ssl) ? false : undefined;
  if (named.length === 0 && boolSsl === undefined) return { uri: url, fallBackToPlain: false };
  const given = named.length ? params.get(named[0]!)! : undefined;
  const mode = given === undefined ? (boolSsl ? 'VERIFY_IDENTITY' : 'DISABLED') : (given.toUpperCase().replace(/-/g, '_') as MysqlSslMode);
  if (!MODES.includes(mode)) {
    throw configError(`pipeline ${pipeline}: the MySQL connection URL has ${named[0]}=${given}, which is not an ssl mode`, {
      context: { pipeline },
      hint: `use one of ${MODES.join(', ')}`,
    });
  }
  // Rebuilt by hand: URLSearchParams would re-encode the other parameters' values.
  const drop = new Set([...MODE_PARAMS, ...(boolSsl !== undefined ? ['ssl'] : [])]);
  const at = url.indexOf('?');
  const hash = url.indexOf('#', at);
  const query = url
    .slice(at + 1, hash >= 0 ? hash : undefined)
    .split('&')
    .filter((p) => p !== '' && !drop.has(decodeURIComponent(p.split('=')[0]!)));
  const uri = `${url.slice(0, at)}${query.length ? `?${query.join('&')}` : ''}${hash >= 0 ? url.slice(hash) : ''}`;
  const settings: Record<MysqlSslMode, MysqlTls['ssl']> = {
    DISABLED: false,
    PREFERRED: { rejectUnauthorized: false },
    REQUIRED: { rejectUnauthorized: false },
    VERIFY_CA: { rejectUnauthorized: true, checkServerIdentity: () => undefined },
    VERIFY_IDENTITY: { rejectUnauthorized: true },
  };
  return { uri, ssl: settings[mode], fallBackToPlain: mode === 'PREFERRED' };
}

/** Whether a failed connect may be retried in plain text (PREFERRED and a server without TLS). */
export const mysqlMayFallBackToPlain = (tls: MysqlTls, error: unknown): boolean =>
  tls.fallBackToPlain && (error as { code?: string } | null)?.code === 'HANDSHAKE_NO_SSL_SUPPORT';
