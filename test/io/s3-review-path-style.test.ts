/**
 * A store served at one host name (MinIO, Ceph) with `path_style` left false: the SDK puts
 * the bucket in the host name, which does not resolve. The hint named only the endpoint; it
 * now names storage.s3.path_style. `.invalid` never resolves (RFC 6761).
 */
import { describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { testSettings } from '../helpers/s3.js';
import { rejection } from '../helpers/rejection.js';

const SECRET = 'floe_s3_secret_MARK_9z';

describe('an endpoint whose virtual-hosted bucket name does not resolve', () => {
  it('virtual-hosted style: the hint names path_style and the host; no secret', async () => {
    const io = new S3FileIO(testSettings({ endpoint: 'http://store.invalid:9000', pathStyle: false, maxAttempts: 1, secretAccessKey: SECRET }));
    try {
      const e = await rejection(io.read('s3://lake/wh/raw/t/metadata/00000-a.metadata.json'));
      expect(e.kind).toBe('io');
      expect(e.message).toContain('ENOTFOUND');
      expect(e.hint).toContain('lake.store.invalid');
      expect(e.hint).toContain('storage.s3.path_style: true');
      expect(`${e.message} ${e.hint}`).not.toContain(SECRET);
    } finally {
      io.client.destroy();
    }
  }, 30_000);

  it('path style: the endpoint itself does not resolve, and the hint stays about the endpoint', async () => {
    const io = new S3FileIO(testSettings({ endpoint: 'http://store.invalid:9000', pathStyle: true, maxAttempts: 1 }));
    try {
      const e = await rejection(io.read('s3://lake/wh/x.json'));
      expect(e.hint).toBe('Check storage.s3.endpoint and that the store is reachable.');
    } finally {
      io.client.destroy();
    }
  }, 30_000);
});
