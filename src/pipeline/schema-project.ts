/**
 * floe.yaml, the project file (DESIGN §4, a contract: extend, never break).
 * Paths stay as written here; src/pipeline/project.ts resolves them against the folder
 * of floe.yaml.
 */
import { z } from 'zod';
import { tryParseDuration } from './duration.js';
import { evenWithErrors, urlString } from './schema-common.js';
import { s3WarehouseProblem } from '../io/s3-location.js';

const CATALOG_URI = /^(jdbc:)?(sqlite:|postgres(ql)?(\+[a-z0-9]+)?:\/\/)/i;

/**
 * The longest S3 timeout accepted. Longer than any sensible wait, and far below the 24.8 days
 * where Node's timers overflow and would fire at once.
 */
const MAX_S3_TIMEOUT_MS = 3_600_000;

/** A timeout of the S3 client: a positive duration up to an hour, written with a unit; the parsed value is milliseconds. */
const s3Timeout = (dflt: string, what: string) =>
  z
    .string()
    .superRefine((text, ctx) => {
      const ms = tryParseDuration(text);
      if (ms === undefined) ctx.addIssue({ code: 'custom', message: `invalid duration '${text}': expected a duration with a unit, e.g. 500ms, 10s or 2m` });
      else if (ms <= 0 || ms > MAX_S3_TIMEOUT_MS) ctx.addIssue({ code: 'custom', message: `'${text}' is out of range: a timeout must be more than 0s and at most 1h` });
    })
    .transform((text) => tryParseDuration(text)!)
    .prefault(dflt)
    .describe(`${what} (default ${dflt}); a duration with a unit: ms, s, m or h`);

const s3 = z
  .strictObject({
    endpoint: urlString(['http', 'https'], 'S3 API endpoint, e.g. http://localhost:9000 for MinIO; omit for AWS').optional(),
    region: z.string().min(1).default('us-east-1'),
    path_style: z.boolean().default(false).describe('bucket in the path instead of the host name; MinIO and most S3-compatible servers need true'),
    access_key_id: z.string().min(1).optional().describe('Usually "${AWS_ACCESS_KEY_ID}"; omit to use the standard AWS credential chain'),
    secret_access_key: z.string().min(1).optional().describe('Usually "${AWS_SECRET_ACCESS_KEY}"; never written in the file itself'),
    session_token: z.string().min(1).optional(),
    // when_required: S3-compatible servers (MinIO, older Ceph) reject the CRC checksums that
    // current AWS SDKs add to every request by default.
    checksum: z.enum(['when_required', 'when_supported']).default('when_required'),
    profile: z.string().min(1).optional().describe('A profile of the shared AWS config/credentials files; used when no keys are given'),
    max_attempts: z.number().int().min(1).max(20).default(5).describe('Attempts per S3 request (retries with exponential backoff and jitter on 5xx, throttling, network errors)'),
    create_only: z
      .enum(['if-none-match', 'head-then-put'])
      .default('if-none-match')
      .describe('How metadata files are written create-only: a conditional PUT, or HEAD then PUT for stores that ignore If-None-Match (racy)'),
    cache_size_mb: z.number().int().min(16).default(2048).describe('Local stage cache for files DuckDB reads, in MiB (LRU eviction)'),
    multipart_threshold_mb: z.number().int().min(5).default(16).describe('Files at least this large are uploaded in parts'),
    part_size_mb: z.number().int().min(5).default(8).describe('Multipart part size in MiB (S3 minimum: 5)'),
    max_concurrency: z.number().int().min(1).max(64).default(8).describe('Parallel S3 transfers'),
    connect_timeout: s3Timeout('5s', 'A connection not established within this time fails the attempt, which is retried'),
    idle_timeout: s3Timeout('10s', 'A connection silent (nothing sent or received) for this long fails the attempt, which is retried'),
  })
  .superRefine((v, ctx) => {
    if ((v.access_key_id === undefined) !== (v.secret_access_key === undefined)) {
      const missing = v.access_key_id === undefined ? 'access_key_id' : 'secret_access_key';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'give access_key_id and secret_access_key together' });
    }
  }, evenWithErrors);

export const projectSchema = z
  .strictObject({
    warehouse: z
      .string()
      .min(1)
      .superRefine((w, ctx) => {
        const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(w)?.[1]?.toLowerCase();
        if (scheme !== undefined && scheme !== 's3' && scheme !== 'file') {
          ctx.addIssue({ code: 'custom', message: `unsupported warehouse scheme '${scheme}://': use a local path or s3://bucket/prefix` });
        }
        const s3Problem = s3WarehouseProblem(w);
        if (s3Problem !== undefined) ctx.addIssue({ code: 'custom', message: s3Problem });
      })
      .default('./warehouse')
      .describe('Folder or s3://bucket/prefix that holds table data and metadata'),
    catalog: z
      .strictObject({
        uri: z
          .string()
          .regex(CATALOG_URI, { error: 'expected sqlite:PATH or postgresql://user@host:5432/db' })
          .optional()
          .describe('sqlite:./warehouse/catalog.db (default) or postgresql://user@host:5432/db'),
        name: z.string().min(1).default('floe').describe('The catalog_name column value; engines sharing the catalog must agree'),
      })
      .prefault({}),
    storage: z.strictObject({ s3: s3.optional() }).prefault({}),
    pipelines: z.string().min(1).default('pipelines/').describe('Folder of pipeline files, relative to floe.yaml'),
  })
  .superRefine((v, ctx) => {
    // SQLite needs a local file; it cannot live next to the data in an object store.
    if (typeof v.warehouse === 'string' && /^s3:\/\//i.test(v.warehouse) && v.catalog?.uri === undefined) {
      ctx.addIssue({ code: 'custom', path: ['catalog', 'uri'], message: 'an s3:// warehouse needs a catalog.uri (sqlite:PATH on local disk, or postgresql://...)' });
    }
  }, evenWithErrors)
  .meta({ title: 'floe project', description: 'floe.yaml: warehouse, catalog, storage and the pipelines folder' });

export type Project = z.output<typeof projectSchema>;
export type S3Storage = z.output<typeof s3>;
