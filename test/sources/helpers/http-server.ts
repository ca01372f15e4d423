/**
 * A real HTTP server for the http source tests: node:http on 127.0.0.1, port 0. Each test
 * routes its own path to a handler that sees every request (method, query, headers, body) and
 * the request's number on that path, and answers with a status, headers, a body and an
 * optional delay before answering (to run into the client's timeout).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

/** `n` counts the requests to this path, from 1. */
export type Handler = (req: Seen, n: number) => Reply | Promise<Reply>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request, in arrival order. */
  requests: Seen[];
  route(path: string, handler: Handler): void;
  /** The requests to one path. */
  seen(path: string): Seen[];
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const requests: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen: Seen = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      const n = (counts.get(u.pathname) ?? 0) + 1;
      counts.set(u.pathname, n);
      const handler = routes.get(u.pathname) ?? ((): Reply => ({ status: 404, body: { error: `no route ${u.pathname}` } }));
      void Promise.resolve(handler(seen, n)).then((reply) => {
        const send = () => {
          if (res.destroyed) return;
          const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
          res.end(body);
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    route: (path, handler) => void routes.set(path, handler),
    seen: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        // Delayed answers still pending would otherwise hold close() open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
