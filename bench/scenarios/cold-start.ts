/**
 * Scenario 7: `floe --help` cold start against `node -e 0`. The ratio is what floe adds to
 * bare node start-up: module loading of the CLI layer. Commands load lazily, so help must
 * not pull in DuckDB, SQLite or any driver. Each run is its own process in a fresh cwd.
 * Runs are short and noisy, hence more repetitions than the other scenarios.
 */
import { wallAtMost } from '../lib/goals.js';
import type { Scenario } from '../lib/types.js';
import { floeArgv, floeUnavailable, optional } from './common.js';

export const coldStart: Scenario = {
  id: '7',
  key: 'cold-start',
  title: 'CLI cold start (`floe --help`)',
  measures: 'Wall time and peak RSS of `node bin/floe.js --help` against `node -e 0`, each a fresh process.',
  implemented: true,
  reps: { full: 15, quick: 2 },

  async prepare(ctx) {
    return [
      {
        id: 'help',
        label: 'floe --help',
        params: {},
        contenders: [
          {
            id: 'floe',
            label: 'floe --help',
            role: 'candidate',
            ...optional(floeUnavailable(ctx)),
            command: () => ({ argv: floeArgv(ctx, '--help') }),
            verify: (stdout) => (/Usage:/i.test(stdout) ? {} : { problem: 'no usage text on stdout' }),
            timeoutMs: 60_000,
          },
          {
            id: 'node',
            label: 'node -e 0',
            role: 'baseline',
            command: () => ({ argv: [process.execPath, '-e', '0'] }),
            timeoutMs: 60_000,
          },
        ],
      },
    ];
  },

  goals(cases) {
    return [wallAtMost('vs-node', 'wall ≤ 3× `node -e 0`', cases[0], 'floe', 'node', 3)];
  },
};
