/**
 * TLS in a MySQL source's URL. mysql2 reads every query parameter as an option: `?ssl=true`
 * failed with "SSL profile must be an object", and `?ssl-mode=REQUIRED` (the mysql client's
 * spelling) was an unknown option, ignored with a warning on stderr, so a read that asked for
 * TLS ran in plain text. The provisioned server has no TLS: a URL requiring it must fail, and
 * one preferring it must connect in plain text.
 */
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { mysqlTls } from '../../src/sources/db-mysql-url.js';
import { mysqlSource } from '../../src/sources/mysql.js';
import { config, context, runId, services, setupOnce, textRows, useEngine } from './helpers.js';

const engine = useEngine();
const table = `tls_${runId}`;
let url = '';
let admin: mysql.Connection | undefined;
setupOnce(async () => {
  url = services().mysql;
  admin = await mysql.createConnection({ uri: url, multipleStatements: true });
  await admin.query(`CREATE TABLE ${table} (id INT); INSERT INTO ${table} VALUES (1), (2);`);
});
afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await admin?.end();
});

const withParams = (params: string) => `${url}${url.includes('?') ? '&' : '?'}${params}`;
const read = (params: string) => mysqlSource(config({ kind: 'mysql', connection: withParams(params), table })).extract(context(engine()));
const failure = async (params: string) => {
  const err = await read(params).catch((e: unknown) => e);
  expect(err, params).toBeInstanceOf(FloeError);
  return err as FloeError;
};

describe('mysql: ssl-mode and ssl in the connection URL', () => {
  it('a URL requiring TLS fails against a server without it, saying so; it never reads in plain text', async () => {
    for (const params of ['ssl-mode=REQUIRED', 'ssl=true', 'sslMode=VERIFY_IDENTITY', 'ssl-mode=verify_ca']) {
      const err = await failure(params);
      expect(err.message, params).toContain('Server does not support secure connection');
      expect(err.hint, params).toContain('ssl-mode=PREFERRED');
      expect(err.message, params).not.toContain('SSL profile');
    }
  });

  it('PREFERRED falls back to plain text on a server without TLS; DISABLED and ssl=false read in plain text', async () => {
    for (const params of ['ssl-mode=PREFERRED', 'sslMode=DISABLED', 'ssl=false']) {
      const out = await read(params);
      expect(await textRows(engine(), out.relation, 'id'), params).toEqual([{ id: '1' }, { id: '2' }]);
    }
  });

  it('a mode MySQL does not have is a config error; the other parameters are kept', async () => {
    const err = await failure('ssl-mode=SOMETIMES');
    expect(err.kind).toBe('config');
    expect(err.message).toContain('ssl-mode=SOMETIMES, which is not an ssl mode');
    const tls = mysqlTls('mysql://u:p%40ss@h:3306/db?charset=utf8mb4&ssl-mode=REQUIRED&connectTimeout=5000#x', 'p');
    expect(tls.uri).toBe('mysql://u:p%40ss@h:3306/db?charset=utf8mb4&connectTimeout=5000#x');
    expect(tls.ssl).toEqual({ rejectUnauthorized: false });
    expect(mysqlTls('mysql://h/db?ssl={"ca":"x"}', 'p')).toEqual({ uri: 'mysql://h/db?ssl={"ca":"x"}', fallBackToPlain: false });
  });
});
