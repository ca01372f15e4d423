/** `floe maintain expire|orphans|manifests` and `floe snapshot rollback|tag|branch`. */
import type { Command } from 'commander';

export function registerMaintain(_program: Command): void {}
