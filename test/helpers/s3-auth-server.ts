/**
 * A second moto server, started by the test, that checks credentials. moto accepts any key
 * by default; with INITIAL_NO_AUTH_ACTION_COUNT=3 it lets three requests through without
 * authentication (creating an IAM user, its policy and its access key) and from then on
 * verifies every request's signature against the keys it issued. A wrong secret then gets
 * a real 403 SignatureDoesNotMatch from the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_S3_SETTINGS, s3ClientConfig } from '../../src/io/s3-settings.js';
import { ROOT } from './floe-process.js';

const MOTO = path.join(ROOT, '.cache/moto-venv/bin/moto_server');

export interface AuthS3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A bucket created with the issued keys. */
  bucket: string;
  close(): Promise<void>;
}

/** A port that was free a moment ago (the listener is closed again). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Connects until the port accepts (a request would use up one of the unauthenticated ones). */
async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto_server did not listen on ${port} within 60 s: ${log()}`);
}

/** An IAM query call; unsigned but naming the service in its credential scope, so moto routes it. */
async function iam(endpoint: string, params: Record<string, string>): Promise<string> {
  const r = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=SETUP/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`IAM ${params.Action} at ${endpoint}: HTTP ${r.status} ${text}`);
  return text;
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];

export async function startAuthS3Server(bucket: string): Promise<AuthS3Server> {
  if (!existsSync(MOTO)) throw new Error(`${MOTO} is missing: run scripts/provision-services.sh`);
  const port = await freePort();
  let output = '';
  const child = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForPort(port, child, () => output);
    const endpoint = `http://127.0.0.1:${port}`;
    await iam(endpoint, { Action: 'CreateUser', UserName: 'floe' });
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    await iam(endpoint, { Action: 'PutUserPolicy', UserName: 'floe', PolicyName: 'all', PolicyDocument: policy });
    const key = await iam(endpoint, { Action: 'CreateAccessKey', UserName: 'floe' });
    const accessKeyId = tag(key, 'AccessKeyId');
    const secretAccessKey = tag(key, 'SecretAccessKey');
    if (!accessKeyId || !secretAccessKey) throw new Error(`no access key in moto's answer: ${key}`);
    const client = new S3Client(s3ClientConfig({ ...DEFAULT_S3_SETTINGS, endpoint, pathStyle: true, accessKeyId, secretAccessKey }));
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
    return { endpoint, accessKeyId, secretAccessKey, bucket, close };
  } catch (e) {
    await close();
    throw e;
  }
}
