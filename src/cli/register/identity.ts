/** `floe identity explain <customer_id>`: why records were linked into one customer. */
import type { Command } from 'commander';
import { lazy } from '../lazy.js';

export function registerIdentity(program: Command): void {
  const identity = program.command('identity').description('Customer 360 identity resolution (kind: identity pipelines)');
  identity
    .command('explain <customer_id>')
    .description("a customer's source records, their identifiers, and the shared identifier values that linked them")
    .option('--pipeline <name>', 'the identity pipeline (needed when the project has several)')
    .option('--json', 'print JSON')
    .option('--mask', 'show identifier values of PII-tagged input columns through their policies, as floe query --mask does')
    .action(lazy(() => import('../commands/identity-explain.js')));
}
