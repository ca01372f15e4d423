/** The floe.yaml of a CLI test project whose warehouse is on S3, and the environment it reads. */
import { TEST_ACCESS_KEY, TEST_SECRET } from '../helpers/s3.js';

/** The credentials the floe.yaml of s3FloeYaml refers to by default. */
export const S3_ENV = { S3_TEST_KEY: TEST_ACCESS_KEY, S3_TEST_SECRET: TEST_SECRET };

export interface S3ProjectYaml {
  warehouse: string;
  endpoint: string;
  /** The SQLite catalog file. */
  catalog: string;
  /** The environment variables holding the credentials (S3_TEST_KEY and S3_TEST_SECRET by default). */
  keyVar?: string;
  secretVar?: string;
  maxAttempts?: number;
  /** Lines appended to the `storage.s3` block. */
  extra?: string;
}

export function s3FloeYaml(o: S3ProjectYaml): string {
  return [
    `warehouse: ${o.warehouse}`,
    'catalog:',
    `  uri: sqlite:${o.catalog}`,
    'storage:',
    '  s3:',
    `    endpoint: ${o.endpoint}`,
    '    path_style: true',
    `    access_key_id: \${${o.keyVar ?? 'S3_TEST_KEY'}}`,
    `    secret_access_key: \${${o.secretVar ?? 'S3_TEST_SECRET'}}`,
    ...(o.maxAttempts ? [`    max_attempts: ${o.maxAttempts}`] : []),
    ...(o.extra ? [o.extra] : []),
    '',
  ].join('\n');
}
