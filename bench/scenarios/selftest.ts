/**
 * A tiny synthetic scenario for the harness's own test (test/bench/harness.test.ts): it
 * needs neither a build nor generated data. The candidate holds 64 MiB more than the
 * baseline, so a working RSS method must see a difference of about that much.
 */
import { rssAtMost } from '../lib/goals.js';
import type { GoalResult, Scenario } from '../lib/types.js';

const MIB = 1024 ** 2;
// fill() touches every page, so the 64 MiB are resident; the pause (400 ms, 20 poll intervals) lets a poller see them.
const ALLOC = 'const b = Buffer.alloc(64 * 1024 * 1024, 1); setTimeout(() => process.stdout.write(String(b[0])), 400)';

export const selftest: Scenario = {
  id: 'selftest',
  key: 'selftest',
  title: 'Harness self-test',
  measures: 'node holding 64 MiB against `node -e 0`: checks that runs, medians and peak RSS are recorded.',
  implemented: true,
  hidden: true,
  reps: { full: 2, quick: 2 },

  async prepare() {
    return [
      {
        id: 'alloc',
        label: '64 MiB',
        params: { alloc_bytes: 64 * MIB },
        contenders: [
          {
            id: 'alloc',
            label: 'node holding 64 MiB',
            role: 'candidate',
            command: () => ({ argv: [process.execPath, '-e', ALLOC] }),
            verify: (stdout) => (stdout === '1' ? {} : { problem: `unexpected output ${JSON.stringify(stdout)}` }),
            timeoutMs: 60_000,
          },
          { id: 'node', label: 'node -e 0', role: 'baseline', command: () => ({ argv: [process.execPath, '-e', '0'] }), timeoutMs: 60_000 },
        ],
      },
    ];
  },

  goals(cases) {
    const c = cases[0];
    const a = c?.contenders.find((x) => x.id === 'alloc')?.peak_rss_bytes;
    const n = c?.contenders.find((x) => x.id === 'node')?.peak_rss_bytes;
    const seen: GoalResult =
      a && n
        ? { id: 'rss-seen', text: 'peak RSS shows the 64 MiB (≥ 48 MiB above node -e 0)', value: a - n, measured: `+${((a - n) / MIB).toFixed(0)} MiB`, met: a - n >= 48 * MIB }
        : { id: 'rss-seen', text: 'peak RSS shows the 64 MiB (≥ 48 MiB above node -e 0)', value: null, measured: 'not judged: no RSS', met: null };
    return [seen, rssAtMost('rss-cap', 'peak RSS ≤ 1 GiB', c, 'alloc', 1024 * MIB)];
  },
};
