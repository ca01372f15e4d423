/**
 * A request given an abort signal (src/io/s3-retry.ts; src/cancel.ts aborts it on SIGINT,
 * SIGTERM, SIGHUP) is never retried once aborted: not sent when it already is, not sent again
 * when the abort cut it off mid-flight, and the wait before a retry ends at the abort. Each
 * throws the signal's reason and reports no retry.
 */
import { describe, expect, it } from 'vitest';
import { withS3Retries, type S3RetryEvent } from '../../src/io/s3-retry.js';

const reason = new Error('interrupted by SIGTERM');
/** What a body cut off by the abort fails with: a network code that is otherwise retried. */
const cutOff = () => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

function options(signal: AbortSignal, events: S3RetryEvent[], sleep?: (ms: number) => Promise<void>) {
  return { operation: 'upload', request: 'UploadPart', location: 's3://b/k', endpoint: 'http://s3.test', maxAttempts: 5, onRetry: (e: S3RetryEvent) => events.push(e), signal, sleep: sleep ?? (() => Promise.resolve()) };
}

describe('an S3 request with an abort signal', () => {
  it('already aborted: never sent', async () => {
    const c = new AbortController();
    c.abort(reason);
    let calls = 0;
    const events: S3RetryEvent[] = [];
    await expect(withS3Retries(options(c.signal, events), async () => ++calls)).rejects.toBe(reason);
    expect(calls).toBe(0);
    expect(events).toEqual([]);
  });

  it('aborted mid-flight: not sent again, though its error is one that is retried', async () => {
    const c = new AbortController();
    let calls = 0;
    const events: S3RetryEvent[] = [];
    const attempt = async () => {
      calls++;
      c.abort(reason);
      throw cutOff();
    };
    await expect(withS3Retries(options(c.signal, events), attempt)).rejects.toBe(reason);
    expect(calls).toBe(1);
    expect(events).toEqual([]);
  });

  it('aborted during the wait before a retry: the wait ends at once, no second attempt', async () => {
    const c = new AbortController();
    let calls = 0;
    const events: S3RetryEvent[] = [];
    // A wait that would never end by itself.
    const sleep = () => {
      setTimeout(() => c.abort(reason), 10);
      return new Promise<void>(() => undefined);
    };
    await expect(withS3Retries(options(c.signal, events, sleep), async () => {
      calls++;
      throw cutOff();
    })).rejects.toBe(reason);
    expect(calls).toBe(1);
    expect(events.map((e) => e.code)).toEqual(['ERR_STREAM_PREMATURE_CLOSE']);
  });

  it('not aborted: retried as before', async () => {
    const c = new AbortController();
    let calls = 0;
    const events: S3RetryEvent[] = [];
    const result = await withS3Retries(options(c.signal, events), async () => {
      if (++calls < 3) throw cutOff();
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(events.length).toBe(2);
  });
});
