/**
 * A TCP proxy in front of a Postgres server that cuts the client's side of a connection right
 * after forwarding a chosen statement: the statement reaches the server, its answer never
 * reaches floe (a dropped connection with an unanswered UPDATE or COMMIT).
 */
import net from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Cut the next connection that sends `marker` (default an UPDATE of iceberg_tables), right after forwarding it. */
  arm(marker?: string): void;
  cuts: number;
  close(): Promise<void>;
}

export async function cuttingProxy(upstreamHost: string, upstreamPort: number): Promise<CuttingProxy> {
  let armed: string | undefined;
  const sockets = new Set<net.Socket>();
  const state = { cuts: 0 };
  const server = net.createServer((client) => {
    const up = net.connect(upstreamPort, upstreamHost);
    sockets.add(client).add(up);
    const end = () => (client.destroy(), up.destroy());
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    up.on('data', (d: Buffer) => client.write(d));
    client.on('data', (d: Buffer) => {
      const cut = armed !== undefined && d.includes(armed);
      up.write(d, () => {
        if (!cut) return;
        // The statement is on its way to the server; floe's side of the connection is gone.
        state.cuts++;
        client.destroy();
      });
      if (cut) armed = undefined;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    arm: (marker = 'UPDATE iceberg_tables') => (armed = marker),
    get cuts() {
      return state.cuts;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
