import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Diagnostic, validatePipelineText } from '../../src/pipeline/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Variables the valid fixtures reference. */
export const ENV = {
  CRM_DATABASE_URL: 'postgresql://crm:s3cr%40t-pw@crm-db:5432/crm',
  BILLING_DATABASE_URL: 'mysql://billing:billing-pass-9@billing-db:3306/billing',
  SUPPORT_API_TOKEN: 'tok_live_0123456789',
  S3_ENDPOINT: 'http://localhost:9000',
};

export function validateFixture(rel: string, env: Record<string, string> = ENV) {
  const file = join(FIXTURES, rel);
  return validatePipelineText(readFileSync(file, 'utf8'), file, env);
}

/** `line:col path` of each error, the form the assertions compare. */
export const where = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.path}`);
