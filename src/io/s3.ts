/**
 * FileIO on S3 and S3-compatible object stores (MinIO, R2, Ceph, moto), through the AWS SDK
 * v3. Settings: s3-settings.ts; documentation: docs/S3.md.
 *
 * - Bodies we send are Buffers (never streams) unless lib-storage splits a large upload
 *   into parts, so no `aws-chunked` framing can end up inside an object (TECH-NOTES).
 * - Retries are floe's own (s3-retry.ts; the SDK client makes one attempt), so each one can
 *   be reported to an observer (the CLI's `--json` retry events), and a connection dropped
 *   while a body is being read is retried like any other network error.
 * - Create-only writes are conditional PUTs (`If-None-Match: *`). When a retried PUT whose
 *   earlier attempt may have landed meets a 412, the object is read back: the same bytes
 *   mean the write was ours.
 * - Errors are FloeError kind `io` (or `not-found`, `conflict`) naming the location and the
 *   endpoint; never a credential.
 * - A signal (src/cancel.ts) aborts the transfers under way: uploads of data files
 *   (putLocalFile; a multipart upload is then aborted on the store, and an object the upload
 *   may have made is deleted), downloads, listings and HEADs, each request at once and with no
 *   retry; the command then fails with the cancelled error. Never aborted: deletes, the
 *   multipart upload's own abort, its creation (the store may create it and the upload id
 *   never arrive), writes of whole buffers (metadata and manifest files: small, and a create-only
 *   write cut off may or may not have landed), what starts after the signal (cleanup, the audit
 *   record), and anything a commit attempt does once it has begun (cancel.ts atCommitStart).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat as fsStat, readFile, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import pLimit, { type LimitFunction } from 'p-limit';
import { transferSignal } from '../cancel.js';
import { conflictError, FloeError, ioError, notFound, usageError } from '../errors.js';
import type { FileInfo, FileIO, IncompleteUpload, WriteOptions } from './fileio.js';
import { formatS3Location, inSameFolder, listingPlan, parseS3Location, rangeHeader, type S3Location } from './s3-location.js';
import { formatS3Wait, isRetryableS3Error, isSilentS3Endpoint, S3_TIMEOUT_MAX_ATTEMPTS, s3AttemptsOf, s3ErrorInfo, s3TimeoutKind, withS3Retries, type S3RetryObserver } from './s3-retry.js';
import { describeEndpoint, s3ClientConfig, type S3Settings } from './s3-settings.js';
import { StageCache } from './stage-cache.js';

// floe supports Node 20 (package.json engines) and pins its SDK version; the SDK's notice
// about future releases needing Node 22 would only clutter every command's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** What lib-storage sends to complete a multipart upload (the fields used here). */
interface CompleteInput {
  Bucket: string;
  Key: string;
  MultipartUpload?: { Parts?: { ETag?: string; PartNumber?: number }[] };
}

const status = (e: unknown) => (e as SdkError)?.$metadata?.httpStatusCode;
const bucketOf = (location: string): string | undefined => {
  try {
    return parseS3Location(location).bucket;
  } catch {
    return undefined;
  }
};
/** The S3 request a command sent through the retrying client makes (lib-storage's requests). */
function requestName(command: unknown): string {
  if (command instanceof UploadPartCommand) return 'UploadPart';
  if (command instanceof CreateMultipartUploadCommand) return 'CreateMultipartUpload';
  if (command instanceof CompleteMultipartUploadCommand) return 'CompleteMultipartUpload';
  if (command instanceof AbortMultipartUploadCommand) return 'AbortMultipartUpload';
  if (command instanceof PutObjectCommand) return 'PutObject';
  return 'request';
}

/** An input location that names a folder (a prefix) instead of a file, in the words used for a local folder. */
function notAFile(location: string, cause?: unknown): FloeError {
  return usageError(`${location} is a folder; give files or a glob such as ${location.replace(/\/+$/, '')}/*.csv`, { cause, context: { location } });
}

/** A missing object or bucket (not a 404 NoSuchUpload: that is a failed multipart upload). */
const isMissing = (e: unknown) => {
  const name = (e as SdkError)?.name ?? '';
  return ['NoSuchKey', 'NotFound', 'NoSuchBucket'].includes(name) || (status(e) === 404 && name !== 'NoSuchUpload');
};

export interface S3FileIOOptions {
  /** A client to use instead of one built from the settings (tests inject middleware). */
  client?: S3Client;
  /** The stage cache; default one sized by `cacheMaxBytes`. */
  cache?: StageCache;
  /** Keys per listing page (S3's maximum and default: 1000); smaller in tests of paging. */
  listPageSize?: number;
  /** Told about each retry; default the process's observer (s3-retry.ts). */
  onRetry?: S3RetryObserver;
}

export class S3FileIO implements FileIO {
  readonly client: S3Client;
  readonly settings: S3Settings;
  private readonly endpoint: string;
  private readonly transfers: LimitFunction;
  private cache: StageCache | undefined;
  private readonly listPageSize: number | undefined;
  private readonly onRetry: S3RetryObserver | undefined;

  constructor(settings: S3Settings, o: S3FileIOOptions = {}) {
    this.settings = settings;
    // One attempt per SDK call: floe retries (retry() below), so that retries are visible.
    this.client = o.client ?? new S3Client({ ...(s3ClientConfig(settings) as S3ClientConfig), maxAttempts: 1 });
    this.endpoint = describeEndpoint(settings);
    this.transfers = pLimit(settings.concurrency);
    this.cache = o.cache;
    this.listPageSize = o.listPageSize;
    this.onRetry = o.onRetry;
  }

  /**
   * Runs one request (and the reading of its answer) with retries (s3-retry.ts); `request` names
   * it in retry lines. `signal` (transferSignal) aborts it: give the same signal to its `send`.
   */
  private retry<T>(operation: string, request: string, location: string, attempt: (n: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const { maxAttempts, connectTimeoutMs, idleTimeoutMs } = this.settings;
    return withS3Retries({ operation, request, location, endpoint: this.endpoint, maxAttempts, connectTimeoutMs, idleTimeoutMs, onRetry: this.onRetry, signal }, attempt);
  }

  /** The error of a failed transfer: the cancelled error once `signal` aborted it, else error(). */
  private failed(op: string, location: string, e: unknown, signal: AbortSignal | undefined): FloeError {
    const reason: unknown = signal?.aborted ? signal.reason : undefined;
    return reason instanceof FloeError ? reason : this.error(op, location, e);
  }

  /** A FloeError for a failed call: the location and the endpoint, the store's error code and status. */
  private error(op: string, location: string, e: unknown): FloeError {
    if (e instanceof FloeError) return e;
    const err = e as SdkError;
    const http = status(e);
    const bucket = bucketOf(location);
    const context = { location, endpoint: this.endpoint, ...(bucket ? { bucket } : {}), ...(http ? { status: http } : {}) };
    if (isMissing(e)) {
      const what = err.name === 'NoSuchBucket' ? `bucket ${bucket ?? '?'} does not exist at ${this.endpoint} (${location})` : `file not found: ${location} (${this.endpoint})`;
      const hint = err.name === 'NoSuchBucket' ? 'Create the bucket, or correct the warehouse (or the location) in floe.yaml or the pipeline.' : undefined;
      // `missing: 'bucket'`: readers tell a missing bucket (a setting) from a missing file (damage).
      return notFound(what, { cause: e, context: err.name === 'NoSuchBucket' ? { ...context, missing: 'bucket' } : context, hint });
    }
    const timeout = this.timeoutError(op, location, e, context);
    if (timeout !== undefined) return timeout;
    const code = s3ErrorInfo(e).code;
    const detail = http ? `${code} (HTTP ${http})` : `${code}${err.message && err.message !== code ? `: ${err.message}` : ''}`;
    const elsewhere = this.wrongRegion(e);
    if (elsewhere !== undefined) {
      const where = elsewhere.region ? `bucket ${bucket ?? '?'} is in region ${elsewhere.region}, not ${this.settings.region}` : `the store sends requests for bucket ${bucket ?? '?'} to another endpoint`;
      return ioError(`cannot ${op} ${location} at ${this.endpoint}: ${where} (${detail})`, {
        cause: e,
        context: { ...context, ...(elsewhere.region ? { bucketRegion: elsewhere.region } : {}) },
        retryable: false,
        hint: elsewhere.region
          ? `Set storage.s3.region: ${elsewhere.region} in floe.yaml${this.settings.endpoint ? ' (and an endpoint of that region, if the store has one per region)' : ''}.`
          : 'Check storage.s3.region and storage.s3.endpoint in floe.yaml: the bucket is served in another region or at another endpoint.',
      });
    }
    const credentials = http === 403 || code === 'CredentialsProviderError' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch';
    // Whether running the command again later may succeed: what a request retries, and any network failure.
    const retryable = !credentials && (http === undefined || isRetryableS3Error(e));
    const hint =
      credentials
        ? 'Check the S3 credentials (storage.s3 in floe.yaml, AWS_* environment variables or the shared AWS profile) and the bucket policy.'
        : http === undefined
          ? this.virtualHostUnresolved(e, bucket) ?? 'Check storage.s3.endpoint and that the store is reachable.'
          : undefined;
    const refused = credentials && bucket ? `: the store refused access to bucket ${bucket}` : '';
    return ioError(`cannot ${op} ${location} at ${this.endpoint}${refused}: ${detail}`, { cause: e, context, retryable, hint });
  }

  /**
   * With path_style false, the bucket is part of the host name (virtual-hosted style,
   * `lake.minio.internal`); a store served at one host name (MinIO, Ceph, moto) has no such
   * name, and the lookup fails (ENOTFOUND lake.minio.internal). The hint names the setting.
   */
  private virtualHostUnresolved(e: unknown, bucket: string | undefined): string | undefined {
    if (this.settings.pathStyle || !this.settings.endpoint || bucket === undefined) return undefined;
    const err = e as SdkError & { hostname?: unknown };
    if (s3ErrorInfo(e).code !== 'ENOTFOUND' && err.code !== 'ENOTFOUND') return undefined;
    const host = typeof err.hostname === 'string' ? err.hostname : /ENOTFOUND (\S+)/.exec(err.message ?? '')?.[1];
    if (host === undefined || !host.toLowerCase().startsWith(`${bucket.toLowerCase()}.`)) return undefined;
    return (
      `The bucket is addressed as part of the host name (${host}, virtual-hosted style), and that name does not resolve: ` +
      'set storage.s3.path_style: true in floe.yaml for MinIO, Ceph and other stores served at one host name.'
    );
  }

  /**
   * The error of a request whose last attempt timed out: how many attempts, which timeout
   * and its setting, and what to check. Undefined for any other error.
   */
  private timeoutError(op: string, location: string, e: unknown, context: Record<string, unknown>): FloeError | undefined {
    const kind = s3TimeoutKind(e);
    if (kind === undefined) return undefined;
    const attempts = s3AttemptsOf(e) ?? 1;
    // Fewer attempts than a timeout gets: the endpoint had already timed out on an earlier request.
    const again = attempts < Math.min(this.settings.maxAttempts, S3_TIMEOUT_MAX_ATTEMPTS) && isSilentS3Endpoint(this.endpoint) ? ', not retried: the store did not answer the request before either' : '';
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}${again}`;
    // The SDK's own words, without its package prefix and its note on where the timeout was set.
    const sdk = ((e as SdkError).message ?? '').replace(/^@smithy\/node-http-handler - /, '').replace(/\s*\((configured by client requestHandler|service default socket timeout)\)/, '').replace(/\.$/, '');
    const what = kind === 'connect' ? `no connection in ${tries}` : `no answer in ${tries}`;
    const hint =
      kind === 'connect'
        ? `Check storage.s3.endpoint (${this.endpoint}) and that the store is up and reachable from this machine (a stopped host or a firewall that drops packets never answers); storage.s3.connect_timeout (now ${formatS3Wait(this.settings.connectTimeoutMs)}) sets how long each attempt waits for a connection.`
        : `The store accepted the connection but sent nothing back: check that storage.s3.endpoint (${this.endpoint}) is the store's S3 API and not another service on that port, and that the store is healthy; storage.s3.idle_timeout (now ${formatS3Wait(this.settings.idleTimeoutMs)}) sets how long each attempt waits in silence, max_attempts how many attempts are made.${op === 'upload' || op === 'write' ? ' On a slow uplink the end of a large upload can look silent (its last megabytes wait in the system\'s send buffer): raise idle_timeout there.' : ''}`;
    return ioError(`cannot ${op} ${location} at ${this.endpoint}: ${what} (TimeoutError: ${sdk})`, {
      cause: e,
      context: { ...context, timeout: kind === 'connect' ? 'connect_timeout' : 'idle_timeout', attempts },
      retryable: true,
      hint,
    });
  }

  /**
   * A request sent to the wrong region: S3 answers 301 PermanentRedirect (a HEAD without a
   * body), or 400 AuthorizationHeaderMalformed / IllegalLocationConstraintException when the
   * signature names another region. The bucket's region comes in the `x-amz-bucket-region`
   * header or the error's Region field. Undefined for any other error.
   */
  private wrongRegion(e: unknown): { region: string | undefined } | undefined {
    const err = e as SdkError & { Region?: unknown; $response?: { headers?: Record<string, string | undefined> } };
    const header = err.$response?.headers?.['x-amz-bucket-region'];
    const region = typeof header === 'string' && header !== '' ? header : typeof err.Region === 'string' && err.Region !== '' ? err.Region : undefined;
    const code = s3ErrorInfo(e).code;
    const redirect = status(e) === 301 || code === 'PermanentRedirect';
    const signedElsewhere = (code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException') && region !== undefined;
    if (!redirect && !signedElsewhere) return undefined;
    return { region: region !== undefined && region !== this.settings.region ? region : undefined };
  }

  private loc(location: string): S3Location {
    return parseS3Location(location);
  }

  async read(location: string): Promise<Uint8Array> {
    const l = this.loc(location);
    const signal = transferSignal();
    try {
      return await this.retry('read', 'GetObject', location, async () => {
        const r = await this.client.send(new GetObjectCommand({ Bucket: l.bucket, Key: l.key }), { abortSignal: signal });
        return await r.Body!.transformToByteArray();
      }, signal);
    } catch (e) {
      throw this.failed('read', location, e, signal);
    }
  }

  /** Up to `length` bytes at `offset`; fewer only when the object ends first. */
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    const l = this.loc(location);
    const signal = transferSignal();
    try {
      return await this.retry('read', 'GetObject', location, async () => {
        const r = await this.client.send(new GetObjectCommand({ Bucket: l.bucket, Key: l.key, Range: rangeHeader(offset, length) }), { abortSignal: signal });
        const bytes = await r.Body!.transformToByteArray();
        // A store that ignores Range sends the whole object (200 instead of 206).
        if (r.ContentRange === undefined && bytes.length > length) return bytes.subarray(offset, offset + length);
        return bytes;
      }, signal);
    } catch (e) {
      // 416: the range starts at or past the end, which the local FileIO answers with no bytes.
      if (status(e) === 416) return new Uint8Array(0);
      throw this.failed('read', location, e, signal);
    }
  }

  async write(location: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const l = this.loc(location);
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const mode = options.createOnly ? this.settings.createOnly : undefined;
    // For stores that ignore If-None-Match: a window remains between HEAD and PUT (docs/S3.md).
    if (mode === 'head-then-put' && (await this.exists(location))) throw this.exists_(location);
    const conditional = mode === 'if-none-match';
    let attempts = 0;
    try {
      await this.retry('write', 'PutObject', location, (n) => {
        attempts = n;
        return this.client.send(new PutObjectCommand({ Bucket: l.bucket, Key: l.key, Body: body, ...(conditional ? { IfNoneMatch: '*' } : {}) }));
      });
    } catch (e) {
      // 409 ConditionalRequestConflict: a concurrent conditional write to the same key.
      if (!conditional || (status(e) !== 412 && status(e) !== 409)) throw this.error('write', location, e);
      // A retried PUT whose earlier attempt landed (its answer lost) meets its own object:
      // compare the bytes. Only retryable failures came before, and those may have landed.
      if (attempts > 1 && (await this.sameBytes(location, data))) return;
      throw this.exists_(location, e);
    }
  }

  /**
   * The client, with each `send` retried (for lib-storage, which sends through it) and aborted
   * by `signal`: a part or a completion sent after it aborted fails at once, so that lib-storage
   * aborts the multipart upload. Never aborted: the creation of the multipart upload (the store
   * may create it and its id never arrive) and its abort.
   */
  private retryingClient(operation: string, location: string, signal: AbortSignal | undefined): S3Client {
    const client = Object.create(this.client) as S3Client;
    const send = this.client.send.bind(this.client) as (command: { input?: unknown }, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
    client.send = (async (command: { input?: unknown }) => {
      let attempts = 0;
      const abort = command instanceof CreateMultipartUploadCommand || command instanceof AbortMultipartUploadCommand ? undefined : signal;
      try {
        return await this.retry(operation, requestName(command), location, (n) => {
          attempts = n;
          return send(command, { abortSignal: abort });
        }, abort);
      } catch (e) {
        // A completion that landed but whose answer was lost: its retry finds the upload gone.
        const input = command.input as CompleteInput | undefined;
        if (attempts > 1 && (e as SdkError).name === 'NoSuchUpload' && input?.MultipartUpload?.Parts && (await this.completedAs(input, location))) {
          return { Bucket: input.Bucket, Key: input.Key };
        }
        throw e;
      }
    }) as S3Client['send'];
    return client;
  }

  /**
   * Whether the object now is the one this multipart completion makes: S3's multipart ETag
   * is the MD5 of the parts' MD5s, then a dash and the number of parts.
   */
  private async completedAs(input: CompleteInput, location: string): Promise<boolean> {
    const parts = input.MultipartUpload!.Parts!;
    const digests = parts.map((p) => Buffer.from((p.ETag ?? '').replace(/"/g, ''), 'hex'));
    if (digests.some((d) => d.length !== 16)) return false;
    const expected = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
    try {
      const head = await this.retry('check', 'HeadObject', location, () => this.client.send(new HeadObjectCommand({ Bucket: input.Bucket, Key: input.Key })));
      return head.ETag === expected;
    } catch {
      return false;
    }
  }

  private exists_(location: string, cause?: unknown): FloeError {
    return conflictError(`${location} already exists (${this.endpoint}); a create-only write never overwrites`, {
      cause,
      context: { location, endpoint: this.endpoint },
    });
  }

  private async sameBytes(location: string, data: Uint8Array): Promise<boolean> {
    const stored = await this.read(location).catch(() => undefined);
    return stored !== undefined && Buffer.compare(Buffer.from(stored), Buffer.from(data.buffer, data.byteOffset, data.byteLength)) === 0;
  }

  async exists(location: string): Promise<boolean> {
    const l = this.loc(location);
    const signal = transferSignal();
    try {
      await this.retry('check', 'HeadObject', location, () => this.client.send(new HeadObjectCommand({ Bucket: l.bucket, Key: l.key }), { abortSignal: signal }), signal);
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw this.failed('check', location, e, signal);
    }
  }

  async stat(location: string): Promise<FileInfo> {
    const l = this.loc(location);
    const signal = transferSignal();
    try {
      const r = await this.retry('stat', 'HeadObject', location, () => this.client.send(new HeadObjectCommand({ Bucket: l.bucket, Key: l.key }), { abortSignal: signal }), signal);
      return { location, size: r.ContentLength ?? 0, lastModified: r.LastModified?.getTime() ?? 0 };
    } catch (e) {
      throw this.failed('stat', location, e, signal);
    }
  }

  /**
   * Deleting an object that is already gone is not an error (S3 answers 204 either way). Never
   * aborted by a signal: deleting what was not committed is how a cancelled command cleans up.
   */
  async delete(location: string): Promise<void> {
    const l = this.loc(location);
    try {
      await this.retry('delete', 'DeleteObject', location, () => this.client.send(new DeleteObjectCommand({ Bucket: l.bucket, Key: l.key })));
    } catch (e) {
      if (isMissing(e) && (e as SdkError).name !== 'NoSuchBucket') return;
      throw this.error('delete', location, e);
    }
  }

  /** Every object under `prefix`, page by page (see listingPlan for what a prefix covers). */
  async *list(prefix: string): AsyncIterable<FileInfo> {
    const l = this.loc(prefix);
    const plan = listingPlan(l.key);
    // A signal aborts the page being fetched, and the pages after it are not asked for.
    const signal = transferSignal();
    let found = false;
    for await (const info of this.listKeys(l, plan.folder, prefix, signal)) {
      found = true;
      yield info;
    }
    if (found || plan.partial === undefined) return;
    for await (const info of this.listKeys(l, plan.partial, prefix, signal)) {
      if (inSameFolder(plan.partial, parseS3Location(info.location).key)) yield info;
    }
  }

  private async *listKeys(l: S3Location, keyPrefix: string, prefix: string, signal: AbortSignal | undefined): AsyncIterable<FileInfo> {
    let token: string | undefined;
    do {
      let page;
      try {
        const request = { Bucket: l.bucket, Prefix: keyPrefix, ContinuationToken: token, MaxKeys: this.listPageSize };
        page = await this.retry('list', 'ListObjectsV2', prefix, () => this.client.send(new ListObjectsV2Command(request), { abortSignal: signal }), signal);
      } catch (e) {
        if (isMissing(e) && (e as SdkError).name !== 'NoSuchBucket' && !signal?.aborted) return;
        throw this.failed('list', prefix, e, signal);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith('/')) continue;
        yield { location: formatS3Location({ ...l, key: o.Key }), size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Multipart uploads begun under `prefix` and never completed nor aborted, page by page. */
  async *listIncompleteUploads(prefix: string): AsyncIterable<IncompleteUpload> {
    const l = this.loc(prefix);
    const signal = transferSignal();
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        const request = { Bucket: l.bucket, Prefix: l.key, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker };
        page = await this.retry('list', 'ListMultipartUploads', prefix, () => this.client.send(new ListMultipartUploadsCommand(request), { abortSignal: signal }), signal);
      } catch (e) {
        throw this.failed('list', prefix, e, signal);
      }
      for (const u of page.Uploads ?? []) {
        if (u.Key === undefined || u.UploadId === undefined) continue;
        yield { location: formatS3Location({ ...l, key: u.Key }), uploadId: u.UploadId, initiated: u.Initiated?.getTime() ?? 0 };
      }
      if (!page.IsTruncated || (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker)) return;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Aborts a multipart upload listed by listIncompleteUploads; NoSuchUpload means it is gone already. */
  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    const l = this.loc(upload.location);
    try {
      const request = { Bucket: l.bucket, Key: l.key, UploadId: upload.uploadId };
      await this.retry('delete', 'AbortMultipartUpload', upload.location, () => this.client.send(new AbortMultipartUploadCommand(request)));
    } catch (e) {
      if ((e as SdkError).name === 'NoSuchUpload') return;
      throw this.error('delete', upload.location, e);
    }
  }

  /** Stages the object in the bounded local cache (stage-cache.ts) and returns that path. */
  async localPath(location: string): Promise<string> {
    const l = this.loc(location);
    // A bucket (s3://lake, whose GET is the bucket's listing: floe loaded its XML as a CSV row)
    // or a key ending in / names a folder, never a file to read.
    if (l.key === '' || l.key.endsWith('/')) throw notAFile(location);
    this.cache ??= new StageCache({ maxBytes: this.settings.cacheMaxBytes });
    const signal = transferSignal();
    return this.cache.get(location, (tmp) =>
      this.transfers(async () => {
        try {
          return await this.retry('stage', 'GetObject', location, async (n) => {
            // A retry starts the file again: drop what an interrupted download left.
            if (n > 1) await unlink(tmp).catch(() => undefined);
            const r = await this.client.send(new GetObjectCommand({ Bucket: l.bucket, Key: l.key }), { abortSignal: signal });
            await pipeline(r.Body as Readable, createWriteStream(tmp, { flags: 'wx' }));
            return (await fsStat(tmp)).size;
          }, signal);
        } catch (e) {
          if (isMissing(e) && (e as SdkError).name !== 'NoSuchBucket' && !signal?.aborted && (await this.holdsObjects(l))) {
            // An input path naming a prefix (s3://lake/in): said as for a local folder.
            throw notAFile(location, e);
          }
          throw this.failed('stage', location, e, signal);
        }
      }),
    );
  }

  /** Whether objects lie under `l` taken as a folder; false when that cannot be told. */
  private async holdsObjects(l: S3Location): Promise<boolean> {
    const prefix = l.key === '' ? '' : l.key.replace(/\/*$/, '/');
    try {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: l.bucket, Prefix: prefix, MaxKeys: 1 }));
      return (r.KeyCount ?? r.Contents?.length ?? 0) > 0;
    } catch {
      return false;
    }
  }

  /**
   * Uploads a finished local file, then removes it (like the local FileIO's move). Small files
   * go in one PUT from a Buffer; large ones in parts through lib-storage.
   */
  async putLocalFile(localPath: string, location: string): Promise<void> {
    const l = this.loc(location);
    const signal = transferSignal();
    await this.transfers(async () => {
      // Waited for a transfer slot past the signal: not started at all.
      if (signal?.aborted) throw this.failed('upload', location, undefined, signal);
      try {
        const size = (await fsStat(localPath)).size;
        if (size < this.settings.multipartThresholdBytes) {
          const body = await readFile(localPath);
          await this.retry('upload', 'PutObject', location, () => this.client.send(new PutObjectCommand({ Bucket: l.bucket, Key: l.key, Body: body }), { abortSignal: signal }), signal);
        } else {
          const upload = new Upload({
            // Each request of the multipart upload (create, every part, complete) is retried
            // on its own: a part's body is a buffer, so it can be sent again. A signal aborts
            // the parts under way and fails the ones not sent: lib-storage then aborts the
            // multipart upload on the store (never upload.abort(): its done() would not wait for that).
            client: this.retryingClient('upload', location, signal),
            params: { Bucket: l.bucket, Key: l.key, Body: createReadStream(localPath) },
            partSize: this.settings.partSizeBytes,
            queueSize: Math.max(1, Math.min(4, this.settings.concurrency)),
            // A failed upload aborts its multipart upload: no parts left behind to pay for.
            leavePartsOnError: false,
          });
          await upload.done();
        }
      } catch (e) {
        if (signal?.aborted) {
          // The PUT, or the multipart completion, cut off mid-flight may have landed all the
          // same; the caller never learns of this object: delete it (the location is this write's own).
          await this.delete(location).catch(() => undefined);
        }
        throw this.failed('upload', location, e, signal);
      }
    });
    await unlink(localPath).catch(() => undefined);
  }
}
