/**
 * Many small `mode: merge` runs against a model of the table, in both write modes: seeded
 * batches of upserts and deletes (delete_column) on a composite key whose text part differs
 * only in case or a leading space, keys repeated inside a batch (the later row wins), rows
 * moving between partitions, a partition evolution between merges (the pipeline's own
 * partition_by brings the first spec back later), and `floe compact` in the middle and at the
 * end. After every run floe's rows must be the model's; PyIceberg must read the same rows
 * after the evolution, after each compaction and at the end.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertProvisioned, pyicebergRead } from './oracle.js';
import { FloeProject, assertBuilt } from './helpers/floe-cli.js';

const STEPS = 8;
const MODES = ['merge-on-read', 'copy-on-write'] as const;

type Key = string; // `${a}|${b}`
type Row = { a: number; b: string; g: string; n: number };

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sorted = (rows: Row[]) => [...rows].sort((x, y) => x.a - y.a || (x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
const canon = (rows: Record<string, unknown>[]): Row[] => sorted(rows.map((r) => ({ a: Number(r.a), b: String(r.b), g: String(r.g), n: Number(r.n) })));

const projects: FloeProject[] = [];
afterAll(() => projects.forEach((p) => p.remove()));

describe.each(MODES)('seeded merges against a model (%s)', (mode) => {
  it(
    'floe and PyIceberg read the model after every step, through partition evolution and compaction',
    async () => {
      assertBuilt();
      assertProvisioned(false);
      const p = new FloeProject(`merge-review-model-${mode}`);
      projects.push(p);
      mkdirSync(join(p.dir, 'pipelines'), { recursive: true });
      const input = join(p.inputs, 'm.csv');
      writeFileSync(
        join(p.dir, 'pipelines', 'm.yaml'),
        [
          `source: { kind: csv, path: ${JSON.stringify(input)} }`,
          'columns:',
          '  a: { type: long }',
          '  b: { type: string }',
          '  g: { type: string }',
          '  n: { type: long }',
          '  gone: { type: boolean }',
          'target:',
          '  table: ns.m',
          '  mode: merge',
          '  key: [a, b]',
          '  delete_column: gone',
          '  partition_by: [g]',
          '  properties:',
          `    write.merge.mode: ${mode}`,
          '',
        ].join('\n'),
      );
      const next = random(mode === 'merge-on-read' ? 11 : 12);
      const model = new Map<Key, Row>();
      let n = 0;
      const floeRead = async () => canon(await p.query('SELECT a, b, g, n FROM ns.m'));
      const pyRead = async () => canon((await pyicebergRead({ ...p.catalog, table: 'ns.m' })).rows ?? []);
      for (let step = 0; step < STEPS; step++) {
        const batch: (Row & { gone: boolean })[] = [];
        const size = 1 + Math.floor(next() * 12);
        for (let i = 0; i < size; i++) {
          const a = Math.floor(next() * 12);
          const b = ['x', 'X', ' x', 'y'][Math.floor(next() * 4)]!;
          const g = ['eu', 'us', 'ap'][Math.floor(next() * 3)]!;
          batch.push({ a, b, g, n: ++n, gone: step > 0 && next() < 0.25 });
        }
        writeFileSync(input, `a,b,g,n,gone\n${batch.map((r) => `${r.a},"${r.b}",${r.g},${r.n},${r.gone}`).join('\n')}\n`);
        // The later row of a key wins.
        const last = new Map<Key, Row & { gone: boolean }>();
        for (const r of batch) last.set(`${r.a}|${r.b}`, r);
        for (const [k, r] of last) {
          if (r.gone) model.delete(k);
          else model.set(k, { a: r.a, b: r.b, g: r.g, n: r.n });
        }
        await p.ok(['run', 'm']);
        const label = `${mode} step ${step}`;
        expect(await floeRead(), label).toEqual(sorted([...model.values()]));
        if (step === 2) {
          await p.ok(['table', 'evolve', 'ns.m', '--partition-by', 'bucket(3, a)']);
          expect(await pyRead(), `${label}, evolved`).toEqual(sorted([...model.values()]));
        }
        if (step === 5) {
          await p.ok(['compact', 'ns.m']);
          expect(await floeRead(), `${label}, compacted`).toEqual(sorted([...model.values()]));
          expect(await pyRead(), `${label}, compacted`).toEqual(sorted([...model.values()]));
        }
      }
      // The batches did update, move and delete: the model is neither empty nor every key ever written.
      expect(model.size).toBeGreaterThan(5);
      expect(model.size).toBeLessThan(n);
      expect(await pyRead(), `${mode} end`).toEqual(sorted([...model.values()]));
      await p.ok(['compact', 'ns.m']);
      expect(await floeRead(), `${mode} compacted at the end`).toEqual(sorted([...model.values()]));
      expect(await pyRead(), `${mode} compacted at the end`).toEqual(sorted([...model.values()]));
    },
    600_000,
  );
});
