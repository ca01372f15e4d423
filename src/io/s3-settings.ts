/**
 * S3 settings as the FileIO uses them, and the SDK client configuration they make. Pure: the
 * SDK itself is loaded by s3.ts only when an s3:// location is touched.
 *
 * Credentials: explicit keys from floe.yaml when given; else `profile` (the shared
 * ~/.aws/credentials and ~/.aws/config); else the SDK's default provider chain (environment,
 * shared files, SSO, web identity, container and instance metadata).
 */
import type { S3Storage } from '../pipeline/schema-project.js';

export type CreateOnlyMode = 'if-none-match' | 'head-then-put';

export interface S3Settings {
  /** Custom endpoint (MinIO, R2, Ceph, moto); undefined for AWS. */
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  profile?: string;
  /** `when_required` turns off the SDK's default flexible checksums (S3-compatible stores). */
  checksum: 'when_required' | 'when_supported';
  /** Attempts per request, the first included (floe's retries, s3-retry.ts: exponential backoff, full jitter). */
  maxAttempts: number;
  /** A connection not established within this many milliseconds fails the attempt (retryable); `connect_timeout`. */
  connectTimeoutMs: number;
  /** A connection silent for this many milliseconds, sending or receiving, fails the attempt (retryable); `idle_timeout`. */
  idleTimeoutMs: number;
  /** How a create-only write is made exclusive (docs/S3.md). */
  createOnly: CreateOnlyMode;
  /** Upper bound of the local stage cache, in bytes. */
  cacheMaxBytes: number;
  /** Files at least this large are uploaded in parts. */
  multipartThresholdBytes: number;
  partSizeBytes: number;
  /** Parallel transfers (stage downloads, uploads; and parts within one multipart upload). */
  concurrency: number;
}

const MB = 1024 * 1024;

export const DEFAULT_S3_SETTINGS: S3Settings = {
  region: 'us-east-1',
  pathStyle: false,
  checksum: 'when_required',
  maxAttempts: 5,
  // A request to a silent endpoint fails after two attempts of an idle timeout each (s3-retry.ts,
  // S3_TIMEOUT_MAX_ATTEMPTS); 10 s of silence is far beyond a healthy store's pause before
  // answering, even after a large part (sending or receiving a body is not silence).
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
  createOnly: 'if-none-match',
  cacheMaxBytes: 2048 * MB,
  multipartThresholdBytes: 16 * MB,
  partSizeBytes: 8 * MB,
  concurrency: 8,
};

/** The settings of floe.yaml's `storage.s3` (absent: defaults and the default credential chain). */
export function s3SettingsFromProject(s: S3Storage | undefined): S3Settings {
  if (!s) return { ...DEFAULT_S3_SETTINGS };
  return {
    endpoint: s.endpoint,
    region: s.region,
    pathStyle: s.path_style,
    accessKeyId: s.access_key_id,
    secretAccessKey: s.secret_access_key,
    sessionToken: s.session_token,
    profile: s.profile,
    checksum: s.checksum,
    maxAttempts: s.max_attempts,
    connectTimeoutMs: s.connect_timeout,
    idleTimeoutMs: s.idle_timeout,
    createOnly: s.create_only,
    cacheMaxBytes: s.cache_size_mb * MB,
    multipartThresholdBytes: s.multipart_threshold_mb * MB,
    partSizeBytes: s.part_size_mb * MB,
    concurrency: s.max_concurrency,
  };
}

/** The endpoint as it may appear in a message: no user info, no query. */
export function describeEndpoint(s: Pick<S3Settings, 'endpoint' | 'region'>): string {
  if (!s.endpoint) return `AWS S3 (${s.region})`;
  try {
    const u = new URL(s.endpoint);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the configured endpoint';
  }
}

/** S3ClientConfig fields (kept structural so this file needs no SDK types). */
export interface S3ClientConfigLike {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  maxAttempts: number;
  retryMode: 'standard';
  requestChecksumCalculation: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  responseChecksumValidation: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  /** NodeHttpHandler options: `socketTimeout` is the idle timeout of a connection. */
  requestHandler: { connectionTimeout: number; socketTimeout: number };
}

export function s3ClientConfig(s: S3Settings): S3ClientConfigLike {
  const checksum = s.checksum === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const config: S3ClientConfigLike = {
    region: s.region,
    forcePathStyle: s.pathStyle,
    // For clients other than the S3 FileIO's (tests, tools): the SDK's standard mode retries
    // 5xx, throttling and transient network errors. The FileIO sets 1 and retries itself.
    maxAttempts: s.maxAttempts,
    retryMode: 'standard',
    requestChecksumCalculation: checksum,
    responseChecksumValidation: checksum,
    // Without these a store that accepts a connection and then goes silent hangs a command.
    requestHandler: { connectionTimeout: s.connectTimeoutMs, socketTimeout: s.idleTimeoutMs },
  };
  if (s.endpoint) config.endpoint = s.endpoint;
  if (s.accessKeyId && s.secretAccessKey) {
    config.credentials = { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) };
  } else if (s.profile) {
    config.profile = s.profile;
  }
  return config;
}
