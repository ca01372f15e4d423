/**
 * Local endpoints that misbehave on purpose, for the S3 timeout tests: one that accepts
 * connections and never answers (idle_timeout), one whose connections never complete
 * (connect_timeout). Each returns its `close`; the test file registers it for after its tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { expect } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import type { S3RetryEvent } from '../../src/io/s3-retry.js';
import { s3SettingsFromProject } from '../../src/io/s3-settings.js';
import { formatDiagnostic, validateProjectText } from '../../src/pipeline/index.js';

/** Closes `server` after destroying the sockets it accepted (kept in `sockets`). */
export function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

export interface SilentServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A server on 127.0.0.1 that accepts connections and never says anything (nor reads what it is sent). */
export async function silentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { endpoint: `http://127.0.0.1:${port}`, port, connections: () => accepted, close: closer(server, sockets) };
}

/**
 * A port on 127.0.0.1 whose listener never accepts and whose accept queue is full, so a new
 * connection never completes (Linux drops the SYN): a host that drops packets. Node's servers
 * always accept, so a small Python process holds the listener (backlog 0), filled by one
 * connection. `close` ends both.
 */
export async function portThatNeverConnects(): Promise<{ port: number; close: () => void }> {
  const script = "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()";
  const child: ChildProcess = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let filler: net.Socket | undefined;
  const close = () => {
    filler?.destroy();
    child.kill();
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    });
    const f = net.connect(port, '127.0.0.1');
    filler = f;
    await new Promise<void>((resolve, reject) => {
      f.once('connect', resolve);
      f.once('error', reject);
    });
    return { port, close };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * An S3 FileIO built the way commands build it: from floe.yaml text whose `storage.s3` has
 * `endpoint`, the given credentials and the extra `settings` lines. Retries go to `events`.
 */
export function s3FileIOFromYaml(endpoint: string, o: { accessKey: string; secret: string; settings: string[]; events: S3RetryEvent[] }): S3FileIO {
  const text = [
    'warehouse: s3://lake/wh',
    'catalog: { uri: "sqlite:./catalog.db" }',
    'storage:',
    '  s3:',
    `    endpoint: ${endpoint}`,
    '    path_style: true',
    `    access_key_id: ${o.accessKey}`,
    `    secret_access_key: ${o.secret}`,
    ...o.settings.map((l) => `    ${l}`),
    '',
  ].join('\n');
  const r = validateProjectText(text, '/srv/floe.yaml', {});
  expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
  return new S3FileIO(s3SettingsFromProject(r.value!.storage.s3), { onRetry: (e) => o.events.push(e) });
}
