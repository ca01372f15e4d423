/**
 * Scenario 3: the time of one append commit as a table's history grows — 1, 100 and 1,000
 * snapshots holding 1k, 10k and 100k data files in total (--quick: 1 and 20 snapshots ×
 * 100 and 1,000 files).
 *
 * The tables are built once through floe's library (src/), with data files that exist only
 * as manifest entries (realistic metrics, no Parquet): a commit reads and writes metadata
 * only, so real data files would change nothing but the build time. They are cached in
 * .cache/bench/commit-latency/.
 *
 * Each run is a node process (plain JS, importing the built dist/) that appends one data file
 * through the same path `floe load` commits with (writeAddedManifest → buildSnapshotChange →
 * commitTable) and then restores the table: it moves the catalog pointer back and deletes what
 * the commit wrote, so every run starts from the same table; it does that 10 times and
 * reports the median in-process commit time (table load, manifest, manifest list, metadata
 * file, catalog swap) of the last 7, which the main goal compares: the first commits of a
 * process run while the JIT is still compiling the commit path, which costs the same
 * whatever the table (a fresh table's first commit takes 3–4× its later ones), so the steady
 * state isolates the work that grows with history. The first commit of each process (what a
 * one-shot `floe load` pays) is reported beside it. The process wall time (node start-up and
 * imports included, about the same in every case) is the harness' figure and a second goal.
 * Baseline `fresh`: the same commits into a table without snapshots.
 */
import { join } from 'node:path';
import { toBinary } from '../../src/iceberg/conversions.js';
import { type DataFile, DataFileContent, type StructType } from '../../src/iceberg/types.js';
import { fmtCount } from '../lib/format.js';
import { contender, wallAtMost } from '../lib/goals.js';
import { syntheticTable } from '../lib/synthetic-table.js';
import type { Case, CaseResult, Contender, GoalResult, Scenario, ScenarioContext } from '../lib/types.js';
import { floeUnavailable, optional, writeCachedScript } from './common.js';

const TEMPLATE_VERSION = 3;
const TIMEOUT_MS = 10 * 60_000;

function sizes(quick: boolean): { snapshots: number[]; files: number[] } {
  return quick ? { snapshots: [1, 20], files: [100, 1_000] } : { snapshots: [1, 100, 1_000], files: [1_000, 10_000, 100_000] };
}

export const commitLatency: Scenario = {
  id: '3',
  key: 'commit-latency',
  title: 'Commit latency vs snapshots and files',
  measures:
    'Wall time of a process appending one data file (one commit through the library, from dist/) to tables of ' +
    '1 / 100 / 1,000 snapshots × 1k / 10k / 100k data files, against the same commit into a fresh table; ' +
    'plus the manifests each commit writes (constant: existing manifests are reused).',
  implemented: true,
  reps: { full: 5, quick: 2 },

  async prepare(ctx) {
    const { snapshots, files } = sizes(ctx.quick);
    const driver = writeDriver(ctx);
    const fresh = await template(ctx, 0, 0);
    const cases: Case[] = [];
    for (const s of snapshots) {
      for (const f of files) {
        const dir = await template(ctx, s, f);
        cases.push({
          id: `s${s}-f${fmtCount(f).toLowerCase()}`,
          label: `${fmtCount(s)} snapshots × ${fmtCount(f)} files`,
          params: { snapshots: s, data_files: f, manifests: s },
          contenders: [runner(ctx, driver, 'floe', `append to ${fmtCount(s)} snapshots × ${fmtCount(f)} files`, 'candidate', dir), runner(ctx, driver, 'fresh', 'append to a fresh table', 'baseline', fresh)],
        });
      }
    }
    return cases;
  },

  goals(cases, ctx) {
    const { snapshots, files } = sizes(ctx.quick);
    const largest = cases.find((c) => c.params.snapshots === snapshots.at(-1) && c.params.data_files === files.at(-1));
    const goals: GoalResult[] = [
      commitAtMost(largest, 5),
      firstCommitRatio(largest),
      wallAtMost('wall-vs-fresh', `process wall ≤ 5× a fresh table (${largest?.label ?? 'largest case'})`, largest, 'floe', 'fresh', 5),
    ];
    // Manifests written per commit: 1 (the new one) in every case, however long the history.
    const written = cases.map((c) => Number(contender(c, 'floe')?.info?.manifests_written ?? NaN));
    const known = written.every((n) => Number.isFinite(n));
    goals.push({
      id: 'manifests-reused',
      text: 'manifests written per commit constant (existing manifests reused)',
      value: known ? Math.max(...written) : null,
      measured: known ? `${[...new Set(written)].join(', ')} manifest(s) per commit over ${cases.length} cases` : 'not judged: a run failed',
      met: known ? new Set(written).size === 1 : null,
    });
    const ms = cases.map((c) => `${c.label}: ${contender(c, 'floe')?.info?.commit_ms ?? '?'} ms`);
    goals.push({ id: 'commit-ms', text: 'median in-process commit time per case (information)', value: null, measured: ms.join('; '), met: null });
    return goals;
  },
};

/** The median in-process commit time (of the last run's 5 commits) over the fresh table's, at most `max`. */
/** The first commit of a process (the JIT still cold), as a one-shot `floe load` makes it; information. */
function firstCommitRatio(c: CaseResult | undefined): GoalResult {
  const text = `first commit in a process vs a fresh table's (information; ${c?.label ?? 'largest case'})`;
  const a = Number(contender(c, 'floe')?.info?.first_commit_ms);
  const b = Number(contender(c, 'fresh')?.info?.first_commit_ms);
  if (!(a > 0) || !(b > 0)) return { id: 'first-commit-vs-fresh', text, value: null, measured: 'not judged: a run failed', met: null };
  return { id: 'first-commit-vs-fresh', text, value: a / b, measured: `${(a / b).toFixed(2)}× (${a} ms / ${b} ms)`, met: null };
}

function commitAtMost(c: CaseResult | undefined, max: number): GoalResult {
  const text = `commit time ≤ ${max}× a fresh table, steady state (${c?.label ?? 'largest case'})`;
  const a = Number(contender(c, 'floe')?.info?.commit_ms);
  const b = Number(contender(c, 'fresh')?.info?.commit_ms);
  if (!(a > 0) || !(b > 0)) return { id: 'commit-vs-fresh', text, value: null, measured: 'not judged: a run failed', met: null };
  const r = a / b;
  return { id: 'commit-vs-fresh', text, value: r, measured: `${r.toFixed(2)}× (${a} ms / ${b} ms)`, met: r <= max };
}

function runner(ctx: ScenarioContext, driver: string, id: string, label: string, role: 'candidate' | 'baseline', project: string): Contender {
  return {
    id,
    label,
    role,
    ...optional(floeUnavailable(ctx)),
    command: () => ({ argv: [process.execPath, driver, join(ctx.repoRoot, 'dist'), project] }),
    verify: (stdout) => {
      try {
        const o = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
        if (!(o.commit_ms! >= 0)) return { problem: `no commit time in ${stdout.slice(0, 200)}` };
        return { info: o };
      } catch {
        return { problem: `not JSON: ${stdout.slice(0, 200)}` };
      }
    },
    timeoutMs: TIMEOUT_MS,
  };
}

const schema: StructType = {
  type: 'struct',
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamp' },
  ],
};

/** A data file entry with the metrics floe writes for three columns. */
function fakeDataFile(location: string, n: number): DataFile {
  const ids = new Map<number, bigint>([[1, 1000n], [2, 1000n], [3, 1000n]]);
  return {
    content: DataFileContent.DATA,
    file_path: join(location, 'data', `part-${String(n).padStart(7, '0')}.parquet`),
    file_format: 'PARQUET',
    partition: [],
    record_count: 1000n,
    file_size_in_bytes: 65_536n,
    column_sizes: new Map([[1, 8000n], [2, 20_000n], [3, 8000n]]),
    value_counts: ids,
    null_value_counts: new Map([[1, 0n], [2, 3n], [3, 0n]]),
    nan_value_counts: new Map(),
    lower_bounds: new Map([[1, toBinary('long', BigInt(n) * 1000n)], [2, toBinary('string', 'aaaa')], [3, toBinary('timestamp', 1_700_000_000_000_000n)]]),
    upper_bounds: new Map([[1, toBinary('long', BigInt(n) * 1000n + 999n)], [2, toBinary('string', 'zzzz')], [3, toBinary('timestamp', 1_700_086_400_000_000n)]]),
  };
}

/** A floe project whose table bench.t has `snapshots` appends of `files` files in total; cached. */
function template(ctx: ScenarioContext, snapshots: number, files: number): Promise<string> {
  return syntheticTable(ctx, {
    dir: join(ctx.cacheDir, 'commit-latency', `v${TEMPLATE_VERSION}-s${snapshots}-f${files}`),
    id: { namespace: ['bench'], name: 't' },
    what: `a table of ${fmtCount(snapshots)} snapshots × ${fmtCount(files)} files`,
    table: { schema },
    *batches(location) {
      let n = 0;
      for (let s = 0; s < snapshots; s++) {
        const count = Math.floor((files * (s + 1)) / snapshots) - Math.floor((files * s) / snapshots);
        yield Array.from({ length: count }, () => fakeDataFile(location, n++));
      }
    },
  });
}

/**
 * The child: plain JS importing dist/, so no TypeScript loader is measured. Prints one JSON
 * line: commit_ms (in-process, load + manifest + list + metadata + catalog swap),
 * manifests_written, manifests_in_list, metadata_bytes.
 */
function writeDriver(ctx: ScenarioContext): string {
  return writeCachedScript(ctx, 'commit-latency-driver.mjs', DRIVER);
}

const DRIVER = `// Generated by bench/scenarios/commit-latency.ts: one append commit, then the table is restored.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [dist, project] = process.argv.slice(2);
const imp = (p) => import(pathToFileURL(join(dist, p)).href);
const { openCatalog } = await imp('catalog/open.js');
const { LocalFileIO } = await imp('io/local.js');
const { commitTable } = await imp('table/commit.js');
const { buildSnapshotChange, newSnapshotId, writeAddedManifest } = await imp('table/snapshot-producer.js');
const { DataFileContent } = await imp('iceberg/types.js');
const { clearMetadataCache } = await imp('table/metadata-cache.js');
class CountingIO extends LocalFileIO {
  written = [];
  async write(location, data, options) {
    this.written.push({ location, bytes: data.length });
    return super.write(location, data, options);
  }
}
const io = new CountingIO();
const id = { namespace: ['bench'], name: 't' };
const catalog = await openCatalog({ uri: 'sqlite:./warehouse/catalog.db', name: 'floe' }, project);
const before = (await catalog.getTable(id)).metadataLocation;
// The first commits of a process run while the JIT compiles the commit path; the measured
// ones come after WARMUP commits (the steady state, where only the work that grows with the
// table's history differs between tables). The first one is reported too: what a one-shot
// \`floe load\` pays.
const WARMUP = 3;
const COMMITS = WARMUP + 7;
const times = [];
let last;
for (let i = 0; i < COMMITS; i++) {
  io.written = [];
  let totalFiles = 0;
  // Every commit parses the table's metadata as a fresh process would: the restore below
  // brings back the same metadata file, whose parse the process would otherwise reuse from
  // its cache (table/metadata-cache.ts), a saving a one-shot \`floe load\` does not get.
  clearMetadataCache();
  const started = performance.now();
  const result = await commitTable(catalog, io, id, async (base) => {
    const file = {
      content: DataFileContent.DATA,
      file_path: join(base.metadata.location, 'data', 'new-' + process.pid + '-' + i + '.parquet'),
      file_format: 'PARQUET',
      partition: [],
      record_count: 1000n,
      file_size_in_bytes: 65536n,
    };
    const manifest = await writeAddedManifest(base.io, base.metadata, [file]);
    const change = await buildSnapshotChange(base, { operation: 'append', snapshotId: newSnapshotId(base.metadata), added: [manifest], addedFiles: [file] });
    totalFiles = Number(change.updates.find((u) => u.action === 'add-snapshot').snapshot.summary['total-data-files'] ?? 0);
    return change;
  });
  times.push(performance.now() - started);
  // Restore: the pointer back, then what the commit wrote, so the next commit sees the same table.
  if (!(await catalog.swapMetadataLocation(id, result.table.metadataLocation, before))) throw new Error('could not restore the table');
  for (const w of io.written) await io.delete(w.location).catch(() => undefined);
  last = { written: io.written, totalFiles };
}
await catalog.close();
const isList = (w) => w.location.split('/').at(-1).startsWith('snap-');
const avro = last.written.filter((w) => w.location.endsWith('.avro'));
const sorted = times.slice(WARMUP).sort((a, b) => a - b);
const round = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({
  commit_ms: round(sorted[Math.floor(sorted.length / 2)]),
  first_commit_ms: round(times[0]),
  commits: COMMITS - WARMUP,
  warmup_commits: WARMUP,
  manifests_written: avro.filter((w) => !isList(w)).length,
  manifest_lists_written: avro.filter(isList).length,
  manifest_list_bytes: avro.filter(isList).reduce((a, w) => a + w.bytes, 0),
  metadata_bytes: last.written.filter((w) => w.location.endsWith('.metadata.json')).reduce((a, w) => a + w.bytes, 0),
  total_data_files: last.totalFiles,
}));
`;
