/**
 * Two CLI test projects on one S3 warehouse behind a fault proxy whose faults are scripted
 * (test/helpers/s3-fault-proxy.ts): while armed, the first `times` requests for each object
 * that `rule` picks fail with `fault`, so a test knows exactly what was injected. `project`
 * uses the default attempts per request, `fragile` two; they share one SQLite catalog.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { createTestBucket, TEST_SECRET } from '../helpers/s3.js';
import { type Fault, s3FaultProxy, type S3FaultProxy } from '../helpers/s3-fault-proxy.js';
import { floeIn, type RunResult } from './helpers.js';
import { S3_ENV, s3FloeYaml } from './s3-project.js';

/** Which requests fail: the method and the path (with the bucket, without the query). */
export type Rule = (method: string, key: string) => boolean;

export interface ScriptedS3 {
  bucket: string;
  proxy: S3FaultProxy;
  project: string;
  fragile: string;
  /**
   * Runs floe in `dir` with the faults armed, then disarms them; returns its result and how
   * many faults were injected. Output never holds the secret.
   */
  withFaults(dir: string, args: string[], rule: Rule, fault?: Fault, times?: number): Promise<{ r: RunResult; injected: number }>;
}

export async function scriptedS3Projects(bucketPrefix: string, tmp: () => Promise<string>): Promise<ScriptedS3> {
  const bucket = await createTestBucket(bucketPrefix);
  const failed = new Map<string, number>();
  let rule: Rule = () => false;
  let fault: Fault = '503';
  let times = 1;
  const proxy = await s3FaultProxy({
    rate: 0,
    seed: 1,
    script: (method, p) => {
      const key = p.replace(/\?.*$/, '');
      if (!rule(method, key)) return undefined;
      const n = failed.get(`${method} ${key}`) ?? 0;
      if (n >= times) return undefined;
      failed.set(`${method} ${key}`, n + 1);
      return fault;
    },
  });
  proxy.setEnabled(false);
  const catalog = path.join(await tmp(), 'catalog.db');
  const project = await tmp();
  const fragile = await tmp();
  const warehouse = `s3://${bucket}/wh`;
  await writeFile(path.join(project, 'floe.yaml'), s3FloeYaml({ warehouse, endpoint: proxy.endpoint, catalog }));
  await writeFile(path.join(fragile, 'floe.yaml'), s3FloeYaml({ warehouse, endpoint: proxy.endpoint, catalog, maxAttempts: 2 }));
  await mkdir(path.join(project, 'pipelines'));

  async function withFaults(dir: string, args: string[], which: Rule, kind: Fault = '503', n = 1) {
    failed.clear();
    rule = which;
    fault = kind;
    times = n;
    const before = proxy.injectedTotal();
    proxy.setEnabled(true);
    try {
      const r = await floeIn(dir, args, { env: S3_ENV });
      expect(r.stdout + r.stderr).not.toContain(TEST_SECRET);
      return { r, injected: proxy.injectedTotal() - before };
    } finally {
      proxy.setEnabled(false);
      rule = () => false;
    }
  }
  return { bucket, proxy, project, fragile, withFaults };
}
