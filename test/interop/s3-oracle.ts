/**
 * The interop oracles on an s3:// warehouse (the moto server of scripts/provision-services.sh):
 * a floe project whose warehouse is a fresh bucket, with its SQLite catalog on local disk;
 * PyIceberg reading through its own S3 FileIO (pyarrow's S3FileSystem); Spark reading and
 * writing through Iceberg's S3FileIO (iceberg-aws-bundle in .cache/jars).
 *
 *   const s3 = await S3InteropProject.create('orders');
 *   await s3.project.load('ns.t', [file]);
 *   const py = await pyicebergS3Reads(s3, [{ table: 'ns.t' }, { table: 'ns.t', ref: 'v1' }]);
 *   const sp = await sparkBatchS3(s3, [{ op: 'read', table: 'ns.t', with_rows: true }]);
 *   await s3.remove();
 *
 * A missing moto, venv or jar throws naming what to run: these tests never skip.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { S3FileIO } from '../../src/io/s3.js';
import { createTestBucket, s3Endpoint, TEST_ACCESS_KEY, TEST_SECRET, testSettings } from '../helpers/s3.js';
import { FloeProject } from './helpers/floe-cli.js';
import {
  type CanonicalRow,
  type PyIcebergReadResult,
  JARS_DIR,
  type SparkOp,
  type SparkOpResult,
  type SparkVersions,
  assertProvisioned,
  interopVersions,
  runOracleScript,
} from './oracle.js';

/** floe.yaml names these variables for the keys, so they never appear in the file. */
const KEY_VAR = 'FLOE_INTEROP_S3_KEY';
const SECRET_VAR = 'FLOE_INTEROP_S3_SECRET';
const REGION = 'us-east-1';
const PY_TIMEOUT_MS = 180_000;
const SPARK_TIMEOUT_MS = 540_000;

export class S3InteropProject {
  private constructor(
    readonly project: FloeProject,
    readonly bucket: string,
    /** s3://<bucket>/wh */
    readonly warehouse: string,
    readonly io: S3FileIO,
  ) {}

  /** A fresh bucket (createTestBucket fails loudly without moto) and a project on it. */
  static async create(prefix: string): Promise<S3InteropProject> {
    const endpoint = s3Endpoint();
    const bucket = await createTestBucket(`floe-interop-${prefix}`);
    const warehouse = `s3://${bucket}/wh`;
    // floe runs as a child of this process and inherits these (FloeProject.run).
    process.env[KEY_VAR] = TEST_ACCESS_KEY;
    process.env[SECRET_VAR] = TEST_SECRET;
    const project = new FloeProject(`s3-${prefix}`);
    writeFileSync(
      join(project.dir, 'floe.yaml'),
      [
        `warehouse: ${warehouse}`,
        'catalog:',
        '  uri: sqlite:./warehouse/catalog.db',
        `  name: ${project.catalogName}`,
        'storage:',
        '  s3:',
        `    endpoint: ${endpoint}`,
        `    region: ${REGION}`,
        '    path_style: true',
        `    access_key_id: \${${KEY_VAR}}`,
        `    secret_access_key: \${${SECRET_VAR}}`,
        '',
      ].join('\n'),
    );
    return new S3InteropProject(project, bucket, warehouse, new S3FileIO(testSettings()));
  }

  get catalogDb(): string {
    return this.project.catalogDb;
  }

  get catalogName(): string {
    return this.project.catalogName;
  }

  /** Every object under a prefix of the bucket (s3:// locations, sorted). */
  async objects(prefix = this.warehouse): Promise<string[]> {
    const out: string[] = [];
    for await (const f of this.io.list(prefix)) out.push(f.location);
    return out.sort();
  }

  /** Empties and deletes the bucket, then removes the local project folder. */
  async remove(): Promise<void> {
    try {
      if (!process.env.FLOE_INTEROP_KEEP) {
        for (const o of await this.objects(`s3://${this.bucket}/`)) await this.io.delete(o);
        await this.io.client.send(new DeleteBucketCommand({ Bucket: this.bucket }));
      }
    } finally {
      this.io.client.destroy();
      this.project.remove();
    }
  }
}

// ---------------------------------------------------------------------------------------
// PyIceberg (test/interop/py/s3_pyiceberg_read.py)
// ---------------------------------------------------------------------------------------

export interface S3Read {
  table: string;
  /** Time travel by id ... */
  snapshotId?: string;
  /** ... or by tag or branch name. */
  ref?: string;
}

/** A read as pyicebergRead reports it (always with rows), plus the files the scan planned. */
export interface S3PyIcebergRead extends Omit<PyIcebergReadResult, 'rows' | 'elapsed_s'> {
  /** The data files the scan planned (s3:// locations, sorted). */
  data_files: string[];
  /** The delete files applied to them (s3:// locations, sorted). */
  delete_files: string[];
  /** Canonical rows, sorted canonically. */
  rows: CanonicalRow[];
}

/** PyIceberg reads each table (or snapshot) through its S3 FileIO, all in one process. */
export async function pyicebergS3Reads(p: S3InteropProject, reads: S3Read[]): Promise<S3PyIcebergRead[]> {
  const request = {
    s3: { endpoint: s3Endpoint(), access_key_id: TEST_ACCESS_KEY, secret_access_key: TEST_SECRET, region: REGION },
    reads: reads.map((r) => ({ table: r.table, snapshot_id: r.snapshotId, ref: r.ref })),
  };
  const out = await runOracleScript<{ io_impl: string; reads: S3PyIcebergRead[] }>(
    's3_pyiceberg_read.py',
    ['--catalog-uri', `sqlite:///${p.catalogDb}`, '--catalog-name', p.catalogName, '--warehouse', p.warehouse, '--request-json', '-'],
    { timeoutMs: PY_TIMEOUT_MS, stdin: JSON.stringify(request), needSpark: false },
  );
  if (out.io_impl !== 'pyiceberg.io.pyarrow.PyArrowFileIO') throw new Error(`s3_pyiceberg_read.py used ${out.io_impl}`);
  return out.reads;
}

// ---------------------------------------------------------------------------------------
// Spark (test/interop/py/spark_batch.py with S3FileIO catalog properties)
// ---------------------------------------------------------------------------------------

/** The bundle jar that provides org.apache.iceberg.aws.s3.S3FileIO; throws naming it when missing. */
export function assertAwsBundle(): void {
  assertProvisioned(true);
  const v = interopVersions();
  const jar = join(JARS_DIR, `iceberg-aws-bundle-${v.ICEBERG_AWS_BUNDLE_VERSION ?? v.ICEBERG_VERSION}.jar`);
  if (!existsSync(jar)) throw new Error(`interop oracle: ${jar} is missing (S3FileIO for Spark); run scripts/provision-interop.sh`);
}

/** Iceberg catalog properties for S3FileIO on the moto server. */
export function sparkS3CatalogProps(): Record<string, string> {
  return {
    'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
    's3.endpoint': s3Endpoint(),
    's3.path-style-access': 'true',
    's3.access-key-id': TEST_ACCESS_KEY,
    's3.secret-access-key': TEST_SECRET,
    'client.region': REGION,
  };
}

/** Several Spark reads, appends and SQL statements on the s3:// warehouse, in one JVM. */
export function sparkBatchS3(
  p: S3InteropProject,
  ops: SparkOp[],
  timeoutMs = SPARK_TIMEOUT_MS,
): Promise<SparkVersions & { results: SparkOpResult[] }> {
  assertAwsBundle();
  const args = ['--catalog-uri', `jdbc:sqlite:${p.catalogDb}`, '--catalog-name', p.catalogName, '--warehouse', p.warehouse];
  for (const [k, v] of Object.entries(sparkS3CatalogProps())) args.push('--catalog-prop', `${k}=${v}`);
  args.push('--ops-json', '-');
  return runOracleScript('spark_batch.py', args, { timeoutMs, stdin: JSON.stringify(ops), needSpark: true });
}
