/**
 * A fault-injecting HTTP proxy in front of the S3 test server (moto). It forwards every
 * request, except that a seeded, deterministic sequence of decisions makes a fraction of
 * them fail in one of these ways:
 *
 * - `500`: answers 500 InternalError (an S3 XML error body) without forwarding;
 * - `503`: answers 503 SlowDown without forwarding;
 * - `drop`: closes the connection before forwarding (a network error, nothing applied);
 * - `lost`: forwards the request, so the store applies it, then closes the connection
 *   without answering (the case of a PUT that landed but whose answer never arrived);
 * - `cut`: forwards the request, then sends the status, the headers and half of the body
 *   before closing the connection (an answer cut off while being read);
 * - `hang`: never answers (a store gone silent); not in the default mix, since the client
 *   waits for its idle timeout;
 * - `no-such-upload`: answers 404 NoSuchUpload without forwarding (how some stores answer a
 *   repeated multipart completion); only through `script`.
 *
 * One request (method and path) is never failed more than `maxStreak` times in a row, so
 * a client with more attempts than that always gets through: the tests cannot flake on an
 * unlucky draw. The proxy counts what it injected.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { s3Endpoint } from './s3.js';
import { seeded } from './random.js';

export type Fault = '500' | '503' | 'drop' | 'lost' | 'cut' | 'hang' | 'no-such-upload';
/** The default mix. */
export const FAULTS: readonly Fault[] = ['500', '503', 'drop', 'lost', 'cut'];

export interface FaultProxyOptions {
  /** The fraction of requests to fail, 0..1. */
  rate: number;
  /** Seed of the decision sequence. */
  seed: number;
  /** Which faults to inject, drawn evenly; default all. */
  faults?: readonly Fault[];
  /** Consecutive faults for one method and path at most (default 2). */
  maxStreak?: number;
  /** Decides instead of the seeded draws: the fault for the n-th eligible request, or undefined to pass it. */
  script?: (method: string, path: string, n: number) => Fault | undefined;
  /** Which requests may be failed; default all. */
  eligible?: (method: string, path: string) => boolean;
  /** The S3 server; default FLOE_TEST_S3_ENDPOINT. */
  upstream?: string;
}

export interface S3FaultProxy {
  endpoint: string;
  /** Requests received. */
  requests(): number;
  /** Faults injected, by kind. */
  injected(): Record<Fault, number>;
  /** All faults injected. */
  injectedTotal(): number;
  /** Turns injection on or off (on at the start). */
  setEnabled(on: boolean): void;
  close(): Promise<void>;
}

function s3Error(status: number, code: string, message: string): { status: number; body: string } {
  const requestId = Math.random().toString(16).slice(2, 18).toUpperCase();
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}

export async function s3FaultProxy(o: FaultProxyOptions): Promise<S3FaultProxy> {
  const upstream = new URL(o.upstream ?? s3Endpoint());
  const random = seeded(o.seed);
  const kinds = o.faults ?? FAULTS;
  const maxStreak = o.maxStreak ?? 2;
  const streaks = new Map<string, number>();
  const counts: Record<Fault, number> = { '500': 0, '503': 0, drop: 0, lost: 0, cut: 0, hang: 0, 'no-such-upload': 0 };
  let scripted = 0;
  let requests = 0;
  let enabled = true;

  function decide(key: string): Fault | undefined {
    // Two draws per request, always, so the sequence does not depend on the streak rule.
    const hit = random() < o.rate;
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    const streak = streaks.get(key) ?? 0;
    if (!enabled || !hit || streak >= maxStreak) {
      streaks.delete(key);
      return undefined;
    }
    streaks.set(key, streak + 1);
    counts[kind]++;
    return kind;
  }

  const server = http.createServer((req, res) => {
    requests++;
    const eligible = o.eligible?.(req.method ?? '', req.url ?? '') ?? true;
    let fault: Fault | undefined;
    if (eligible && o.script) {
      fault = enabled ? o.script(req.method ?? '', req.url ?? '', ++scripted) : undefined;
      if (fault) counts[fault]++;
    } else if (eligible) {
      fault = decide(`${req.method} ${req.url}`);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fault === 'drop') return req.socket.destroy();
      if (fault === 'hang') return;
      if (fault === 'no-such-upload') {
        const e = s3Error(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
        res.writeHead(e.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(e.body) });
        return res.end(e.body);
      }
      if (fault === '500' || fault === '503') {
        const e = fault === '500' ? s3Error(500, 'InternalError', 'injected by the test proxy') : s3Error(503, 'SlowDown', 'injected by the test proxy');
        res.writeHead(e.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(e.body) });
        return res.end(req.method === 'HEAD' ? undefined : e.body);
      }
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          if (fault === 'lost') return req.socket.destroy();
          const all = Buffer.concat(body);
          if (fault === 'cut' && all.length >= 2) {
            res.writeHead(up.statusCode ?? 500, up.headers);
            res.write(all.subarray(0, Math.floor(all.length / 2)), () => req.socket.destroy());
            return;
          }
          // A response without a body to cut is lost instead.
          if (fault === 'cut') return req.socket.destroy();
          res.writeHead(up.statusCode ?? 500, up.headers);
          res.end(all);
        });
      });
      forward.on('error', () => {
        const e = s3Error(502, 'BadGateway', 'the test proxy cannot reach the S3 server');
        res.writeHead(e.status, { 'content-type': 'application/xml' });
        res.end(e.body);
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    injected: () => ({ ...counts }),
    injectedTotal: () => Object.values(counts).reduce((a, b) => a + b, 0),
    setEnabled: (on) => {
      enabled = on;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
