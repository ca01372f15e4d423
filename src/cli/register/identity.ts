/** `floe identity explain <customer_id>`: why records were linked into one customer. */
import type { Command } from 'commander';

export function registerIdentity(_program: Command): void {}
