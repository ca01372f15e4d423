/**
 * A test file's own raw node:http server and temp folder, for http-source tests that shape the
 * response byte by byte (charsets, gzip, resets, rate-limit headers). For request/Reply
 * routing, test/sources/helpers/http-server.ts is simpler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Listens on 127.0.0.1, port 0; resolves to `http://127.0.0.1:<port>`. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server, dropping kept-alive connections first. */
export async function closeLocal(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A JSON API for this test file that answers every request with `{"data": api.records}`:
 * set `records` before a run. Listens before the file's tests and closes after them.
 */
export function useRecordsApi<T>(): { records: T[]; origin: string } {
  const api = { records: [] as T[], origin: '' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: api.records }));
  });
  beforeAll(async () => {
    api.origin = await listenLocal(server);
  });
  afterAll(() => closeLocal(server));
  return api;
}

/**
 * Gives this test file a private TMPDIR, removed after its tests: the source's floe-http-*
 * page folders land there, since test/sources/http.test.ts counts them in the shared one.
 */
export function usePrivateTmpdir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.env.TMPDIR = dir;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A server that answers each path with the handler `routes` holds for it (404 otherwise) and
 * keeps every request's URL per path in `hits`. `call` applies a handler, so a test file
 * keeps the handler signature that reads best for it.
 */
export function routedServer<H>(call: (handler: H, req: IncomingMessage, res: ServerResponse, url: URL) => void): {
  server: Server;
  routes: Map<string, H>;
  hits: Map<string, URL[]>;
} {
  const routes = new Map<string, H>();
  const hits = new Map<string, URL[]>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.set(url.pathname, [...(hits.get(url.pathname) ?? []), url]);
    const h = routes.get(url.pathname);
    if (h) call(h, req, res, url);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  return { server, routes, hits };
}
