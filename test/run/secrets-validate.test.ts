/**
 * Secrets interpolated into pipeline files never leave the process: not on stdout or stderr,
 * not in --json events (errors included), not in snapshot summaries. And `floe validate`
 * reports every mistake of a pipeline file at once, each with file:line:col.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, type RunResult, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const SECRET = 'sk-live.Q7f3a9Zx2Lm/vT';
const env = { SECRET_TOKEN: SECRET };

describe('secrets', () => {
  let p: Project;
  let server: Server;
  let base: string;
  const outputs: RunResult[] = [];
  const leaks = (text: string) => [SECRET, encodeURIComponent(SECRET)].filter((s) => text.includes(s));

  beforeAll(async () => {
    // An API that needs the token and, failing, echoes the request (URL and headers) back.
    server = createServer((req, res) => {
      if (req.url?.startsWith('/fail')) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`no luck for ${req.url} with ${JSON.stringify(req.headers)}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ id: 1, seen: req.url?.includes(encodeURIComponent(SECRET)) || req.url?.includes(SECRET) }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    p = await newProject();
    await p.write('data/orders.csv', 'id,amount\n1,10\n');
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders }\n');
    await p.pipeline(
      'annotated',
      [
        'source:',
        '  kind: sql',
        '  query: "SELECT id, amount FROM raw.orders -- exported from https://api.example.com/v1/orders?token=${SECRET_TOKEN}"',
        'target: { table: mart.annotated, mode: overwrite }',
        '',
      ].join('\n'),
    );
    await p.pipeline(
      'api',
      [
        'source:',
        '  kind: http',
        `  url: "${base}/items?api_token=\${SECRET_TOKEN}"`,
        '  headers: { Authorization: "Bearer ${SECRET_TOKEN}" }',
        '  records_path: data',
        'target: { table: api.items }',
        '',
      ].join('\n'),
    );
    await p.pipeline(
      'api_down',
      [
        'source:',
        '  kind: http',
        `  url: "${base}/fail?api_token=\${SECRET_TOKEN}"`,
        '  headers: { X-Api-Key: "${SECRET_TOKEN}" }',
        '  retries: { max: 0 }',
        'target: { table: api.down }',
        '',
      ].join('\n'),
    );
    // DuckDB quotes the value it could not convert in its error.
    await p.pipeline('convert', `source:\n  kind: sql\n  query: "SELECT CAST('\${SECRET_TOKEN}' AS INTEGER) AS x"\ntarget: { table: mart.convert }\n`);
    // A file path holding the secret that does not exist: the error names the path.
    await p.pipeline('missing', 'source: { kind: csv, path: "data/${SECRET_TOKEN}/orders.csv" }\ntarget: { table: raw.missing }\n');

    outputs.push(await p.run(['--all', '--json'], 1, env));
    outputs.push(await p.run(['--all'], 1, env));
    outputs.push(await p.run(['api_down', '--debug'], 1, env));
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

  it('the pipelines that can run do, with the secret in their requests', async () => {
    const evs = events(outputs[0]!.stdout);
    for (const name of ['orders', 'annotated', 'api']) expect(evs.find((e) => e.event === 'commit' && e.pipeline === name), `${name}\n${outputs[0]!.stdout}`).toBeDefined();
    for (const name of ['api_down', 'convert', 'missing']) expect(evs.find((e) => e.event === 'error' && e.pipeline === name), `${name}\n${outputs[0]!.stdout}`).toBeDefined();
    expect(await p.query('SELECT DISTINCT id, seen FROM api.items')).toEqual([{ id: 1, seen: true }]);
  });

  it('never appears in stdout, stderr or --json events, errors included', () => {
    for (const r of outputs) {
      expect(leaks(r.stdout), show(r)).toEqual([]);
      expect(leaks(r.stderr), show(r)).toEqual([]);
    }
    const evs = events(outputs[0]!.stdout);
    const messages = evs.filter((e) => e.event === 'error').map((e) => String(e.message));
    expect(messages.some((m) => m.includes('***')), messages.join('\n')).toBe(true);
    // The failing API's echo made it into the message, masked.
    const down = evs.find((e) => e.event === 'error' && e.pipeline === 'api_down')!;
    expect(down.message).toContain('500');
  });

  it('never appears in snapshot summaries', async () => {
    for (const table of ['raw.orders', 'mart.annotated', 'api.items']) {
      const r = await p.floe(['snapshots', table, '--json'], env);
      expect(r.code, show(r)).toBe(0);
      expect(leaks(r.stdout), r.stdout).toEqual([]);
      const m = await p.metadata(table);
      expect(leaks(JSON.stringify(m.snapshots.map((s) => s.summary)))).toEqual([]);
      expect(leaks(JSON.stringify(m.properties))).toEqual([]);
    }
  });
});

describe('floe validate', () => {
  it('prints all five mistakes of a pipeline file with file:line:col and exits 2', async () => {
    const p = await newProject();
    const file = await p.pipeline(
      'broken',
      [
        'name: broken', // 1
        'source:', // 2
        '  kind: csv', // 3
        '  path: data/x.csv', // 4
        '  delimter: ";"', // 5: unknown key
        'columns:', // 6
        '  email: { normalize: emale }', // 7: unknown normaliser
        '  amount: { type: money }', // 8: unknown type
        'target:', // 9
        '  table: Raw.Orders', // 10: bad table name
        '  mode: merge', // 11: merge without a key
        '',
      ].join('\n'),
    );
    const r = await p.floe(['validate']);
    expect(r.code, show(r)).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(file));
    expect(lines.map((l) => /^.*?:(\d+):(\d+): ([\w.[\]]+):/.exec(l)?.slice(1, 4)), r.stderr).toEqual([
      ['5', '3', 'source.delimter'],
      ['7', '23', 'columns.email.normalize'],
      ['8', '19', 'columns.amount.type'],
      ['10', '10', 'target.table'],
      ['11', '9', 'target.mode'],
    ]);
    expect(lines[0]).toContain("did you mean 'delimiter'?");
    expect(lines[1]).toContain("'emale'");
    expect(lines[2]).toContain("'money'");
    expect(lines[3]).toContain("'Raw.Orders'");
    expect(lines[4]).toContain('merge needs a key');
    expect(r.stderr).toMatch(/\n5 errors\n?$/);
    expect(r.stdout).toBe('');

    // run refuses the same file with exit 2 and the same diagnostics, before touching anything.
    const run = await p.run(['broken'], 2);
    expect(run.stderr.split('\n').filter((l) => l.startsWith(file))).toHaveLength(5);
    expect(await p.tables()).toEqual([]);
  });
});
