import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSecrets, createRedactor, formatDiagnostic, looksSecretName, redactDeep, redactUrl, validateProject } from '../../src/pipeline/index.js';
import { ENV, FIXTURES } from './helpers.js';

describe('secrets', () => {
  it('recognises secret-looking variable and key names', () => {
    for (const n of ['DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'API_KEY', 'apiKey', 'Authorization', 'secret_access_key', 'PGPASSWORD', 'SMTP_PASS']) {
      expect(looksSecretName(n), n).toBe(true);
    }
    for (const n of ['PWD', 'HOME', 'S3_ENDPOINT', 'CRM_HOST', 'monkey', 'keyboard', 'table']) expect(looksSecretName(n), n).toBe(false);
  });

  it('redactUrl strips passwords and secret query parameters, anywhere in a text', () => {
    expect(redactUrl('postgresql://crm:s3cr%40t@db:5432/crm')).toBe('postgresql://crm:***@db:5432/crm');
    expect(redactUrl('failed: mysql://u:p@ss@h/db (timeout)')).toBe('failed: mysql://u:***@h/db (timeout)');
    expect(redactUrl('postgresql://crm@db/crm')).toBe('postgresql://crm@db/crm');
    expect(redactUrl('https://api.example.com/x?page=2&access_token=abc123&key=zz')).toBe('https://api.example.com/x?page=2&access_token=***&key=***');
  });

  it('a redactor masks interpolated secrets, URL passwords (raw and decoded) and secret keys of the config', () => {
    const used = [
      { path: ['a'], name: 'API_TOKEN', value: 'tok_0123456789' },
      { path: ['b'], name: 'CRM_DATABASE_URL', value: 'postgresql://crm:s3cr%40t@db/crm' },
      { path: ['c'], name: 'S3_ENDPOINT', value: 'http://minio:9000' },
    ];
    const config = { storage: { s3: { secret_access_key: 'wJalrXUtnFEMI' } }, headers: { Authorization: 'Bearer abc.def.ghi' } };
    const redact = createRedactor(collectSecrets(used, config));
    expect(redact('t=tok_0123456789 pw=s3cr@t enc=s3cr%40t k=wJalrXUtnFEMI h=abc.def.ghi end=http://minio:9000')).toBe(
      't=*** pw=*** enc=*** k=*** h=*** end=http://minio:9000',
    );
    expect(redactDeep({ a: ['tok_0123456789'], n: 1 }, redact)).toEqual({ a: ['***'], n: 1 });
  });

  it('short values are only masked inside URLs', () => {
    const redact = createRedactor(['ab', 'abcd']);
    expect(redact('ab abcd')).toBe('ab ***');
    expect(redact('mysql://u:ab@h/db')).toBe('mysql://u:***@h/db');
  });

  it('validateProject returns a redactor for the project, and diagnostics never carry secret values', async () => {
    const r = await validateProject(join(FIXTURES, 'project'), { env: ENV });
    const line = `connecting to ${ENV.CRM_DATABASE_URL} and ${ENV.BILLING_DATABASE_URL} with ${ENV.SUPPORT_API_TOKEN}`;
    const out = r.redact(line);
    expect(out).not.toContain('s3cr');
    expect(out).not.toContain('billing-pass-9');
    expect(out).not.toContain(ENV.SUPPORT_API_TOKEN);
    expect(out).toContain('crm-db:5432');
    const bad = await validateProject(join(FIXTURES, 'interp'), { env: { CATALOG_PASSWORD: 'hunter22', S3_PATH_STYLE: 'maybe', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'topsecretvalue' } });
    const text = bad.diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toMatch(/S3_ENDPOINT is not set/);
    expect(text).toMatch(/storage\.s3\.path_style: expected boolean, got string/);
    expect(text).not.toMatch(/hunter22|topsecretvalue/);
    expect(bad.redact('postgresql://floe:hunter22@catalog-db:5432/floe')).toBe('postgresql://floe:***@catalog-db:5432/floe');
  });
});
