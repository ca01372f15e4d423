/**
 * The S3 FileIO honours floe.yaml's `connect_timeout` and `idle_timeout`: an endpoint that
 * never completes a connection, or that accepts one and then stays silent, fails each attempt
 * after the configured time (not the 10 s and 60 s defaults), is retried, and then fails with
 * an io error naming the endpoint. A closed port fails at once. No S3 server is needed: the
 * endpoints here are local sockets that misbehave on purpose.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { S3FileIO } from '../../src/io/s3.js';
import type { S3RetryEvent } from '../../src/io/s3-retry.js';
import { freePort } from '../helpers/s3-auth-server.js';
import { portThatNeverConnects, s3FileIOFromYaml, silentServer } from '../helpers/silent-servers.js';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** An S3 FileIO from floe.yaml text (silent-servers.ts) with two attempts, destroyed after the tests. */
function fileIO(endpoint: string, lines: string[], events: S3RetryEvent[]): S3FileIO {
  const io = s3FileIOFromYaml(endpoint, { accessKey: 'timeoutkey', secret: 'timeoutsecret', settings: ['max_attempts: 2', ...lines], events });
  cleanups.push(() => io.client.destroy());
  return io;
}

/** Reads one object; returns the error and how long it took to fail. */
async function failedRead(io: S3FileIO): Promise<{ error: FloeError; elapsedMs: number }> {
  const started = Date.now();
  const error = await io.read('s3://lake/wh/t/metadata/v1.metadata.json').then(
    () => {
      throw new Error('the read succeeded against an endpoint that cannot answer');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FloeError);
  return { error: error as FloeError, elapsedMs: Date.now() - started };
}

describe('S3 timeouts from floe.yaml', () => {
  it('connect_timeout: a connection that never completes fails each attempt after it, is retried, and names the endpoint', async () => {
    const never = await portThatNeverConnects();
    cleanups.push(never.close);
    const endpoint = `http://127.0.0.1:${never.port}`;
    const events: S3RetryEvent[] = [];
    const io = fileIO(endpoint, ['connect_timeout: 300ms'], events);
    expect(io.settings.connectTimeoutMs).toBe(300);
    const { error, elapsedMs } = await failedRead(io);
    expect(error.kind).toBe('io');
    expect(error.message).toContain(`cannot read s3://lake/wh/t/metadata/v1.metadata.json at ${endpoint}`);
    expect(error.message).toMatch(/TimeoutError: .*did not establish a connection .*300 ms/);
    expect(error.hint).toMatch(/connect_timeout/);
    expect(error.retryable).toBe(true);
    expect(events.map((e) => [e.operation, e.attempt, e.code, e.endpoint])).toEqual([['read', 1, 'TimeoutError', endpoint]]);
    // Two attempts of 300 ms; the default (10 s each) would take 20 s.
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * 300);
    expect(elapsedMs).toBeLessThan(15_000);
  }, 60_000);

  it('idle_timeout: a store that accepts and stays silent fails each attempt after it, is retried, and names the endpoint', async () => {
    const server = await silentServer();
    cleanups.push(server.close);
    const endpoint = server.endpoint;
    const events: S3RetryEvent[] = [];
    const io = fileIO(endpoint, ['connect_timeout: 5s', 'idle_timeout: 400ms'], events);
    const { error, elapsedMs } = await failedRead(io);
    expect(error.kind).toBe('io');
    expect(error.message).toContain(`at ${endpoint}`);
    expect(error.message).toMatch(/TimeoutError: .*timed out after 400 ms of inactivity/);
    expect(events.map((e) => [e.attempt, e.code])).toEqual([[1, 'TimeoutError']]);
    // Two attempts of 400 ms; the default (60 s each) would take two minutes.
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * 400);
    expect(elapsedMs).toBeLessThan(15_000);
  }, 60_000);

  it('a closed port fails at once with the connection refused, naming the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const events: S3RetryEvent[] = [];
    const io = fileIO(endpoint, ['connect_timeout: 200ms'], events);
    const { error, elapsedMs } = await failedRead(io);
    expect(error.message).toContain(`at ${endpoint}: ECONNREFUSED`);
    expect(error.hint).toMatch(/storage\.s3\.endpoint/);
    expect(events.map((e) => [e.attempt, e.code])).toEqual([[1, 'ECONNREFUSED']]);
    expect(elapsedMs).toBeLessThan(10_000);
  }, 30_000);
});
