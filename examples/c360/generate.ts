/**
 * Regenerates the Customer 360 example sources under examples/c360/data (see README.md):
 *
 *   npx tsx examples/c360/generate.ts [--seed N] [--customers N] [--out DIR]
 *
 * Deterministic: the defaults reproduce the committed files (test/c360/example-data.test.ts).
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS, generate } from './gen/index.js';

const USAGE = 'usage: npx tsx examples/c360/generate.ts [--seed N] [--customers N] [--out DIR]';

function args() {
  try {
    return parseArgs({
      options: {
        seed: { type: 'string', default: String(DEFAULTS.seed) },
        customers: { type: 'string', default: String(DEFAULTS.customers) },
        out: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), 'data') },
      },
    });
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    process.exit(2);
  }
}
const { values } = args();

const int = (name: string, v: string) => {
  if (!/^\d+$/.test(v)) {
    console.error(`--${name} must be a whole number, got '${v}'`);
    process.exit(2);
  }
  return Number(v);
};

const summary = await generate({ seed: int('seed', values.seed), customers: int('customers', values.customers), out: values.out });
for (const [what, n] of Object.entries(summary.records)) console.log(`${what.padEnd(28)} ${n}`);
const bytes = Object.values(summary.files).reduce((s, n) => s + n, 0) + statSync(join(values.out, 'crm.db')).size + statSync(join(values.out, 'web', 'events.parquet')).size;
console.log(`${'total bytes'.padEnd(28)} ${bytes}`);
